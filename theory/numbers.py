"""Exact numbers for the theory: user input as SymPy Rationals, validation with clear messages, mpmath evaluation.

Parsing itself (and JSON of huge numbers) lives in the dependency-free `insgd.core`; this module lifts it to SymPy.
It holds the toolkit's float-to-exact rules, one per purpose, and every path uses them:

* `parse_number`: what a person typed ("2/3", "0.1", 1e-3) -> the rational it spells (0.1 -> 1/10);
* `binary_value`: a float the toolkit computed (a certified constant, f(w0) - f*) -> its exact binary value, the
  number the runs use (the simplest nearby rational could lie below a certified bound: 1 + 2^-52 -> 1);
* `decimal_value`: a float -> the rational its shortest repr spells (a witness point: any rational near the
  candidate serves, since the violation is re-checked at that exact point, and this one prints as the float does);
* `exact`: an exponent (alpha, beta, rho) or a value given as a float -> the simplest rational within float
  precision (0.6666666666666666 -> 2/3), so that exact comparisons such as rho = 2 - beta see the intended value.
"""

import mpmath
import sympy as sp

from insgd.core import InputError, json_number, magnitude_ok, parse_float, parse_fraction, show

__all__ = [
    "InputError",
    "binary_value",
    "ceil_int_or_mpf",
    "decimal_value",
    "exact",
    "in_closed",
    "json_number",
    "magnitude_ok",
    "parse_float",
    "parse_number",
    "positive",
    "require",
    "show",
    "to_mpf",
]


def parse_number(name: str, text) -> sp.Rational:
    """Parse '2/3', '0.1', '1e-3', '-4' or a number into an exact Rational (see `insgd.core.parse_fraction`).
    A finite real SymPy number is accepted as it is (a closed form such as 3*2**(2/3) stays exact)."""
    if isinstance(text, sp.Basic):
        if not (text.is_number and text.is_finite and text.is_real):
            raise InputError(f"{name} must be a finite real number, got {text!r}")
        return sp.Rational(text) if text.is_Rational else text
    f = parse_fraction(name, text)
    return sp.Rational(f.numerator, f.denominator)


def exact(x):
    """An exact SymPy number. SymPy numbers stay as they are; ints, Fractions and text are read exactly; a float is
    read as the simplest rational within its precision (0.1 -> 1/10, 0.6666666666666666 -> 2/3): the rule for
    exponents and values given as floats (a computed constant takes `binary_value`). Never `nsimplify` an exact
    value: it may rewrite a rational with large terms as a product of radicals."""
    if isinstance(x, sp.Basic):
        return x
    if isinstance(x, float) or type(x).__name__ in ("float64", "float32"):
        parse_fraction("value", x)  # refuses NaN and infinities
        return sp.nsimplify(float(x), rational=True)
    return parse_number("value", x)


def binary_value(x) -> sp.Rational:
    """A computed float as its exact binary value (a SymPy number stays as it is)."""
    if isinstance(x, sp.Basic):
        return x
    parse_fraction("value", x)  # refuses NaN and infinities
    return sp.Rational(float(x))


def decimal_value(x) -> sp.Rational:
    """A float as the rational its shortest repr spells (-26.381699999999999 -> -263817/10000)."""
    return parse_number("value", float(x))


def formula_text(expr) -> str:
    """A formula in eps as a person writes it: log(epsilon**(-4)) -> 4*log(1/eps), epsilon**(-1/2) -> eps^(-1/2)."""
    e = sp.sympify(expr)
    eps_syms = [x for x in e.free_symbols if x.name in ("epsilon", "eps")]
    if eps_syms:
        x = eps_syms[0]
        e = sp.expand_log(e, force=True).subs(sp.log(x), -sp.Symbol("log(1/eps)"))
        e = e.subs(x, sp.Symbol("eps", positive=True))
    return sp.sstr(e).replace("**", "^")


def require(cond: bool, name: str, condition: str, value) -> None:
    if not cond:
        raise InputError(f"{name} must satisfy {condition}, got {show(value)}")


def positive(name, x):
    x = parse_number(name, x)
    require(x > 0, name, f"{name} > 0", x)
    return magnitude_ok(name, x)


def nonnegative(name, x):
    x = parse_number(name, x)
    require(x >= 0, name, f"{name} >= 0", x)
    return x if x == 0 else magnitude_ok(name, x)


def in_closed(name, x, lo, hi, lo_name=None):
    x = parse_number(name, x)
    require(lo <= x <= hi, name, f"{lo_name or lo} <= {name} <= {hi}", x)
    return magnitude_ok(name, x)


def to_mpf(x, dps: int = 40):
    """Evaluate a SymPy number (possibly beyond float range) as an mpmath float."""
    if isinstance(x, mpmath.mpf):
        return x
    with mpmath.workdps(dps):
        return mpmath.mpf(sp.Float(sp.N(x, dps), dps)._mpf_) if isinstance(x, sp.Basic) else mpmath.mpf(x)


def ceil_int_or_mpf(x):
    """Smallest integer >= x: a Python int when it is exactly representable, else an mpf."""
    m = to_mpf(x, dps=max(40, int(_log10_abs(x)) + 20))
    c = mpmath.ceil(m)
    return int(c) if abs(c) < 2**63 else c


def _log10_abs(x) -> float:
    v = sp.N(sp.log(sp.Abs(x), 10), 15) if isinstance(x, sp.Basic) else mpmath.log10(abs(x))
    return max(0.0, float(v))
