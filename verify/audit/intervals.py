"""Rigorous enclosures of SymPy expressions with mpmath.iv (outward rounding), over extended intervals.

An enclosure of e over a box is an interval guaranteed to contain e(x) for every x in the box. Endpoints may be
infinite ([R, +inf] is how the auditor treats a tail), so monotone functions are evaluated at the endpoints and
`inf - inf` becomes [-inf, +inf] (a useless but still correct enclosure). Supported: + * and powers (a real
power needs a non-negative base), Abs, sign, exp, log, sqrt, sinh, cosh, tanh, sin, cos, Max, Min. Anything
else raises Unsupported, and a caller then says `unknown`; it never guesses.

Why mpmath.iv and not python-flint's arb balls: measured on the auditor's expressions, one enclosure costs about
0.2 ms here, so a 20,000-box cover takes seconds, and iv's infinite endpoints are what the tails need (arb balls
have no half-line). The tests cross-check the interval certificates against exact real-root isolation.
"""

import sympy as sp
from mpmath import iv, mpf

iv.dps = 30
INF = mpf("inf")


class Unsupported(ValueError):
    pass


def point(x):
    """The tightest interval around an exact SymPy number (rationals exactly, others by 40-digit evaluation)."""
    x = sp.sympify(x)
    if x.is_Rational:
        return iv.mpf(int(x.p)) / iv.mpf(int(x.q))
    if x is sp.oo:
        return iv.mpf([INF, INF])
    if x is sp.S.NegativeInfinity:
        return iv.mpf([-INF, -INF])
    return const(x)


def const(c):
    if c.is_Rational:
        return iv.mpf(int(c.p)) / iv.mpf(int(c.q))
    if c.has(sp.oo, sp.zoo, sp.nan, sp.S.NegativeInfinity):
        raise Unsupported(f"non-finite constant {c}")
    v = sp.N(c, 45)
    if not v.is_real or not v.is_finite:
        raise Unsupported(f"non-real constant {c}")
    s = sp.Float(v, 45)
    eps = abs(s) * sp.Float("1e-38") + sp.Float("1e-300")
    return iv.mpf([str(s - eps), str(s + eps)])


def box(lo, hi):
    """The interval [lo, hi] from exact numbers or floats (infinite ends allowed)."""
    a = point(lo) if isinstance(lo, sp.Basic) else iv.mpf(lo)
    b = point(hi) if isinstance(hi, sp.Basic) else iv.mpf(hi)
    return iv.mpf([a.a, b.b])


def _abs(x):
    lo, hi = x.a, x.b
    if lo >= 0:
        return x
    if hi <= 0:
        return -x
    return iv.mpf([0, max(-lo, hi)])


def _mono(fn, x):
    """An increasing function fn (on point intervals) applied at both ends."""
    lo = fn(iv.mpf([x.a, x.a])).a if x.a != -INF else fn(iv.mpf([-INF, -INF])).a
    hi = fn(iv.mpf([x.b, x.b])).b if x.b != INF else fn(iv.mpf([INF, INF])).b
    return iv.mpf([lo, hi])


def _sinh(x):
    def f(p):
        if p.a == INF:
            return iv.mpf([INF, INF])
        if p.a == -INF:
            return iv.mpf([-INF, -INF])
        return (iv.exp(p) - iv.exp(-p)) / 2

    return _mono(f, x)


def _tanh(x):
    def f(p):
        if p.a == INF:
            return iv.mpf([1, 1])
        if p.a == -INF:
            return iv.mpf([-1, -1])
        return 1 - 2 / (iv.exp(2 * p) + 1)

    return _mono(f, x)


def _cosh(x):
    a = _abs(x)
    if a.b == INF:
        hi = INF
    else:
        hi = ((iv.exp(iv.mpf(a.b)) + iv.exp(-iv.mpf(a.b))) / 2).b
    lo = ((iv.exp(iv.mpf(a.a)) + iv.exp(-iv.mpf(a.a))) / 2).a if a.a != INF else INF
    return iv.mpf([max(lo, 1), hi])


def _pow(base, ex):
    if ex.is_Integer:
        n = int(ex)
        if n == 0:
            return iv.mpf(1)
        if n > 0:
            if n % 2 == 0:
                return _abs(base) ** n
            return base**n
        inner = _pow(base, sp.Integer(-n))
        if inner.a == 0 and inner.b > 0:  # 1/[0, b] = [1/b, +inf]
            return iv.mpf([(iv.mpf(1) / iv.mpf(inner.b)).a if inner.b != INF else 0, INF])
        if inner.a <= 0 <= inner.b:
            raise Unsupported("division by an interval containing 0")
        return iv.mpf(1) / inner
    e = const(ex)
    if base.a < 0:
        raise Unsupported("real power of an interval that contains negatives")

    def at(x):  # enclosure of x^e at a finite point x > 0
        return iv.exp(e * iv.log(iv.mpf([x, x])))

    if e.a >= 0:  # increasing on [0, inf)
        lo = at(base.a).a if base.a > 0 else mpf(0)
        hi = at(base.b).b if base.b != INF else INF
    else:  # decreasing on (0, inf)
        lo = at(base.b).a if base.b != INF else mpf(0)
        hi = at(base.a).b if base.a > 0 else INF
    return iv.mpf([lo, hi])


def iabs(x):
    """|x| for an interval x."""
    return _abs(x)


def ipow(x, e):
    """x**e for an interval x and an exact exponent e (a real power needs x >= 0)."""
    return _pow(x, sp.sympify(e))


def _sign(x):
    if x.a > 0:
        return iv.mpf(1)
    if x.b < 0:
        return iv.mpf(-1)
    if x.a == 0 and x.b == 0:
        return iv.mpf(0)
    return iv.mpf([-1 if x.a < 0 else 0, 1 if x.b > 0 else 0])


def ieval(e, env):
    """Enclosure of expression e when each symbol s ranges over env[s] (an iv.mpf interval)."""
    if e.is_Symbol:
        return env[e]
    if e.is_Number or (e.is_number and not e.free_symbols):
        return const(e)
    if e.is_Add:
        out = iv.mpf(0)
        for a in e.args:
            out = out + ieval(a, env)
        return out
    if e.is_Mul:
        out = iv.mpf(1)
        for a in e.args:
            v = ieval(a, env)
            if (v.a == 0 and v.b == 0) or (out.a == 0 and out.b == 0):  # 0 * [x, inf] is 0 for finite factors
                out = iv.mpf(0) if all(abs(z) != INF for z in (v.a, v.b, out.a, out.b)) else out * v
            else:
                out = out * v
        return out
    if e.is_Pow:
        return _pow(ieval(e.base, env), e.exp)
    if isinstance(e, sp.Abs):
        return _abs(ieval(e.args[0], env))
    if isinstance(e, sp.sign):
        return _sign(ieval(e.args[0], env))
    if isinstance(e, sp.exp):
        return iv.exp(ieval(e.args[0], env))
    if isinstance(e, sp.log):
        x = ieval(e.args[0], env)
        if x.a <= 0:
            raise Unsupported("log of an interval that reaches 0")
        return iv.log(x)
    if isinstance(e, sp.cosh):
        return _cosh(ieval(e.args[0], env))
    if isinstance(e, sp.sinh):
        return _sinh(ieval(e.args[0], env))
    if isinstance(e, sp.tanh):
        return _tanh(ieval(e.args[0], env))
    if isinstance(e, (sp.sin, sp.cos)):
        x = ieval(e.args[0], env)
        if abs(x.a) == INF or abs(x.b) == INF:
            return iv.mpf([-1, 1])
        return iv.sin(x) if isinstance(e, sp.sin) else iv.cos(x)
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [ieval(a, env) for a in e.args]
        f = max if isinstance(e, sp.Max) else min
        return iv.mpf([f(v.a for v in vals), f(v.b for v in vals)])
    raise Unsupported(f"no interval rule for {type(e).__name__}")


def _exact(raw):
    sign, man, exp, _ = raw
    if not man and exp:  # +-inf or nan
        return None
    v = sp.Integer(man) * sp.Integer(2) ** exp
    return -v if sign else v


def lo_of(x):
    """The lower end of an interval as an exact SymPy Rational (None when infinite)."""
    return _exact(x._mpi_[0])


def hi_of(x):
    """The upper end of an interval as an exact SymPy Rational (None when infinite)."""
    return _exact(x._mpi_[1])
