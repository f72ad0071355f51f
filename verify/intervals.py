"""Interval evaluation of SymPy expressions with mpmath.iv (outward rounding), for certification.

Only what the auditor needs: +, *, integer and real powers (real powers of non-negative intervals), Abs,
exp, log, sqrt, sinh, cosh. Constants are enclosed in tight intervals (rationals exactly rounded outward).
"""

import sympy as sp
from mpmath import iv

iv.dps = 30


class Unsupported(ValueError):
    pass


def const(c):
    if c.is_Rational:
        return iv.mpf(int(c.p)) / iv.mpf(int(c.q))
    v = sp.N(c, 40)
    if not v.is_real:
        raise Unsupported(f"non-real constant {c}")
    s = sp.Float(v, 40)
    eps = abs(s) * sp.Float("1e-35") + sp.Float("1e-300")
    return iv.mpf([str(s - eps), str(s + eps)])


def _abs(x):
    lo, hi = x.a, x.b
    if lo >= 0:
        return x
    if hi <= 0:
        return -x
    return iv.mpf([0, max(-lo, hi)])


def _pow(base, ex):
    if ex.is_Integer:
        n = int(ex)
        if n >= 0:
            if n % 2 == 0:
                return _abs(base) ** n
            return base**n
        return iv.mpf(1) / _pow(base, sp.Integer(-n))
    e = const(ex)
    if base.a < 0:
        raise Unsupported("real power of an interval that contains negatives")
    if base.a == 0 and e.a < 0:
        return iv.mpf([_pow(iv.mpf(base.b), ex).a, "+inf"])
    return iv.exp(e * iv.log(base)) if base.a > 0 else iv.mpf([0, (iv.exp(e * iv.log(iv.mpf(base.b)))).b])


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
            out = out * ieval(a, env)
        return out
    if e.is_Pow:
        return _pow(ieval(e.base, env), e.exp)
    if isinstance(e, sp.Abs):
        return _abs(ieval(e.args[0], env))
    if isinstance(e, sp.exp):
        return iv.exp(ieval(e.args[0], env))
    if isinstance(e, sp.log):
        return iv.log(ieval(e.args[0], env))
    if isinstance(e, sp.cosh):
        x = ieval(e.args[0], env)
        return (iv.exp(x) + iv.exp(-x)) / 2 if x.a >= 0 or x.b <= 0 else iv.mpf([1, ((iv.exp(_abs(x)) + 1) / 2).b])
    if isinstance(e, sp.sinh):
        x = ieval(e.args[0], env)
        return (iv.exp(x) - iv.exp(-x)) / 2  # increasing: endpoint formula is an enclosure
    if isinstance(e, (sp.Max, sp.Min)):
        vals = [ieval(a, env) for a in e.args]
        f = max if isinstance(e, sp.Max) else min
        return iv.mpf([f(v.a for v in vals), f(v.b for v in vals)])
    raise Unsupported(f"no interval rule for {type(e).__name__}")
