"""`insgd theorems`, `check`, `check-insgd` and `lemma2`: theorems held against runs."""

import sys

from insgd.numerics.runs import MAX_SEED
from insgd.theory.numbers import InputError, in_closed, nonnegative, parse_float, parse_number, positive
from insgd.verify.cli.common import (
    _backend_option,
    _count,
    _g,
    _grid,
    _json_options,
    _load_problem,
    _noise,
    _print_json,
    _print_warnings,
    _start_point,
    _table,
)
from insgd.verify.outputs import IMAGE_SUFFIXES, atomic_file, check_out_file
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS

# The paper's theorems with a check of their own (regimes, seeds, Lemma 2's event), by key prefix
OWN_COMMANDS = {"theorem1": "insgd check --beta B", "theorem2": "insgd check-insgd", "lemma2": "insgd lemma2"}


def _bound_lines(t, j, indent) -> list:
    """A record's bound per regime (with what it bounds and how) and its T(eps) per case, one line each."""
    out = [
        f"{indent}bound on {t.measure}{'' if r == '0' else f' (regime {r})'}: {b}  ({j['bound_kind']})"
        for r, b in j["bound"].items()
    ]
    for r, cases in j["T"].items():
        for c in cases:
            when = "" if c["when"] == "True" else f"  when {c['when']}"
            out.append(f"{indent}T(eps){'' if r == '0' else f' (regime {r})'}: {c['kind']} {c['T']}{when}")
    return out


def cmd_theorems(args) -> int:
    from insgd.theory.theorems import REGISTRY, all_differences, get

    if args.name is not None and args.file is not None:
        raise InputError("name and file must not be given together")
    if args.name is not None or args.file is not None:
        if args.file is not None:
            from insgd.verify.checks.theorem_file import load

            t = load(args.file)
        else:
            t = get(args.name)
        if args.json:
            _print_json(t.to_json(), args)
            return 0
        j = t.to_json()
        print(f"{t.name}\n  source: {t.source}\n  reading: {t.reading}\n  assumptions: {', '.join(j['assumptions'])}")
        print(f"  algorithm: {t.algorithm}, step size {j['step_size']}\n  promise: {t.promise} (probability {j['probability']})")
        print(
            f"  measure: {t.measure} ({j['measure_meaning']})"
            + (f", horizon: {t.horizon}" if t.measure in ("gap", "min_grad_norm") else "")
            + f"; checkable: {'yes' if t.checkable else 'no'}"
        )
        for c in j["conditions"]:
            print(f"  condition: {c['text']}" + (f"  [{c['relation']}]" if c["relation"] else ""))
        print("\n".join(_bound_lines(t, j, "  ")))
        for k, v in j["parameters"].items():
            print(f"  {k} = {v}")
        print(f"  statement: {t.statement}")
        return 0
    if args.json:
        _print_json({"theorems": [t.to_json() for t in REGISTRY.values()], "differences": all_differences()}, args)
        return 0
    for k, t in REGISTRY.items():
        j = t.to_json()
        cmd = OWN_COMMANDS.get(k.split(".")[0], f"insgd check --theorem {k}")
        status = f"checked by `{cmd}`" if t.checkable else "order only, not checked"
        step = "" if t.step_size == 0 else f", step {j['step_size']}"
        print(f"{k}: {t.name}\n    source: {t.source}")
        print(f"    assumptions: {', '.join(t.assumption_keys)} | algorithm: {t.algorithm}{step} | {status}")
        if lines := _bound_lines(t, j, "    "):
            print("\n".join(lines))
    for pair, diffs in all_differences().items():
        print(f"\n{pair}:")
        for d in diffs:
            print(f"  - {d}")
    return 0


def cmd_check_theorem(args) -> int:
    from insgd.theory.theorems import get
    from insgd.verify.checks.generic import check_theorem, worst_case

    if args.theorem_file is not None:
        from insgd.verify.checks.theorem_file import load

        theorem = load(args.theorem_file)
    else:
        theorem = get(args.theorem)
        if theorem.key.split(".")[0] in OWN_COMMANDS:
            raise InputError(f"theorem {theorem.key} is checked by `{OWN_COMMANDS[theorem.key.split('.')[0]]}`")
    problem = _load_problem(args)
    eps = None if args.eps is None else parse_float("eps", args.eps, lo=0)
    opts = dict(eps=eps, noise=_noise(args.noise), batch=args.batch, seeds=args.seeds, iters=args.iters)
    results = [check_theorem(theorem, problem, **opts).to_json()]
    if args.worst_case == "pep":
        from insgd.verify.checks.brackets import theorem_worst_case

        results[0]["worst_case_pep"] = theorem_worst_case(theorem, problem)
    family = worst_case(theorem) if args.worst_case == "family" else None
    if family is not None:
        results.append(check_theorem(theorem, family, **opts).to_json() | {"worst_case": True})
    if args.worst_case == "family" and family is None:
        results[0]["worst_case_note"] = f"no family known to the toolkit is tight for {', '.join(theorem.assumption_keys)}"
    code = 1 if any(r["verdict"] == FAIL for r in results) else 0
    if args.json:
        _print_json(results if len(results) > 1 else results[0], args)
        return code
    pep_rows = results[0].get("worst_case_pep")
    print(f"{theorem.name}\n  source: {theorem.source}")
    if "worst_case_note" in results[0]:
        print(f"  worst case: {results[0]['worst_case_note']}")
    for r in results:
        label = f"{r['problem']} {r['params']}" + (" (worst case for the assumptions)" if r.get("worst_case") else "")
        consts = ", ".join(f"{k} = {v:.6g}" for k, v in r["constants"].items())
        print(
            _table(
                [
                    ("problem", label),
                    ("constants", f"{consts} ({r['region']})"),
                    ("verdict", r["verdict"]),
                    ("evidence", r["evidence"]),
                ]
            )
        )
    if pep_rows is not None:
        print(f"  worst case over the class (SDP, insgd pep): {pep_rows['class']}, gamma = {pep_rows['gamma']:.6g}")
        for w in pep_rows["rows"]:
            wc = "no number" if w["worst_case_sdp"] is None else f"{w['worst_case_sdp']:.6g}"
            print(f"    N = {w['N']}: bound {w['bound']:.6g} vs worst case <= {wc} ({w['status']}): {w['verdict']}")
        print(f"  {pep_rows['verdict']}: {pep_rows['evidence']}")
    return code


def cmd_check(args) -> int:
    from insgd.verify.checks.theorem1 import check, plot_check

    if args.theorem is not None and args.theorem_file is not None:
        raise InputError("theorem and theorem-file must not be given together")
    if args.theorem_file is not None or (
        args.theorem is not None and args.theorem not in ("theorem1.derived", "theorem1.printed")
    ):
        return cmd_check_theorem(args)
    if args.beta is None:
        raise InputError("beta is required for Theorem 1 (give --beta, or --theorem NAME for another theorem)")

    if args.plot is not None:
        check_out_file(args.plot, args.force, "plot", IMAGE_SUFFIXES)
    problem = _load_problem(args)
    beta = parse_number("beta", args.beta)
    if not 0 <= beta <= 1:
        raise InputError(f"beta must satisfy 0 <= beta <= 1, got {args.beta}")
    given = {k: getattr(args, k) for k in ("L0", "L1", "alpha", "rho", "mu")}
    if any(v is not None for v in given.values()):
        missing = [k for k, v in given.items() if v is None]
        if missing:
            raise InputError(f"constants must be given all together (--L0 --L1 --alpha --rho --mu); missing --{missing[0]}")
        for k in ("L0", "rho", "mu"):
            positive(k, given[k])
        nonnegative("L1", given["L1"])  # L1 = 0: the classical L-smooth case
        in_closed("alpha", given["alpha"], 0, 1)
        if args.generalized or args.pl_rho is not None:
            raise InputError(
                "--generalized and --pl-rho choose among certified constants; they cannot be combined with given ones"
            )
    if not args.quiet and sys.stderr.isatty():  # on a terminal only: a refused input must stay one line on stderr
        print(
            f"[check] Theorem 1 on {problem.label()}: runs at gamma(eps), gamma/2 and over the eps grid",
            file=sys.stderr,
            flush=True,
        )
    res = check(
        problem,
        beta,
        eps_grid=None if args.eps_grid is None else _grid(args.eps_grid),
        constants=given if given["L0"] is not None else None,
        audit_time_s=args.time_limit,
        generalized=args.generalized,
        rho=None if args.pl_rho is None else float(positive("pl-rho", args.pl_rho)),
        w0=_start_point(args, problem),
        backend=args.backend,
    )
    if args.plot is not None:
        with atomic_file(args.plot, args.force, "plot", IMAGE_SUFFIXES) as tmp:
            plot_check(res, tmp)
    j = res.to_json()
    code = 1 if j["verdict"] == FAIL else 0  # 0 pass (or inconclusive), 1 fail, 2 bad input
    if args.json:
        _print_json(j, args)
        return code
    print(f"Theorem 1 check: {problem.label()}, beta = {args.beta}")
    _print_warnings(j["warnings"])
    rows = [
        (
            "constants",
            f"L0={j['L0']:.4g} L1={j['L1']:.3g} alpha={j['alpha']:.3g} rho={j['rho']:.4g} mu={j['mu']:.4g} "
            f"({j.get('constants_status', j['constants_source'])}, {j['region']}{', PL tight' if j['tight'] else ''})",
        ),
        ("regime predicted / measured", f"{j['regime']} / {j['regime_measured']}"),
        ("T exponent printed / derived", f"{_g(j['T_exponent_paper'])} / {j['T_exponent_derived']:.4g}"),
    ]
    rows += [(f"[{a['kind']}] {a['name']}", f"{a['verdict']}: {a['evidence']}") for a in j["assertions"]]
    scope = {
        PASS: f" (not refuted on this instance: one run per eps of the {len(j['eps_grid'])}-point grid down to "
        f"eps = {min(j['eps_grid']):g}, every iterate checked; not a proof)",
        INCONCLUSIVE: " (exit 0: see the inconclusive assertion)",
    }
    rows.append(("verdict", j["verdict"] + scope.get(j["verdict"], "")))
    print(_table(rows))
    if j["disagreement"]:
        print(f"paper vs derived: {j['disagreement']}")
    return code


def cmd_check_insgd(args) -> int:
    from insgd.verify.checks.theorem2 import theorem2_check

    problem = _load_problem(args)
    vals = {
        "tau1": parse_float("tau1", args.tau1, lo=0, lo_open=False),
        "tau2": parse_float("tau2", args.tau2, lo=0),
        "beta": parse_float("beta", args.beta, lo=0, hi=1),
        "eps": parse_float("eps", args.eps, lo=0),
    }
    w0 = _start_point(args, problem)
    res = theorem2_check(
        problem,
        vals["tau1"],
        vals["tau2"],
        vals["beta"],
        vals["eps"],
        seeds=args.seeds,
        budget=args.budget,
        w0=w0,
        quiet=args.quiet or args.json,
    )
    j = res.to_json()
    code = 1 if j["verdict"] == FAIL else 0
    if args.json:
        _print_json(j, args)
        return code
    print(
        f"Theorem 2 check: I-NSGD on {problem.label()} with the synthetic oracle (tau1={vals['tau1']:g}, tau2={vals['tau2']:g})"
    )
    print(
        _table(
            [
                ("T (Theorem 2)", j["T"]),
                ("gamma, B, B', delta", f"{j['gamma']:.4g}, {j['B']}, {j['B_prime']}, {j['delta']:.4g}"),
                (
                    "runs within T",
                    f"{j['hits_within_T']}/{j['seeds']} = {j['fraction_within_T']:.3f} "
                    f"[{j['fraction_ci'][0]:.3f}, {j['fraction_ci'][1]:.3f}]",
                ),
                ("median T_hit", j["T_hit_median"]),
                (
                    "constants",
                    f"L0={j['constants']['L0']:.4g} L1={j['constants']['L1']:.4g} alpha={j['constants']['alpha']:.4g} "
                    f"({j['constants']['form']} form, {j['constants']['region']})",
                ),
                ("steps with h_t > 1", f"{j['h_active_fraction']:.3f} (the normalization acted on this fraction of steps)"),
                ("B' printed / derived", f"{j['B_prime']} / {j['B_prime_derived']}"),
                ("looseness T / median T_hit", j["looseness"]),
                ("verdict", j["verdict"] + (" (exit 0)" if j["verdict"] == INCONCLUSIVE else "")),
                ("what was checked", j["statement"]),
            ]
        )
    )
    _print_warnings(j["warnings"])
    return code


def cmd_lemma2(args) -> int:
    from insgd.verify.checks.theorem2 import lemma2_check

    j = lemma2_check(
        parse_float("tau1", args.tau1, lo=0),
        parse_float("tau2", args.tau2, lo=0),
        args.dim,
        parse_float("grad-norm", args.grad_norm, lo=0),
        trials=args.trials,
        seed=args.seed,
        oracle=args.oracle,
        quiet=args.quiet or args.json,
    )
    code = 1 if j["verdict"] == FAIL else 0
    if args.json:
        _print_json(j, args)
        return code
    print(
        f"Lemma 2 with B = {j['B']}: P(fail) = {j['p_fail']:.4g} [{j['p_fail_ci'][0]:.4g}, {j['p_fail_ci'][1]:.4g}] "
        f"over {j['trials']} trials ({j['oracle']} oracle)\n"
        f"  printed (it never fails): {'refuted' if j['paper_refuted'] else 'not contradicted'}\n"
        f"  derived (P(fail) <= {j['derived_bound']:.4g}): {j['verdict']}"
    )
    return code
    print(
        f"Lemma 2 with B = {j['B']}: P(fail) = {j['p_fail']:.4g} [{j['p_fail_ci'][0]:.4g}, {j['p_fail_ci'][1]:.4g}] "
        f"over {j['trials']} trials ({j['oracle']} oracle); the paper states 0; Chebyshev bound {j['chebyshev_bound']:.4g}"
    )
    return 0


def add_theorems(sub):
    """The `theorems` subcommand."""
    th = sub.add_parser(
        "theorems",
        help="list the registered theorems (source, assumptions, algorithm, bound, T(eps)) and what separates readings",
        description="Every theorem record of the registry (insgd.theory.theorems), each as printed and as derived, "
        "with the differences between the two readings computed field by field.",
    )
    th.add_argument("--name", help="show one record in full (e.g. theorem2.derived)")
    th.add_argument(
        "--file", metavar="FILE", help="read, validate and show your own theorem file (TOML; see check --theorem-file)"
    )
    _json_options(th)
    th.set_defaults(func=cmd_theorems)


def add_check(sub):
    """The `check` subcommand."""
    ck = sub.add_parser(
        "check",
        help="hold runs against a theorem: Theorem 1 (--beta), a registered one (--theorem) or yours (--theorem-file)",
        description="By default the regime, bound and complexity checks of Theorem 1 (NGD) on a problem with certified "
        "constants, using the tightest constants it certifies. With --theorem or --theorem-file: the theorem's "
        "algorithm run with its step size, its constants bound from the problem's certificates (and the oracle's, "
        "--noise), every iterate (or, for a promise in expectation, a confidence bound over --seeds runs) held "
        "against its bound; exit 0 pass or inconclusive, 1 fail, 2 bad input.",
    )
    ck.add_argument("--problem", required=True, help="a registered problem (see `insgd problems`), e.g. power")
    ck.add_argument("--param", action="append", metavar="K=V", help="a problem parameter, repeatable (e.g. --param p=4)")
    ck.add_argument("--beta", help="Theorem 1: NGD normalization power in [alpha, 1]; exact fractions welcome (2/3)")
    ck.add_argument(
        "--theorem",
        help="a registered theorem (see `insgd theorems`), e.g. karimi2016.theorem1; default: "
        "Theorem 1 of the paper (derived, with the printed reading reported)",
    )
    ck.add_argument(
        "--theorem-file",
        metavar="FILE",
        help="your own theorem as a TOML file (key, name, source, algorithm, assumptions, step_size, measure, bound, "
        "T, binds, requires; see README 'Check your own theorem'); read as data, never executed",
    )
    ck.add_argument(
        "--eps",
        help="--theorem: the target of T(eps): f - f* for a bound on the gap (default 1e-6), ||grad f|| for a bound "
        "on the gradient norm (default 1e-2)",
    )
    ck.add_argument(
        "--noise",
        metavar="TAU1,TAU2",
        help="--theorem, stochastic theorems: the synthetic oracle (1 + TAU1 s) grad F + TAU2 u; its variance "
        "(M = TAU2^2/batch, M_V = TAU1^2/batch) is certified exactly",
    )
    ck.add_argument("--batch", type=_count(1, 10**6), default=1, help="--theorem, stochastic theorems: batch size (default 1)")
    ck.add_argument(
        "--seeds",
        type=_count(2, 100_000),
        help="--theorem, a promise in expectation: number of independent runs (seeds 0..N-1, default 256)",
    )
    ck.add_argument(
        "--iters",
        type=_count(1, 10**7),
        help="--theorem, a promise in expectation: horizon; the bound is checked on a geometric grid of t <= ITERS "
        "(default 1000)",
    )
    ck.add_argument(
        "--worst-case",
        nargs="?",
        const="family",
        choices=["family", "pep"],
        help="--theorem: 'family' (the default when given alone) also runs the family on which the theorem's "
        "assumptions are tight (|w|^p, p = rho/(rho-1)); 'pep' holds the bound after N = 1..5 steps against the SDP "
        "upper bound on the worst case over the theorem's class (GD under L-smoothness and PL; needs insgd[pep])",
    )
    ck.add_argument(
        "--generalized",
        action="store_true",
        help="Theorem 1: use the problem's certificate with L1 > 0 (generalized smoothness: L1 enters gamma and the "
        "descent step) instead of the tightest one, which on a ball has L1 = 0; refused when the problem has none",
    )
    ck.add_argument(
        "--w0",
        help="Theorem 1: start point, a number or dim comma-separated numbers (default: w* + 1/sqrt(dim) per "
        "coordinate); ball certificates are taken on the ball of radius ||w0 - w*||",
    )
    ck.add_argument(
        "--pl-rho",
        metavar="X",
        help="Theorem 1: use the problem's certified mu at this rho (default: the largest certified rho)",
    )
    for name, what in (("L0", "L0 > 0"), ("L1", "L1 >= 0"), ("alpha", "0 <= alpha <= 1"), ("rho", "rho > 0"), ("mu", "mu > 0")):
        ck.add_argument(
            f"--{name}",
            help=f"claimed constant ({what}); give all five to check with your constants instead "
            "of the certified ones (the auditor tests them on the ball the iterates stay in)",
        )
    ck.add_argument(
        "--time-limit",
        type=_count(1, 3600),
        default=20,
        metavar="S",
        help="seconds the auditor may spend on given constants (default 20)",
    )
    ck.add_argument("--eps-grid", metavar="A:B:N", help="geometric grid of eps from A to B, N points (default 1e-2:1e-5:5)")
    _json_options(ck)
    ck.add_argument(
        "--plot", metavar="FILE", help="write a figure (.png, .pdf or .svg): Delta_t with the bound, and T(eps) with both slopes"
    )
    ck.add_argument("--force", action="store_true", help="replace an existing --plot file")
    ck.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _backend_option(ck)
    ck.set_defaults(func=cmd_check)


def add_check_insgd(sub):
    """The `check-insgd` subcommand."""
    ci = sub.add_parser(
        "check-insgd",
        help="Theorem 2: run I-NSGD with the theorem's parameters on many seeds",
        description="Run I-NSGD with Theorem 2's gamma, B, B', delta on a problem wrapped in the "
        "synthetic oracle with exactly (tau1, tau2); report the fraction of seeds reaching "
        "||grad F|| <= eps within T (claim: >= 1/2) and the hitting times.",
    )
    ci.add_argument("--problem", required=True, help="a registered problem (see `insgd problems`), e.g. cosh")
    ci.add_argument("--param", action="append", metavar="K=V", help="a problem parameter, repeatable (e.g. --param p=4)")
    for name, what in (
        ("tau1", "Assumption 4's relative noise tau1 >= 0 of the synthetic oracle (e.g. 0.5)"),
        ("tau2", "Assumption 4's absolute noise tau2 > 0 (e.g. 0.1)"),
        ("beta", "I-NSGD's normalization power, 0 < beta <= 1 (e.g. 1 or 2/3)"),
        ("eps", "target gradient norm eps > 0: success is min_t ||grad F(w_t)|| <= eps (e.g. 0.3)"),
    ):
        ci.add_argument(f"--{name}", required=True, help=what)
    ci.add_argument("--w0", help="start point: a number or dim comma-separated numbers (default: w* + 1/sqrt(dim))")
    ci.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    ci.add_argument("--seeds", type=_count(1, 10**4), default=64, help="number of seeds (default 64, <= 1e4)")
    ci.add_argument("--budget", type=_count(1, 10**8), default=200_000, help="iteration cap per run (default 200000)")
    _json_options(ci)
    ci.set_defaults(func=cmd_check_insgd)


def add_lemma2(sub):
    """The `lemma2` subcommand."""
    lm = sub.add_parser(
        "lemma2",
        help="Monte Carlo of Lemma 2's failure probability",
        description="Estimate P(||grad f_B|| < ||grad F||/2 - tau2/(2 tau1)) with B = 16 tau1^2 "
        "for an oracle satisfying Assumptions 3-4; the paper states it never happens.",
    )
    lm.add_argument("--tau1", required=True, help="Assumption 4's tau1 > 0 (the batch is B = ceil(16 tau1^2)), e.g. 2")
    lm.add_argument("--tau2", required=True, help="Assumption 4's tau2 > 0, e.g. 1")
    lm.add_argument("--dim", type=_count(1, 10**6), required=True, help="dimension d of the gradients, e.g. 10")
    lm.add_argument("--grad-norm", required=True, help="||grad F(w)|| at the point tested, > 0, e.g. 1")
    lm.add_argument("--trials", type=_count(1, 10**9), required=True, help="Monte Carlo trials, e.g. 100000")
    lm.add_argument("--seed", type=_count(0, MAX_SEED), default=0, help="random seed (default 0)")
    lm.add_argument("--quiet", action="store_true", help="no progress on stderr")
    lm.add_argument(
        "--oracle",
        default="synthetic",
        choices=["synthetic", "aligned"],
        help="synthetic (default) or aligned (worst-case direction)",
    )
    _json_options(lm)
    lm.set_defaults(func=cmd_lemma2)
