"""Exact input parsing, validation with clear messages, and JSON-safe output of huge numbers."""

import math

import mpmath
import sympy as sp


class InputError(ValueError):
    """Bad user input: the message names the parameter and the violated condition."""


def parse_number(name: str, text) -> sp.Rational:
    """Parse '2/3', '0.1', '1e-3' or a number into an exact Rational; refuse NaN, inf and text."""
    if isinstance(text, sp.Basic):
        value = text
    elif isinstance(text, (int, float)):
        if isinstance(text, float) and not math.isfinite(text):
            raise InputError(f"{name} must be a finite number, got {text!r}")
        value = sp.Rational(repr(text)) if isinstance(text, float) else sp.Integer(text)
    else:
        s = str(text).strip()
        try:
            value = sp.Rational(s)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be a number (e.g. 0.5, 2/3, 1e-3), got {text!r}") from None
    if not value.is_finite or not value.is_real:
        raise InputError(f"{name} must be a finite real number, got {text!r}")
    return sp.Rational(value) if value.is_Rational else value


def exact(x):
    """An exact SymPy number: Rationals and SymPy numbers as they are, ints and Fractions exactly, floats as the
    simplest rational within their precision (0.1 -> 1/10, 0.6666666666666666 -> 2/3). Never `nsimplify` on an
    exact value: it may rewrite a rational with large terms
    as a product of radicals."""
    from fractions import Fraction

    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, str):
        return parse_number("value", x)
    return sp.nsimplify(float(x), rational=True)  # a float: the simplest rational within its precision


def prepare_out(out, force=False):
    """Create the output directory; refuse one that is not empty unless force (nothing saved is overwritten
    without being asked)."""
    from pathlib import Path

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise InputError(f"out directory {out} is not empty; pass --force to overwrite it")
    out.mkdir(parents=True, exist_ok=True)
    return out


def rational(x) -> sp.Rational:
    """A float as the Rational of its shortest repr (0.1 -> 1/10), for exact theory on engine numbers."""
    return sp.nsimplify(float(x), rational=True, tolerance=1e-15)


def require(cond: bool, name: str, condition: str, value) -> None:
    if not cond:
        raise InputError(f"{name} must satisfy {condition}, got {value}")


def positive(name, x):
    x = parse_number(name, x)
    require(x > 0, name, f"{name} > 0", x)
    return x


def in_closed(name, x, lo, hi, lo_name=None):
    x = parse_number(name, x)
    lo_txt = lo_name or str(lo)
    require(lo <= x <= hi, name, f"{lo_txt} <= {name} <= {hi}", x)
    return x


FLOAT_MAX = mpmath.mpf("1.7976931348623157e308")


def to_mpf(x, dps: int = 40):
    """Evaluate a SymPy number (possibly beyond float range) as an mpmath float."""
    if isinstance(x, mpmath.mpf):
        return x
    with mpmath.workdps(dps):
        return mpmath.mpf(sp.Float(sp.N(x, dps), dps)._mpf_) if isinstance(x, sp.Basic) else mpmath.mpf(x)


def json_number(x):
    """A JSON-safe number: int for exact small integers, float in range, else '5.02e+324'."""
    if x is None:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x if abs(x) < 2**53 else _sci(mpmath.mpf(x))
    m = to_mpf(x)
    if mpmath.isnan(m) or mpmath.isinf(m):
        raise ValueError("refusing to write NaN or infinity to JSON")
    if abs(m) >= FLOAT_MAX:
        return _sci(m)
    if m == mpmath.floor(m) and abs(m) < 2**53:
        return int(m)
    return float(m)


def _sci(m) -> str:
    return mpmath.nstr(m, 3, min_fixed=1, max_fixed=0)


def ceil_int_or_mpf(x):
    """Smallest integer >= x: a Python int when it is exactly representable, else an mpf."""
    m = to_mpf(x, dps=max(40, int(_log10_abs(x)) + 20))
    c = mpmath.ceil(m)
    return int(c) if abs(c) < 2**63 else c


def _log10_abs(x) -> float:
    v = sp.N(sp.log(sp.Abs(x), 10), 15) if isinstance(x, sp.Basic) else mpmath.log10(abs(x))
    return max(0.0, float(v))
