"""The `insgd` command line. Each subcommand is a thin shell over the Python API.

Errors in user input print one line naming the parameter and the violated condition, and exit 2.
"""

import argparse
import json
import sys

import sympy as sp

from theory.numbers import InputError


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
    print(_fmt(p.bound_derived, args.latex))
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
    return ap


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as e:
        print(f"insgd: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
