"""The `insgd` command line. Each subcommand is a thin shell over the Python API.

Errors in user input print one line naming the parameter and the violated condition, and exit 2.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import sympy as sp

from theory.numbers import InputError, prepare_out


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit code 2, no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _print_json(obj) -> None:
    print(json.dumps(obj, indent=2, allow_nan=False))


def _table(rows) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


def _fmt(expr, latex: bool) -> str:
    return sp.latex(expr) if latex else sp.pretty(expr, use_unicode=False, num_columns=160)


def cmd_predict_ngd(args) -> int:
    from theory.ngd import DERIVED, PAPER, predict_ngd

    p = predict_ngd(args.L0, args.L1, args.alpha, args.beta, args.rho, args.mu, args.eps, args.delta0)
    if args.json:
        _print_json(p.to_json())
        return 0
    j = p.to_json()
    k = p.regime
    print(f"Theorem 1 (NGD): regime {k} ({j['regime_name']}), q = (2-beta)/rho = {p.q}")
    print(_table([
        ("gamma", j["gamma"]), ("kappa", j["kappa"]), ("c = kappa (2 mu)^q", j["c"]),
        ("T exponent (paper)", f"{j['T_exponent_paper']}  [{j['T_paper_statement']}]"),
        ("T exponent (derived)", f"{j['T_exponent_derived']}{' with a log(1/eps) factor' if j['T_log_factor_derived'] else ''}"),
        ("T(eps) derived", j["T_derived"] if j["T_derived"] is not None else "(give --delta0)"),
        ("paper agrees", f"{j['paper_agrees']}  {j['disagreement']}"),
        ("admissible globally", ", ".join(f"{form}: {ok}" for form, ok in j["admissible"].items())),
    ]))
    print("\nPaper's rate (as printed):")
    print(_fmt(PAPER.rates[k], args.latex))
    q, a = sp.symbols("q a", positive=True)
    print("\nDerived: Delta_{t+1} <= Delta_t - a Delta_t^q with a = c gamma; bound valid until Delta_t <= eps:")
    print(_fmt(sp.Le(sp.Symbol("Delta_t"), DERIVED.bound(k, q=q, a=a)), args.latex))
    print("\nwith these constants:")
    print(_fmt(sp.N(p.bound_derived, 8), args.latex))
    for w in j["warnings"]:
        print(f"warning: {w}")
    return 0


def cmd_predict_insgd(args) -> int:
    from theory.insgd import T_BOUND, min_eps, predict_insgd

    p = predict_insgd(args.L0, args.L1, args.tau1, args.tau2, args.beta, args.delta0, args.eps, args.alpha)
    j = p.to_json()
    if args.iterations is not None or args.samples is not None:
        e_min, T = min_eps(args.L0, args.L1, args.tau1, args.tau2, args.beta, args.delta0,
                           iterations=args.iterations, samples=args.samples, alpha_v=args.alpha)
        from theory.numbers import json_number
        j["budget_iterations"] = T
        j["eps_min"] = json_number(e_min)
    if args.json:
        _print_json(j)
        return 0
    print("Theorem 2 (I-NSGD)")
    rows = [("T", j["T"]), ("gamma", j["gamma"]), ("B", j["B"]), ("B'", j["B_prime"]), ("delta", j["delta"]),
            ("Lambda", j["Lambda"]), ("terms of (16)", j["terms"]), ("dominant term", j["dominant_term"]),
            ("samples T (B + B')", j["samples"])]
    if "eps_min" in j:
        rows.append((f"smallest eps within {j['budget_iterations']} iterations", j["eps_min"]))
    print(_table(rows))
    print("\nBound (16): T >=")
    print(_fmt(T_BOUND, args.latex))
    for w in j["warnings"]:
        print(f"warning: {w}")
    return 0


def _kv(items, what):
    out = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"{what} must look like key=value, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def _numbers(name, text):
    from theory.numbers import parse_number

    vals = [float(parse_number(name, x)) for x in str(text).split(",")]
    return vals[0] if len(vals) == 1 else vals


def _load_problem(args):
    import numerics.finite_sums  # noqa: F401  (registers phase_retrieval and dro)
    from numerics.problems import make_problem

    return make_problem(args.problem, **_kv(args.param, "--param"))


def cmd_run(args) -> int:
    from numerics.engine import run

    problem = _load_problem(args)
    hp = {k: _numbers(f"opt {k}", v) for k, v in _kv(args.opt, "--opt").items()}
    if args.runs < 1:
        raise InputError(f"runs must be >= 1, got {args.runs}")
    seeds = np.arange(args.seed, args.seed + args.runs)
    if args.w0 is not None:
        w0 = np.atleast_1d(np.asarray(_numbers("w0", args.w0), float))
        if w0.size == 1:
            w0 = np.full(problem.dim, w0[0])
        if w0.size != problem.dim:
            raise InputError(f"w0 must be a scalar or {problem.dim} comma-separated numbers, got {w0.size}")
    elif hasattr(problem, "initial_point"):
        w0 = problem.initial_point(np.random.default_rng(args.seed), args.runs)
    else:
        w0 = np.ones(problem.dim)
    noise = None
    if args.noise is not None:
        noise = _numbers("noise", args.noise)
        if not isinstance(noise, list) or len(noise) != 2:
            raise InputError(f"noise must be TAU1,TAU2, got {args.noise!r}")
    trace = run(problem, args.optimizer, w0, args.iters, seeds, hp, noise=noise,
                eps_gap=None if args.eps_gap is None else _numbers("eps-gap", args.eps_gap),
                eps_grad=None if args.eps_grad is None else _numbers("eps-grad", args.eps_grad),
                max_samples=args.max_samples, quiet=args.quiet or args.json)
    if args.save:
        trace.save(args.save, overwrite=args.force)
    if args.json:
        _print_json(trace.to_json())
        return 0
    print(f"{args.optimizer} on {problem.name} (dim {problem.dim}), {args.runs} run(s), {args.iters} iterations")
    for r in range(args.runs):
        status = "diverged" if trace.diverged[r] else f"stopped at t = {trace.stop_t[r]}"
        print(f"  run {r} (seed {seeds[r]}): f - f* = {trace.gap[r, -1]:.6g}, ||grad F|| = {trace.grad_norm[r, -1]:.6g}, "
              f"samples = {trace.samples[r, -1]}, {status}")
    return 0


def cmd_problems(args) -> int:
    import numerics.finite_sums  # noqa: F401
    from numerics.problems import PROBLEMS, make_problem

    out = {}
    for name, (_, spec, doc) in PROBLEMS.items():
        entry = {"formula": doc, "parameters": {k: {"default": v[1], "type": v[2]} for k, v in spec.items()}}
        if name != "dro":
            entry.update(make_problem(name).describe())
        out[name] = entry
    if args.json:
        _print_json(out)
        return 0
    for name, e in out.items():
        params = ", ".join(f"{k}={v['default']}" for k, v in e["parameters"].items()) or "-"
        print(f"{name}: {e['formula']}  [params: {params}]")
        if e.get("constants", {}).get("status") == "estimated" or name == "dro":
            print("    constants not certified (f* estimated); see the assumption auditor")
        for c in e.get("constants", {}).get("smooth", []):
            if c["kind"] == "Fails":
                print(f"    A1 {c['form']:8s} fails ({c['region']}): {c['why']}")
            else:
                print(f"    A1 {c['form']:8s} L0={c['L0']:.4g} L1={c['L1']:.4g} alpha={c['alpha']:.4g} ({c['region']})")
        for c in e.get("constants", {}).get("pl", []):
            mus = ", ".join(f"mu({float(r):.4g})={m:.4g}" for r, m in c["mu_at"].items())
            print(f"    A2 rho in [{c['rho_lo']:.4g}, {c['rho_hi']:.4g}] ({c['region']}) {mus}")
    return 0


def cmd_bench(args) -> int:
    from numerics.bench import bench_all, bench_batching

    if args.only == "batching":
        res = bench_batching(runs=args.runs, iters=args.iters, sample=args.sample)
        if args.json:
            _print_json(res)
        else:
            print(f"batching: {res['runs']} NGD configurations x {res['iters']} iterations: batch {res['batch_s']:.3f} s, "
                  f"one after another {res['sequential_s']:.2f} s (from {res['sequential_sampled']} runs) -> "
                  f"speedup {res['batching_speedup']:.1f}x")
        return 0
    res = bench_all(quick=args.quick)
    if args.json:
        _print_json(res)
        return 0
    e = res["engine"]
    print(_table([
        ("1. batching (64 NGD configs, 1e4 its)", f"{res['batching_speedup']:.1f}x (target >= 10x)"),
        ("2. engine / bare kernel (I-NSGD, PR)", f"{res['engine_overhead']:.2f}x (target <= 1.3x): "
                                                 f"{e['engine_s']:.2f} s vs {e['bare_kernel_s']:.2f} s"),
        ("3. engine vs per-seed loop", f"{res['speedup_vs_loop']:.1f}x (target >= 3x)"),
        ("4. Theorem 2 T on 1e6 points", f"{res['theory_grid_s']:.3f} s, {res['theory_speedup']:.3g}x vs SymPy subs "
                                         "(target >= 1000x, < 1 s)"),
        ("5. main job --quick / full", f"{res['main_job_quick_s']:.1f} s / "
                                       f"{'-' if res['main_job_s'] is None else format(res['main_job_s'], '.1f') + ' s'}"),
    ]))
    return 0


def cmd_sweep(args) -> int:
    from verify.sweep import SerialExecutor, SweepConfig, default_executor, sweep

    try:
        raw = json.loads(Path(args.configs).read_text())
    except (OSError, ValueError) as e:
        raise InputError(f"configs must be a readable JSON list of run configs: {e}") from None
    if not isinstance(raw, list) or not raw:
        raise InputError("configs must be a non-empty JSON list of run configs")
    try:
        configs = [SweepConfig.from_dict(c) for c in raw]
    except (TypeError, KeyError) as e:
        raise InputError(f"configs: each entry needs problem, optimizer, iters, seeds (optional: hp, params, ...): {e}") from None
    out = prepare_out(args.out, args.force)
    if args.executor == "dask":
        from verify.sweep import dask_executor

        ex, client = dask_executor(args.workers or 2)
        try:
            traces = sweep(configs, ex)
        finally:
            client.close()
    elif args.executor == "serial":
        traces = sweep(configs, SerialExecutor())
    else:
        with default_executor(args.workers) as ex:
            traces = sweep(configs, ex)
    for i, tr in enumerate(traces):
        tr.save(out / f"run_{i:03d}", overwrite=args.force)
    print(f"{len(traces)} trace(s) written to {out}/")
    return 0


def _grid(text):
    try:
        a, b, n = text.split(":")
        a, b, n = float(_numbers("eps-grid", a)), float(_numbers("eps-grid", b)), int(n)
    except ValueError:
        raise InputError(f"eps-grid must look like a:b:n (e.g. 1e-2:1e-5:6), got {text!r}") from None
    if not (a > 0 and b > 0 and n >= 3):
        raise InputError(f"eps-grid must have a > 0, b > 0 and n >= 3, got {text!r}")
    return np.geomspace(a, b, n)


def cmd_check(args) -> int:
    from verify.checks import check, plot_check

    problem = _load_problem(args)
    res = check(problem, float(_numbers("beta", args.beta)), eps_grid=None if args.eps_grid is None else _grid(args.eps_grid))
    if args.plot:
        plot_check(res, args.plot)
    j = res.to_json()
    if args.json:
        _print_json(j)
        return 0
    print(f"Theorem 1 check: {problem.name} {problem.params()} beta = {args.beta}")
    print(_table([
        ("constants", f"L0={j['L0']:.4g} L1={j['L1']:.3g} alpha={j['alpha']:.3g} rho={j['rho']:.4g} mu={j['mu']:.4g} "
                      f"({j['region']})"),
        ("regime predicted / measured", f"{j['regime']} / {j['regime_measured']} (q {j['q_predicted']:.4g} / "
                                        f"{j['q_measured']:.4g})"),
        ("T exponent paper", j["T_exponent_paper"]),
        ("T exponent derived", f"{j['T_exponent_derived']:.4g} (on this grid {j['T_exponent_derived_on_grid']:.4g})"),
        ("T exponent measured", f"{j['T_exponent_measured']:.4g} [{j['T_exponent_ci'][0]:.4g}, {j['T_exponent_ci'][1]:.4g}]"),
        ("bound holds", j["bound_holds"]), ("looseness T_derived/T_measured", f"{j['looseness']:.4g}"),
        ("data support", j["agrees_with"]), ("verdict", j["verdict"]),
    ]))
    return 0


def cmd_verify_all(args) -> int:
    from verify.main_job import run_all

    s = run_all(args.out, quick=args.quick, force=args.force, data=args.data, workers=args.workers)
    n = len(s["checks"])
    ok = sum(r["verdict"] == "pass" for r in s["checks"])
    print(f"{ok}/{n} checks confirm the derived predictions; {len(s['paper_disagreements'])} disagreement(s) with "
          f"the paper; {s['elapsed_s']:.1f} s. Report: {args.out}/report.md")
    return 0 if s["all_derived_confirmed"] else 1


def cmd_check_insgd(args) -> int:
    from verify.insgd_checks import theorem2_check

    problem = _load_problem(args)
    vals = {k: float(_numbers(k, getattr(args, k))) for k in ("tau1", "tau2", "beta", "eps")}
    if args.seeds < 1:
        raise InputError(f"seeds must be >= 1, got {args.seeds}")
    if args.budget < 1:
        raise InputError(f"budget must be >= 1, got {args.budget}")
    res = theorem2_check(problem, vals["tau1"], vals["tau2"], vals["beta"], vals["eps"], seeds=args.seeds,
                         budget=args.budget)
    j = res.to_json()
    if args.json:
        _print_json(j)
        return 0
    print(f"Theorem 2 check: I-NSGD on {problem.name} {problem.params()} with the synthetic oracle "
          f"(tau1={vals['tau1']:g}, tau2={vals['tau2']:g})")
    print(_table([
        ("T (Theorem 2)", j["T"]), ("gamma, B, B', delta", f"{j['gamma']:.4g}, {j['B']}, {j['B_prime']}, {j['delta']:.4g}"),
        ("runs within T", f"{j['hits_within_T']}/{j['seeds']} = {j['fraction_within_T']:.3f} "
                          f"[{j['fraction_ci'][0]:.3f}, {j['fraction_ci'][1]:.3f}]"),
        ("median T_hit", j["T_hit_median"]), ("looseness T / median T_hit", j["looseness"]), ("verdict", j["verdict"]),
    ]))
    for w in j["warnings"]:
        print(f"warning: {w}")
    return 0


def cmd_lemma2(args) -> int:
    from verify.insgd_checks import lemma2_check

    j = lemma2_check(float(_numbers("tau1", args.tau1)), float(_numbers("tau2", args.tau2)), args.dim,
                     float(_numbers("grad-norm", args.grad_norm)), trials=args.trials, seed=args.seed, oracle=args.oracle)
    if args.json:
        _print_json(j)
        return 0
    print(f"Lemma 2 with B = {j['B']}: P(fail) = {j['p_fail']:.4g} [{j['p_fail_ci'][0]:.4g}, {j['p_fail_ci'][1]:.4g}] "
          f"over {j['trials']} trials ({j['oracle']} oracle); the paper states 0; Chebyshev bound {j['chebyshev_bound']:.4g}")
    return 0


def cmd_reproduce(args) -> int:
    from verify.reproduce import reproduce

    out = args.out or f"insgd-reproduce-{args.experiment}"
    res = reproduce(args.experiment, seeds=args.seeds, quick=args.quick, out=out, data=args.data, force=args.force,
                    scale=args.scale, variant=args.variant, k_mode=args.k_mode, pipeline=args.pipeline,
                    progress=not args.json)
    if args.json:
        _print_json(json.loads((Path(out) / f"{args.experiment}.json").read_text()))
        return 0
    print(res["summary"]["markdown"])
    print(f"Figure: {out}/{args.experiment}.png; results: {out}/{args.experiment}.json")
    return 0


def cmd_audit(args) -> int:
    from verify.audit import audit_expr, plot_scatter, problem_expr, smoothness_scatter

    if (args.expr is None) == (args.problem is None):
        raise InputError("give exactly one of --expr or --problem")
    box = None
    if args.box is not None:
        try:
            a, b = (float(_numbers("box", x)) for x in args.box.split(":"))
        except ValueError:
            raise InputError(f"box must look like a:b, got {args.box!r}") from None
        box = (a, b)
    pl = [(float(_numbers("claim-pl RHO", r)), float(_numbers("claim-pl MU", m))) for r, m in args.claim_pl or []]
    sm = [(f, *(float(_numbers("claim-smooth", x)) for x in rest)) for f, *rest in args.claim_smooth or []]
    scatter = None
    if args.problem is not None:
        problem = _load_problem(args)
        expr = problem_expr(problem)
        if args.plot or expr is None:
            scatter = smoothness_scatter(problem)
            if args.plot:
                plot_scatter(scatter, args.plot, problem.name)
        if expr is None:
            out = {"problem": problem.name, "fstar": problem.fstar, "argmin": np.asarray(problem.argmin).tolist(),
                   "stationary_points": None, "rho_range": None, "alpha_min": None,
                   "claims": [{"kind": k, "verdict": "unknown", "evidence": "no symbolic form: only the empirical "
                               "scatter applies"} for k in ["pl"] * len(pl) + ["smooth"] * len(sm)],
                   "certificates": problem.certify().to_json(), "scatter": {k: v for k, v in scatter.items() if k != "points"}}
            _emit_audit(out, args)
            return 0
    else:
        expr = args.expr
    out = audit_expr(expr, box, pl, sm)
    if scatter is not None:
        out["scatter"] = {k: v for k, v in scatter.items() if k != "points"}
    _emit_audit(out, args)
    return 0


def _emit_audit(out, args):
    if args.json:
        _print_json(out)
        return
    print(f"f* = {out.get('fstar')}, argmin = {out.get('argmin')}, stationary points = {out.get('stationary_points')}")
    print(f"rho range: {out.get('rho_range')}; alpha_min (Hessian form, global): {out.get('alpha_min')}")
    for c in out["claims"]:
        print(f"  {c['kind']} {c.get('form') or ''} {c.get('constants', '')} on {c.get('region', '?')}: "
              f"{c['verdict'].upper()}" + (f", witness {c['witness']}" if c.get("witness") else "") +
              f" ({c.get('evidence', '')})")


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="insgd", description=(
        "Check the convergence theorems of 'Independently-Normalized SGD for Generalized-Smooth "
        "Nonconvex Optimization' against mathematics and experiment. Numbers accept fractions (2/3)."))
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    pr = sub.add_parser("predict", help="what Theorem 1 (NGD) or Theorem 2 (I-NSGD) predicts")
    psub = pr.add_subparsers(dest="which", required=True, parser_class=_Parser)
    pn = psub.add_parser("ngd", help="Theorem 1: regime, rate and T(eps) of NGD, as printed and as derived",
                         description="Theorem 1 for NGD (eq. 4) with gamma = (2 mu eps)^(beta/rho)/(8(L0+L1)+1): "
                         "the paper's regime, rate and T(eps), the re-derived bound, and whether they agree.")
    for name in ("L0", "L1", "alpha", "beta", "rho", "mu", "eps"):
        pn.add_argument(f"--{name}", required=True, metavar="X")
    pn.add_argument("--delta0", metavar="X", help="f(w0) - f*; enables the explicit T_derived")
    pn.add_argument("--json", action="store_true", help="print one JSON object")
    pn.add_argument("--latex", action="store_true", help="print formulas as LaTeX")
    pn.set_defaults(func=cmd_predict_ngd)

    pi = psub.add_parser("insgd", help="Theorem 2: T, gamma, B, B', delta for target eps",
                         description="Theorem 2 for I-NSGD (eq. 13): parameters, the bound (16) and its "
                         "dominant term; with --iterations or --samples, the smallest reachable eps.")
    for name in ("L0", "L1", "tau1", "tau2", "beta", "delta0", "eps"):
        pi.add_argument(f"--{name}", required=True, metavar="X")
    pi.add_argument("--alpha", metavar="X", help="checks the proof's precondition alpha <= beta")
    pi.add_argument("--iterations", metavar="N", help="iteration budget: report the smallest eps")
    pi.add_argument("--samples", metavar="N", help="sample budget: report the smallest eps")
    pi.add_argument("--json", action="store_true", help="print one JSON object")
    pi.add_argument("--latex", action="store_true", help="print formulas as LaTeX")
    pi.set_defaults(func=cmd_predict_insgd)

    rn = sub.add_parser("run", help="run an optimizer on a problem (batched runs, JSON traces)",
                        description="Run R seeded runs of an optimizer on a problem in one batch. Metrics are "
                        "recorded at geometric checkpoints and at the last iteration.")
    rn.add_argument("--problem", required=True, help="a name from `insgd problems`")
    rn.add_argument("--param", action="append", metavar="K=V", help="problem parameter (repeatable), e.g. p=4")
    rn.add_argument("--optimizer", required=True, help="gd, ngd, sgd, nsgd, clipped_sgd, insgd, nsgd_momentum, spider")
    rn.add_argument("--opt", action="append", metavar="K=V",
                    help="hyperparameter (repeatable), e.g. gamma=0.01, beta=2/3; a comma list gives one value per run")
    rn.add_argument("--w0", help="initial point: a scalar (all coordinates) or a comma list")
    rn.add_argument("--iters", required=True, type=int, help="iteration budget")
    rn.add_argument("--seed", required=True, type=int, help="run k uses seed SEED + k")
    rn.add_argument("--runs", type=int, default=1, help="number of runs R (default 1)")
    rn.add_argument("--noise", metavar="TAU1,TAU2", help="wrap a deterministic problem in the synthetic oracle")
    rn.add_argument("--eps-gap", help="stop a run when f - f* <= this")
    rn.add_argument("--eps-grad", help="stop a run when ||grad F|| <= this")
    rn.add_argument("--max-samples", type=int, help="stop a run after this many samples")
    rn.add_argument("--save", metavar="PATH", help="write PATH.npz and PATH.json")
    rn.add_argument("--force", action="store_true", help="overwrite an existing --save target")
    rn.add_argument("--quiet", action="store_true", help="no progress bar")
    rn.add_argument("--json", action="store_true", help="print one JSON object")
    rn.set_defaults(func=cmd_run)

    pb = sub.add_parser("problems", help="list problems with their parameters and certified constants")
    pb.add_argument("--json", action="store_true")
    pb.set_defaults(func=cmd_problems)

    ck = sub.add_parser("check", help="hold NGD runs against Theorem 1 (regime, bound, T(eps) exponent)",
                        description="Regime, bound and complexity checks of Theorem 1 on a problem with certified "
                        "constants, using the tightest constants it certifies.")
    ck.add_argument("--problem", required=True)
    ck.add_argument("--param", action="append", metavar="K=V")
    ck.add_argument("--beta", required=True, help="NGD normalization power")
    ck.add_argument("--eps-grid", metavar="A:B:N", help="geometric grid of eps from A to B, N points (default 1e-2:1e-5:5)")
    ck.add_argument("--json", action="store_true")
    ck.add_argument("--plot", metavar="FILE", help="write a PNG: Delta_t with the bound, and T(eps) with both slopes")
    ck.set_defaults(func=cmd_check)

    ci = sub.add_parser("check-insgd", help="Theorem 2: run I-NSGD with the theorem's parameters on many seeds",
                        description="Run I-NSGD with Theorem 2's gamma, B, B', delta on a problem wrapped in the "
                        "synthetic oracle with exactly (tau1, tau2); report the fraction of seeds reaching "
                        "||grad F|| <= eps within T (claim: >= 1/2) and the hitting times.")
    ci.add_argument("--problem", required=True)
    ci.add_argument("--param", action="append", metavar="K=V")
    for name in ("tau1", "tau2", "beta", "eps"):
        ci.add_argument(f"--{name}", required=True)
    ci.add_argument("--seeds", type=int, default=64, help="number of seeds (default 64)")
    ci.add_argument("--budget", type=int, default=200_000, help="iteration cap per run (default 200000)")
    ci.add_argument("--json", action="store_true")
    ci.set_defaults(func=cmd_check_insgd)

    lm = sub.add_parser("lemma2", help="Monte Carlo of Lemma 2's failure probability",
                        description="Estimate P(||grad f_B|| < ||grad F||/2 - tau2/(2 tau1)) with B = 16 tau1^2 "
                        "for an oracle satisfying Assumptions 3-4; the paper states it never happens.")
    lm.add_argument("--tau1", required=True)
    lm.add_argument("--tau2", required=True)
    lm.add_argument("--dim", type=int, required=True)
    lm.add_argument("--grad-norm", required=True)
    lm.add_argument("--trials", type=int, required=True)
    lm.add_argument("--seed", type=int, default=0)
    lm.add_argument("--oracle", default="synthetic", help="synthetic (default) or aligned (worst-case direction)")
    lm.add_argument("--json", action="store_true")
    lm.set_defaults(func=cmd_lemma2)

    au = sub.add_parser("audit", help="does a function satisfy Assumptions 1 and 2, with which constants?",
                        description="Audit a SymPy expression in w (or a 1-D registry problem): f*, minimizers, "
                        "stationary points, the admissible rho, alpha_min, and claims, each 'holds' (certified by "
                        "interval arithmetic), 'fails' (a witness re-checked at 50 digits) or 'unknown'. Without "
                        "--box the region is all of R.")
    au.add_argument("--expr", help='e.g. "w + w**2/2 + w**4"')
    au.add_argument("--problem")
    au.add_argument("--param", action="append", metavar="K=V")
    au.add_argument("--box", metavar="A:B", help="the region [A, B] (default: all of R); write --box=-3:3 for negative A")
    au.add_argument("--claim-pl", nargs=2, action="append", metavar=("RHO", "MU"))
    au.add_argument("--claim-smooth", nargs=4, action="append", metavar=("FORM", "L0", "L1", "ALPHA"))
    au.add_argument("--json", action="store_true")
    au.add_argument("--plot", metavar="FILE", help="(--problem) the empirical smoothness scatter as a PNG")
    au.set_defaults(func=cmd_audit)

    rp = sub.add_parser("reproduce", help="the paper's experiments: Figure 2 (phase-retrieval) and Figure 3 (dro)",
                        description="Regenerate Figure 2 (phase retrieval) or Figure 3 (DRO) on several seeds: "
                        "objective vs samples for all methods, I-NSGD over beta, and over B'. Writes a PNG, a JSON of "
                        "final and best objectives per method and seed, and a Markdown summary.")
    rp.add_argument("experiment", choices=["phase-retrieval", "dro"])
    rp.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    rp.add_argument("--quick", action="store_true", help="small sizes, seconds")
    rp.add_argument("--out", help="output directory (default insgd-reproduce-EXPERIMENT/)")
    rp.add_argument("--data", help="path to the WHO life-expectancy CSV (dro)")
    rp.add_argument("--pipeline", default="leakfree", help="dro features: leakfree (default) or paper (34 features)")
    rp.add_argument("--scale", default="variance", help="phase retrieval: N(m, s) with s a variance (default) or std")
    rp.add_argument("--variant", default="paper", help="phase retrieval gradient: paper (default) or code (halved)")
    rp.add_argument("--k-mode", default="multiply", help="I-NSGD clipping constant c: k = c (multiply) or 1/c (divide)")
    rp.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    rp.add_argument("--json", action="store_true")
    rp.set_defaults(func=cmd_reproduce)

    vf = sub.add_parser("verify", help="the main job: every check, a report")
    vsub = vf.add_subparsers(dest="what", required=True, parser_class=_Parser)
    va = vsub.add_parser("all", help="run every check and write report.md, summary.json and figures",
                         description="Run every check on every problem it applies to. Exit 0 when every derived "
                         "prediction is confirmed; disagreements with the paper are findings, not failures.")
    va.add_argument("--out", default="insgd-report", help="output directory (default insgd-report/)")
    va.add_argument("--quick", action="store_true", help="a small run (seconds)")
    va.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    va.add_argument("--data", help="life-expectancy CSV: adds the DRO reproduction to the report")
    va.add_argument("--workers", type=int, help="processes for the independent checks (default: all cores; 1: serial)")
    va.set_defaults(func=cmd_verify_all)

    bn = sub.add_parser("bench", help="benchmarks (ratios measured in one run)",
                        description="Benchmarks, each a ratio measured in one run: batching, engine overhead vs the "
                        "bare kernel, engine vs a per-seed loop, lambdified theory vs SymPy, main job wall time.")
    bn.add_argument("--only", choices=["batching"], help="run one benchmark")
    bn.add_argument("--runs", type=int, default=64, help="(batching) configurations")
    bn.add_argument("--iters", type=int, default=10_000, help="(batching) iterations")
    bn.add_argument("--sample", type=int, default=8, help="(batching) sequential runs timed (the rest extrapolated)")
    bn.add_argument("--quick", action="store_true", help="skip the full main job (reported as null)")
    bn.add_argument("--json", action="store_true")
    bn.set_defaults(func=cmd_bench)

    sw = sub.add_parser("sweep", help="run a JSON list of run configs on an executor; write one trace each",
                        description="Configs in, traces out. Each config: problem, optimizer, iters, seeds (a list "
                        "or a count), and optional params, hp, w0, noise, eps_gap, eps_grad, max_samples. The same "
                        "configs give the same traces on every executor.")
    sw.add_argument("configs", help="a JSON file with a list of configs")
    sw.add_argument("--out", required=True, help="directory for run_NNN.npz/.json")
    sw.add_argument("--executor", choices=["process", "serial", "dask"], default="process")
    sw.add_argument("--workers", type=int, help="workers (default: all cores)")
    sw.add_argument("--force", action="store_true")
    sw.set_defaults(func=cmd_sweep)
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"insgd: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `insgd run ... --json | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0


if __name__ == "__main__":
    sys.exit(main())
