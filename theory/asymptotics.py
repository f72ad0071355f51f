"""Orders of growth computed by SymPy from explicit expressions (never typed in by hand)."""

import sympy as sp

from insgd.theory import symbols as S

_x = sp.Symbol("x", positive=True)


def order_in_inverse_eps(expr, eps=S.eps):
    """For T(eps) -> infinity as eps -> 0+, return (e, log_factor) with T = Theta(eps^-e log(1/eps)^k).

    e = lim log T / log(1/eps); log_factor is True when T eps^e / log(1/eps) has a finite positive
    limit (one log factor) and False when T eps^e does. Raises ValueError if neither shape fits.
    """
    Tx = sp.powsimp(sp.expand_power_base(expr.subs(eps, sp.exp(-_x)), force=True), force=True)
    e = sp.simplify(sp.limit(sp.log(Tx) / _x, _x, sp.oo))
    if e.has(sp.oo, sp.zoo, sp.nan) or e.is_negative:
        raise ValueError(f"T(eps) is not polynomial in 1/eps: exponent {e}")
    scaled = Tx * sp.exp(-e * _x)
    plain = sp.limit(scaled, _x, sp.oo)
    if plain.is_finite and plain.is_positive:
        return e, False
    with_log = sp.limit(scaled / _x, _x, sp.oo)
    if with_log.is_finite and with_log.is_positive:
        return e, True
    raise ValueError(f"T(eps) has no eps^-e or eps^-e log(1/eps) shape: {plain}, {with_log}")
