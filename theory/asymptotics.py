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


def small_eps_form(expr, eps=S.eps):
    """expr with each Max / Min that involves eps replaced by the argument that dominates as eps -> 0+ (the one with
    the strictly largest / smallest limit), so that limits need not expand Max: max(1, (2 mu eps)^(beta/rho)) -> 1
    for beta/rho > 0. Raises ValueError when two arguments share the limit (no argument dominates)."""

    def pick(node):
        lims = [sp.limit(a, eps, 0, "+") for a in node.args]
        best = (max if isinstance(node, sp.Max) else min)(range(len(lims)), key=lambda i: lims[i])
        if sum(1 for v in lims if v == lims[best]) > 1:
            raise ValueError(f"no argument of {node} dominates as eps -> 0")
        return node.args[best]

    return expr.replace(lambda e: isinstance(e, (sp.Max, sp.Min)) and e.has(eps), pick)
