"""`insgd predict ngd|insgd`: what Theorem 1 and Theorem 2 predict."""

import sympy as sp

from insgd.verify.cli.common import CONSTANT_HELP, _fmt, _json_options, _Parser, _print_json, _table


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


def add_predict(sub):
    """The `predict` subcommand."""
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
    _add_predict_insgd(psub)


def _add_predict_insgd(psub):
    """`predict insgd`."""
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
