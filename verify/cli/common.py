"""What every subcommand shares: the parser class, option groups (--json/--pretty, --backend), number and
list parsing, problem loading, table formatting."""

import argparse
import json
import re

import numpy as np
import sympy as sp

from insgd.core import json_safe
from insgd.theory.numbers import InputError, parse_float, parse_number

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


def _start_point(args, problem):
    """--w0: a number (every coordinate) or one number per coordinate; None when not given."""
    if args.w0 is None:
        return None
    w0 = np.atleast_1d(np.asarray(_numbers("w0", args.w0), float))
    w0 = np.full(problem.dim, w0[0]) if w0.size == 1 else w0
    if w0.size != problem.dim:
        raise InputError(f"w0 must be a number or {problem.dim} comma-separated numbers, got {w0.size}")
    return w0


def _print_warnings(warnings):
    for w in warnings:
        print(f"warning: {w}")


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


def _one_line(text) -> str:
    return " ".join(str(text).split())
