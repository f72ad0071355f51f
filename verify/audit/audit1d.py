"""Facts about a function of one variable: domain, differentiability, stationary points, f* (certified or
not), orders and Taylor forms at exact zeros."""

import contextlib
import math
import time

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv

from insgd.theory.numbers import InputError, decimal_value
from insgd.verify.audit.forms import (
    SEARCH_RADIUS,
    TAYLOR_TERMS,
    TIME_LIMIT,
    Cover,
    H,
    TimeLimit,
    W,
    _clean_diff,
    _exp_forms,
    _fmt,
    _lo,
    expr_form,
    time_limit,
)
from insgd.verify.audit.intervals import box, ieval, point
from insgd.verify.audit.nonneg import Nonnegativity

# -- facts about f ---------------------------------------------------------------------------------------------


class Audit1D(Nonnegativity):
    """f on R: domain checks, stationary points, f* (certified or not), and the claim machinery."""

    def __init__(self, f, time_s=TIME_LIMIT):
        self.f = f
        self.time_s = time_s
        self.notes = []
        self.fstar, self.fstar_certified, self.fstar_attained, self.fstar_how = None, False, None, ""
        self.fstar_upper = None  # an exact upper bound of f*: f* itself when exact, else f at a point
        self.domain_unknown = False
        self.limits = [None, None]
        self.argmin, self.stationary, self.stationary_exact = [], [], True
        self.polynomial = bool(f.is_polynomial(W))
        self.rational_poly = self.polynomial and all(c.is_Rational for c in sp.Poly(f, W).all_coeffs())
        self._check_defined()
        self.df = _clean_diff(f)
        self.d2f = _clean_diff(self.df)
        self._check_differentiable()
        self._lam = {}
        try:
            with time_limit(time_s):
                self._facts()
        except TimeLimit:
            self.notes.append(f"time limit ({time_s:g} s) reached while finding and certifying f*")
            self.fstar_certified = False
            self.fstar_how = f"f* not certified: the time limit ({time_s:g} s) ran out first"

    # numeric evaluation (floats, for searches only; every verdict is re-checked rigorously)
    def num(self, which):
        if which not in self._lam:
            e = {"f": self.f, "df": self.df, "d2f": self.d2f}[which]
            self._lam[which] = sp.lambdify(W, e, modules=[{"sign": np.sign, "Abs": np.abs}, "numpy"])
        fn = self._lam[which]

        def safe(x):
            with np.errstate(all="ignore"):
                try:
                    y = fn(np.asarray(x, float))
                except (OverflowError, ValueError, ZeroDivisionError, TypeError):
                    return np.full(np.shape(x), np.nan)
                return np.broadcast_to(np.asarray(y, float), np.shape(x)).copy() if np.ndim(x) else float(y)

        return safe

    # -- domain --------------------------------------------------------------------------------------------
    def _conditions(self):
        """(g, strict, what): f is defined on R iff g > 0 (strict) or g >= 0 everywhere, for each g."""
        out = []
        for node in sp.preorder_traversal(self.f):
            if isinstance(node, sp.log):
                out.append((node.args[0], True, f"log({node.args[0]})"))
            elif node.is_Pow and node.exp.is_number:
                if not node.exp.is_Integer:
                    out.append((node.base, bool(node.exp < 0), f"({node.base})**({node.exp})"))
                elif node.exp < 0:
                    out.append((node.base**2, True, f"1/({node.base}) (a pole where {node.base} = 0)"))
            elif node.is_Pow:
                out.append((node.base, True, f"({node.base})**({node.exp})"))
            elif isinstance(node, sp.Function) and not isinstance(
                node, (sp.exp, sp.log, sp.Abs, sp.sign, sp.cosh, sp.sinh, sp.tanh, sp.sin, sp.cos, sp.atan)
            ):
                raise InputError(f"expr uses {node.func}, which the auditor does not support")
        return out

    def _check_defined(self):
        deadline = time.monotonic() + min(self.time_s, 20)
        for g, strict, what in self._conditions():
            if g.is_number:
                if (strict and not g > 0) or not g >= 0:
                    raise InputError(f"f is not defined on R: {what} needs {g} {'>' if strict else '>='} 0")
                continue
            # a point where the condition fails refutes it; a cover certifies it
            xs = np.concatenate(
                [
                    np.linspace(-SEARCH_RADIUS, SEARCH_RADIUS, 6001),
                    -np.geomspace(1e-6, 1e6, 200),
                    np.geomspace(1e-6, 1e6, 200),
                    [0.0],
                ]
            )
            gn = sp.lambdify(W, g, modules=[{"sign": np.sign, "Abs": np.abs}, "numpy"])
            with np.errstate(all="ignore"):
                try:
                    vals = np.broadcast_to(np.asarray(gn(xs), float), xs.shape)
                except (TypeError, ValueError, OverflowError):
                    vals = np.full(xs.shape, np.nan)
            for x in xs[np.argsort(np.nan_to_num(vals, nan=np.inf))][:5]:
                xr = decimal_value(x)
                v = _lo(g, {W: point(xr)})
                if v is not None and (v.b < 0 or (strict and v.b <= 0)):
                    raise InputError(
                        f"f is not defined on all of R: {what} needs {g} {'>' if strict else '>='} 0, "
                        f"which fails at w = {_fmt(xr)}"
                    )
            cov = Cover(deadline, 4000)
            ok = False
            with contextlib.suppress(TimeLimit):
                for a, b in ((sp.S.NegativeInfinity, -1), (-1, 1), (1, sp.oo)):
                    forms = [expr_form(g)] + [expr_form(x) for x in _exp_forms(g)[:1]]
                    res, _ = cov.run(
                        forms, sp.Integer(a) if a != sp.S.NegativeInfinity else a, sp.Integer(b) if b is not sp.oo else b
                    )
                    if res is not True:
                        break
                else:
                    ok = True
            if not ok:
                self.notes.append(f"could not certify that {what} is defined on all of R")
                self.domain_unknown = True

    def _kinks(self):
        """Exact points where an Abs or sign argument vanishes (where f' may fail to exist)."""
        pts = set()
        for node in sp.preorder_traversal(self.f):
            if isinstance(node, (sp.Abs, sp.sign)):
                g = node.args[0]
                if g.is_polynomial(W) and sp.degree(g, W) >= 1:
                    with contextlib.suppress(Exception):
                        pts |= {r for r in sp.Poly(g, W).real_roots() if r.is_Rational}
        return sorted(pts)

    def _check_differentiable(self):
        for x0 in self._kinks():
            try:
                with time_limit(10):
                    lims = [sp.limit(self.df, W, x0, d) for d in ("+", "-")]
            except (TimeLimit, Exception):  # noqa: BLE001 - SymPy raises many kinds
                self.notes.append(f"could not decide whether f is differentiable at w = {x0}")
                continue
            if any(not v.is_finite for v in lims) or sp.simplify(lims[0] - lims[1]) != 0:
                raise InputError(
                    f"f is not differentiable at w = {x0} (f' tends to {lims[0]} from the right and "
                    f"{lims[1]} from the left): Assumptions 1-2 need f in C^1"
                )
        self.hessian_kinks = []
        for x0 in self._kinks():  # does f'' exist there? (needed by the Hessian form only)
            with contextlib.suppress(TimeLimit, Exception):
                with time_limit(10):
                    lims = [sp.limit(self.d2f, W, x0, d) for d in ("+", "-")]
                if any(not v.is_finite for v in lims) or sp.simplify(lims[0] - lims[1]) != 0:
                    self.hessian_kinks.append(x0)

    # -- stationary points and f* ----------------------------------------------------------------------------
    def _stationary(self):
        """(points, exact?): the real roots of f' (exact for polynomials; numerical and then exact when a small
        rational or an algebraic number satisfies f'(x) = 0 exactly)."""
        if self.rational_poly:
            if sp.degree(self.df, W) < 1:
                return [], True
            return list(sp.Poly(self.df, W).real_roots()), True
        df = self.num("df")
        xs = np.concatenate(
            [
                -np.geomspace(SEARCH_RADIUS, 1e6, 400)[::-1],
                np.linspace(-SEARCH_RADIUS, SEARCH_RADIUS, 60001),
                np.geomspace(SEARCH_RADIUS, 1e6, 400),
            ]
        )
        d = df(xs)
        pts, exact = [], True
        ok = np.isfinite(d)
        sgn = np.where(ok, np.sign(d), np.nan)
        idx = np.nonzero(ok[:-1] & ok[1:] & (sgn[:-1] * sgn[1:] <= 0))[0]
        # brackets [a, b] of sign changes (runs of exact float zeros, often underflow, merged into one bracket),
        # each confirmed in 30-digit arithmetic before a root is sought in it
        brackets = []
        for i in idx:
            if brackets and brackets[-1][1] >= i:
                brackets[-1][1] = i + 1
            else:
                brackets.append([i, i + 1])
        mdf = sp.lambdify(W, self.df, "mpmath")
        for i, j in brackets[:200]:
            a, b = float(xs[max(i - 1, 0)]), float(xs[min(j + 1, len(xs) - 1)])
            with mpmath.workdps(30):
                try:
                    fa, fb = mdf(mpmath.mpf(a)), mdf(mpmath.mpf(b))
                except (ValueError, ZeroDivisionError, TypeError, OverflowError):
                    continue
                if mpmath.sign(fa) * mpmath.sign(fb) > 0:
                    continue
                try:
                    root = float(mpmath.findroot(mdf, (a, b), solver="anderson"))
                except (ValueError, ZeroDivisionError, TypeError, mpmath.libmp.NoConvergence):
                    root = float((a + b) / 2)
            cand = sp.nsimplify(sp.Float(repr(root), 20), rational=True, tolerance=1e-12)
            if len(str(cand)) < 20 and sp.simplify(self.df.subs(W, cand)) == 0:
                pts.append(cand)
            else:
                pts.append(sp.Float(repr(root), 17))
                exact = False
        uniq = []
        for p in sorted(pts, key=lambda p: float(p)):
            if not uniq or abs(float(p) - float(uniq[-1])) > 1e-9:
                uniq.append(p)
            elif p.is_Rational:
                uniq[-1] = p
        return uniq, exact and all(p.is_Rational for p in uniq)

    def _facts(self):
        self.stationary, self.stationary_exact = self._stationary()
        lims = []
        for s in (sp.oo, -sp.oo):
            try:
                with time_limit(15):
                    lims.append(sp.limit(self.f, W, s))
            except (TimeLimit, Exception):  # noqa: BLE001
                lims.append(None)
        if any(v is not None and v == -sp.oo for v in lims):
            raise InputError("f is unbounded below (f -> -infinity as |w| -> infinity): Assumption 2 needs f* > -inf")
        self.limits = lims
        vals = []
        for p in self.stationary:
            v = self.f.subs(W, p)
            vals.append((p, v, float(sp.N(v, 30))))
        lims = [v if v is not None and (v.is_number and (v.is_finite or v is sp.oo)) else None for v in lims]
        self.limits = lims
        finite_lims = [v for v in lims if v is not None and v.is_finite]
        best = min((x[2] for x in vals), default=math.inf)
        lim_best = min((float(sp.N(v, 30)) for v in finite_lims), default=math.inf)
        if not vals and not finite_lims:
            self.fstar_how = "no stationary point and no finite limit found"
            return
        if lim_best < best - 1e-12 * (1 + abs(best)) or not vals:
            self.fstar = min(finite_lims, key=lambda v: float(sp.N(v, 30)))
            self.fstar_attained = False
            self.argmin = []
        else:
            p0, v0, fv0 = min(vals, key=lambda x: x[2])
            if not (p0.is_Rational or isinstance(p0, sp.CRootOf)):
                self.fstar_upper = self.f.subs(W, decimal_value(p0))
                self.fstar_how = (
                    f"the minimizer near w = {float(p0):.12g} is not known in closed form, so f* is not "
                    "exact and no PL claim can be certified (violations are still checked against an "
                    "upper bound of f*)"
                )
                self.argmin = [p0]
                self.fstar_attained = True
                return
            self.fstar, self.fstar_attained = v0, True
            self.argmin = [
                p for p, v, fv in vals if abs(fv - fv0) <= 1e-25 * (1 + abs(fv0)) and (p == p0 or sp.simplify(v - v0) == 0)
            ]
        self.fstar_upper = self.fstar
        ok, how = self.certify_nonneg(
            self.f - self.fstar, sp.S.NegativeInfinity, sp.oo, self.argmin, time.monotonic() + self.time_s, kind="fstar"
        )
        self.fstar_certified = bool(ok)
        self.fstar_how = ("f - f* >= 0 on R certified: " + how) if ok else f"f* not certified: {how}"

    # -- local structure at an exact zero z of f - f* ------------------------------------------------------------
    def order_at(self, z):
        """k with f(z + h) - f* ~ c |h|^k: the first non-zero derivative (analytic f), else a SymPy limit."""
        if not self.f.has(sp.Abs, sp.sign):
            d = self.f
            for k in range(1, 13):
                d = sp.diff(d, W)
                v = d.subs(W, z)
                val = sp.N(v, 50)
                if abs(val) > 1e-40 or (k >= 2 and not sp.simplify(v) == 0):
                    return sp.Integer(k), True
            return None, True
        try:
            with time_limit(10):
                g = self.f.subs(W, z + H) - self.fstar
                ks = [sp.limit(sp.log(sp.Abs(g)) / sp.log(sp.Abs(H)), H, 0, d) for d in ("+", "-")]
        except (TimeLimit, Exception):  # noqa: BLE001
            return None, False
        if ks[0] == ks[1] and ks[0].is_Rational and ks[0] > 0:
            return ks[0], False
        return None, False

    def taylor(self, z, k, which):
        """Taylor form of f - f* (which='Q': (f(z+h) - f*)/h^k) or of f' (which='P': f'(z+h)/h^(k-1)) at z: a
        function of the W-box returning an enclosure, with the remainder's derivative enclosed on the hull."""
        n = int(k) + TAYLOR_TERMS
        derivs = [self.f]
        for _ in range(n):
            derivs.append(sp.diff(derivs[-1], W))
        if which == "Q":
            coef = [(j, derivs[j].subs(W, z) / sp.factorial(j)) for j in range(int(k), n)]
            rem, rem_den, shift = derivs[n], sp.factorial(n), int(k)
        else:
            coef = [(j, derivs[j].subs(W, z) / sp.factorial(j - 1)) for j in range(int(k), n)]
            rem, rem_den, shift = derivs[n], sp.factorial(n - 1), int(k)
        coef_iv = [(j, point(c) if c.is_Rational else ieval(c, {})) for j, c in coef]
        zi = point(z)

        def F(lo, hi):
            hbox = box(lo, hi) - zi
            hull = iv.mpf([min(box(lo, hi).a, zi.a), max(box(lo, hi).b, zi.b)])
            out = iv.mpf(0)
            for j, c in coef_iv:
                out = out + c * hbox ** (j - shift)
            return out + ieval(rem, {W: hull}) / int(rem_den) * hbox ** (n - shift)

        return F
