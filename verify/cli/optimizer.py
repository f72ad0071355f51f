"""`insgd check-optimizer`: an optax or torch.optim optimizer held against registered theorems on certified problems."""

from insgd.core import InputError
from insgd.theory.numbers import parse_float
from insgd.verify.cli.common import _count, _json_options, _kv, _load_problem, _noise, _print_json, _table
from insgd.verify.verdicts import FAIL

# the constructors a name may select (each takes the learning rate first): names, never code, come from the command line
OPTAX = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "nadam", "radam", "lion", "adabelief", "amsgrad")
TORCH = ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam", "Adamax", "ASGD")
DEFAULT_THEOREMS = ("karimi2016.theorem1", "bottou2018.theorem4_8")
CI = {"eps": 1e-4, "seeds": 64, "iters": 200}  # --ci: the smaller horizons that keep a theorem under 5 s


def make_optimizer(args, stochastic):
    from insgd.numerics.foreign import optax_optimizer, torch_optimizer

    kw = {k: parse_float(f"kw {k}", v, lo=None) for k, v in _kv(args.kw, "--kw").items()}
    if (args.optax is None) == (args.torch is None):
        raise InputError("give exactly one of --optax NAME or --torch NAME")
    if args.optax is not None:
        if args.optax not in OPTAX:
            raise InputError(f"optax must be one of {', '.join(OPTAX)}, got {args.optax!r}")
        try:
            import optax
        except ImportError:
            raise InputError("--optax needs optax: pip install 'insgd[jax]'") from None
        ctor = getattr(optax, args.optax)
        return optax_optimizer(lambda lr: ctor(lr, **kw), f"optax.{args.optax}", stochastic)
    if args.torch not in TORCH:
        raise InputError(f"torch must be one of {', '.join(TORCH)}, got {args.torch!r}")
    try:
        import torch
    except ImportError:
        raise InputError("--torch needs torch: pip install 'insgd[torch]'") from None
    ctor = getattr(torch.optim, args.torch)
    return torch_optimizer(lambda p, lr: ctor(p, lr=lr, **kw), f"torch.optim.{args.torch}", stochastic)


def check_optimizer(args) -> list:
    from insgd.numerics.optimizers import get_optimizer
    from insgd.theory.theorems import get
    from insgd.verify.checks.generic import check_theorem

    args.problem = args.problem or "quadratic"
    if args.problem == "quadratic" and not args.param:
        args.param = ["dim=3", "cond=5"]
    problem = _load_problem(args)
    out = []
    for key in args.theorem or DEFAULT_THEOREMS:
        th = get(key)
        stochastic = get_optimizer(th.algorithm).stochastic
        opt = make_optimizer(args, stochastic)
        noise = _noise(args.noise) if args.noise else ((0.5, 1.0) if stochastic and problem.n_samples is None else None)
        opts = {"noise": noise, "batch": args.batch} | (CI if args.ci else {})
        try:
            r = check_theorem(th, problem, optimizer=opt, **opts)
        except TypeError as e:  # the constructor refused a --kw
            raise InputError(f"{opt.name} refused the keyword arguments: {str(e)[:160]}") from None
        out.append(r.to_json() | {"theorem_algorithm": th.algorithm})
    return out


def cmd_check_optimizer(args) -> int:
    res = check_optimizer(args)
    if args.json:
        _print_json(res if len(res) > 1 else res[0], args)
    else:
        for r in res:
            params = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}" for k, v in r["params"].items())
            print(f"{r['optimizer']} as {r['theorem_algorithm']} in {r['theorem']} on {r['problem']}({params})")
            print(_table([("verdict", r["verdict"]), ("evidence", r["evidence"])]))
    return 1 if any(r["verdict"] == FAIL for r in res) else 0


def add_check_optimizer(sub):
    """The `check-optimizer` subcommand."""
    p = sub.add_parser(
        "check-optimizer",
        help="hold an optax or torch.optim optimizer against registered theorems on certified problems",
        description="Run a library's optimizer in the engine (one instance per run, float64) with each theorem's step "
        "size as its learning rate, on a problem whose certified constants satisfy the theorem's assumptions, and "
        "hold the runs against the theorem's bound: a deterministic theorem at every iterate (the violating step is "
        "named), a promise in expectation by confidence bounds over seeds. Exit 0 pass or inconclusive, 1 fail.",
    )
    p.add_argument("--optax", metavar="NAME", help=f"an optax constructor: {', '.join(OPTAX)}")
    p.add_argument("--torch", metavar="NAME", help=f"a torch.optim class: {', '.join(TORCH)}")
    p.add_argument("--kw", action="append", metavar="K=V", help="a numeric keyword of the constructor (e.g. momentum=0.9)")
    p.add_argument(
        "--theorem", action="append", metavar="KEY", help=f"a registered theorem (default: {', '.join(DEFAULT_THEOREMS)})"
    )
    p.add_argument("--problem", help="a registered problem (default: quadratic with dim=3, cond=5)")
    p.add_argument("--param", action="append", metavar="K=V", help="a problem parameter (repeatable)")
    p.add_argument("--noise", metavar="TAU1,TAU2", help="the synthetic oracle for stochastic theorems (default 0.5,1)")
    p.add_argument("--batch", type=_count(1, 10**6), default=2, help="stochastic theorems: batch size (default 2)")
    p.add_argument("--ci", action="store_true", help="smaller horizons (eps 1e-4; 64 seeds, 200 steps): under 5 s per theorem")
    _json_options(p)
    p.set_defaults(func=cmd_check_optimizer)
