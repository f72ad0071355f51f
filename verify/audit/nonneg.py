"""E >= 0 on all of R, certified: compact pieces, the neighbourhoods of exact zeros, the tails
(the Nonnegativity mixin of Audit1D)."""

import contextlib

import sympy as sp
from mpmath import iv

from insgd.verify.audit.forms import (
    NEAR,
    Cover,
    H,
    U,
    V,
    W,
    _dominant,
    _exp_forms,
    _lead_power,
    _resolve_abs,
    expr_form,
    time_limit,
)
from insgd.verify.audit.intervals import INF, box, iabs, ieval, ipow, point
from insgd.verify.audit.witnesses import exact_polynomial_pl

# -- nonnegativity of an expression on R ----------------------------------------------------------------------


class Nonnegativity:
    """How Audit1D certifies E >= 0 on R: interval covers of compact pieces (Abs resolved where its sign is
    certified), of the neighbourhoods of exact zeros (E / |w - z|^k) and of the two tails. A mixin: it reads
    the facts Audit1D established (stationary points, kinks, f*, Taylor forms)."""

    def certify_nonneg(self, E, a, b, zeros, deadline, kind="hessian", pl=None, consts=None):
        """E >= 0 on [a, b] (exact ends, or +-oo), where E may vanish at the exact points `zeros`.
        Returns (True, how) or (None, why)."""
        with contextlib.suppress(Exception):
            if sp.count_ops(E) < 400 and sp.simplify(E) == 0:
                return True, "E = 0 identically (symbolic)"
        if (
            kind == "pl"
            and pl is not None
            and self.rational_poly
            and a is sp.S.NegativeInfinity
            and b is sp.oo
            and self.fstar is not None
            and self.fstar.is_Rational
        ):
            ex = exact_polynomial_pl(self, *pl)
            if ex is not None:
                return (True, "exact real-root isolation of the polynomial E") if ex[0] else (None, "E < 0 somewhere")
        cover = Cover(deadline)
        zs = [z for z in zeros if (a is sp.S.NegativeInfinity or z >= a) and (b is sp.oo or z <= b)]
        glob = [E] + _exp_forms(E)
        gforms = [expr_form(x) for x in glob]
        # cut points: exact rationals
        R = sp.Integer(8)
        for z in zs:
            R = max(R, sp.ceiling(abs(sp.N(z, 20))) + 2)
        nb = []  # neighbourhoods [zl, zr] of the zeros (rational ends), with their forms
        for z in zs:
            zr = sp.nsimplify(sp.N(z, 40), rational=True, tolerance=sp.Rational(1, 10**35)) if not z.is_Rational else z
            lo_n, hi_n = zr - NEAR, zr + NEAR
            if a is not sp.S.NegativeInfinity:
                lo_n = max(lo_n, a)
            if b is not sp.oo:
                hi_n = min(hi_n, b)
            nb.append((lo_n, hi_n, self._near_forms(E, z, kind, pl) + gforms))
        pieces = []
        lo = a
        bounds = []
        if a is sp.S.NegativeInfinity:
            bounds.append(("tail-", sp.S.NegativeInfinity, -R))
            lo = -R
        for lo_n, hi_n, forms in sorted(nb, key=lambda t: t[0]):
            if lo_n > lo:
                pieces.append((lo, lo_n))
            bounds.append(("near", lo_n, hi_n, forms))
            lo = max(lo, hi_n)
        hi_end = R if b is sp.oo else b
        if hi_end > lo:
            pieces.append((lo, hi_end))
        if b is sp.oo:
            bounds.append(("tail+", R, sp.oo))
        how = []
        for p0, p1 in self._split(pieces):
            ok, why = cover.run(gforms + self._piece_forms(E, p0, p1), p0, p1)
            if not ok:
                return None, why
        if pieces:
            how.append("interval cover of the compact pieces")
        for item in bounds:
            if item[0] == "near":
                ok, why = cover.run(item[3], item[1], item[2])
                if not ok:
                    return None, f"near the minimizer: {why}"
                how.append("E/|w - w*|^k near each minimizer")
            else:
                side = 1 if item[0] == "tail+" else -1
                ok, why = cover.run(self._tail_forms(E, side, R, kind, pl if kind == "pl" else consts), item[1], item[2])
                if not ok:
                    return None, why
                how.append(f"the tail {'w >= ' if side > 0 else 'w <= -'}{R} on a half-line")
        return True, ", ".join(dict.fromkeys(how)) + f" ({cover.boxes} boxes)"

    def _split(self, pieces):
        """Cut the compact pieces at rational points next to the stationary points and kinks, so that Abs(f') and
        the Abs of the kinks have one sign on each piece (then the sign-resolved rewritings apply)."""
        cuts = [sp.nsimplify(sp.N(p, 30), rational=True, tolerance=sp.Rational(1, 10**25)) for p in self.stationary]
        cuts += list(self._kinks())
        out = []
        for p0, p1 in pieces:
            inner = sorted({c for c in cuts if p0 < c < p1})
            ends = [p0, *inner, p1]
            out += list(zip(ends, ends[1:], strict=False))
        return out

    def _piece_forms(self, E, p0, p1):
        """E with Abs resolved where its argument's sign is certified on [p0, p1], then simplified/factored."""
        with contextlib.suppress(Exception), time_limit(10):
            Er = _resolve_abs(E, W, p0, p1)
            if Er != E:
                return [expr_form(x) for x in [Er] + _exp_forms(Er)]
        return []

    def _near_forms(self, E, z, kind, pl):
        """Forms for E / |w - z|^k near an exact zero z of f - f*."""
        forms = []
        k, analytic = self.order_at(z)
        if k is None:
            return forms
        zi = point(z)

        def hsub(lo, hi):
            return box(lo, hi) - zi

        # exact quotients when they simplify to something finite at h = 0
        Qs = sp.cancel(sp.expand(self.f.subs(W, z + H) - self.fstar) / H**k) if self.polynomial else None
        if Qs is None:
            with contextlib.suppress(Exception), time_limit(5):
                Qs = sp.simplify((self.f.subs(W, z + H) - self.fstar) / sp.Abs(H) ** k)
        if kind == "fstar":
            if Qs is not None and not Qs.has(sp.nan, sp.zoo) and _finite_at0(Qs):
                forms.append(expr_form(Qs, H, hsub))
            if analytic and int(k) == k:
                forms.append(self.taylor(z, k, "Q"))
            return forms
        if kind != "pl":
            return forms
        rho, mu = pl
        Ps = sp.cancel(sp.expand(self.df.subs(W, z + H)) / H ** (k - 1)) if self.polynomial else None
        if Ps is None:
            with contextlib.suppress(Exception), time_limit(5):
                Ps = sp.simplify(self.df.subs(W, z + H) / sp.Abs(H) ** (k - 1))
        ex = (k - 1) * rho - k
        if all(x is not None and _finite_at0(x) for x in (Ps, Qs)):
            forms.append(expr_form(sp.Abs(H) ** ex * sp.Abs(Ps) ** rho / (2 * mu) - Qs, H, hsub))
        if analytic and int(k) == k:
            P, Q = self.taylor(z, k, "P"), self.taylor(z, k, "Q")
            two_mu = point(2 * mu)

            def F(lo, hi):
                habs = iabs(hsub(lo, hi))
                return ipow(habs, ex) * ipow(iabs(P(lo, hi)), rho) / two_mu - Q(lo, hi)

            forms.append(F)
        return forms

    def _tail_forms(self, E, side, R, kind, pl):
        """Forms for E on w >= R (side 1) or w <= -R (side -1): E(side v) with v > 0 and its rewritings, and for a
        polynomial f the u = 1/v form scaled by u^k."""
        Ev = E.subs(W, side * V)
        cands = [Ev]
        with contextlib.suppress(Exception), time_limit(10):
            Er = _resolve_abs(Ev, V, R, sp.oo)
            cands += [Er] + _exp_forms(Er)
        forms = []

        def vsub_pos(lo, hi):  # W-box -> v-box (v = side * w >= R > 0)
            return box(lo, hi) if side > 0 else box(-hi, -lo if lo is not sp.S.NegativeInfinity else sp.oo)

        for c in cands:
            forms.append(expr_form(c, V, vsub_pos))
        for c in cands[1:]:
            for make in (_dominant, _lead_power):
                dom = None
                with contextlib.suppress(Exception):
                    dom = make(c, V)
                if dom is not None and dom != c:

                    def F(lo, hi, dom=dom):
                        vb = vsub_pos(lo, hi)
                        ub = iv.mpf([0 if vb.b == INF else (iv.mpf(1) / iv.mpf(vb.b)).a, (iv.mpf(1) / iv.mpf(vb.a)).b])
                        return ieval(dom, {V: vb, U: ub})

                    forms.append(F)
        if self.polynomial and sp.degree(self.f, W) >= 2 and self.fstar is not None and kind in ("pl", "hessian"):
            with contextlib.suppress(Exception), time_limit(10):
                Eu = _tail_u(self, kind, pl, side)

                def F(lo, hi, Eu=Eu):
                    vb = vsub_pos(lo, hi)
                    ub = iv.mpf([0 if vb.b == INF else (iv.mpf(1) / iv.mpf(vb.b)).a, (iv.mpf(1) / iv.mpf(vb.a)).b])
                    return ieval(Eu, {U: ub})

                forms.append(F)
        return forms


def _finite_at0(e):
    try:
        v = e.subs(H, 0)
    except Exception:  # noqa: BLE001
        return False
    return not v.has(sp.nan, sp.zoo, sp.oo, -sp.oo) and v.is_finite is not False


def _tail_u(a, kind, c, side):
    """The tail w = side/u (u in (0, 1/R]) of a polynomial f, scaled by u^k so that only non-negative powers of u
    remain: n = deg f, P1 = f'(side/u) u^(n-1), P2 = f''(side/u) u^(n-2), Q = (f(side/u) - f*) u^n."""
    n = sp.degree(a.f, W)
    P1 = sp.expand(sp.cancel(a.df.subs(W, side / U) * U ** (n - 1)))
    P2 = sp.expand(sp.cancel(a.d2f.subs(W, side / U) * U ** (n - 2)))
    Q = sp.expand(sp.cancel((a.f.subs(W, side / U) - a.fstar) * U**n))
    if kind == "pl":
        rho, mu = c
        k = max((n - 1) * rho, n)
        return sp.Abs(P1) ** rho * U ** (k - (n - 1) * rho) / (2 * mu) - Q * U ** (k - n)
    L0, L1, al = c
    k = max((n - 1) * al, n - 2)
    return L0 * U**k + L1 * sp.Abs(P1) ** al * U ** (k - (n - 1) * al) - sp.Abs(P2) * U ** (k - (n - 2))
