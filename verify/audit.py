r"""The assumption auditor: does a function satisfy Assumption 1 (each form) and Assumption 2 (PL), with which
constants? Each claim gets `holds`, `fails` or `unknown`, with how it was reached (`certificate`).

Soundness is the first invariant:

* `holds` only when every step is certified. f* is the global infimum of f over R and must itself be certified
  (`fstar_certified`): f - f* >= 0 on all of R by the same interval cover. The inequality is certified for
  exactly the numbers given (a decimal is the rational it spells; nothing is rounded to a nearby closed form),
  by outward-rounded interval arithmetic on a finite cover of the region: compact pieces by bisection, the tails
  |w| >= R on half-lines [R, +inf] with the expression rewritten so that cancellations are exact (w = +-v with
  v > 0, Abs resolved where its sign is certified, exponentials expanded, polynomials mapped to u = 1/v), and the
  neighbourhood of each exact minimizer, where both sides of PL vanish, through E / |w - w*|^k (k the order of
  f - f* at w*) with exact quotients or Taylor forms whose remainder is enclosed. An identity E = 0 is certified
  symbolically; a polynomial claim with an even integer rho by exact real-root isolation.
* `fails` only with a witness inside the claimed region whose violation is re-checked in 60-digit interval
  arithmetic at the exact rational witness (PL against an exact upper bound of f*, so the true f* can only make
  the violation larger). The witness and the violation's size are printed.
* everything else is `unknown`, with the missing step named, including when the time limit per claim runs out.

Domain: f must be real, finite and C^1 on all of R (C^2 for the Hessian form) and bounded below; a function that
is not (log(w), sqrt(w), 1/w, |w|, w**3, ...) is refused in one line naming the reason. An infimum that is only
approached at infinity (exp(-w**2)) is reported as not attained.
"""

import contextlib
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv
from scipy import optimize

from insgd.theory import assumptions as A
from insgd.theory.numbers import InputError, parse_number
from insgd.verify.intervals import INF, Unsupported, box, hi_of, iabs, ieval, ipow, lo_of, point
from insgd.verify.safe_expr import parse_expr

W = sp.Symbol("w", real=True)
H = sp.Symbol("h", real=True)
V = sp.Symbol("v", positive=True)
U = sp.Symbol("u", positive=True)
BUDGET = 20_000  # boxes per cover
TIME_LIMIT = 60.0  # seconds per claim, and for the facts about f
SEARCH_RADIUS = 30.0  # dense refutation search |w| <= this; a geometric one reaches 1e12
NEAR = sp.Rational(1, 16)  # half-width of the neighbourhood of a minimizer treated by E / |h|^k
TAYLOR_TERMS = 3  # Taylor forms carry this many terms past the leading one, then an enclosed remainder


class TimeLimit(BaseException):  # noqa: N818 - not an Exception: `except Exception` must not swallow it
    """The time limit of a claim (or of the facts about f) ran out."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeLimit inside the block after `seconds` (SIGALRM: main thread only; elsewhere the box budget and
    the deadline checks inside the covers are the only limits)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise TimeLimit()

    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # an enclosing limit keeps running after this one
    start = time.monotonic()
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer > 0 else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


@dataclass
class Claim:
    kind: str  # "pl" or "smooth"
    form: str | None  # literal, segment, hessian (smooth)
    constants: dict  # exact numbers as given (JSON: floats, with the exact text in constants_exact)
    region: str
    verdict: str = "unknown"
    witness: list | None = None
    evidence: str = ""
    certificate: str = ""
    violation: float | None = None
    time_s: float = 0.0
    witness_exact: list | None = None

    def to_json(self):
        d = asdict(self)
        d["constants"] = {k: float(v) for k, v in self.constants.items()}
        d["constants_exact"] = {k: str(v) for k, v in self.constants.items()}
        return d


def parse(text: str):
    """A SymPy expression in w (or w0, w1, ...), from the allow-listed expression language (never evaluated)."""
    e = parse_expr(text)
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    if not syms:
        raise InputError(f"expr must depend on the variable w (or w0, w1, ...), got the constant {text!r}")
    if W in syms and len(syms) > 1:
        raise InputError("expr must use either w alone or w0, w1, ... (not both)")
    return e, syms


def _fmt(x, digits=10):
    if x is None:
        return None
    if isinstance(x, sp.Basic) and x.is_Rational:
        return str(x) if len(str(x)) <= 24 else mpmath.nstr(mpmath.mpf(x.p) / x.q, digits)
    try:
        return mpmath.nstr(mpmath.mpf(sp.N(x, 30)), digits)
    except (TypeError, ValueError):
        return str(x)


def _num(x):
    """A JSON number for an exact value (None when not finite)."""
    if x is None:
        return None
    v = float(sp.N(x, 20))
    return v if math.isfinite(v) else None


def _lo(e, env):
    try:
        v = ieval(e, env)
    except (Unsupported, ZeroDivisionError, ValueError, OverflowError):
        return None
    return v


def _clean_diff(e):
    """d/dw of e, with DiracDelta terms (from Abs/sign) dropped; the caller checks they vanish where it matters."""
    d = sp.diff(e, W)
    return d.replace(lambda x: isinstance(x, sp.DiracDelta), lambda x: sp.Integer(0)) if d.has(sp.DiracDelta) else d


def _exp_forms(E):
    """Rewritings of E with the same sign in which cancellations are exact: simplified, and exponentials expanded
    and factored ((e^w - 1)^4 e^(-2w)/8 >= 0 is evident; sinh(w)^2/2 - cosh(w) + 1 is not)."""
    out = []
    if sp.count_ops(E) > 400 or any(p.exp.is_Integer and abs(p.exp) > 12 for p in E.atoms(sp.Pow)):
        return out  # expanding would blow up (cosh(w)**1000): the plain form is all we try
    with contextlib.suppress(Exception):
        s = sp.simplify(E)
        if s != E:
            out.append(s)
    if E.has(sp.exp, sp.cosh, sp.sinh, sp.tanh):
        with contextlib.suppress(Exception):
            x = sp.expand(E.rewrite(sp.exp))
            out += [x, sp.factor(x)]
    return out


def _dominant(E, var):
    """E with each polynomial sub-expression p(var) of degree n >= 1 written as var^n q(1/var): on a half-line
    [R, +inf] the leading term then dominates inside the interval evaluation (5v^3 - v^2/2 is v^3 (5 - u/2) with
    u = 1/v in [0, 1/R]) instead of giving inf - inf. Evaluate with env {var: [R, b], U: [1/b, 1/R]}."""

    def rep(x):
        if x.is_Add and x.is_polynomial(var) and x.has(var):
            n = sp.degree(x, var)
            return var**n * sp.expand(x.subs(var, 1 / U) * U**n)
        return x

    return E.replace(lambda x: x.is_Add and x.has(var) and x.is_polynomial(var), rep)


def _lead_power(E, var):
    """E / var^n for the largest power n of var among the terms of expand(E), written with U = 1/var: on [R, +inf]
    the bounded terms (sin, cos, ...) divided by var^k vanish inside the interval evaluation instead of giving
    inf - inf (3 v^2 + 4 v sin(2v) becomes 3 + 4 u sin(2v)). The same sign as E for var > 0."""
    terms = sp.Add.make_args(sp.expand(E))
    ks = []
    for t in terms:
        k = sp.sympify(t.as_powers_dict().get(var, 0))
        if not k.is_number:
            return None
        ks.append(k)
    n = max(ks)
    if n <= 0:
        return None
    return sp.Add(*[t / var**k * U ** (n - k) for t, k in zip(terms, ks, strict=True)])


def _resolve_abs(E, var, lo, hi):
    """Replace Abs(g) by g or -g where the sign of g on [lo, hi] is certified."""

    def rep(a):
        v = _lo(a.args[0], {var: box(lo, hi)})
        if v is not None and v.a >= 0:
            return a.args[0]
        if v is not None and v.b <= 0:
            return -a.args[0]
        return a

    return E.replace(lambda x: isinstance(x, sp.Abs), rep)


# -- the cover: E >= 0 on a set, by bisection over forms with the sign of E ----------------------------------


class Cover:
    """A bisection cover of [a, b] (ends exact rationals or +-oo) on which some form certifies E >= 0.

    A form is a function (a, b) -> enclosure (iv interval) of a quantity with the sign of E on [a, b]."""

    def __init__(self, deadline, budget=BUDGET):
        self.deadline, self.budget, self.boxes = deadline, budget, 0

    def run(self, forms, a, b):
        """(True, None) certified; (None, reason) not established."""
        stack = [(a, b)]
        while stack:
            lo, hi = stack.pop()
            self.boxes += 1
            if self.boxes > self.budget:
                return None, f"box budget ({self.budget}) spent"
            if time.monotonic() > self.deadline:
                raise TimeLimit()
            if any(self._ok(F, lo, hi) for F in forms):
                continue
            if hi is sp.oo:
                if lo > 10**40:
                    return None, "the tail w -> +inf is not covered"
                m = max(2 * lo, lo + 1)
                stack += [(m, hi), (lo, m)]
            elif lo is sp.S.NegativeInfinity:
                if hi < -(10**40):
                    return None, "the tail w -> -inf is not covered"
                m = min(2 * hi, hi - 1)
                stack += [(lo, m), (m, hi)]
            else:
                if hi - lo < sp.Rational(1, 10**12) * (1 + abs(lo)):
                    return None, f"no certificate near w = {float(lo):.6g}"
                m = (lo + hi) / 2
                stack += [(m, hi), (lo, m)]
        return True, None

    @staticmethod
    def _ok(F, lo, hi):
        try:
            v = F(lo, hi)
        except (Unsupported, ZeroDivisionError, ValueError, OverflowError, TypeError):
            return False
        return v is not None and v.a >= 0


def expr_form(E, var=W, sub=None):
    """A form from a SymPy expression in `var`; `sub` maps the W-box to var's interval (default: identity)."""

    def F(lo, hi):
        x = box(lo, hi) if sub is None else sub(lo, hi)
        return ieval(E, {var: x})

    return F


# -- facts about f ---------------------------------------------------------------------------------------------


class Audit1D:
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
                xr = sp.Rational(repr(float(x)))
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
                self.fstar_upper = self.f.subs(W, sp.Rational(repr(float(p0))))
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

    # -- nonnegativity of E on a region with exact zeros -------------------------------------------------------
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
                xr = sp.Rational(repr(float(cand)))
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
            X, XP = sp.Rational(repr(float(x))), sp.Rational(repr(float(wp)))
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


SMOOTHNESS_PAIR = {"literal": A.SMOOTH_LITERAL, "segment": A.SMOOTH_SEGMENT}
PAIR_NORMS = {"literal": ("grad_diff", "grad_other", "dist"), "segment": ("grad_diff", "grad_max", "dist")}


# -- the claims --------------------------------------------------------------------------------------------------


def _region_text(region):
    a, b = region
    return "R" if a is sp.S.NegativeInfinity and b is sp.oo else f"[{_fmt(a)}, {_fmt(b)}]"


def check_claim(audit, claim: Claim, region, time_s=None) -> Claim:
    t0 = time.monotonic()
    time_s = audit.time_s if time_s is None else time_s
    try:
        with time_limit(time_s):
            _check(audit, claim, region, t0 + time_s)
    except TimeLimit:
        claim.verdict = "unknown"
        claim.evidence = f"time limit ({time_s:g} s per claim) reached; no violation found before it"
        claim.certificate = ""
    claim.time_s = round(time.monotonic() - t0, 3)
    return claim


def _check(audit, claim, region, deadline):
    c = claim.constants
    if claim.kind == "smooth" and claim.form == "hessian" and audit.hessian_kinks:
        claim.evidence = f"f'' does not exist at w = {audit.hessian_kinks[0]}: the Hessian form does not apply"
        return
    if claim.kind == "pl" and audit.fstar_upper is None:
        claim.evidence = f"f* unknown ({audit.fstar_how}); no violation can be checked"
        return
    if claim.kind == "smooth" and claim.form in ("literal", "segment"):
        w = _refute_pairs(audit, c, region, claim.form)
        if w is not None:
            claim.verdict, claim.witness, claim.violation = "fails", [float(x) for x in w[0]], w[1]
            claim.witness_exact = [str(x) for x in w[0]]
            claim.evidence = (
                f"|f'(w) - f'(w')| exceeds the bound at (w, w') = ({_fmt(w[0][0])}, {_fmt(w[0][1])}) "
                f"by >= {w[1]:.3g} (60-digit intervals)"
            )
            claim.certificate = "witness pair inside the region"
            return
    else:
        w = refute(audit, "pl" if claim.kind == "pl" else "smooth", c, region)
        if w is not None:
            claim.verdict, claim.witness, claim.violation = "fails", [float(w[0])], w[1]
            claim.witness_exact = [str(w[0])]
            what = "f - f* exceeds |f'|^rho/(2 mu)" if claim.kind == "pl" else "|f''| exceeds L0 + L1 |f'|^alpha"
            claim.evidence = f"{what} at w = {_fmt(w[0])} by >= {w[1]:.3g} (60-digit intervals at the exact point)"
            claim.certificate = "witness inside the region" + (
                "" if claim.kind != "pl" or audit.fstar is not None else "; against an upper bound of f*"
            )
            return
    if audit.domain_unknown:
        claim.evidence = "no violation found; the domain of f is not certified: " + "; ".join(audit.notes)
        return
    if claim.kind == "pl":
        if not audit.fstar_certified:
            claim.evidence = f"no violation found; no certificate because {audit.fstar_how}"
            return
        E = pl_residual(audit, c["rho"], c["mu"])
        ok, how = audit.certify_nonneg(E, *region, audit.argmin, deadline, kind="pl", pl=(c["rho"], c["mu"]))
    elif claim.form == "hessian" or (claim.form == "segment" and region[0] is sp.S.NegativeInfinity and region[1] is sp.oo):
        E = hessian_residual(audit, c["L0"], c["L1"], c["alpha"])
        ok, how = audit.certify_nonneg(E, *region, [], deadline, consts=(c["L0"], c["L1"], c["alpha"]))
        if ok and claim.form == "segment":
            how = (
                "the Hessian form with the same constants, certified: " + how + "; it implies the segment form "
                "(|f'(w) - f'(w')| = |int f''| <= (L0 + L1 max_segment |f'|^alpha) |w - w'|)"
            )
    elif region[0].is_finite and region[1].is_finite:
        ok = certify_pair_form(audit, claim.form, c["L0"], c["L1"], c["alpha"], region, deadline)
        how = (
            "sufficient condition sup_hull |f''| <= L0 + L1 m^alpha on a cover of 2-D boxes"
            if ok
            else "the 2-D box cover did not close"
        )
    else:
        ok, how = None, "the literal form on an unbounded region has no certificate method here"
    if ok:
        claim.verdict, claim.certificate = "holds", how
        claim.evidence = "certified for the exact constants given" + (
            "" if claim.kind != "pl" else f"; f* = {_fmt(audit.fstar)} certified ({audit.fstar_how})"
        )
    else:
        claim.evidence = f"no violation found by search; no certificate: {how}"


def certify_pair_form(audit, form, L0, L1, alpha, region, deadline, budget=BUDGET):
    """Literal/segment forms on a box, by the sufficient condition over 2-D boxes (w in I, w' in J):
    sup_{hull(I, J)} |f''| <= L0 + L1 m^alpha, m = inf |f'(J)| (literal) or max(inf|f'(I)|, inf|f'(J)|) (segment)."""
    a, b = region
    adf, ad2f = sp.Abs(audit.df), sp.Abs(audit.d2f)
    stack = [((a, b), (a, b))]
    n = 0
    L0i, L1i = point(L0), point(L1)
    while stack:
        (i0, i1), (j0, j1) = stack.pop()
        n += 1
        if n > budget:
            return None
        if time.monotonic() > deadline:
            raise TimeLimit()
        try:
            hull = box(min(i0, j0), max(i1, j1))
            sup = ieval(ad2f, {W: hull}).b
            m = ieval(adf, {W: box(j0, j1)}).a
            if form == "segment":
                m = max(m, ieval(adf, {W: box(i0, i1)}).a)
            rhs = (L0i + L1i * ipow(iv.mpf([m, m]), alpha)).a
        except (Unsupported, ValueError, ZeroDivisionError, OverflowError):
            return None
        if sup <= rhs:
            continue
        if max(i1 - i0, j1 - j0) < sp.Rational(1, 10**6):
            return None
        if i1 - i0 >= j1 - j0:
            mid = (i0 + i1) / 2
            stack += [((i0, mid), (j0, j1)), ((mid, i1), (j0, j1))]
        else:
            mid = (j0 + j1) / 2
            stack += [((i0, i1), (j0, mid)), ((i0, i1), (mid, j1))]
    return True


# -- admissible exponents and best constants ------------------------------------------------------------------------


def rho_range(audit):
    """Admissible rho for PL (1-D): near the minimizer f - f* ~ c|h|^k gives rho <= k/(k-1); at infinity the
    growth of |f'| against f - f* gives the lower end (limits by SymPy)."""
    if not audit.argmin or audit.fstar is None:
        return None
    if any(p not in audit.argmin and float(sp.N(audit.f.subs(W, p) - audit.fstar, 30)) > 1e-20 for p in audit.stationary):
        return {"empty": True, "why": "a non-minimizing stationary point refutes PL for every rho"}
    try:
        with time_limit(20):
            k, _ = audit.order_at(audit.argmin[0])
            hi = k / (k - 1) if k is not None and k > 1 else None
            lx = sp.Symbol("x", positive=True)
            exps = []
            for s in (1, -1):
                num = sp.log(sp.Abs(audit.df.subs(W, s * lx)))
                den = sp.log(audit.f.subs(W, s * lx) - audit.fstar)
                exps.append(sp.limit(den / num, lx, sp.oo))
            lo = max(exps) if all(r is not None and r.is_finite for r in exps) else None
    except (TimeLimit, Exception):  # noqa: BLE001
        return None
    return {
        "lo": _num(lo) if lo is not None else None,
        "hi": _num(hi) if hi is not None else None,
        "lo_exact": None if lo is None else str(lo),
        "hi_exact": None if hi is None else str(hi),
        "how": "local order k of f - f* at the minimizer (rho <= k/(k-1)); lim log(f-f*)/log|f'| at infinity",
    }


def alpha_min(audit):
    """Smallest alpha for the Hessian form globally: lim sup log|f''| / log|f'| as |w| -> oo (None if > 1)."""
    x = sp.Symbol("x", positive=True)
    try:
        with time_limit(20):
            vals = [
                sp.limit(sp.log(sp.Abs(audit.d2f.subs(W, s * x))) / sp.log(sp.Abs(audit.df.subs(W, s * x))), x, sp.oo)
                for s in (1, -1)
            ]
            a = max(vals)
            if not a.is_finite:
                return None
            if a > 1:
                return {"alpha_min": None, "why": "|f''| grows faster than |f'|: no alpha <= 1 works globally"}
            if a == 1:
                r = [sp.limit(sp.Abs(audit.d2f.subs(W, s * x)) / sp.Abs(audit.df.subs(W, s * x)), x, sp.oo) for s in (1, -1)]
                if any(not v.is_finite for v in r):
                    return {"alpha_min": None, "why": "|f''|/|f'| is unbounded: no alpha <= 1 works globally"}
    except (TimeLimit, Exception):  # noqa: BLE001
        return None
    return {"alpha_min": _num(a), "alpha_min_exact": str(a), "why": "lim log|f''| / log|f'| as |w| -> infinity"}


def _samples(audit, region):
    a, b = region
    lo = -SEARCH_RADIUS if a is sp.S.NegativeInfinity else float(a)
    hi = SEARCH_RADIUS if b is sp.oo else float(b)
    xs = [np.linspace(lo, hi, 4001)]
    for p in audit.argmin + list(audit.stationary):
        pf = float(sp.N(p))
        xs += [pf + np.geomspace(1e-7, 1, 300), pf - np.geomspace(1e-7, 1, 300)]
    if b is sp.oo:
        xs.append(np.geomspace(SEARCH_RADIUS, 1e6, 300))
    if a is sp.S.NegativeInfinity:
        xs.append(-np.geomspace(SEARCH_RADIUS, 1e6, 300))
    xs = np.concatenate(xs)
    keep = np.ones(len(xs), bool)
    if a is not sp.S.NegativeInfinity:
        keep &= xs >= lo
    if b is not sp.oo:
        keep &= xs <= hi
    return xs[keep]


def _candidates(x, direction):
    """Exact candidate constants near x, tried in order: a simple closed form near x, then x moved by growing
    margins in `direction` (-1: smaller, +1: larger), each a short decimal."""
    out = []
    for consts in ([], [sp.pi, sp.E]):
        with contextlib.suppress(Exception):
            s = sp.nsimplify(x, consts, tolerance=1e-9 * (1 + abs(x)))
            if s.is_number and s.is_real and len(str(s)) < 30 and s not in out:
                out.append(s)
    for m in (1e-6, 1e-3, 1e-2, 1e-1, 0.5):
        y = x * (1 + direction * m) if x > 0 else x + direction * m * (1 + abs(x))
        out.append(parse_number("c", f"{y:.6g}"))
    return out


def best_mu(audit, rho, region, time_s=20.0):
    """The largest mu for a given rho, as [certified valid value, upper estimate]: the upper end is a rigorous
    bound (the ratio |f'|^rho / (2(f - f*)) evaluated at a point: no mu above it can hold); the lower end is
    the largest candidate below it that the auditor certifies. None where f* is not exact."""
    if audit.fstar is None or not audit.fstar_certified:
        return None
    xs = _samples(audit, region)
    f, df = audit.num("f"), audit.num("df")
    fs = float(sp.N(audit.fstar, 30))
    with np.errstate(all="ignore"):
        gap = f(xs) - fs
        r = np.abs(df(xs)) ** float(rho) / (2 * gap)
    ok = np.isfinite(r) & (gap > 1e-12)
    if not ok.any():
        return None
    x = sp.Rational(repr(float(xs[ok][np.argmin(r[ok])])))
    ratio = sp.Abs(audit.df) ** rho / (2 * (audit.f - audit.fstar))
    try:
        upper = hi_of(ieval(ratio, {W: point(x)}))
    except (Unsupported, ZeroDivisionError, ValueError):
        return None
    if upper is None:
        return None
    deadline = time.monotonic() + time_s
    valid = None
    try:
        with time_limit(time_s):
            for m in _candidates(float(upper), -1):
                if m <= 0 or m > upper:
                    continue
                E = pl_residual(audit, rho, m)
                if audit.certify_nonneg(E, *region, audit.argmin, deadline, kind="pl", pl=(rho, m))[0]:
                    valid = m
                    break
    except TimeLimit:
        pass
    return {
        "rho": _num(rho),
        "valid": _num(valid),
        "valid_exact": None if valid is None else str(valid),
        "upper": float(upper),
        "upper_at_w": float(x),
        "how": "upper: the ratio at a point (rigorous); valid: the largest candidate the auditor certifies",
    }


def smallest_L0(audit, L1, alpha, region, time_s=20.0):
    """The smallest L0 with |f''| <= L0 + L1 |f'|^alpha on the region, as [lower bound, certified valid value]:
    the lower end is |f''| - L1 |f'|^alpha at a point (rigorous: no smaller L0 holds); the upper end is the
    smallest candidate above it that the auditor certifies."""
    xs = _samples(audit, region)
    d2f, df = audit.num("d2f"), audit.num("df")
    with np.errstate(all="ignore"):
        g = np.abs(d2f(xs)) - float(L1) * np.abs(df(xs)) ** float(alpha)
    g = np.where(np.isfinite(g), g, -np.inf)
    i = int(np.argmax(g))
    x = sp.Rational(repr(float(xs[i])))
    try:
        lower = lo_of(ieval(sp.Abs(audit.d2f) - L1 * sp.Abs(audit.df) ** alpha, {W: point(x)}))
    except (Unsupported, ZeroDivisionError, ValueError):
        return None
    if lower is None:
        return None
    if region[1] is sp.oo and abs(float(xs[i])) >= 0.99 * np.max(np.abs(xs)):
        return {
            "L1": _num(L1),
            "alpha": _num(alpha),
            "lower": float(lower),
            "lower_at_w": float(x),
            "valid": None,
            "valid_exact": None,
            "L0": None,
            "how": "|f''| - L1 |f'|^alpha is largest at the end of the search "
            "range (it grows): no finite L0 was found; the lower bound is rigorous",
        }
    deadline = time.monotonic() + time_s
    valid = None
    try:
        with time_limit(time_s):
            for L0 in _candidates(max(float(lower), 1e-12), 1):
                if L0 < lower:
                    continue
                E = hessian_residual(audit, L0, L1, alpha)
                if audit.certify_nonneg(E, *region, [], deadline, consts=(L0, L1, alpha))[0]:
                    valid = L0
                    break
    except TimeLimit:
        pass
    return {
        "L1": _num(L1),
        "alpha": _num(alpha),
        "lower": float(lower),
        "lower_at_w": float(x),
        "valid": _num(valid),
        "valid_exact": None if valid is None else str(valid),
        "L0": _num(valid),
        "how": "lower: at a point (rigorous); valid: the smallest candidate the auditor certifies",
    }


# -- the entry point ---------------------------------------------------------------------------------------------


def claim_number(name, x):
    """A claimed constant, exactly: a number (0.1, 2/3, 1e-3: the rational it spells) or a closed form in the safe
    expression language without variables (3*2**(2/3), sqrt(3)/2)."""
    try:
        return parse_number(name, x)
    except InputError:
        if not isinstance(x, str):
            raise
    e = parse_expr(x, name)
    if e.free_symbols or not e.is_real or not e.is_finite:
        raise InputError(f"{name} must be a real number or closed form without w, got {x!r}")
    return e


def _exact_constants(pl_claims, smooth_claims):
    pl = [(claim_number("claim-pl RHO", r), claim_number("claim-pl MU", m)) for r, m in pl_claims]
    sm = [
        (f, *(claim_number(f"claim-smooth {n}", x) for n, x in zip(("L0", "L1", "ALPHA"), rest, strict=True)))
        for f, *rest in smooth_claims
    ]
    for rho, mu in pl:
        if not (rho > 0 and mu > 0):
            raise InputError(f"claim-pl needs rho > 0 and mu > 0, got {rho}, {mu}")
    for form, L0, L1, al in sm:
        if form not in ("literal", "segment", "hessian"):
            raise InputError(f"claim-smooth FORM must be literal, segment or hessian, got {form!r}")
        if not (L0 > 0 and L1 >= 0 and 0 <= al <= 1):
            raise InputError(f"claim-smooth needs L0 > 0, L1 >= 0, 0 <= alpha <= 1, got {L0}, {L1}, {al}")
    return pl, sm


def audit_expr(
    text, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT, best_constants=True, progress=None, on_partial=None
) -> dict:
    """Audit f given as text (the safe expression language) or a SymPy expression; claims are judged for exactly
    the numbers given (strings such as '0.1' or '2/3', ints, Fractions, SymPy rationals; a float is the exact
    decimal of its repr)."""
    t0 = time.monotonic()
    e, syms = parse(text) if isinstance(text, str) else (text, sorted(text.free_symbols, key=lambda s: s.name))
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    if box is not None:
        box = tuple(parse_number("box", x) for x in box)
        if not box[0] < box[1]:
            raise InputError(f"box must be a:b with a < b, got {box[0]}:{box[1]}")
    if len(syms) > 1 or (syms and syms[0] != W):
        return audit_nd(e, syms, box, pl, sm)
    a = Audit1D(e, time_s)
    region = (sp.S.NegativeInfinity, sp.oo) if box is None else box
    rtext = _region_text(region)
    claims = []
    todo = [Claim("pl", None, {"rho": r, "mu": m}, rtext) for r, m in pl]
    todo += [Claim("smooth", f, {"L0": L0, "L1": L1, "alpha": al}, rtext) for f, L0, L1, al in sm]
    facts = {
        "expr": str(e),
        "fstar": _num(a.fstar) if a.fstar is not None else None,
        "fstar_exact": None if a.fstar is None else str(a.fstar),
        "fstar_certified": a.fstar_certified,
        "fstar_attained": a.fstar_attained,
        "fstar_how": a.fstar_how,
        "argmin": [_num(p) for p in a.argmin],
        "stationary_points": [_num(p) for p in a.stationary],
        "stationary_points_exact": a.stationary_exact,
        "polynomial": a.polynomial,
        "notes": a.notes,
    }
    for i, cl in enumerate(todo):
        if on_partial:
            on_partial({**facts, "claims": [c.to_json() for c in claims]})
        if progress:
            progress(i, len(todo), cl)
        claims.append(check_claim(a, cl, region, time_s))
    if on_partial:
        on_partial({**facts, "claims": [c.to_json() for c in claims]})
    out = {
        "expr": str(e),
        "fstar": _num(a.fstar) if a.fstar is not None else None,
        "fstar_exact": None if a.fstar is None else str(a.fstar),
        "fstar_certified": a.fstar_certified,
        "fstar_attained": a.fstar_attained,
        "fstar_how": a.fstar_how,
        "argmin": [_num(p) for p in a.argmin],
        "stationary_points": [_num(p) for p in a.stationary],
        "stationary_points_exact": a.stationary_exact,
        "polynomial": a.polynomial,
        "notes": a.notes,
        "rho_range": rho_range(a),
        "alpha_min": alpha_min(a),
        "claims": [c.to_json() for c in claims],
    }
    if best_constants:
        rr = out["rho_range"]
        if rr and rr.get("hi_exact") is not None:
            out["best_mu_at_rho_hi"] = best_mu(a, sp.sympify(rr["hi_exact"]), region)
        for form, _L0, L1, al in sm:
            if form == "hessian" and out["alpha_min"] and out["alpha_min"].get("alpha_min") is not None:
                out.setdefault("smallest_L0", []).append(smallest_L0(a, L1, al, region))
    out["time_s"] = round(time.monotonic() - t0, 3)
    return out


# -- a wall-clock and memory bound that can really interrupt ------------------------------------------------------

MEMORY_CAP = 4 * 2**30  # bytes of address space the audit's worker process may use


def audit_expr_bounded(text, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT, progress=None) -> dict:
    """audit_expr in a worker process that is killed at time_s wall-clock seconds (a SymPy or big-integer step no
    signal can interrupt ends with it) and capped at MEMORY_CAP bytes. The input is validated here first, so bad
    input stays one line. What was decided before the limit is kept (f* and the claims finished, sent as they
    finish); every claim not decided is unknown, with the reason; the best-constant searches are dropped."""
    import multiprocessing as mp

    e, syms = parse(text) if isinstance(text, str) else (text, sorted(text.free_symbols, key=lambda s: s.name))
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    if len(syms) > 1 or (syms and syms[0] != W):
        return audit_expr(text, box, pl_claims, smooth_claims, time_s, progress=progress)  # numeric search, bounded
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    worker = ctx.Process(target=_bounded_worker, args=(send, text, box, pl_claims, smooth_claims, time_s, progress), daemon=True)
    t0 = time.monotonic()
    worker.start()
    send.close()
    last, result, why = None, None, f"the time limit of {time_s:g} s was reached"
    try:
        while result is None:
            left = t0 + time_s - time.monotonic()
            if left <= 0:
                break
            if not recv.poll(min(left, 0.2)):
                if not worker.is_alive():
                    why = "the audit's worker process ended unexpectedly (memory cap?)"
                    break
                continue
            try:
                kind, payload = recv.recv()
            except EOFError:
                why = "the audit's worker process ended unexpectedly (memory cap?)"
                break
            if kind == "partial":
                last = payload
            elif kind == "done":
                result = payload
            elif kind == "input":
                raise InputError(payload)
            elif kind == "memory":
                why = f"the memory cap of {MEMORY_CAP / 2**30:.3g} GiB was reached"
                break
            else:
                raise RuntimeError(payload)
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(1)
        recv.close()
    if result is not None:
        return result
    rtext = _region_text((sp.S.NegativeInfinity, sp.oo) if box is None else tuple(parse_number("box", x) for x in box))
    done = (last or {}).get("claims", [])
    todo = [Claim("pl", None, {"rho": r, "mu": m}, rtext) for r, m in pl]
    todo += [Claim("smooth", f, {"L0": L0, "L1": L1, "alpha": al}, rtext) for f, L0, L1, al in sm]
    for cl in todo[len(done) :]:
        cl.evidence = f"not decided: {why} (--time-limit bounds the whole audit)"
        done.append(cl.to_json())
    out = dict(last) if last else {"expr": str(e), "fstar": None, "fstar_certified": False, "fstar_how": f"not decided: {why}"}
    out.update(claims=done, stopped=why, time_s=round(time.monotonic() - t0, 3))
    return out


def _bounded_worker(send, text, box, pl_claims, smooth_claims, time_s, progress):
    import resource
    import signal as sig

    sig.signal(sig.SIGINT, sig.SIG_IGN)  # the parent handles Ctrl-C and kills this process
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    try:
        out = audit_expr(
            text, box, pl_claims, smooth_claims, time_s, progress=progress, on_partial=lambda x: send.send(("partial", x))
        )
        send.send(("done", out))
    except InputError as e:
        send.send(("input", str(e)))
    except MemoryError:
        send.send(("memory", ""))
    except Exception as e:  # a bug: reported by the parent as an internal error
        send.send(("error", f"{type(e).__name__}: {e}"))
    finally:
        send.close()


# -- registry problems ---------------------------------------------------------------------------------------------


def problem_expr(problem):
    """The SymPy form of a registry problem, from the formula it carries (`Problem.formula`, parsed by the safe
    parser: one definition of each problem's f), or None when it has none."""
    text = problem.formula()
    return None if text is None else parse_expr(text, f"{problem.name} formula")


def audit_problem(problem, box=None, pl_claims=(), smooth_claims=(), time_s=TIME_LIMIT):
    """A registry problem: the 1-D ones through their SymPy form (certificates and witnesses); the others by
    refutation on the problem's own value/gradient/Hessian, witnesses re-checked in 50-digit arithmetic where the
    problem evaluates on mpmath numbers."""
    e = problem_expr(problem)
    if e is not None:
        out = audit_expr_bounded(e, box, pl_claims, smooth_claims, time_s)
        out["problem"] = problem.name
        return out
    pl, sm = _exact_constants(pl_claims, smooth_claims)
    return _audit_numeric(problem, box, pl, sm)


def _mp_value_grad(problem, x):
    """f and grad f at x in 50-digit arithmetic, by running the problem's NumPy code on mpmath numbers."""
    with mpmath.workdps(50):
        X = np.array([[mpmath.mpf(sp.Rational(repr(float(t))).p) / sp.Rational(repr(float(t))).q for t in x]], dtype=object)
        f = problem.value(X)[0]
        g = problem.grad(X)[0]
        gn = mpmath.sqrt(sum(t * t for t in g))
        return mpmath.mpf(f), gn


def _audit_numeric(problem, box, pl, sm, seed=0):
    d = problem.dim
    rng = np.random.default_rng(seed)
    lo, hi = (float(box[0]), float(box[1])) if box is not None else (-1e6, 1e6)
    f_at_min = float(problem.value(np.asarray(problem.argmin, float)[None])[0])
    fstar_upper = f_at_min  # f at a point is an upper bound of f*: a PL violation against it is one for the true f*
    center = np.asarray(problem.argmin, float)
    pts = [np.zeros((1, d)), center[None]]
    pts += [center + rng.normal(0, s, (200, d)) for s in (1e-3, 1e-1, 1, 3)]
    pts += [rng.normal(0, s, (200, d)) for s in (1e-2, 1, 10)]
    pts = np.clip(np.concatenate(pts), lo, hi)
    region = "R^d" if box is None else f"[{lo:g}, {hi:g}]^{d}"
    claims = []
    with np.errstate(all="ignore"):
        vals, grads = problem.value(pts), problem.grad(pts)
        gnorm = np.sqrt((grads * grads).sum(axis=1))
    for rho, mu in pl:
        cl = Claim("pl", None, {"rho": rho, "mu": mu}, region)
        cl.evidence = "no violation found by search; several variables: no certificate (refutation only)"
        with np.errstate(all="ignore"):
            v = -A.PL.numeric()(rho=float(rho), mu=float(mu), grad=gnorm, gap=vals - fstar_upper)
        v = np.where(np.isfinite(v), v, -np.inf)
        for i in np.argsort(v)[::-1][:5]:
            if v[i] <= 0:
                break
            try:
                fx, gx = _mp_value_grad(problem, pts[i])
                with mpmath.workdps(50):
                    r_, m_ = (mpmath.mpf(x.p) / x.q if x.is_Rational else mpmath.mpf(sp.N(x, 50)) for x in (rho, mu))
                    lb = -A.PL.numeric("mpmath")(rho=r_, mu=m_, grad=gx, gap=fx - mpmath.mpf(repr(fstar_upper)))
            except Exception:  # noqa: BLE001 - a problem without an mpmath path
                lb = None
            if lb is not None and lb > 0:
                cl.verdict, cl.witness, cl.violation = "fails", [float(t) for t in pts[i]], float(lb)
                cl.evidence = (
                    f"at the witness (||grad f|| = {float(gx):.3g}) f - f(argmin) exceeds |grad f|^rho/(2 mu) by "
                    f"{float(lb):.3g} (50-digit re-check; f* <= f(argmin))"
                )
                cl.certificate = "witness inside the region" + (
                    "; a stationary point that is not a minimizer" if float(gx) < 1e-30 else ""
                )
                break
        claims.append(cl.to_json())
    for form, L0, L1, al in sm:
        cl = Claim("smooth", form, {"L0": L0, "L1": L1, "alpha": al}, region)
        cl.evidence = "several variables: not audited for smoothness (see the empirical scatter, --plot)"
        claims.append(cl.to_json())
    return {
        "problem": problem.name,
        "fstar": problem.fstar,
        "fstar_certified": False,
        "fstar_how": f"f* = {problem.fstar:.10g} ({problem.fstar_status}); used only as an upper bound",
        "argmin": np.asarray(problem.argmin).tolist(),
        "stationary_points": None,
        "rho_range": None,
        "alpha_min": None,
        "claims": claims,
        "certificates": problem.certify().to_json(),
    }


def smoothness_scatter(problem, optimizer="gd", gamma=1e-3, iters=2000, seed=0, w0=None):
    """Empirical local smoothness ||grad f(x) - grad f(y)|| / ||x - y|| against ||grad f(x)|| along a trajectory
    (as in Zhang et al. 2019), with the frontier L ~ L0 + L1 g^alpha fitted to the upper envelope. Empirical:
    a scatter cannot certify anything."""
    from insgd.numerics.engine import run

    w0 = np.ones(problem.dim) * 2.0 if w0 is None else np.asarray(w0, float)
    tr = run(problem, optimizer, w0, iters, [seed], {"gamma": gamma}, n_checkpoints=iters + 1)
    pts = []
    x = w0[None]
    for _ in range(min(iters, 400)):
        g = problem.grad(x)
        y = x - gamma * g
        gy = problem.grad(y)
        d = np.linalg.norm(y - x)
        if d == 0 or not np.isfinite(d):
            break
        pts.append((float(np.linalg.norm(g)), float(np.linalg.norm(gy - g) / d)))
        x = y
    pts = np.array([p for p in pts if np.isfinite(p).all() and p[0] > 0])
    frontier = None
    if len(pts) >= 5:
        big = pts[pts[:, 0] > np.median(pts[:, 0])]
        if len(big) >= 3 and np.ptp(np.log(big[:, 0])) > 0:
            slope = np.polyfit(np.log(big[:, 0]), np.log(big[:, 1]), 1)[0]
            frontier = {"alpha_empirical": float(slope), "L0_empirical": float(pts[:, 1].min())}
    return {
        "points": pts.tolist(),
        "frontier": frontier,
        "label": "empirical (not certified)",
        "trajectory_final_gap": float(tr.gap[0, -1]),
    }


def plot_scatter(sc, path, title=""):
    from insgd.verify.figures import figure, save

    p = np.array(sc["points"])
    fig, ax = figure(width=5, height=4)
    if len(p):
        ax.loglog(p[:, 0], p[:, 1], ".", ms=3)
    fr = sc["frontier"]
    ax.set(
        xlabel="||grad f||",
        ylabel="local smoothness",
        title=f"{title} (empirical)" + (f": alpha ~ {fr['alpha_empirical']:.2f}" if fr else ""),
    )
    save(fig, path)


# -- several variables: refutation only --------------------------------------------------------------------------


def audit_nd(expr, syms, box=None, pl_claims=(), smooth_claims=(), seed=0):
    """f(w0, ..., w_{d-1}): f* estimated by local minimization from many starts (f at the best point is an upper
    bound of the true f*, so a PL violation against it is a violation for the true f* too), then a search for
    violations of each claim, witnesses inside the box re-checked in 60-digit interval arithmetic. No
    certificate in several variables: claims not refuted are `unknown`."""
    d = len(syms)
    mods = [{"sign": np.sign, "Abs": np.abs}, "numpy"]
    f_np = sp.lambdify([syms], expr, mods)
    grad = [sp.diff(expr, s) for s in syms]
    g_np = sp.lambdify([syms], grad, mods)
    hess = sp.hessian(expr, syms)
    h_np = sp.lambdify([syms], hess, mods)
    rng = np.random.default_rng(seed)
    lo, hi = (float(box[0]), float(box[1])) if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS)
    best = None
    with np.errstate(all="ignore"):
        for x0 in rng.uniform(max(lo, -3), min(hi, 3), (20, d)):
            try:
                res = optimize.minimize(
                    lambda x: float(f_np(x)),
                    x0,
                    jac=lambda x: np.asarray(g_np(x), float),
                    method="L-BFGS-B",
                    bounds=[(lo, hi)] * d,
                )
            except (ValueError, TypeError, OverflowError):
                continue
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
    if best is None:
        raise InputError("f could not be evaluated (not finite) at any start point")
    xstar = [sp.Rational(repr(float(t))) for t in np.clip(best.x, lo, hi)]
    fstar_upper = expr.subs(dict(zip(syms, xstar, strict=True)))
    pts = np.concatenate(
        [rng.normal(0, s, (400, d)) for s in (1e-3, 1e-1, 1, 3, 10)]
        + [np.zeros((1, d))]
        + [best.x + rng.normal(0, s, (200, d)) for s in (1e-6, 1e-3, 1e-1)]
    )
    pts = np.clip(pts, lo, hi)
    fs = float(sp.N(fstar_upper, 30))

    def viol(kind, c, x):
        g = np.asarray(g_np(x), float)
        if kind == "pl":
            return -A.PL.numeric()(rho=float(c["rho"]), mu=float(c["mu"]), grad=np.linalg.norm(g), gap=f_np(x) - fs)
        return -A.SMOOTH_HESSIAN.numeric()(
            L0=float(c["L0"]),
            L1=float(c["L1"]),
            alpha=float(c["alpha"]),
            hess=np.linalg.norm(np.asarray(h_np(x), float), 2),
            grad=np.linalg.norm(g),
        )

    def exact(kind, c, x):
        """Rigorous lower bound of the violation at the exact rational point x (60-digit intervals)."""
        env = {s: point(sp.Rational(repr(float(v)))) for s, v in zip(syms, x, strict=True)}

        def compute():
            gi = [ieval(gk, env) for gk in grad]
            gn = iv.sqrt(sum((t * t for t in gi), iv.mpf(0)))
            if kind == "pl":  # the residual with the norms left as symbols, evaluated on their intervals
                res = A.PL.residual(rho=c["rho"], mu=c["mu"], grad=A.KEYWORDS["grad"], gap=A.KEYWORDS["gap"])
                return -ieval(res, {A.KEYWORDS["grad"]: gn, A.KEYWORDS["gap"]: ieval(expr - fstar_upper, env)})
            Hm = [[ieval(hess[i, j], env) for j in range(d)] for i in range(d)]
            frob_lo = iv.sqrt(sum((iabs(Hm[i][j]) ** 2 for i in range(d) for j in range(d)), iv.mpf(0)))
            hn = frob_lo / iv.sqrt(iv.mpf(d))  # ||H||_2 >= ||H||_F / sqrt(d): a rigorous lower bound
            res = A.SMOOTH_HESSIAN.residual(
                L0=c["L0"], L1=c["L1"], alpha=c["alpha"], hess=A.KEYWORDS["hess"], grad=A.KEYWORDS["grad"]
            )
            return -ieval(res, {A.KEYWORDS["hess"]: hn, A.KEYWORDS["grad"]: gn})

        return rigorous_lower(compute)

    claims = []
    region = "R^d" if box is None else f"[{lo:g}, {hi:g}]^{d}"
    todo = [("pl", None, {"rho": r, "mu": m}) for r, m in pl_claims]
    for form, L0, L1, al in smooth_claims:
        todo.append(("smooth", form, {"L0": L0, "L1": L1, "alpha": al}))
    for kind, form, c in todo:
        cl = Claim(kind, form, c, region)
        if kind == "smooth" and form != "hessian":
            cl.evidence = "several variables: only the Hessian form and PL are searched"
            claims.append(cl.to_json())
            continue
        with np.errstate(all="ignore"):
            v = np.array([viol(kind, c, x) for x in pts])
            v = np.where(np.isfinite(v), v, -np.inf)
            for i in np.argsort(v)[::-1][:5]:
                cands = [pts[i]]
                with contextlib.suppress(Exception):
                    res = optimize.minimize(
                        lambda x, k=kind, cc=c: -viol(k, cc, np.clip(x, lo, hi)),
                        pts[i],
                        method="Nelder-Mead",
                        options={"maxiter": 400, "xatol": 1e-10, "fatol": 1e-14},
                    )
                    cands.insert(0, np.clip(res.x, lo, hi))
                for cand in cands:
                    lb = exact(kind, c, cand) if viol(kind, c, cand) > 0 else None
                    if lb is not None and lb > 0:
                        cl.verdict, cl.witness, cl.violation = "fails", [float(t) for t in cand], float(lb)
                        cl.evidence = f"violation >= {float(lb):.3g} at the witness (60-digit intervals" + (
                            "; f* <= f at the best point found)" if kind == "pl" else ")"
                        )
                        cl.certificate = "witness inside the region"
                        break
                if cl.verdict == "fails":
                    break
        if cl.verdict != "fails":
            cl.evidence = "no violation found by search; no certificate in several variables"
        claims.append(cl.to_json())
    return {
        "expr": str(expr),
        "fstar": fs,
        "fstar_certified": False,
        "fstar_how": "estimated by local minimization from 20 starts (an upper bound of f*)",
        "argmin": best.x.tolist(),
        "stationary_points": None,
        "rho_range": None,
        "alpha_min": None,
        "claims": claims,
    }
