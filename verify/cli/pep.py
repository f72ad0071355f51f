"""`insgd pep`: worst cases of NGD over generalized-smooth classes, computed, bracketed and held against Theorem 1."""

import json

from insgd.core import json_safe
from insgd.theory.numbers import InputError, parse_float
from insgd.verify.cli.common import _count, _g, _json_options, _print_json, _table
from insgd.verify.outputs import atomic_dir
from insgd.verify.verdicts import FAIL


def _floats(name, text, lo=None):
    vals = [parse_float(name, x.strip(), lo=lo) for x in text.split(",") if x.strip()]
    if not vals or len(vals) > 12:
        raise InputError(f"{name} must be a comma list of 1 to 12 numbers, got {text!r}")
    return vals


def _class(args, rho):
    """The class from the options; rho and mu both absent: the nonconvex class (no PL)."""
    from insgd.verify.checks.pep import GenClass

    return GenClass(
        parse_float("L0", args.L0, lo=0),
        parse_float("L1", args.L1, lo=0, lo_open=False),
        parse_float("alpha", args.alpha, lo=0, lo_open=False, hi=1),
        rho,
        None if args.mu is None and rho is None else parse_float("mu", args.mu, lo=0),
    )


def _anchors(args) -> int:
    from insgd.verify.checks.pep import anchor_gd_pl, anchor_polyak

    out = [anchor_gd_pl(), anchor_polyak()]
    if args.json:
        _print_json(out, args)
    else:
        for a in out:
            s = a["solve"]
            print(f"{a['what']} (L = {a['L']:g}, mu = {a['mu']:g}, gamma = {a['gamma']:.6g})")
            print(_table([("SDP", f"{_g(s['value'])} (status {s['status']})"), ("closed form", _g(a["closed_form"]))]))
    ok = all(a["solve"]["value"] is not None and abs(a["solve"]["value"] - a["closed_form"]) <= 1e-3 for a in out)
    return 0 if ok else 1


def _method(r) -> str:
    st = r["step"]
    if st["method"] == "ngd":
        return f"NGD, gamma = {st['gamma']:.6g}, beta = {st['beta']:g}"
    return f"I-NSGD skeleton, gamma = {st['gamma']:.6g}, beta = {st['beta']:g}, k = {st['k']:g}, delta = {st['delta']:g}"


def _norm_list(u) -> str:
    return "-" if not u["norms"] else "[" + ", ".join(f"{x:.6g}" for x in u["norms"]) + "]"


def _line_min_grad(r) -> list:
    u, lo, c = r["upper"], r["lower"], r["cls"]
    rows = [
        (
            "class",
            f"eq. (2) with L0 = {c['L0']:g}, L1 = {c['L1']:g}, alpha = {c['alpha']:g}; no PL (nonconvex); pairs: {r['pairs']}",
        ),
        ("method", _method(r) + f", N = {r['N']} steps, f(x_0) - f* = {r['delta0']:g}"),
        (
            "largest min_k ||g_k||",
            f"{_g(u['min_grad'])} at norms {_norm_list(u)} (searched, not a certified maximum)",
        ),
        ("  solves", ", ".join(f"{k} {v}" for k, v in sorted(u["solves"].items())) + f"; {u['search']}"),
    ]
    if lo.get("min_grad") is not None:
        rows.append(("certified lower", f"{_g(lo['min_grad'])} from {lo['function']} (auditor: holds on R)"))
    else:
        rows.append(("certified lower", f"none: the auditor did not certify {lo.get('function')}"))
    return rows + [("note", n) for n in r["notes"]]


def _line(r) -> list:
    if r["measure"] == "min_grad":
        return _line_min_grad(r)
    u, lo, th = r["upper"], r["lower"], r["theorem"]
    rows = [
        (
            "class",
            f"eq. (2) with L0 = {r['cls']['L0']:g}, L1 = {r['cls']['L1']:g}, alpha = {r['cls']['alpha']:g}; PL with "
            f"rho = {r['cls']['rho']:g}, mu = {r['cls']['mu']:g}; pairs: {r['pairs']}",
        ),  # fmt: skip
        ("method", _method(r) + f", N = {r['N']} steps, Delta_0 = {r['delta0']:g}"),
        (
            "largest SDP value",
            f"{_g(u['ratio'])} at norms {_norm_list(u)} (searched over n, not a certified maximum)",
        ),
        ("  solves", ", ".join(f"{k} {v}" for k, v in sorted(u["solves"].items())) + f"; {u['search']}"),
    ]
    if lo.get("ratio") is not None:
        rows.append(("certified lower", f"{_g(lo['ratio'])} from {lo['function']} (auditor: holds on {lo['audit_region']})"))
        if r["theorem"] is not None and u["ratio"] is not None:
            B = r["theorem"]["bound_ratio"]
            rows.append(("decrease certified", f">= {_g((1 - B) / (1 - lo['ratio']), '.3g')} of the worst case's "
                         f"({_g((1 - B) / (1 - u['ratio']), '.3g')} at the largest SDP value found)"))  # fmt: skip
    else:
        why = (
            lo.get("why")
            or "the auditor did not certify " + str(lo.get("function")) + f" ({_g(lo.get('ratio_uncertified'))} unused)"
        )
        rows.append(("certified lower", f"none: {why}"))
    if th is not None:
        local = r["pairs"] == "proof"
        meaning = {
            "pass": "not refuted: the bound lies at or above the largest SDP value found",
            "fail": "refuted: the certified function does worse than the bound"
            + (" (certified on the iterates' interval: this refutes what the proof's facts can show)" if local else ""),
            "inconclusive": "the bound lies inside the bracket",
        }[r["verdict"]]
        rows.append(("Theorem 1 (derived)", f"Delta_N / Delta_0 <= {_g(th['bound_ratio'])} (regime {th['regime']})"))
        rows.append(("verdict", f"{r['verdict']} ({meaning})"))
    rows += [("note", n) for n in r["notes"]]
    return rows


def cmd_pep(args) -> int:
    from insgd.verify.checks.brackets import pep, pep_grid, plot_grid

    if args.anchors:
        return _anchors(args)
    for k in ("L0", "L1", "alpha"):
        if getattr(args, k) is None:
            raise InputError(f"--{k} is required (or --anchors)")
    delta0 = parse_float("delta0", args.delta0, lo=0)
    eps = None if args.eps is None else parse_float("eps", args.eps, lo=0)
    gamma = None if args.gamma is None else parse_float("gamma", args.gamma, lo=0)
    if args.grid_rho is not None or args.grid_beta is not None:
        if args.grid_rho is None or args.grid_beta is None or args.out is None or eps is None or args.mu is None:
            raise InputError("a grid needs --grid-rho, --grid-beta, --mu, --eps and --out")
        rhos, betas = _floats("grid-rho", args.grid_rho, lo=0), _floats("grid-beta", args.grid_beta, lo=0)
        cls = _class(args, rhos[0])
        with atomic_dir(args.out, args.force, "out") as tmp:
            rows = pep_grid(cls.L0, cls.L1, cls.alpha, cls.mu, rhos, betas, args.N, delta0, eps, args.samples, args.seed,
                            not args.no_certify)  # fmt: skip
            if not rows:
                raise InputError("no grid point satisfies alpha <= beta")
            (tmp / "pep.json").write_text(json.dumps(json_safe(rows), indent=1, allow_nan=False))
            plot_grid(rows, tmp / "pep.png")
        if args.json:
            _print_json(rows, args)
        else:
            for r in rows:
                print(_table(_line(r)) + "\n")
            print(f"wrote {args.out}/pep.json and pep.png")
        return 1 if any(r["verdict"] == FAIL for r in rows) else 0
    if args.beta is None:
        raise InputError("--beta is required (or --grid-rho and --grid-beta)")
    if (args.rho is None) != (args.mu is None):
        raise InputError("give --rho and --mu (the PL class) or neither (the nonconvex class: min_k ||g_k||)")
    cls = _class(args, None if args.rho is None else parse_float("rho", args.rho, lo=0))
    k = None if args.k is None else parse_float("k", args.k, lo=0)
    dlt = parse_float("delta", args.delta, lo=0, lo_open=False)
    r = pep(cls, args.N, parse_float("beta", args.beta, lo=0, lo_open=False, hi=1), delta0, eps, gamma, args.pairs,
            args.samples, args.seed, not args.no_certify, k, dlt).to_json()  # fmt: skip
    if args.json:
        _print_json(r, args)
    else:
        print(_table(_line(r)))
    return 1 if r["verdict"] == FAIL else 0


def add_pep(sub):
    """The `pep` subcommand."""
    p = sub.add_parser(
        "pep",
        help="worst case of NGD over a generalized-smooth class (SDPs), bracketed by certified functions",
        description="Performance estimation for NGD under Assumption 1 (eq. 2) and Assumption 2: for fixed gradient "
        "norms the worst Delta_N / Delta_0 is an SDP (Clarabel via cvxpy; pip install 'insgd[pep]'); the worst case "
        "is searched over the norms (an upper value from necessary conditions, not a certified maximum), bracketed "
        "from below by an explicit function the auditor certifies, and, with --eps, held against Theorem 1's derived "
        "bound after N steps at its gamma(eps): exit 1 when a certified function does worse than the bound.",
    )
    p.add_argument(
        "--anchors", action="store_true", help="only the anchors: GD under PL (8/11) and a Polyak step, SDP vs closed form"
    )
    for k, h in (("L0", "> 0"), ("L1", ">= 0"), ("alpha", "in [0, 1]")):
        p.add_argument(f"--{k}", metavar="X", help=f"the class's {k} ({h})")
    p.add_argument("--mu", metavar="X", help="PL constant mu > 0 (with --rho; without both: the nonconvex class, min_k ||g_k||)")
    p.add_argument("--rho", metavar="X", help="PL exponent rho > 0 (rho = 2 is the only global one with eq. 2)")
    p.add_argument("--beta", metavar="X", help="NGD's normalization power, alpha <= beta <= 1")
    p.add_argument("--N", type=_count(1, 5), default=2, help="steps, 1 to 5 (default 2)")
    p.add_argument("--delta0", default="1", metavar="X", help="f(x_0) - f* > 0 (the class is not scale invariant; default 1)")
    p.add_argument("--eps", metavar="X", help="use Theorem 1's gamma(eps) and compare with its derived bound after N steps")
    p.add_argument("--gamma", metavar="X", help="the step size (default: Theorem 1's gamma(eps))")
    p.add_argument(
        "--pairs",
        choices=["all", "proof"],
        help="all: the inequalities on every pair of points (the global class); proof: only between consecutive iterates "
        "(what Theorem 1's proof uses). Default: all when rho = 2, else proof",
    )
    p.add_argument(
        "--k", metavar="X", help="I-NSGD's deterministic skeleton instead of NGD: step gamma / max(1, k (2 ||g|| + delta))^beta"
    )
    p.add_argument("--delta", default="0", metavar="X", help="with --k: I-NSGD's delta >= 0 (default 0)")
    p.add_argument("--grid-rho", metavar="LIST", help="a grid: comma list of rho (with --grid-beta, --eps, --out)")
    p.add_argument("--grid-beta", metavar="LIST", help="a grid: comma list of beta")
    p.add_argument("--out", help="directory for the grid's pep.json and pep.png (refused if non-empty without --force)")
    p.add_argument("--force", action="store_true", help="replace an existing --out directory of the toolkit's")
    p.add_argument("--samples", type=_count(2, 10**4), help="random search points over the norms (default 40 (N+1))")
    p.add_argument("--seed", type=_count(0, 2**32 - 1), default=0, help="seed of the random search (default 0)")
    p.add_argument("--no-certify", action="store_true", help="skip the auditor (no lower bound is then printed)")
    _json_options(p)
    p.set_defaults(func=cmd_pep)
