"""`insgd run`, `problems`, `sweep` and `reproduce`: runs of the engine and the paper's experiments."""

import json
from pathlib import Path

from insgd.numerics.runs import MAX_SEED
from insgd.theory.numbers import InputError
from insgd.verify.cli.common import _backend_option, _count, _g, _json_options, _kv, _noise, _numbers, _print_json
from insgd.verify.outputs import atomic_dir, check_out_dir, check_out_file


def cmd_run(args) -> int:
    from insgd.numerics.engine import execute
    from insgd.numerics.runs import RunSpec

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


def cmd_sweep(args) -> int:
    from insgd.verify.experiments.sweep import SerialExecutor, default_executor, sweep, validate_config

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
        from insgd.verify.experiments.sweep import dask_executor

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


def cmd_reproduce(args) -> int:
    from insgd.verify.experiments.reproduce import reproduce

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


def add_run(sub):
    """The `run` subcommand."""
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


def add_problems(sub):
    """The `problems` subcommand."""
    pb = sub.add_parser("problems", help="list problems with their parameters and certified constants")
    _json_options(pb)
    pb.set_defaults(func=cmd_problems)


def add_reproduce(sub):
    """The `reproduce` subcommand."""
    from insgd.verify.experiments.configs import READINGS

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
        "literal, threshold, floor, eq13, code (default: all; see verify/experiments/reproduce.py)",
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


def add_sweep(sub):
    """The `sweep` subcommand."""
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
