"""Refutation: residuals of the assumptions, and witnesses inside the claimed region whose violation is
re-checked in 60-digit interval arithmetic at the exact rational point."""

import contextlib

import numpy as np
import sympy as sp
from mpmath import iv
from scipy import optimize

from insgd.theory import assumptions as A
from insgd.theory.numbers import decimal_value
from insgd.verify.audit.forms import SEARCH_RADIUS, W
from insgd.verify.audit.intervals import Unsupported, box, iabs, ieval, point

SMOOTHNESS_PAIR = {"literal": A.SMOOTH_LITERAL, "segment": A.SMOOTH_SEGMENT}
PAIR_NORMS = {"literal": ("grad_diff", "grad_other", "dist"), "segment": ("grad_diff", "grad_max", "dist")}


def pl_residual(audit, rho, mu):
    """Assumption 2's residual for this f (>= 0 where it holds), from the one definition in theory.assumptions."""
    return A.PL.residual(rho=rho, mu=mu, grad=sp.Abs(audit.df), gap=audit.f - audit.fstar)


def hessian_residual(audit, L0, L1, alpha):
    """Assumption 1's Hessian-form residual for this f (>= 0 where it holds)."""
    return A.SMOOTH_HESSIAN.residual(L0=L0, L1=L1, alpha=alpha, hess=sp.Abs(audit.d2f), grad=sp.Abs(audit.df))


def exact_polynomial_pl(audit, rho, mu):
    """PL on all of R for a polynomial f with rational coefficients and f*, an even integer rho and a rational mu:
    E = f'^rho/(2 mu) - (f - f*) is a polynomial with rational coefficients, and E >= 0 on R is settled exactly by
    real-root isolation (the sign of E at a rational point in each gap between consecutive real roots).
    Returns (True, None), (False, witness) or None when the case does not apply."""
    if not (
        audit.rational_poly
        and audit.fstar is not None
        and audit.fstar.is_Rational
        and rho.is_Integer
        and int(rho) % 2 == 0
        and mu.is_Rational
    ):
        return None
    E = sp.Poly(sp.expand(A.PL.residual(rho=rho, mu=mu, grad=audit.df, gap=audit.f - audit.fstar)), W)  # rho even
    if E.is_zero:
        return True, None
    roots = sorted(set(E.real_roots()), key=lambda r: float(sp.N(r, 30)))
    pts = []
    if not roots:
        pts = [sp.Integer(0)]
    else:
        pts.append(sp.floor(sp.N(roots[0], 30)) - 1)
        for r0, r1 in zip(roots, roots[1:], strict=False):
            pts.append(sp.nsimplify((sp.N(r0, 40) + sp.N(r1, 40)) / 2, rational=True, tolerance=1e-45))
        pts.append(sp.ceiling(sp.N(roots[-1], 30)) + 1)
    for x in pts:
        if E.eval(x) < 0:
            return False, [x]
    return True, None


# -- refutation: a witness inside the region, re-checked in 60-digit interval arithmetic -------------------------


def _region_ok(x, region):
    a, b = region
    return (a is sp.S.NegativeInfinity or x >= a) and (b is sp.oo or x <= b)


RIGOROUS_DPS = 60  # digits of the interval re-checks that turn a numerical hint into a witness
_NOT_ENCLOSED = (Unsupported, ZeroDivisionError, ValueError, OverflowError, TypeError)


def rigorous_lower(compute):
    """The lower end of the interval compute() returns, evaluated in 60-digit interval arithmetic; None when the
    expression cannot be enclosed. The one re-check every witness goes through (> 0: a violation, certainly)."""
    old = iv.dps
    iv.dps = RIGOROUS_DPS
    try:
        return compute().a
    except _NOT_ENCLOSED:
        return None
    finally:
        iv.dps = old


def violation_at(audit, kind, c, x):
    """A rigorous lower bound of the violation at the exact point x (> 0 means the claim fails there), or None."""
    if kind == "pl":
        if audit.fstar_upper is None:
            return None
        residual = A.PL.residual(rho=c["rho"], mu=c["mu"], grad=sp.Abs(audit.df), gap=audit.f - audit.fstar_upper)
    else:
        residual = hessian_residual(audit, c["L0"], c["L1"], c["alpha"])
    return rigorous_lower(lambda: -ieval(residual, {W: point(x)}))


def refute(audit, kind, c, region):
    """Search for a violation (floats: a dense grid, a geometric one far out, tiny distances around the stationary
    points, local maximization), then re-check the best candidates rigorously at exact rational points."""
    a, b = region
    lo = -1e12 if a is sp.S.NegativeInfinity else float(a)
    hi = 1e12 if b is sp.oo else float(b)
    xs = [np.linspace(max(lo, -SEARCH_RADIUS), min(hi, SEARCH_RADIUS), 20001)]
    far = np.geomspace(SEARCH_RADIUS, 1e12, 3000)
    xs += [far, -far, np.linspace(lo, hi, 2001)]
    for p in list(audit.argmin) + list(audit.stationary):
        pf = float(sp.N(p, 20))
        d = np.geomspace(1e-9, 1e-1, 400)
        xs += [pf + d, pf - d, [pf]]
    xs = np.concatenate(xs)
    xs = xs[(xs >= lo) & (xs <= hi)]
    f, df, d2f = audit.num("f"), audit.num("df"), audit.num("d2f")
    with np.errstate(all="ignore"):
        if kind == "pl":
            fs = float(sp.N(audit.fstar_upper, 30))
            rho, mu, pl = float(c["rho"]), float(c["mu"]), A.PL.numeric()

            def v(x):
                return -pl(rho=rho, mu=mu, grad=np.abs(df(x)), gap=f(x) - fs)
        else:
            L0, L1, al = (float(c[k]) for k in ("L0", "L1", "alpha"))
            hs = A.SMOOTH_HESSIAN.numeric()

            def v(x):
                return -hs(L0=L0, L1=L1, alpha=al, hess=np.abs(d2f(x)), grad=np.abs(df(x)))

        vals = v(xs)
        vals = np.where(np.isfinite(vals), vals, -np.inf)
        for i in np.argsort(vals)[::-1][:8]:
            x0 = xs[i]
            cands = [x0]
            if vals[i] > -np.inf:
                wdt = 1e-2 * (1 + abs(x0))
                with contextlib.suppress(Exception):
                    res = optimize.minimize_scalar(
                        lambda x: -float(v(np.array([x]))[0]) if np.isfinite(v(np.array([x]))[0]) else np.inf,
                        bounds=(max(lo, x0 - wdt), min(hi, x0 + wdt)),
                        method="bounded",
                    )
                    cands.insert(0, res.x)
            for cand in cands:
                xr = decimal_value(cand)
                if not _region_ok(xr, region):
                    continue
                lb = violation_at(audit, kind, c, xr)
                if lb is not None and lb > 0:
                    return xr, float(lb)
    return None


def _refute_pairs(audit, c, region, form):
    """Literal/segment forms: pairs (w, w') including w' at stationary points, and random pairs, re-checked with
    60-digit intervals (for the segment form against an upper bound of max |f'| over the segment)."""
    a, b = (float(x) if x.is_finite else (-SEARCH_RADIUS if x < 0 else SEARCH_RADIUS) for x in region)
    rng = np.random.default_rng(0)
    ws = np.concatenate([np.linspace(a, b, 2001), rng.uniform(a, b, 2000)])
    anchors = [float(sp.N(p)) for p in audit.stationary if a <= float(sp.N(p)) <= b] + list(rng.uniform(a, b, 30))
    df = audit.num("df")
    L0, L1, al = (float(c[k]) for k in ("L0", "L1", "alpha"))
    for wp in anchors:
        w = ws[ws != wp]
        with np.errstate(all="ignore"):
            lhs = np.abs(df(w) - df(wp))
            if form == "literal":
                ref = np.abs(df(wp)) * np.ones_like(w)
            else:
                ref = np.max([np.abs(df(wp + s * (w - wp))) for s in np.linspace(0, 1, 33)], axis=0)
            rhs = (L0 + L1 * ref**al) * np.abs(w - wp)
        bad = np.nonzero(np.isfinite(lhs) & (lhs > rhs * (1 + 1e-9)))[0]
        if len(bad):
            x = w[bad[np.argmax((lhs - rhs)[bad])]]
            X, XP = decimal_value(x), decimal_value(wp)
            if _region_ok(X, region) and _region_ok(XP, region):
                lb = _pair_violation(audit, c, X, XP, form)
                if lb is not None and lb > 0:
                    return [X, XP], float(lb)
    return None


def _pair_violation(audit, c, X, XP, form):
    """Rigorous lower bound of the literal/segment residual's violation at the exact pair (X, XP)."""
    res = SMOOTHNESS_PAIR[form].residual(L0=c["L0"], L1=c["L1"], alpha=c["alpha"], **{k: A.KEYWORDS[k] for k in PAIR_NORMS[form]})

    def compute():
        d1, d0 = ieval(audit.df, {W: point(X)}), ieval(audit.df, {W: point(XP)})
        if form == "literal":
            ref = iabs(d0)
        else:  # an upper bound of max |f'| on the segment: enclosures over 64 sub-intervals
            lo, hi = min(X, XP), max(X, XP)
            step = (hi - lo) / 64
            top = max(iabs(ieval(audit.df, {W: box(lo + i * step, lo + (i + 1) * step)})).b for i in range(64))
            ref = iv.mpf([0, top])
        ref_key = "grad_other" if form == "literal" else "grad_max"
        env = {A.KEYWORDS["grad_diff"]: iabs(d1 - d0), A.KEYWORDS[ref_key]: ref, A.KEYWORDS["dist"]: iabs(point(X) - point(XP))}
        return -ieval(res, env)

    return rigorous_lower(compute)
