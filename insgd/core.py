"""The dependency-free core every layer imports: the input error, exact number parsing, JSON of huge numbers.

Standard library only, so that ``import insgd.numerics.engine`` loads neither SymPy nor mpmath.
"""

import math
import re
from fractions import Fraction


class InputError(ValueError):
    """Bad user input: the message names the parameter and the violated condition."""


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
MAX_DECIMAL_EXPONENT = 4000  # 1e4000 is already far beyond anything the theory or the engine can use
MAX_NUMBER_CHARS = 200
MAGNITUDE = Fraction(10) ** 300  # numbers live in [1e-300, 1e300] in size: beyond, float64 cannot follow


def _decimal(name: str, s: str, original) -> Fraction:
    if not _NUMBER.fullmatch(s):
        if s.lower().lstrip("+-") in ("nan", "inf", "infinity", "oo"):
            raise InputError(f"{name} must be a finite number, got {original!r}")
        raise InputError(f"{name} must be a number (e.g. 0.5, 2/3, 1e-3), got {original!r}")
    _, _, ex = s.lower().partition("e")
    if ex and abs(int(ex)) > MAX_DECIMAL_EXPONENT:
        raise InputError(
            f"{name} must have a decimal exponent of at most {MAX_DECIMAL_EXPONENT} in size "
            f"(the number overflows), got {original!r}"
        )
    return Fraction(s)


def parse_fraction(name: str, text) -> Fraction:
    """'2/3', '0.1', '1e-3', '-4', an int, a float or a Fraction as an exact Fraction (a decimal is the rational it
    spells; a float is its exact binary value's shortest repr). Refuses NaN, infinities, zero denominators,
    overflowing exponents, booleans and text, naming the parameter."""
    if isinstance(text, bool):
        raise InputError(f"{name} must be a number, got {text!r}")
    if isinstance(text, Fraction):
        return text
    if isinstance(text, int) or type(text).__name__ in ("int64", "int32", "integer"):
        return Fraction(int(text))
    if isinstance(text, float) or type(text).__name__ in ("float64", "float32"):
        if not math.isfinite(float(text)):
            raise InputError(f"{name} must be a finite number, got {float(text)!r}")
        return Fraction(repr(float(text)))
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
    """A number for a message: exact when short, else 6 significant digits (1e-400 stays 1.0e-400, not 0)."""
    text = str(x)
    if len(text) <= 24 and not isinstance(x, float):
        return text
    if hasattr(x, "evalf"):  # a SymPy number
        return str(x.evalf(6))
    import mpmath  # lazily: only messages about long numbers need it

    m = mpmath.mpf(x.numerator) / x.denominator if isinstance(x, Fraction) else mpmath.mpf(x)
    return mpmath.nstr(m, 6)


def magnitude_ok(name: str, x):
    """Refuse a nonzero number outside [1e-300, 1e300] in size (float64 overflows or underflows beyond)."""
    if x != 0 and not (1 / MAGNITUDE <= abs(x) <= MAGNITUDE):
        raise InputError(f"{name} must have a size in [1e-300, 1e300], got {show(x)}")
    return x


def parse_float(name, text, lo=None, hi=None, lo_open=True, hi_open=False) -> float:
    """A float from text or a number through parse_fraction (fractions, no NaN/inf), refusing values that leave
    float64 and values outside (lo, hi] (ends open or closed as asked)."""
    x = parse_fraction(name, text)
    magnitude_ok(name, x)
    if lo is not None and not (x > lo if lo_open else x >= lo):
        raise InputError(f"{name} must be {'>' if lo_open else '>='} {lo}, got {show(x)}")
    if hi is not None and not (x < hi if hi_open else x <= hi):
        raise InputError(f"{name} must be {'<' if hi_open else '<='} {hi}, got {show(x)}")
    return float(x)


def json_number(x):
    """A JSON-safe number: int for exact integers below 2^53, float in range, else text such as '5.02e+324'.
    SymPy and mpmath numbers are accepted (duck-typed: converted through their own evaluation); NaN is refused."""
    if x is None or isinstance(x, bool):
        return x
    if isinstance(x, int):
        return x if abs(x) < 2**53 else _json_other(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError("refusing to write NaN or infinity to JSON")
        return int(x) if x.is_integer() and abs(x) < 2**53 else x
    return _json_other(x)


def _json_other(x):
    """SymPy or mpmath numbers (imported lazily: only the theory and verify layers produce them)."""
    import mpmath

    if isinstance(x, Fraction):
        x = mpmath.mpf(x.numerator) / x.denominator
    elif not isinstance(x, mpmath.mpf):
        if hasattr(x, "evalf"):
            x = x.evalf(40)
            if not x.is_real or not x.is_number:
                raise ValueError(f"refusing to write a non-real number {x} to JSON")
            x = mpmath.mpf(x._mpf_) if hasattr(x, "_mpf_") else mpmath.mpf(str(x))
        else:
            x = mpmath.mpf(x)
    if mpmath.isnan(x) or mpmath.isinf(x):
        raise ValueError("refusing to write NaN or infinity to JSON")
    if abs(x) >= mpmath.mpf("1.7976931348623157e308"):
        return mpmath.nstr(x, 3, min_fixed=1, max_fixed=0)
    if x == mpmath.floor(x) and abs(x) < 2**53:
        return int(x)
    return float(x)


def json_safe(x):
    """A structure JSON can hold with allow_nan=False: NaN and infinities (a threshold never reached, a diverged
    run's area) become null, NumPy scalars become Python numbers; dicts, lists and tuples are walked."""
    if isinstance(x, dict):
        return {k: json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if hasattr(x, "item") and callable(x.item):  # a NumPy scalar
        return json_safe(x.item())
    return x


def process_context():
    """The multiprocessing context for worker processes: fork (fast: the child inherits what the parent imported),
    unless a runtime that is unsafe to fork (JAX's thread pools, which warn that a forked child may deadlock) is loaded
    in this process, then spawn (a fresh interpreter)."""
    import multiprocessing as mp
    import sys

    return mp.get_context("spawn" if "jax" in sys.modules else "fork")
