"""`insgd estimate`: estimate (L0, L1, alpha) of eq. (2) along a trajectory, and try to refute them."""

from insgd.core import InputError
from insgd.theory.numbers import parse_float
from insgd.verify.cli.common import _count, _g, _json_options, _kv, _load_problem, _print_json, _table
from insgd.verify.outputs import IMAGE_SUFFIXES, atomic_file, check_out_file


def _source(args):
    chosen = [k for k in ("log", "problem", "demo") if getattr(args, k)]
    if len(chosen) != 1:
        raise InputError("give exactly one of --log FILE.npz, --problem NAME or --demo mlp")
    from insgd.verify.audit import trajectories

    if args.log:
        X, G, groups = trajectories.load_log(args.log)
        return trajectories.LogOracle(X.shape[1], groups), X, G, f"log {args.log} ({len(X)} iterates, d = {X.shape[1]})"
    if args.problem:
        prob = _load_problem(args)
        hp = {k: parse_float(k, v) for k, v in _kv(args.opt, "--opt").items()} or None
        oracle, X = trajectories.problem_trajectory(prob, args.optimizer, hp, args.iters, seed=args.seed)
        return oracle, X, None, f"{prob.label()}: {len(X)} iterates of {args.optimizer}"
    data = args.data
    oracle, X, what = trajectories.demo_model(data=data, steps=args.iters, seed=args.seed)
    return oracle, X, None, what


def cmd_estimate(args) -> int:
    from insgd.verify.audit.estimate import estimate, plot_estimate, refute_claim

    if args.plot is not None:  # an empty path is refused here, not taken as "no plot"
        check_out_file(args.plot, args.force, "plot", IMAGE_SUFFIXES)
    alpha = None if args.alpha is None else parse_float("alpha", args.alpha, lo=0, lo_open=False, hi=1)
    args.radius = None if args.radius is None else parse_float("radius", args.radius, lo=0)
    oracle, X, G, what = _source(args)
    log_only = args.log is not None
    if args.claim:
        parts = args.claim.split(",")
        if len(parts) != 3:
            raise InputError(f"claim must be L0,L1,alpha, got {args.claim!r}")
        claim = dict(
            zip(
                ("L0", "L1", "alpha"),
                (parse_float(k, v, lo=0, lo_open=False) for k, v in zip(("L0", "L1", "alpha"), parts, strict=True)),
                strict=True,
            )
        )
        if log_only:
            raise InputError("refuting a claim needs gradients at new points: --problem or --demo, not --log")
        res = [
            {"group": n, **refute_claim(oracle, X, claim, sl, args.probes, args.seed, args.radius, args.form)}
            for n, sl in oracle.groups
        ]
        if args.json:
            _print_json({"source": what, "claim": claim, "form": args.form, "groups": res}, args)
        else:
            print(f"{what}; claim L0 = {claim['L0']:g}, L1 = {claim['L1']:g}, alpha = {claim['alpha']:g} ({args.form} form)")
            print(_table([(r["group"], r["verdict"]) for r in res]))
        return 1 if any(r["refuted"] for r in res) else 0
    res = estimate(
        oracle, X, G, alpha, args.window, args.probes, args.seed, 0 if log_only else args.rounds, args.radius, args.form
    )
    if args.plot is not None:
        with atomic_file(args.plot, args.force, "plot", IMAGE_SUFFIXES) as tmp:
            plot_estimate(res, tmp)
    rows = []
    for g in res["groups"]:
        e, t = g["estimate"], g["trajectory"]
        probe = g.get("probe") or {"verdict": "no probe: a log has no gradients at new points"}
        rows.append({"group": g["group"], "size": g["size"], "pairs": e["pairs"], "trajectory": t, "estimate": e,
                     "probe": probe, "rounds": g["rounds"]})  # fmt: skip
    if args.json:
        _print_json({"source": what, "form": res["form"], "rule": rows[0]["estimate"]["rule"], "groups": rows}, args)
        return 0
    print(f"{what}; {res['form']} form; envelope rule: {rows[0]['estimate']['rule']}")
    for r in rows:
        e, t = r["estimate"], r["trajectory"]
        print(
            _table(
                [
                    (r["group"], f"{r['size']} coordinates, {r['pairs']} pairs"),
                    ("  trajectory", f"L0 = {_g(t['L0'])}, L1 = {_g(t['L1'])}, alpha = {_g(t['alpha'])}"),
                    ("  estimate", f"L0 = {_g(e['L0'])}, L1 = {_g(e['L1'])}, alpha = {_g(e['alpha'])}"),
                    ("  probe", r["probe"]["verdict"]),
                ]
            )
        )
    if args.plot is not None:
        print(f"figure: {args.plot}")
    return 0


def add_estimate(sub):
    """The `estimate` subcommand."""
    p = sub.add_parser(
        "estimate",
        help="estimate (L0, L1, alpha) along a trajectory (a log, a registered problem, the demo network) and try to refute them",
        description="Pairs of points along a trajectory give ratios ||g(x) - g(y)|| / ||x - y|| beside gradient norms; "
        "the envelope L0 + L1 ||g||^alpha above them is fitted by a stated rule (a linear program), then an adversarial "
        "probe (random, Hessian power-iteration and SPSA directions near the iterates) tries to break it and the "
        "envelope is refitted on every pair measured. Per group of coordinates (per tensor for the demo network). With "
        "--claim, only the probe: exit 1 when the claimed constants are refuted.",
    )
    p.add_argument("--log", metavar="FILE.npz", help="arrays x, g (K, d); optional group_names, group_bounds (G, 2)")
    p.add_argument("--problem", help="a registered problem: its trajectory under --optimizer (see `insgd problems`)")
    p.add_argument("--param", action="append", metavar="K=V", help="--problem: a problem parameter (repeatable)")
    p.add_argument("--optimizer", default="gd", help="--problem: the optimizer of the trajectory (default gd)")
    p.add_argument("--opt", action="append", metavar="K=V", help="--problem: a hyperparameter (default gamma=0.01)")
    p.add_argument("--demo", choices=["mlp"], help="a two-layer tanh network in PyTorch (needs insgd[torch])")
    p.add_argument("--data", help="--demo: the life-expectancy CSV (default: synthetic data of the same kind)")
    p.add_argument("--iters", type=_count(2, 10**5), default=60, help="trajectory length (default 60)")
    p.add_argument("--form", choices=["literal", "hessian"], default="literal",
                   help="literal: eq. (2) on pairs of points (default); hessian: ||Hess u|| <= L0 + L1 ||g||^alpha")  # fmt: skip
    p.add_argument("--alpha", metavar="X", help="fix alpha in [0, 1] (default: fitted on a grid)")
    p.add_argument("--claim", metavar="L0,L1,ALPHA", help="only try to refute these constants (exit 1 when refuted)")
    p.add_argument("--window", type=_count(1, 100), default=3, help="trajectory pairs up to this many steps apart")
    p.add_argument("--probes", type=_count(6, 10**5), default=60, help="probe pairs per round and group (default 60)")
    p.add_argument("--rounds", type=_count(0, 20), default=3, help="probe-and-refit rounds (default 3)")
    p.add_argument("--radius", metavar="X", help="probe distance > 0 (default: half the trajectory's spread)")
    p.add_argument("--seed", type=_count(0, 2**32 - 1), default=0, help="seed of the probes and the demo (default 0)")
    p.add_argument("--plot", metavar="PATH.png", help="the scatter of pairs with the envelopes")
    p.add_argument("--force", action="store_true", help="replace an existing --plot file")
    _json_options(p)
    p.set_defaults(func=cmd_estimate)
