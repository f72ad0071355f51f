"""`insgd audit`: does a function satisfy Assumptions 1 and 2, with which constants?"""

import sys

from insgd.theory.numbers import InputError, parse_float, parse_number
from insgd.verify.cli.common import _json_options, _load_problem, _print_json
from insgd.verify.outputs import IMAGE_SUFFIXES, atomic_file, check_out_file
from insgd.verify.verdicts import FAILS


def cmd_audit(args) -> int:
    from insgd.verify.audit.auditor import audit_expr_bounded, audit_problem, plot_scatter, smoothness_scatter

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
    return 1 if any(c["verdict"] == FAILS for c in out["claims"]) else 0


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


def add_audit(sub):
    """The `audit` subcommand."""
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
