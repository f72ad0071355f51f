"""Exact input parsing, validation with clear messages, and JSON-safe output of huge numbers."""

import math
import re
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp


class InputError(ValueError):
    """Bad user input: the message names the parameter and the violated condition."""


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MAX_DECIMAL_EXPONENT = 4000  # 1e4000 is already far beyond anything the theory or the engine can use
MAX_NUMBER_CHARS = 200


def _decimal(name: str, s: str, original) -> sp.Rational:
    if not _NUMBER.fullmatch(s):
        low = s.lower().lstrip("+-")
        if low in ("nan", "inf", "infinity", "oo"):
            raise InputError(f"{name} must be a finite number, got {original!r}")
        raise InputError(f"{name} must be a number (e.g. 0.5, 2/3, 1e-3), got {original!r}")
    mant, _, ex = s.lower().partition("e")
    if ex and abs(int(ex)) > MAX_DECIMAL_EXPONENT:
        raise InputError(f"{name} must have a decimal exponent of at most {MAX_DECIMAL_EXPONENT} in size "
                         f"(the number overflows), got {original!r}")
    return sp.Rational(s)


def parse_number(name: str, text) -> sp.Rational:
    """Parse '2/3', '0.1', '1e-3', '-4' or a number into an exact Rational: a decimal is the rational it spells.
    Refuses NaN, infinities, zero denominators, overflowing exponents and text, naming the parameter."""
    if isinstance(text, bool):
        raise InputError(f"{name} must be a number, got {text!r}")
    if isinstance(text, sp.Basic):
        value = text
        if not (value.is_number and value.is_finite and value.is_real):
            raise InputError(f"{name} must be a finite real number, got {text!r}")
        return sp.Rational(value) if value.is_Rational else value
    if isinstance(text, (int, np.integer)):
        return sp.Integer(int(text))
    if isinstance(text, (float, np.floating)):
        if not math.isfinite(text):
            raise InputError(f"{name} must be a finite number, got {float(text)!r}")
        return sp.Rational(repr(float(text)))
    if isinstance(text, Fraction):
        return sp.Rational(text.numerator, text.denominator)
    s = str(text).strip()
    if len(s) > MAX_NUMBER_CHARS:
        raise InputError(f"{name} must be a number of at most {MAX_NUMBER_CHARS} characters, got {len(s)}")
    if s.count("/") > 1:
        raise InputError(f"{name} must be a number or a fraction a/b, got {text!r}")
    num, slash, den = s.partition("/")
    value = _decimal(name, num.strip(), text)
    if slash:
        d = _decimal(name, den.strip(), text)
        if d == 0:
            raise InputError(f"{name} must not have a zero denominator, got {text!r}")
        value = value / d
    return value


def show(x) -> str:
    """A number for a message: exact when short, else 6 significant digits (1e-300 stays 1e-300, not 0)."""
    if isinstance(x, sp.Rational) and len(str(x)) <= 24:
        return str(x)
    if isinstance(x, sp.Basic) and x.is_number:
        return mpmath.nstr(to_mpf(x), 6)
    return repr(x)


def exact(x):
    """An exact SymPy number: Rationals and SymPy numbers as they are, ints and Fractions exactly, floats as the
    simplest rational within their precision (0.1 -> 1/10, 0.6666666666666666 -> 2/3). Never `nsimplify` on an
    exact value: it may rewrite a rational with large terms
    as a product of radicals."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, str):
        return parse_number("value", x)
    return sp.nsimplify(float(x), rational=True)  # a float: the simplest rational within its precision


def rational(x) -> sp.Rational:
    """A float as the Rational of its shortest repr (0.1 -> 1/10), for exact theory on engine numbers."""
    return sp.nsimplify(float(x), rational=True, tolerance=1e-15)


def require(cond: bool, name: str, condition: str, value) -> None:
    if not cond:
        raise InputError(f"{name} must satisfy {condition}, got {show(value)}")


MAGNITUDE = sp.Integer(10) ** 300  # constants of the theory live in [1e-300, 1e300]: beyond, float64 cannot follow


def magnitude_ok(name, x):
    """Refuse a nonzero number outside [1e-300, 1e300] in size (the theory's exact arithmetic would still run,
    but every float comparison and every run built on it would overflow or underflow)."""
    if x != 0 and not (1 / MAGNITUDE <= abs(x) <= MAGNITUDE):
        raise InputError(f"{name} must have a size in [1e-300, 1e300], got {show(x)}")
    return x


def positive(name, x):
    x = parse_number(name, x)
    require(x > 0, name, f"{name} > 0", x)
    return magnitude_ok(name, x)


def in_closed(name, x, lo, hi, lo_name=None):
    x = parse_number(name, x)
    lo_txt = lo_name or str(lo)
    require(lo <= x <= hi, name, f"{lo_txt} <= {name} <= {hi}", x)
    return magnitude_ok(name, x)


def parse_float(name, text, lo=None, hi=None, lo_open=True, hi_open=False) -> float:
    """A float from text or a number, through parse_number (fractions, no NaN/inf), refusing values that leave
    float64 (overflow, or a nonzero value that underflows to 0) and values outside (lo, hi] (ends as asked)."""
    x = parse_number(name, text)
    magnitude_ok(name, x)
    if lo is not None and not (x > lo if lo_open else x >= lo):
        raise InputError(f"{name} must be {'>' if lo_open else '>='} {lo}, got {show(x)}")
    if hi is not None and not (x < hi if hi_open else x <= hi):
        raise InputError(f"{name} must be {'<' if hi_open else '<='} {hi}, got {show(x)}")
    return float(x)


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
