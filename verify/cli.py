"""The `insgd` command line. Each subcommand is a thin shell over the Python API.

Errors in user input print one line naming the parameter and the violated condition, and exit 2.
"""

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import threading
from pathlib import Path

import numpy as np
import sympy as sp

from insgd.core import json_safe
from insgd.numerics.engine import MAX_SEED
from insgd.theory.numbers import InputError, in_closed, nonnegative, parse_float, parse_number, positive
from insgd.verify.outputs import IMAGE_SUFFIXES, atomic_dir, atomic_file, check_out_dir, check_out_file

# A token that starts with '-' and then a digit, '.', 'inf' or 'nan' is a value, not an option: `--eps -1e-3`
# reaches the number parser (and gets "eps must be > 0"), not argparse's "expected one argument".
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf|nan|infinity)", re.IGNORECASE)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._negative_number_matcher = _NEGATIVE

    def error(self, message):  # one line, exit code 2, no usage dump
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def _count(lo, hi):
    """An argparse type: an integer in [lo, hi], written in any form parse_number reads (100, 1e5, 4/2)."""

    def conv(text):
        try:
            x = parse_number("value", text)
        except InputError as e:
            raise argparse.ArgumentTypeError(str(e).replace("value ", "", 1)) from None
        if not x.is_Integer or not lo <= x <= hi:
            raise argparse.ArgumentTypeError(f"must be an integer in [{lo:,}, {hi:,}], got {text!r}")
        return int(x)

    conv.__name__ = "integer"
    return conv


def _print_json(obj, args=None) -> None:
    """One compact line (for pipes and `jq`); indented with --pretty."""
    pretty = bool(getattr(args, "pretty", False))
    print(json.dumps(json_safe(obj), indent=2 if pretty else None, allow_nan=False))  # NaN and infinities: null


def _json_options(parser):
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object on one line")
    parser.add_argument("--pretty", action="store_true", help="with --json: indent the JSON for reading")


def _g(x, fmt=".6g") -> str:
    """A float for text output: never 'nan' or 'inf' printed as if it were a result."""
    if x is None:
        return "none"
    return format(x, fmt) if np.isfinite(x) else "not finite (float64 overflow)"


def _table(rows) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)


def _fmt(expr, latex: bool) -> str:
    return sp.latex(expr) if latex else sp.pretty(expr, use_unicode=False, num_columns=160)


def cmd_predict_ngd(args) -> int:
    from insgd.theory.ngd import THEOREM1_PRINTED, derived_bound, predict_ngd

    p = predict_ngd(args.L0, args.L1, args.alpha, args.beta, args.rho, args.mu, args.eps, args.delta0)
    if args.json:
        _print_json(p.to_json(), args)
        return 0
    j = p.to_json()
    k = p.regime
    print(f"Theorem 1 (NGD): regime {k} ({j['regime_name']}), q = (2-beta)/rho = {p.q}")
    print(
        _table(
            [
                ("gamma", j["gamma"]),
                ("kappa", j["kappa"]),
                ("c = kappa (2 mu)^q", j["c"]),
                ("T exponent (paper)", f"{j['T_exponent_paper']}  [{j['T_paper_statement']}]"),
                (
                    "T exponent (derived)",
                    f"{j['T_exponent_derived']}{' with a log(1/eps) factor' if j['T_log_factor_derived'] else ''}",
                ),
                ("T(eps) derived", j["T_derived"] if j["T_derived"] is not None else "(give --delta0)"),
                ("paper agrees", f"{j['paper_agrees']}  {j['disagreement']}"),
                ("admissible globally", ", ".join(f"{form}: {ok}" for form, ok in j["admissible"].items())),
            ]
        )
    )
    print("\nPaper's rate (as printed):")
    print(_fmt(THEOREM1_PRINTED.bound[k], args.latex))
    q, a = sp.symbols("q a", positive=True)
    print("\nDerived: Delta_{t+1} <= Delta_t - a Delta_t^q with a = c gamma; bound valid until Delta_t <= eps:")
    print(_fmt(sp.Le(sp.Symbol("Delta_t"), derived_bound(k, q=q, a=a)), args.latex))
    print("\nwith these constants:")
    print(_fmt(sp.N(p.bound_derived, 8), args.latex))
    for w in j["warnings"]:
        print(f"warning: {w}")
    return 0


def cmd_predict_insgd(args) -> int:
    from insgd.theory.insgd import LAMBDA, T_BOUND, TERM_NAMES, TERMS, min_eps, predict_insgd

    p = predict_insgd(args.L0, args.L1, args.tau1, args.tau2, args.beta, args.delta0, args.eps, args.alpha)
    j = p.to_json()
    if args.iterations is not None or args.samples is not None:
        e_min, T = min_eps(
            args.L0,
            args.L1,
            args.tau1,
            args.tau2,
            args.beta,
            args.delta0,
            iterations=args.iterations,
            samples=args.samples,
            alpha_v=args.alpha,
        )
        from insgd.theory.numbers import json_number

        j["budget_iterations"] = T
        j["eps_min"] = json_number(e_min)
    if args.json:
        _print_json(j, args)
        return 0
    print("Theorem 2 (I-NSGD)")
    rows = [
        ("T (printed, eq. 16)", j["T"]),
        (
            "T (derived from the proof outline)",
            f"{j['T_derived']} (printed / derived = {float(j['T_printed_over_derived']):.3g})",
        ),
        ("gamma", j["gamma"]),
        ("B", j["B"]),
        ("B'", j["B_prime"]),
        ("delta", j["delta"]),
        ("Lambda", j["Lambda"]),
        ("terms of (16)", j["terms"]),
        ("dominant term", j["dominant_term"]),
        ("samples T (B + B')", j["samples"]),
    ]
    if "eps_min" in j:
        rows.append((f"smallest eps within {j['budget_iterations']} iterations", j["eps_min"]))
    print(_table(rows))
    print("\nBound (16): T >= Lambda * (the largest of the three terms), with")
    print(f"  Lambda = {sp.sstr(LAMBDA)}" if not args.latex else sp.latex(T_BOUND))
    if not args.latex:
        for name, term in zip(TERM_NAMES, TERMS, strict=True):
            print(f"  {name} = {sp.sstr(term)}")
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


def _numbers(name, text, lo=None):
    """One number, or a comma list: each through parse_float (fractions; no NaN, inf or overflow)."""
    parts = str(text).split(",")
    if len(parts) > 100_000:
        raise InputError(f"{name} must have at most 100000 comma-separated values, got {len(parts)}")
    vals = [parse_float(name, x, lo=lo) for x in parts]
    return vals[0] if len(vals) == 1 else vals


def _load_problem(args):
    import insgd.numerics.finite_sums  # noqa: F401  (registers phase_retrieval and dro)
    from insgd.numerics.problems import make_problem

    return make_problem(args.problem, **_kv(args.param, "--param"))


def _noise(text):
    """--noise TAU1,TAU2 -> (tau1, tau2), or None."""
    if text is None:
        return None
    noise = [parse_float("noise", x, lo=0, lo_open=False) for x in text.split(",")]
    if len(noise) != 2:
        raise InputError(f"noise must be TAU1,TAU2, got {text!r}")
    return tuple(noise)


def cmd_run(args) -> int:
    from insgd.numerics.engine import RunSpec, execute

    if args.save is not None:  # both files are validated before any work
        for suffix in (".npz", ".json"):
            check_out_file(Path(args.save).with_suffix(suffix), args.force, "save")
    if args.seed + args.runs - 1 > MAX_SEED:
        raise InputError(f"seed + runs - 1 must be <= {MAX_SEED}, got {args.seed + args.runs - 1}")
    noise = _noise(args.noise)
    spec = RunSpec(
        problem=args.problem,
        optimizer=args.optimizer,
        iters=args.iters,
        seeds=tuple(range(args.seed, args.seed + args.runs)),
        hp={k: _numbers(f"opt {k}", v) for k, v in _kv(args.opt, "--opt").items()},
        params=_kv(args.param, "--param"),
        w0=None if args.w0 is None else _numbers("w0", args.w0),
        noise=noise,
        eps_gap=None if args.eps_gap is None else _numbers("eps-gap", args.eps_gap, lo=0),
        eps_grad=None if args.eps_grad is None else _numbers("eps-grad", args.eps_grad, lo=0),
        max_samples=args.max_samples,
    ).validated("run")
    problem, _ = spec.build()
    seeds = spec.seeds
    trace = execute(spec, quiet=args.quiet or args.json, backend=args.backend)
    if args.save is not None:
        trace.save(args.save, overwrite=args.force)
    if args.json:
        _print_json(trace.to_json(), args)
        return 0
    print(
        f"{args.optimizer} on {problem.name} (dim {problem.dim}), {args.runs} run(s), {args.iters} iterations "
        f"(backend {trace.backend})"
    )
    for r in range(args.runs):
        status = "diverged" if trace.diverged[r] else f"stopped at t = {trace.stop_t[r]}"
        print(
            f"  run {r} (seed {seeds[r]}): f - f* = {_g(trace.final_gap[r])}, ||grad F|| = {_g(trace.final_grad_norm[r])}, "
            f"samples = {trace.final_samples[r]}, {status}"
        )
    return 0


def cmd_problems(args) -> int:
    import insgd.numerics.finite_sums  # noqa: F401
    from insgd.numerics.problems import PROBLEMS, make_problem

    out = {}
    for name, (_, spec, doc) in PROBLEMS.items():
        entry = {"formula": doc, "parameters": {k: {"default": v[1], "type": v[2]} for k, v in spec.items()}}
        if name != "dro":
            entry.update(make_problem(name).describe())
        out[name] = entry
    if args.json:
        _print_json(out, args)
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
    from insgd.verify.bench import bench_all, bench_batching

    if args.only == "batching":
        res = bench_batching(runs=args.runs, iters=args.iters, sample=args.sample)
        if args.json:
            _print_json(res, args)
        else:
            print(
                f"batching: {res['runs']} NGD configurations x {res['iters']} iterations: batch {res['batch_s']:.3f} s, "
                f"one after another {res['sequential_s']:.2f} s (from {res['sequential_sampled']} runs) -> "
                f"speedup {res['batching_speedup']:.1f}x"
            )
        return 0
    res = bench_all(quick=args.quick)
    if args.json:
        _print_json(res, args)
        return 0
    e = res["engine"]
    print(
        _table(
            [
                ("1. batching (64 NGD configs, 1e4 its)", f"{res['batching_speedup']:.1f}x (target >= 10x)"),
                (
                    "2. engine / bare kernel (I-NSGD, PR)",
                    f"{res['engine_overhead']:.2f}x (target <= 1.3x): {e['engine_s']:.2f} s vs {e['bare_kernel_s']:.2f} s",
                ),
                ("3. engine vs per-seed loop", f"{res['speedup_vs_loop']:.1f}x (target >= 3x)"),
                (
                    "4. Theorem 2 T on 1e6 points",
                    f"{res['theory_grid_s']:.3f} s, {res['theory_speedup']:.3g}x vs SymPy subs (target >= 1000x, < 1 s)",
                ),
                (
                    "5. main job --quick / full",
                    f"{res['main_job_quick_s']:.1f} s / "
                    f"{'-' if res['main_job_s'] is None else format(res['main_job_s'], '.1f') + ' s'}",
                ),
                *_backend_rows(res["backend"]),
            ]
        )
    )
    return 0


def _backend_rows(k):
    if not k["available"]:
        return [("6. numba backend", k["note"])]
    ns = k["ns_per_run_step"]
    rows = [
        (
            "6. PR gradient step, numba / numpy",
            f"{k['kernel_ratio']:.1f}x (target >= 4x): {ns['numba']:.0f} vs {ns['numpy']:.0f} ns per run-step; "
            f"floor {k['floor_ns_per_run_step']:.0f} ns ({k['flops_per_run_step']} flop at {k['peak_gflops']:.1f} GFLOP/s)",
        ),
        ("7. engine SGD run, numba / numpy", f"{k['engine_ratio']:.1f}x (1000 runs x 200 steps, batch 64)"),
        (
            "8. agreement",
            f"{k['agreement_per_call']:.1e} per call, {k['agreement_engine_finals']:.1e} on finals "
            f"(relative); same stopping steps: {'yes' if k['same_stops'] else 'NO'}",
        ),
        ("9. first call (compile or cache load)", f"{k['first_call_s']:.2f} s, not in the timings"),
    ]
    if "reproduction_s" in k:
        r = k["reproduction_s"]
        rows.append(
            (
                "10. full PR reproduction, numba / numpy",
                f"{k['reproduction_ratio']:.2f}x (target >= 3x): {r['numba']:.1f} s vs {r['numpy']:.1f} s; same "
                f"conclusion: {'yes' if k['reproduction_same_conclusion'] else 'NO'}",
            )
        )
    return rows


def cmd_sweep(args) -> int:
    from insgd.verify.sweep import SerialExecutor, default_executor, sweep, validate_config

    try:
        raw = json.loads(Path(args.configs).read_text())
    except (OSError, ValueError) as e:
        raise InputError(f"configs must be a readable JSON list of run configs: {e}") from None
    if not isinstance(raw, list) or not raw:
        raise InputError("configs must be a non-empty JSON list of run configs")
    if len(raw) > 10_000:
        raise InputError(f"configs must hold at most 10000 runs, got {len(raw)}")
    configs = [validate_config(c, f"configs[{i}]") for i, c in enumerate(raw)]
    check_out_dir(args.out, args.force)
    if args.executor == "dask":
        from insgd.verify.sweep import dask_executor

        ex, client = dask_executor(args.workers or 2)
        try:
            traces = sweep(configs, ex, quiet=args.quiet, backend=args.backend)
        finally:
            client.close()
    elif args.executor == "serial":
        traces = sweep(configs, SerialExecutor(), quiet=args.quiet, backend=args.backend)
    else:
        with default_executor(args.workers) as ex:
            traces = sweep(configs, ex, quiet=args.quiet, backend=args.backend)
    with atomic_dir(args.out, args.force) as tmp:
        for i, tr in enumerate(traces):
            tr.save(tmp / f"run_{i:03d}")
    used = ", ".join(sorted({tr.backend for tr in traces}))
    compiled = [sum(tr.compile_s.values()) for tr in traces if tr.compile_s]
    note = f"; {len(compiled)} run(s) compiled or loaded kernels, {sum(compiled):.2f} s in all" if compiled else ""
    print(f"{len(traces)} trace(s) written to {args.out}/ (backend {used}{note})")
    return 0


MAX_GRID = 40


def _backend_option(p):
    p.add_argument(
        "--backend",
        choices=["numpy", "numba"],
        help="the compute backend: numpy (the reference) or numba (compiled loops: the finite sums' minibatch "
        "gradients, the Theorem 1 checks' NGD runs; pip install 'insgd[fast]'); default: numba when installed, else "
        "numpy. Same seeds, same draws; each step agrees to rounding (1e-12 relative), which runs that do not settle "
        "amplify like any perturbation (README, 'The compiled backend')",
    )


def _grid(text):
    parts = text.split(":")
    if len(parts) != 3:
        raise InputError(f"eps-grid must look like a:b:n (e.g. 1e-2:1e-5:6), got {text!r}")
    a, b = (parse_float("eps-grid", x, lo=0, hi=1, hi_open=True) for x in parts[:2])
    n = parse_number("eps-grid n", parts[2])
    if not (n.is_Integer and 3 <= n <= MAX_GRID):
        raise InputError(f"eps-grid n must be an integer in [3, {MAX_GRID}], got {parts[2]!r}")
    if a == b:
        raise InputError(f"eps-grid must have a != b, got {text!r}")
    return np.geomspace(a, b, int(n))


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
            from insgd.verify.theorem_file import load

            t = load(args.file)
        else:
            t = get(args.name)
        if args.json:
            _print_json(t.to_json(), args)
            return 0
        j = t.to_json()
        print(f"{t.name}\n  source: {t.source}\n  reading: {t.reading}\n  assumptions: {', '.join(j['assumptions'])}")
        print(f"  algorithm: {t.algorithm}, step size {j['step_size']}\n  promise: {t.promise} (probability {j['probability']})")
        print(f"  measure: {t.measure} ({j['measure_meaning']}); checkable: {'yes' if t.checkable else 'no'}")
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
    from insgd.verify.theorem_check import check_theorem, worst_case

    if args.theorem_file is not None:
        from insgd.verify.theorem_file import load

        theorem = load(args.theorem_file)
    else:
        theorem = get(args.theorem)
        if theorem.key.split(".")[0] in OWN_COMMANDS:
            raise InputError(f"theorem {theorem.key} is checked by `{OWN_COMMANDS[theorem.key.split('.')[0]]}`")
    problem = _load_problem(args)
    eps = None if args.eps is None else parse_float("eps", args.eps, lo=0)
    opts = dict(eps=eps, noise=_noise(args.noise), batch=args.batch, seeds=args.seeds, iters=args.iters)
    results = [check_theorem(theorem, problem, **opts)]
    family = worst_case(theorem) if args.worst_case else None
    if family is not None:
        results.append(check_theorem(theorem, family, **opts) | {"worst_case": True})
    if args.worst_case and family is None:
        results[0]["worst_case_note"] = f"no family known to the toolkit is tight for {', '.join(theorem.assumption_keys)}"
    code = 1 if any(r["verdict"] == "fail" for r in results) else 0
    if args.json:
        _print_json(results if len(results) > 1 else results[0], args)
        return code
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
    return code


def _start_point(args, problem):
    """--w0: a number (every coordinate) or one number per coordinate; None when not given."""
    if args.w0 is None:
        return None
    w0 = np.atleast_1d(np.asarray(_numbers("w0", args.w0), float))
    w0 = np.full(problem.dim, w0[0]) if w0.size == 1 else w0
    if w0.size != problem.dim:
        raise InputError(f"w0 must be a number or {problem.dim} comma-separated numbers, got {w0.size}")
    return w0


def cmd_check(args) -> int:
    from insgd.verify.checks import check, plot_check

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
    code = 1 if j["verdict"] == "fail" else 0  # 0 pass (or inconclusive), 1 fail, 2 bad input
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
        "pass": f" (not refuted on this instance: one run per eps of the {len(j['eps_grid'])}-point grid down to "
        f"eps = {min(j['eps_grid']):g}, every iterate checked; not a proof)",
        "inconclusive": " (exit 0: see the inconclusive assertion)",
    }
    rows.append(("verdict", j["verdict"] + scope.get(j["verdict"], "")))
    print(_table(rows))
    if j["disagreement"]:
        print(f"paper vs derived: {j['disagreement']}")
    return code


def _print_warnings(warnings):
    for w in warnings:
        print(f"warning: {w}")


def cmd_verify_all(args) -> int:
    from insgd.verify.main_job import run_all

    s = run_all(
        args.out,
        quick=args.quick,
        force=args.force,
        data=args.data,
        workers=args.workers,
        progress=not args.quiet,
        backend=args.backend,
    )
    from insgd.verify.main_job import disagreement_headline

    c = s["verdict_counts"]
    print(
        f"{'quick run (a smoke test, not findings): ' if s['quick'] else ''}{c['pass']} pass (not refuted on the instances "
        f"checked), {c['inconclusive']} inconclusive, {c['fail']} fail, over {sum(c.values())} verdicts (derived predictions "
        f"and registered theorems); printed vs derived Theorem 1: {disagreement_headline(s)}; {s['elapsed_s']:.1f} s. "
        f"Report: {args.out}/report.md"
    )
    return 1 if s["any_fail"] else 0


def cmd_check_insgd(args) -> int:
    from insgd.verify.insgd_checks import theorem2_check

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
    code = 1 if j["verdict"] == "fail" else 0
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
                ("verdict", j["verdict"] + (" (exit 0)" if j["verdict"] == "inconclusive" else "")),
                ("what was checked", j["statement"]),
            ]
        )
    )
    _print_warnings(j["warnings"])
    return code


def cmd_lemma2(args) -> int:
    from insgd.verify.insgd_checks import lemma2_check

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
    code = 1 if j["verdict"] == "fail" else 0
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


def cmd_reproduce(args) -> int:
    from insgd.verify.reproduce import reproduce

    out = f"insgd-reproduce-{args.experiment}" if args.out is None else args.out
    res = reproduce(
        args.experiment,
        seeds=args.seeds,
        quick=args.quick,
        out=out,
        data=args.data,
        force=args.force,
        scale=args.scale,
        variant=args.variant,
        readings=[r.strip() for r in args.readings.split(",")],
        pipeline=args.pipeline,
        reg=args.reg,
        tune=not args.no_tune,
        tuning_seeds=args.tuning_seeds,
        criterion=args.criterion,
        progress=not args.json,
        backend=args.backend,
    )
    if args.json:
        _print_json(json.loads((Path(out) / f"{args.experiment}.json").read_text()), args)
        return 0
    print(res["summary"])
    print(f"Figure: {out}/{args.experiment}.png; results: {out}/{args.experiment}.json")
    return 0


def cmd_audit(args) -> int:
    from insgd.verify.audit import audit_expr_bounded, audit_problem, plot_scatter, smoothness_scatter

    if (args.expr is None) == (args.problem is None):
        raise InputError("give exactly one of --expr or --problem")
    if args.plot is not None and args.problem is None:
        raise InputError("plot applies to --problem only (the empirical smoothness scatter of a registry problem)")
    if args.plot is not None:
        check_out_file(args.plot, args.force, "plot", IMAGE_SUFFIXES)
    box = None
    if args.box is not None:
        parts = args.box.split(":")
        if len(parts) != 2:
            raise InputError(f"box must look like a:b, got {args.box!r}")
        box = tuple(parse_number("box", x) for x in parts)
        if not box[0] < box[1]:
            raise InputError(f"box must be a:b with a < b, got {args.box!r}")
    pl, sm = [tuple(c) for c in args.claim_pl or []], [tuple(c) for c in args.claim_smooth or []]
    if len(pl) + len(sm) > 20:
        raise InputError(f"claims must number at most 20 per call, got {len(pl) + len(sm)}")
    time_s = parse_float("time-limit", args.time_limit, lo=0, hi=3600)
    progress = None
    if not args.quiet and sys.stderr.isatty():

        def progress(i, n, cl):
            print(f"[{i + 1}/{n}] {cl.kind} {cl.form or ''} (time limit {time_s:g} s)", file=sys.stderr, flush=True)

    if args.problem is not None:
        problem = _load_problem(args)
        out = audit_problem(problem, box, pl, sm, time_s)
        if args.plot is not None:
            scatter = smoothness_scatter(problem)
            with atomic_file(args.plot, args.force, "plot", IMAGE_SUFFIXES) as tmp:
                plot_scatter(scatter, tmp, problem.name)
            out["scatter"] = {k: v for k, v in scatter.items() if k != "points"}
    else:
        out = audit_expr_bounded(args.expr, box, pl, sm, time_s, progress=progress)
    _emit_audit(out, args)
    return 1 if any(c["verdict"] == "fails" for c in out["claims"]) else 0


def _num_text(x):
    """A number for a text line (10 significant digits); anything else as it is."""
    return f"{x:.10g}" if isinstance(x, float) else x


def _short(v, n=6):
    """A point for a text line: one coordinate as a number, several in parentheses, the first n and the count of a
    long one (the full witness is in the JSON, at full precision)."""
    if not isinstance(v, list):
        return v
    if len(v) == 1:
        return f"{v[0]:.10g}"
    head = ", ".join(f"{x:.10g}" for x in v[:n])
    return f"({head})" if len(v) <= n else f"({head}, ... {len(v)} entries; --json for all)"


def _emit_audit(out, args):
    if args.json:
        _print_json(out, args)
        return
    fs = out.get("fstar")
    print(f"f = {out.get('expr', out.get('problem'))}")
    if out.get("stopped"):
        print(f"stopped: {out['stopped']}; what was not decided by then is unknown")
    print(
        f"f* = {fs if fs is not None else 'unknown'}"
        + ("" if out.get("fstar_attained", True) is not False else " (an infimum, not attained)")
        + f"; certified: {'yes' if out.get('fstar_certified') else 'no'} ({out.get('fstar_how', '')})"
    )
    print(f"argmin = {_short(out.get('argmin'))}; stationary points = {_short(out.get('stationary_points'))}")
    rr, am = out.get("rho_range"), out.get("alpha_min")
    if rr:
        print(
            f"admissible rho: none ({rr['why']})"
            if rr.get("empty")
            else f"admissible rho: [{_num_text(rr.get('lo'))}, {_num_text(rr.get('hi'))}]"
        )
    if am:
        print(f"alpha_min (Hessian form, global): {_num_text(am.get('alpha_min'))} ({am.get('why')})")
    rows = []
    for c in out["claims"]:
        consts = ", ".join(f"{k}={v}" for k, v in c.get("constants_exact", c["constants"]).items())
        how = c.get("certificate") or ""
        if c.get("witness"):
            how = f"witness w = {_short(c['witness'])}, violation >= {c['violation']:.3g}"
        rows.append(
            (
                f"{c['kind']} {c.get('form') or ''}".strip(),
                consts,
                c["region"],
                c["verdict"].upper(),
                how or c.get("evidence", ""),
                f"{c.get('time_s', 0):.2f} s",
            )
        )
    if rows:
        head = ("claim", "constants", "region", "verdict", "certificate / witness / reason", "time")
        widths = [max(len(str(r[i])) for r in [*rows, head]) for i in range(6)]
        print()
        for r in [head, *rows]:
            print("  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=True)).rstrip())
    bm = out.get("best_mu_at_rho_hi")
    if bm:
        valid = "none certified" if bm["valid"] is None else f"{bm['valid']:.10g}"
        print(f"\nbest mu at rho = {bm['rho']:.10g}: in [{valid}, {bm['upper']:.10g}] (certified valid value, upper bound)")
    for s in out.get("smallest_L0") or []:
        if s and s["valid"] is not None:
            print(
                f"smallest L0 for L1 = {s['L1']:.10g}, alpha = {s['alpha']:.10g}: in [{s['lower']:.10g}, {s['valid']:.10g}] "
                "(lower bound, certified valid value)"
            )
        elif s:
            print(
                f"smallest L0 for L1 = {s['L1']:.10g}, alpha = {s['alpha']:.10g}: >= {s['lower']:.10g}; no certified value "
                f"({s['how']})"
            )


CONSTANT_HELP = {
    "L0": "Assumption 1's L0 > 0 (e.g. 1)",
    "L1": "Assumption 1's L1 > 0 (e.g. 1)",
    "alpha": "Assumption 1's exponent, 0 <= alpha <= 1 (e.g. 0)",
    "beta": "normalization power, alpha <= beta <= 1 (e.g. 1/2)",
    "rho": "Assumption 2's exponent rho > 0 (e.g. 1)",
    "mu": "Assumption 2's mu > 0 (e.g. 1/10)",
    "eps": "target accuracy eps > 0 (f - f* for Theorem 1, ||grad F|| for Theorem 2; e.g. 1e-3)",
    "tau1": "Assumption 4's tau1 > 0 (e.g. 2)",
    "tau2": "Assumption 4's tau2 > 0 (e.g. 1)",
    "delta0": "F(w0) - F* > 0 (e.g. 1)",
}


def build_parser() -> argparse.ArgumentParser:
    from insgd.verify.reproduce import READINGS

    ap = _Parser(
        prog="insgd",
        description=(
            "Check the convergence theorems of 'Independently-Normalized SGD for Generalized-Smooth "
            "Nonconvex Optimization' against mathematics and experiment. Numbers accept fractions (2/3)."
        ),
    )
    from insgd import __version__

    ap.add_argument("--version", action="version", version=f"insgd {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

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

    pr = sub.add_parser("predict", help="what Theorem 1 (NGD) or Theorem 2 (I-NSGD) predicts")
    psub = pr.add_subparsers(dest="which", required=True, parser_class=_Parser)
    pn = psub.add_parser(
        "ngd",
        help="Theorem 1: regime, rate and T(eps) of NGD, as printed and as derived",
        description="Theorem 1 for NGD (eq. 4) with gamma = (2 mu eps)^(beta/rho)/(8(L0+L1)+1): "
        "the paper's regime, rate and T(eps), the re-derived bound, and whether they agree.",
    )
    for name in ("L0", "L1", "alpha", "beta", "rho", "mu", "eps"):
        pn.add_argument(f"--{name}", required=True, metavar="X", help=CONSTANT_HELP[name])
    pn.add_argument("--delta0", metavar="X", help="f(w0) - f*; enables the explicit T_derived")
    _json_options(pn)
    pn.add_argument("--latex", action="store_true", help="print formulas as LaTeX")
    pn.set_defaults(func=cmd_predict_ngd)

    pi = psub.add_parser(
        "insgd",
        help="Theorem 2: T, gamma, B, B', delta for target eps",
        description="Theorem 2 for I-NSGD (eq. 13): parameters, the bound (16) and its "
        "dominant term; with --iterations or --samples, the smallest reachable eps.",
    )
    for name in ("L0", "L1", "tau1", "tau2", "beta", "delta0", "eps"):
        pi.add_argument(f"--{name}", required=True, metavar="X", help=CONSTANT_HELP[name])
    pi.add_argument("--alpha", metavar="X", help="checks the proof's precondition alpha <= beta")
    pi.add_argument("--iterations", metavar="N", help="iteration budget: report the smallest eps")
    pi.add_argument("--samples", metavar="N", help="sample budget: report the smallest eps")
    _json_options(pi)
    pi.add_argument("--latex", action="store_true", help="print formulas as LaTeX")
    pi.set_defaults(func=cmd_predict_insgd)

    rn = sub.add_parser(
        "run",
        help="run an optimizer on a problem (batched runs, JSON traces)",
        description="Run R seeded runs of an optimizer on a problem in one batch. Metrics are "
        "recorded at geometric checkpoints and at the last iteration.",
    )
    rn.add_argument("--problem", required=True, help="a name from `insgd problems`")
    rn.add_argument("--param", action="append", metavar="K=V", help="problem parameter (repeatable), e.g. p=4")
    rn.add_argument("--optimizer", required=True, help="gd, ngd, sgd, nsgd, clipped_sgd, insgd, nsgd_momentum, spider")
    rn.add_argument(
        "--opt",
        action="append",
        metavar="K=V",
        help="hyperparameter (repeatable), e.g. gamma=0.01, beta=2/3; a comma list gives one value per run",
    )
    rn.add_argument("--w0", help="initial point: a scalar (all coordinates) or a comma list")
    rn.add_argument("--iters", required=True, type=_count(0, 10**8), help="iteration budget (<= 1e8)")
    rn.add_argument("--seed", required=True, type=_count(0, MAX_SEED), help="run k uses seed SEED + k (>= 0)")
    rn.add_argument(
        "--runs",
        type=_count(1, 10**7),
        default=1,
        help="number of runs R (default 1); refused up front when the batch cannot fit in memory",
    )
    rn.add_argument("--noise", metavar="TAU1,TAU2", help="wrap a deterministic problem in the synthetic oracle")
    rn.add_argument("--eps-gap", help="stop a run when f - f* <= this")
    rn.add_argument("--eps-grad", help="stop a run when ||grad F|| <= this")
    rn.add_argument("--max-samples", type=_count(1, 10**15), help="stop a run after this many samples (>= 1)")
    rn.add_argument("--save", metavar="PATH", help="write PATH.npz and PATH.json")
    rn.add_argument("--force", action="store_true", help="overwrite an existing --save target")
    rn.add_argument("--quiet", action="store_true", help="no progress bar")
    _json_options(rn)
    _backend_option(rn)
    rn.set_defaults(func=cmd_run)

    pb = sub.add_parser("problems", help="list problems with their parameters and certified constants")
    _json_options(pb)
    pb.set_defaults(func=cmd_problems)

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
        action="store_true",
        help="--theorem: also run the family on which the theorem's assumptions are tight (|w|^p, p = rho/(rho-1))",
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

    au = sub.add_parser(
        "audit",
        help="does a function satisfy Assumptions 1 and 2, with which constants?",
        description="Audit a function of w in the safe expression language (numbers, w, pi, E, "
        "+ - * / **, exp log sqrt Abs cosh sinh tanh sin cos atan) or a registry problem: f*, "
        "minimizers, stationary points, the admissible rho, alpha_min, and claims, each 'holds' (every "
        "step certified: f* by a global interval cover, the inequality for exactly the numbers given), "
        "'fails' (a witness inside the region, re-checked in 60-digit interval arithmetic) or "
        "'unknown' (with the reason). Without --box the region is all of R. Exit 1 when a claim fails.",
    )
    au.add_argument("--expr", help='e.g. "w + w**2/2 + w**4"')
    au.add_argument("--problem", help="a registered problem instead of --expr (see `insgd problems`), e.g. paper_example2")
    au.add_argument("--param", action="append", metavar="K=V", help="a problem parameter, repeatable (e.g. --param p=4)")
    au.add_argument("--box", metavar="A:B", help="the region [A, B] (default: all of R); write --box=-3:3 for negative A")
    au.add_argument(
        "--claim-pl",
        nargs=2,
        action="append",
        metavar=("RHO", "MU"),
        help="claim |f'|^rho / (2 mu) >= f - f* on the region (repeatable); numbers are exact: 0.1 is 1/10, "
        "2/3 is two thirds, and closed forms such as 3*2**(2/3) are accepted",
    )
    au.add_argument(
        "--claim-smooth",
        nargs=4,
        action="append",
        metavar=("FORM", "L0", "L1", "ALPHA"),
        help="claim Assumption 1 in FORM (literal, segment or hessian) with (L0, L1, alpha) (repeatable)",
    )
    au.add_argument(
        "--time-limit",
        default="60",
        metavar="S",
        help="wall-clock seconds for the whole audit (f*, every claim, the best-constant searches), enforced by running "
        "it in a worker process that is stopped at the limit; what is not decided by then is unknown (default 60)",
    )
    au.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _json_options(au)
    au.add_argument("--plot", metavar="FILE", help="(--problem only) the empirical smoothness scatter (.png, .pdf, .svg)")
    au.add_argument("--force", action="store_true", help="replace an existing --plot file")
    au.set_defaults(func=cmd_audit)

    rp = sub.add_parser(
        "reproduce",
        help="the paper's experiments: Figure 2 (phase-retrieval) and Figure 3 (dro)",
        description="Regenerate Figure 2 (phase retrieval) or Figure 3 (DRO) on several seeds: "
        "objective vs samples for all methods, I-NSGD over beta, and over B'. Writes a PNG, a JSON of "
        "final and best objectives per method and seed, and a Markdown summary.",
    )
    rp.add_argument("experiment", choices=["phase-retrieval", "dro"], help="phase-retrieval (Figure 2) or dro (Figure 3)")
    rp.add_argument(
        "--seeds",
        type=_count(1, 100),
        default=20,
        help="evaluation seeds (default 20, <= 100; phase retrieval spreads them over 3 problem instances)",
    )
    rp.add_argument("--quick", action="store_true", help="small sizes, seconds: a smoke test whose numbers are not findings")
    rp.add_argument("--out", help="output directory (default insgd-reproduce-EXPERIMENT/)")
    rp.add_argument("--data", help="path to the WHO life-expectancy CSV (dro)")
    rp.add_argument(
        "--pipeline",
        default="leakfree",
        choices=["leakfree", "paper"],
        help="dro features: leakfree (default) or paper (34 features)",
    )
    rp.add_argument(
        "--scale",
        default="variance",
        choices=["variance", "std"],
        help="phase retrieval: N(m, s) with s a variance (default) or std",
    )
    rp.add_argument(
        "--variant", default="paper", choices=["paper", "code"], help="phase retrieval gradient: paper (default) or code (halved)"
    )
    rp.add_argument(
        "--readings",
        default=",".join(READINGS),
        help="comma list of readings of the printed clipping constant c, applied to clipped SGD and I-NSGD alike: "
        "literal, threshold, floor, eq13, code (default: all; see verify/reproduce.py)",
    )
    rp.add_argument(
        "--reg",
        default="smooth",
        choices=["smooth", "exact"],
        help="dro regularizer: smooth (nu = 1e-3, default) or exact (by subgradient)",
    )
    rp.add_argument("--no-tune", action="store_true", help="skip the equal tuning (printed hyperparameters only)")
    rp.add_argument(
        "--tuning-seeds",
        type=_count(1, 20),
        default=5,
        help="seeds used to choose each step size (disjoint from the evaluation seeds; default 5)",
    )
    rp.add_argument(
        "--criterion",
        default="final",
        choices=["final", "area"],
        help="tuning criterion: the median final gap over the tuning seeds (default) or the mean log-gap area",
    )
    rp.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    _json_options(rp)
    _backend_option(rp)
    rp.set_defaults(func=cmd_reproduce)

    vf = sub.add_parser("verify", help="the main job: every check, a report")
    vsub = vf.add_subparsers(dest="what", required=True, parser_class=_Parser)
    va = vsub.add_parser(
        "all",
        help="run every check and write report.md, summary.json and figures",
        description="Run every check on every problem it applies to. Exit 0 when every derived "
        "prediction is confirmed; disagreements with the paper are findings, not failures.",
    )
    va.add_argument("--out", default="insgd-report", help="output directory (default insgd-report/)")
    va.add_argument("--quick", action="store_true", help="a small run (seconds)")
    va.add_argument("--force", action="store_true", help="overwrite a non-empty output directory")
    va.add_argument("--data", help="life-expectancy CSV: adds the DRO reproduction to the report")
    va.add_argument("--workers", type=_count(1, 256), help="processes for the independent checks (default: all cores; 1: serial)")
    va.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _backend_option(va)
    va.set_defaults(func=cmd_verify_all)

    bn = sub.add_parser(
        "bench",
        help="benchmarks (ratios measured in one run)",
        description="Benchmarks, each a ratio measured in one run: batching, engine overhead vs the "
        "bare kernel, engine vs a per-seed loop, lambdified theory vs SymPy, main job wall time, and the numba "
        "backend against the NumPy engine (gradient step, engine run, agreement, arithmetic floor, full phase-"
        "retrieval reproduction unless --quick).",
    )
    bn.add_argument("--only", choices=["batching"], help="run one benchmark")
    bn.add_argument("--runs", type=_count(1, 10**5), default=64, help="(batching) configurations")
    bn.add_argument("--iters", type=_count(1, 10**7), default=10_000, help="(batching) iterations")
    bn.add_argument("--sample", type=_count(1, 10**3), default=8, help="(batching) sequential runs timed (the rest extrapolated)")
    bn.add_argument("--quick", action="store_true", help="skip the full main job and the full reproductions (reported as null)")
    _json_options(bn)
    bn.set_defaults(func=cmd_bench)

    sw = sub.add_parser(
        "sweep",
        help="run a JSON list of run configs on an executor; write one trace each",
        description="Configs in, traces out. Each config: problem, optimizer, iters, seeds (a list "
        "or a count), and optional params, hp, w0, noise, eps_gap, eps_grad, max_samples. The same "
        "configs give the same traces on every executor.",
    )
    sw.add_argument(
        "configs",
        help='a JSON file with a list of run configs, e.g. [{"problem": "power", "optimizer": '
        '"ngd", "iters": 1000, "seeds": 4, "hp": {"gamma": 0.01}}] (fields of RunSpec)',
    )
    sw.add_argument("--out", required=True, help="directory for run_NNN.npz/.json (one trace per config)")
    sw.add_argument(
        "--executor",
        choices=["process", "serial", "dask"],
        default="process",
        help="process pool (default), serial, or Dask (pip install 'insgd[dask]')",
    )
    sw.add_argument("--workers", type=_count(1, 256), help="workers (default: all cores)")
    sw.add_argument("--force", action="store_true", help="replace a non-empty --out directory")
    sw.add_argument("--quiet", action="store_true", help="no progress on stderr")
    _backend_option(sw)
    sw.set_defaults(func=cmd_sweep)
    return ap


def _one_line(text) -> str:
    return " ".join(str(text).split())


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is so that every cleanup (temporary outputs) runs as for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_raise():
    """SIGTERM and SIGHUP raise Terminated in the main thread for the duration (handlers restored afterwards)."""
    sigs = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _terminate) for s in sigs}
    old_hook = sys.unraisablehook
    sys.unraisablehook = _redeliver
    try:
        yield
    finally:
        sys.unraisablehook = old_hook
        for s, h in old.items():
            signal.signal(s, h)


def _redeliver(u):
    """A signal's exception raised inside a finalizer or weakref callback is swallowed by Python ("Exception
    ignored in ..."), and the run would go on as if no signal had come: send the signal again from a helper thread a
    moment later, so that it is raised in the main program once the finalizer has returned. Other unraisable
    exceptions go to the default hook."""
    if isinstance(u.exc_value, Terminated | KeyboardInterrupt):
        signum = u.exc_value.signum if isinstance(u.exc_value, Terminated) else signal.SIGINT
        threading.Timer(0.02, os.kill, (os.getpid(), signum)).start()
    else:
        sys.__unraisablehook__(u)


def main(argv=None) -> int:
    """Exit codes: 0 success, 1 a check failed, 2 bad input (one line on stderr), 3 an internal error (one line;
    INSGD_DEBUG=1 shows the traceback), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP).
    Outputs are written atomically, so nothing is left half-written by any of these."""
    try:
        with _signals_raise():
            args = build_parser().parse_args(argv)
            return args.func(args)
    except Terminated as e:
        print(f"insgd: terminated by {signal.Signals(e.signum).name}; partial outputs were removed", file=sys.stderr)
        return 128 + e.signum
    except InputError as e:
        print(f"insgd: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "insgd: error: the requested sizes do not fit in memory; lower --runs, --dim, --iters or the batch", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("insgd: interrupted; partial outputs were removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `insgd run ... --json | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as e:  # a bug, not bad input: say so in one line (INSGD_DEBUG=1 for the traceback)
        if os.environ.get("INSGD_DEBUG"):
            raise
        print(
            f"insgd: internal error: {type(e).__name__}: {_one_line(e)[:300]} (please report; INSGD_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
