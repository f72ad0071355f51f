r"""The assumption auditor: does a function satisfy Assumption 1 (each form) and Assumption 2, with which
constants? Verdicts are `holds` (certified), `fails` (a witness, re-checked at 50 digits) or `unknown`.

Soundness first: `holds` comes only from interval arithmetic (mpmath.iv, outward rounding) over a finite
cover of the region; `fails` only from a witness whose violation survives a 50-digit re-evaluation.

Scope (1-D expressions f(w); several variables and registry problems get the refutation search only):
* PL |f'|^rho/(2 mu) >= f - f* and the Hessian form |f''| <= L0 + L1 |f'|^alpha: on a box by bisection;
  near a rational minimizer w* of a polynomial, where both PL sides vanish, on (E)/h^2 with h = w - w*
  (p = f'(w* + h)/h and q = (f(w* + h) - f*)/h^2 are polynomials); on all of R (no box) for polynomials,
  with the tails |w| >= R mapped to u = 1/w in [-1/R, 1/R] and scaled by |u|^n (n = deg f), which makes them
  polynomial in u.
* literal and segment forms on a box: the sufficient condition sup_{hull} |f''| <= L0 + L1 m^alpha, with m a
  lower bound of |f'(w')| (literal) or of max(|f'(w)|, |f'(w')|) (segment), over 2-D boxes (w, w').
"""

import math
from dataclasses import asdict, dataclass, field

import mpmath
import numpy as np
import sympy as sp
from mpmath import iv
from scipy import optimize

from theory.numbers import InputError
from verify.intervals import Unsupported, ieval

W = sp.Symbol("w", real=True)
H = sp.Symbol("h", real=True)
U = sp.Symbol("u", real=True)
BUDGET = 20_000  # boxes per certification
SEARCH_RADIUS = 30.0  # refutation search range for global claims (|w| <= this)


@dataclass
class Claim:
    kind: str  # "pl" or "smooth"
    form: str | None  # literal, segment, hessian (smooth)
    constants: dict
    region: str
    verdict: str = "unknown"
    witness: list | None = None
    evidence: str = ""

    def to_json(self):
        return asdict(self)


def parse(text: str):
    """A SymPy expression in w (or w0, w1, ...)."""
    names = {"w": W, "exp": sp.exp, "log": sp.log, "cosh": sp.cosh, "sinh": sp.sinh, "sqrt": sp.sqrt, "Abs": sp.Abs}
    try:
        e = sp.sympify(text, locals=names)
    except (sp.SympifyError, SyntaxError, TypeError, ValueError):
        raise InputError(f"expr must be a SymPy expression in w, got {text!r} (could not parse it)") from None
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    if not syms or any(not s.name.startswith("w") for s in syms):
        raise InputError(f"expr must use the variable w (or w0, w1, ...), got symbols {syms}")
    if syms != [W]:
        syms = [sp.Symbol(s.name, real=True) for s in syms]
        e = e.subs({s: sp.Symbol(s.name, real=True) for s in e.free_symbols})
    return e, syms


@dataclass
class Audit1D:
    """Facts about a 1-D f: f*, minimizers, stationary points, and claim checks."""

    f: sp.Expr
    fstar: sp.Expr = None
    argmin: list = field(default_factory=list)
    stationary: list = field(default_factory=list)
    polynomial: bool = False

    def __post_init__(self):
        self.df, self.d2f = sp.diff(self.f, W), sp.diff(self.f, W, 2)
        self.polynomial = self.f.is_polynomial(W)
        self._num = {k: sp.lambdify(W, e, "numpy") for k, e in (("f", self.f), ("df", self.df), ("d2f", self.d2f))}
        self._find_stationary()

    # -- stationary points and f* ------------------------------------------------------------------
    def _find_stationary(self):
        if self.polynomial:
            pts = [r for r in sp.Poly(self.df, W).real_roots()] if sp.degree(self.df, W) > 0 else []
        else:
            xs = np.linspace(-SEARCH_RADIUS, SEARCH_RADIUS, 60001)
            with np.errstate(all="ignore"):
                d = self._num["df"](xs) * np.ones_like(xs)
            pts = []
            for i in np.nonzero(np.sign(d[:-1]) * np.sign(d[1:]) <= 0)[0]:
                try:
                    r = mpmath.findroot(lambda x: float(self.df.subs(W, x)), (xs[i], xs[i + 1]), solver="anderson")
                    pts.append(sp.nsimplify(float(r), tolerance=1e-12, rational=True))
                except (ValueError, ZeroDivisionError, mpmath.libmp.NoConvergence):
                    continue
            pts = sorted(set(pts))
        vals = [(p, self.f.subs(W, p)) for p in pts]
        lim = [sp.limit(self.f, W, s) for s in (sp.oo, -sp.oo)]
        if any(v == -sp.oo for v in lim):
            raise InputError("f is unbounded below: Assumption 1 needs f* > -infinity")
        self.stationary = [p for p, _ in vals]
        if not vals:
            self.fstar = min(lim)
            self.argmin = []
            return
        fmin = min((v for _, v in vals), key=lambda v: float(sp.N(v, 30)))
        inf_lims = [v for v in lim if v.is_finite]
        if inf_lims and float(sp.N(min(inf_lims))) < float(sp.N(fmin)):
            self.fstar, self.argmin = min(inf_lims), []
        else:
            self.fstar = fmin
            self.argmin = [p for p, v in vals if abs(float(sp.N(v - fmin, 30))) < 1e-25]

    def to_json(self):
        return {"fstar": _num(self.fstar), "argmin": [_num(p) for p in self.argmin],
                "stationary_points": [_num(p) for p in self.stationary], "polynomial": self.polynomial}

    # -- the inequalities as 'E >= 0' ---------------------------------------------------------------
    def pl_expr(self, rho, mu):
        return sp.Abs(self.df) ** rho / (2 * mu) - (self.f - self.fstar)

    def hess_expr(self, L0, L1, alpha):
        return L0 + L1 * sp.Abs(self.df) ** alpha - sp.Abs(self.d2f)

    def violation(self, kind, c):
        """A numeric function of w whose positive values violate the claim (for the search)."""
        f, df, d2f = self._num["f"], self._num["df"], self._num["d2f"]
        fs = float(sp.N(self.fstar))
        if kind == "pl":
            return lambda x: (f(x) - fs) - np.abs(df(x)) ** c["rho"] / (2 * c["mu"])
        return lambda x: np.abs(d2f(x)) - (c["L0"] + c["L1"] * np.abs(df(x)) ** c["alpha"])


def _num(x):
    v = float(sp.N(x, 20))
    return v if math.isfinite(v) else str(x)


# -- refutation --------------------------------------------------------------------------------------

def refute(audit, kind, c, box, form="hessian"):
    """Search for a violation: a dense log/linear grid, then local maximization; re-check at 50 digits."""
    with np.errstate(all="ignore"):
        return _refute(audit, kind, c, box, form)


def _refute(audit, kind, c, box, form):
    if box is None:  # all of R: a linear grid near the origin and a geometric one far out
        far = np.geomspace(SEARCH_RADIUS, 1e8, 3000)
        return _refute(audit, kind, c, (-SEARCH_RADIUS, SEARCH_RADIUS), form) or \
            _refute_points(audit, kind, c, np.concatenate([far, -far]), (-1e8, 1e8))
    a, b = box
    xs = np.unique(np.concatenate([np.linspace(a, b, 20001), np.sign(np.linspace(-1, 1, 4001)) *
                                   np.geomspace(1e-8, max(abs(a), abs(b)), 4001)]))
    xs = xs[(xs >= a) & (xs <= b)]
    for p in audit.argmin:  # near a minimizer both PL sides vanish: probe at tiny distances
        pf = float(sp.N(p))
        xs = np.concatenate([xs, pf + np.geomspace(1e-9, 1e-1, 400), pf - np.geomspace(1e-9, 1e-1, 400)])
    if kind == "smooth" and form in ("literal", "segment"):
        return _refute_pairs(audit, c, box, form)
    return _refute_points(audit, kind, c, xs, box)


def _refute_points(audit, kind, c, xs, box):
    a, b = box
    v = audit.violation(kind, c)
    with np.errstate(all="ignore"):
        vals = v(xs)
    vals = np.where(np.isfinite(vals), vals, -np.inf)
    order = np.argsort(vals)[::-1][:5]
    for i in order:
        x0 = xs[i]
        res = optimize.minimize_scalar(lambda x: -v(np.array([x]))[0] if np.isfinite(v(np.array([x]))[0]) else np.inf,
                                       bounds=(max(a, x0 - 1e-2 * (1 + abs(x0))), min(b, x0 + 1e-2 * (1 + abs(x0)))),
                                       method="bounded")
        for cand in (res.x, x0):
            if _exact_violation(audit, kind, c, cand):
                return [float(cand)]
    return None


def _exact_violation(audit, kind, c, x):
    e = audit.pl_expr(c["rho"], c["mu"]) if kind == "pl" else audit.hess_expr(c["L0"], c["L1"], c["alpha"])
    with mpmath.workdps(50):
        try:
            val = sp.N(e.subs(W, sp.Rational(repr(float(x)))), 50)
        except (TypeError, ValueError):
            return False
    return bool(val.is_real and val < 0)


def _refute_pairs(audit, c, box, form):
    """Literal/segment forms: pairs (w, w') including w' at stationary points, and random pairs."""
    a, b = box
    rng = np.random.default_rng(0)
    ws = np.concatenate([np.linspace(a, b, 2001), rng.uniform(a, b, 2000)])
    anchors = [float(sp.N(p)) for p in audit.stationary if a <= float(sp.N(p)) <= b] + list(rng.uniform(a, b, 30))
    df = audit._num["df"]
    for wp in anchors:
        w = ws[ws != wp]
        with np.errstate(all="ignore"):
            lhs = np.abs(df(w) - df(wp))
            if form == "literal":
                ref = np.abs(df(wp)) * np.ones_like(w)
            else:
                ref = np.max([np.abs(df(wp + s * (w - wp))) for s in np.linspace(0, 1, 33)], axis=0)
            rhs = (c["L0"] + c["L1"] * ref ** c["alpha"]) * np.abs(w - wp)
        bad = np.nonzero(np.isfinite(lhs) & (lhs > rhs * (1 + 1e-9)))[0]
        if len(bad):
            x = w[bad[np.argmax((lhs - rhs)[bad])]]
            if _pair_violation(audit, c, x, wp, form):
                return [float(x), float(wp)]
    return None


def _pair_violation(audit, c, x, xp, form):
    with mpmath.workdps(50):
        X, XP = sp.Rational(repr(float(x))), sp.Rational(repr(float(xp)))
        lhs = sp.Abs(audit.df.subs(W, X) - audit.df.subs(W, XP))
        if form == "literal":
            ref = sp.Abs(audit.df.subs(W, XP))
        else:
            ss = [sp.Rational(k, 64) for k in range(65)]  # a lower bound of the max over the segment
            ref = max(sp.N(sp.Abs(audit.df.subs(W, XP + s * (X - XP))), 50) for s in ss)
        rhs = (c["L0"] + c["L1"] * ref ** c["alpha"]) * sp.Abs(X - XP)
        return bool(sp.N(lhs - rhs, 50) > 0)


# -- certification -----------------------------------------------------------------------------------

def _cover(E, var, a, b, budget):
    """Bisection: True if E >= 0 is certified on [a, b] (a finite cover), False if some box has E < 0 for sure,
    None when the budget runs out."""
    stack = [(a, b)]
    n = 0
    while stack:
        lo, hi = stack.pop()
        n += 1
        if n > budget:
            return None
        try:
            val = ieval(E, {var: iv.mpf([lo, hi])})
        except (Unsupported, ZeroDivisionError, ValueError):
            val = None
        if val is not None and val.a >= 0:
            continue
        if val is not None and val.b < 0:
            return False
        if hi - lo < 1e-12 * (1 + abs(lo)):
            return None
        mid = lo + (hi - lo) / 2
        stack += [(lo, mid), (mid, hi)]
    return True


def exact_polynomial_pl(audit, rho, mu):
    """PL on all of R for a polynomial f with rational f*, an even integer rho and a rational mu: then
    E = f'^rho/(2 mu) - (f - f*) is a polynomial with rational coefficients, and E >= 0 on R is settled exactly by
    real-root isolation (the sign of E at a rational point in each gap between consecutive real roots).
    Returns (True, None), (False, witness) or None when the case does not apply."""
    if not (audit.polynomial and audit.fstar.is_Rational and rho.is_Integer and int(rho) % 2 == 0 and mu.is_Rational):
        return None
    E = sp.Poly(sp.expand(audit.df**rho / (2 * mu) - (audit.f - audit.fstar)), W)
    if E.is_zero:
        return True, None
    roots = sorted(set(E.real_roots()), key=lambda r: float(sp.N(r, 30)))
    pts = []
    if not roots:
        pts = [sp.Integer(0)]
    else:
        lo = [sp.floor(sp.N(r, 30)) for r in roots]
        pts.append(lo[0] - 1)
        for r0, r1 in zip(roots, roots[1:], strict=False):
            pts.append(sp.nsimplify((sp.N(r0, 40) + sp.N(r1, 40)) / 2, rational=True))
        pts.append(sp.ceiling(sp.N(roots[-1], 30)) + 1)
    for x in pts:
        if E.eval(x) < 0:
            return False, [float(x)]
    return True, None


def certify_pl(audit, rho, mu, box=None, budget=BUDGET):
    """True if certified, None if not established (never False: refutation is the search's job)."""
    rho, mu = sp.nsimplify(rho), sp.nsimplify(mu)
    if box is None:
        ex = exact_polynomial_pl(audit, rho, mu)
        if ex is not None:
            return True if ex[0] else None
    E = audit.pl_expr(rho, mu)
    pieces, near = _pieces(audit, box)
    for a, b in pieces:
        if _cover(E, W, a, b, budget) is not True:
            return None
    for p, r0 in near:  # (E)/h^2 around a rational minimizer, where both sides of PL vanish
        pp = sp.simplify((audit.df.subs(W, p + H)) / H)
        q = sp.simplify((audit.f.subs(W, p + H) - audit.fstar) / H**2)
        if any(x.subs(H, 0).has(sp.nan, sp.zoo, sp.oo) for x in (pp, q)):
            return None  # no finite rewrite: leave it unknown
        Er = sp.Abs(pp) ** rho * sp.Abs(H) ** (rho - 2) / (2 * mu) - q
        for a, b in ((-float(r0), 0.0), (0.0, float(r0))):
            if _cover(Er, H, a, b, budget) is not True:
                return None
    if box is None:
        return _tails(audit, "pl", (rho, mu), budget)
    return True


def certify_hessian(audit, L0, L1, alpha, box=None, budget=BUDGET):
    E = audit.hess_expr(sp.nsimplify(L0), sp.nsimplify(L1), sp.nsimplify(alpha))
    pieces, _ = _pieces(audit, box, exclude_minimizers=False)
    for a, b in pieces:
        if _cover(E, W, a, b, budget) is not True:
            return None
    if box is None:
        return _tails(audit, "hessian", (sp.nsimplify(L0), sp.nsimplify(L1), sp.nsimplify(alpha)), budget)
    return True


TAIL_R = 8.0


def _pieces(audit, box, exclude_minimizers=True):
    a, b = box if box is not None else (-TAIL_R, TAIL_R)
    near = []
    cuts = []
    if exclude_minimizers:
        for p in audit.argmin:
            if p.is_Rational and a < p < b:
                r0 = min(sp.Rational(1, 16), (p - a) / 2, (b - p) / 2)
                near.append((p, r0))
                cuts.append((float(p - r0), float(p + r0)))
    pieces, lo = [], a
    for c0, c1 in sorted(cuts):
        pieces.append((lo, c0))
        lo = c1
    pieces.append((lo, b))
    return [(float(x), float(y)) for x, y in pieces if y > x], near


def _u_polys(audit):
    """n = deg f and the polynomials P1 = f'(1/u) u^(n-1), P2 = f''(1/u) u^(n-2), Q = (f(1/u) - f*) u^n."""
    n = sp.degree(audit.f, W)
    P1 = sp.expand(sp.cancel(audit.df.subs(W, 1 / U) * U ** (n - 1)))
    P2 = sp.expand(sp.cancel(audit.d2f.subs(W, 1 / U) * U ** (n - 2)))
    Q = sp.expand(sp.cancel((audit.f.subs(W, 1 / U) - audit.fstar) * U**n))
    return n, P1, P2, Q


def _tail_expr(audit, kind, c):
    """E(1/u) |u|^k for |w| >= R, with k the largest growth degree among E's terms: only non-negative powers
    of |u| remain (continuous at u = 0). f bounded below has even degree, so u^n = |u|^n."""
    n, P1, P2, Q = _u_polys(audit)
    au = sp.Abs(U)
    if kind == "pl":
        rho, mu = c
        k = max((n - 1) * rho, n)
        return sp.Abs(P1) ** rho * au ** (k - (n - 1) * rho) / (2 * mu) - Q * au ** (k - n)
    L0, L1, al = c
    k = max((n - 1) * al, n - 2)
    return L0 * au**k + L1 * sp.Abs(P1) ** al * au ** (k - (n - 1) * al) - sp.Abs(P2) * au ** (k - (n - 2))


def _tails(audit, kind, c, budget):
    """The tails |w| >= TAIL_R of a polynomial f, covered by intervals in u = 1/w on [-1/R, 1/R]."""
    if not audit.polynomial or sp.degree(audit.f, W) < 2:
        return None
    Eu = _tail_expr(audit, kind, c)
    r = 1 / TAIL_R
    for a, b in ((-r, 0.0), (0.0, r)):
        if _cover(Eu, U, a, b, budget) is not True:
            return None
    return True


def certify_pair_form(audit, form, L0, L1, alpha, box, budget=BUDGET):
    """Literal/segment forms on a box, by the sufficient condition over 2-D boxes (w in I, w' in J):
    sup_{hull(I, J)} |f''| <= L0 + L1 m^alpha, m = inf |f'(J)| (literal) or max(inf|f'(I)|, inf|f'(J)|) (segment)."""
    a, b = box
    L0, L1, al = sp.nsimplify(L0), sp.nsimplify(L1), sp.nsimplify(alpha)
    adf, ad2f = sp.Abs(audit.df), sp.Abs(audit.d2f)
    stack = [((a, b), (a, b))]
    n = 0
    while stack:
        (i0, i1), (j0, j1) = stack.pop()
        n += 1
        if n > budget:
            return None
        try:
            hull = iv.mpf([min(i0, j0), max(i1, j1)])
            sup = ieval(ad2f, {W: hull}).b
            m = ieval(adf, {W: iv.mpf([j0, j1])}).a
            if form == "segment":
                m = max(m, ieval(adf, {W: iv.mpf([i0, i1])}).a)
            rhs = (iv.mpf(float(L0)) + iv.mpf(float(L1)) * iv.mpf(m) ** iv.mpf(float(al))).a
        except (Unsupported, ValueError, ZeroDivisionError):
            return None
        if sup <= rhs:
            continue
        if max(i1 - i0, j1 - j0) < 1e-6:
            return None
        if i1 - i0 >= j1 - j0:
            mid = (i0 + i1) / 2
            stack += [((i0, mid), (j0, j1)), ((mid, i1), (j0, j1))]
        else:
            mid = (j0 + j1) / 2
            stack += [((i0, i1), (j0, mid)), ((i0, i1), (mid, j1))]
    return True


# -- the claims ----------------------------------------------------------------------------------------

def check_claim(audit, claim: Claim, box=None) -> Claim:
    c = claim.constants
    if claim.kind == "pl":
        w = refute(audit, "pl", c, box)
    elif claim.form == "hessian":
        w = refute(audit, "smooth", c, box)
    else:
        w = refute(audit, "smooth", c, box if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS), form=claim.form)
    if w is not None:
        claim.verdict, claim.witness = "fails", w
        claim.evidence = "violation found by search, re-checked at 50 digits"
        return claim
    try:
        if claim.kind == "pl":
            ok = certify_pl(audit, c["rho"], c["mu"], box)
        elif claim.form == "hessian":
            ok = certify_hessian(audit, c["L0"], c["L1"], c["alpha"], box)
        elif box is not None:
            ok = certify_pair_form(audit, claim.form, c["L0"], c["L1"], c["alpha"], box)
        else:
            ok = None
    except (Unsupported, InputError):
        ok = None
    if ok:
        claim.verdict = "holds"
        claim.evidence = ("interval arithmetic on a finite cover" + ("" if box is not None else
                          f" of [-{TAIL_R:g}, {TAIL_R:g}] and of the tails |w| >= {TAIL_R:g} via u = 1/w"))
    else:
        claim.verdict = "unknown"
        claim.evidence = "no violation found (search) and no certificate (interval cover) within the budget"
    return claim


def rho_range(audit):
    """Admissible rho for PL (1-D): near the minimizer f - f* ~ c|h|^k gives rho <= k/(k-1); at infinity the
    growth of |f'| against f - f* gives the lower end (limits by SymPy)."""
    if not audit.argmin:
        return None
    if any(p not in audit.argmin and audit.f.subs(W, p) != audit.fstar for p in audit.stationary):
        return {"empty": True, "why": "a non-minimizing stationary point refutes PL for every rho"}
    p = audit.argmin[0]
    g = sp.expand(audit.f.subs(W, p + H) - audit.fstar)
    lead = sp.series(g, H, 0, 12).removeO()
    k = min((t.as_coeff_exponent(H)[1] for t in sp.Add.make_args(lead) if t.has(H)), default=None)
    hi = k / (k - 1) if k is not None and k > 1 else None
    lo = None
    lx = sp.Symbol("x", positive=True)
    exps = []
    for s in (1, -1):
        num = sp.log(sp.Abs(audit.df.subs(W, s * lx)))
        den = sp.log(audit.f.subs(W, s * lx) - audit.fstar)
        try:
            r = sp.limit(den / num, lx, sp.oo)
        except (NotImplementedError, ValueError):
            r = None
        exps.append(r)
    if all(r is not None and r.is_finite for r in exps):
        lo = max(exps)
    return {"lo": _num(lo) if lo is not None else None, "hi": _num(hi) if hi is not None else None,
            "how": "local order k of f - f* at the minimizer (rho <= k/(k-1)); lim log(f-f*)/log|f'| at infinity"}


def alpha_min(audit):
    """Smallest alpha for the Hessian form globally: lim sup log|f''| / log|f'| as |w| -> oo (None if > 1)."""
    x = sp.Symbol("x", positive=True)
    vals = []
    for s in (1, -1):
        try:
            vals.append(sp.limit(sp.log(sp.Abs(audit.d2f.subs(W, s * x))) / sp.log(sp.Abs(audit.df.subs(W, s * x))),
                                 x, sp.oo))
        except (NotImplementedError, ValueError):
            return None
    a = max(vals)
    if not a.is_finite:
        return None
    if a > 1:
        return {"alpha_min": None, "why": "|f''| grows faster than |f'|: no alpha <= 1 works globally"}
    if a == 1:  # the exponent limit is 1: alpha = 1 works only if |f''|/|f'| stays bounded
        r = [sp.limit(sp.Abs(audit.d2f.subs(W, s * x)) / sp.Abs(audit.df.subs(W, s * x)), x, sp.oo) for s in (1, -1)]
        if any(not v.is_finite for v in r):
            return {"alpha_min": None, "why": "|f''|/|f'| is unbounded: no alpha <= 1 works globally"}
    return {"alpha_min": _num(a), "why": "lim log|f''| / log|f'| as |w| -> infinity"}


def smallest_L0(audit, L1, alpha, box=None):
    """Smallest L0 with |f''| <= L0 + L1 |f'|^alpha on the region: sup of |f''| - L1 |f'|^alpha (numerical: a
    dense grid plus local refinement; check the result with a claim for a certificate)."""
    a, b = box if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS)
    cusps = [float(sp.N(p)) for p in audit.stationary]  # |f'|^alpha has cusps where f' = 0: include them
    xs = np.unique(np.concatenate([np.linspace(a, b, 400001), [c for c in cusps if a <= c <= b]]))
    with np.errstate(all="ignore"):
        g = lambda x: np.abs(audit._num["d2f"](x)) - L1 * np.abs(audit._num["df"](x)) ** alpha  # noqa: E731
        v = g(xs)
        v = np.where(np.isfinite(v), v, -np.inf)
        i = int(np.argmax(v))
        res = optimize.minimize_scalar(lambda x: -g(np.array([x]))[0], bounds=(xs[max(i - 1, 0)], xs[min(i + 1, len(xs) - 1)]),
                                       method="bounded", options={"xatol": 1e-13})
    top = max(float(v[i]), float(-res.fun))
    if box is None and i in (0, len(xs) - 1):
        return None  # the sup is not attained inside the search range: no finite L0 here
    return top


def best_mu(audit, rho, box=None):
    """Largest mu for a given rho: inf of |f'|^rho / (2 (f - f*)) (numerical)."""
    a, b = box if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS)
    xs = np.concatenate([np.linspace(a, b, 200001)] + [float(sp.N(p)) + s * np.geomspace(1e-8, 1, 2000)
                                                      for p in audit.argmin for s in (-1, 1)])
    xs = xs[(xs >= a) & (xs <= b)]
    fs = float(sp.N(audit.fstar))
    with np.errstate(all="ignore"):
        gap = audit._num["f"](xs) - fs
        r = np.abs(audit._num["df"](xs)) ** rho / (2 * gap)
    r = r[np.isfinite(r) & (gap > 1e-300)]
    return float(r.min()) if len(r) else None


def audit_expr(text, box=None, pl_claims=(), smooth_claims=()) -> dict:
    e, syms = parse(text) if isinstance(text, str) else (text, [W])
    if len(syms) > 1:
        return audit_nd(e, syms, box, pl_claims, smooth_claims)
    a = Audit1D(e)
    if box is not None and not box[0] < box[1]:
        raise InputError(f"box must be a:b with a < b, got {box}")
    region = "R" if box is None else f"[{box[0]:g}, {box[1]:g}]"
    claims = []
    for rho, mu in pl_claims:
        if not (rho > 0 and mu > 0):
            raise InputError(f"claim-pl needs rho > 0 and mu > 0, got {rho}, {mu}")
        claims.append(check_claim(a, Claim("pl", None, {"rho": rho, "mu": mu}, region), box))
    for form, L0, L1, al in smooth_claims:
        if form not in ("literal", "segment", "hessian"):
            raise InputError(f"claim-smooth FORM must be literal, segment or hessian, got {form!r}")
        if not (L0 > 0 and L1 >= 0 and 0 <= al <= 1):
            raise InputError(f"claim-smooth needs L0 > 0, L1 >= 0, 0 <= alpha <= 1, got {L0}, {L1}, {al}")
        claims.append(check_claim(a, Claim("smooth", form, {"L0": L0, "L1": L1, "alpha": al}, region), box))
    rr = rho_range(a)
    out = {"expr": str(e), **a.to_json(), "rho_range": rr, "alpha_min": alpha_min(a),
           "claims": [c.to_json() for c in claims]}
    if rr and rr.get("hi") is not None and not isinstance(rr["hi"], str):
        out["best_mu_at_rho_hi"] = best_mu(a, rr["hi"], box)
    am = out["alpha_min"]
    if am and am.get("alpha_min") is not None:
        for form, _L0, L1, al in smooth_claims:  # the smallest L0 for each claimed (L1, alpha) of the Hessian form
            if form == "hessian":
                out.setdefault("smallest_L0", []).append({"L1": L1, "alpha": al, "L0": smallest_L0(a, L1, al, box)})
    return out


# -- registry problems ---------------------------------------------------------------------------------

SYMBOLIC = {
    "power": lambda prm: sp.Abs(W) ** sp.nsimplify(prm["p"]) if prm["dim"] == 1 else None,
    "quadratic": lambda prm: W**2 / 2 if prm["dim"] == 1 else None,
    "cosh": lambda prm: sp.cosh(W) - 1 if prm["dim"] == 1 else None,
    "paper_example1": lambda prm: W**2 / 2 * (sp.exp(W**2) - 1) + W**2 / 2,
    "paper_example2": lambda prm: W + W**2 / 2 + W**4,
}


def problem_expr(problem):
    """The SymPy form of a 1-D registry problem (None when there is none)."""
    make = SYMBOLIC.get(problem.name)
    e = make(problem.params()) if make else None
    if e is not None and problem.name == "power" and sp.nsimplify(problem.p).is_even:
        e = W ** sp.nsimplify(problem.p)
    return e


def smoothness_scatter(problem, optimizer="gd", gamma=1e-3, iters=2000, seed=0, w0=None):
    """Empirical local smoothness ||grad f(x) - grad f(y)|| / ||x - y|| against ||grad f(x)|| along a trajectory
    (as in Zhang et al. 2019), with the frontier L ~ L0 + L1 g^alpha fitted to the upper envelope. Empirical:
    a scatter cannot certify anything."""
    from numerics.engine import run

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
    return {"points": pts.tolist(), "frontier": frontier, "label": "empirical (not certified)",
            "trajectory_final_gap": float(tr.gap[0, -1])}


def plot_scatter(sc, path, title=""):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = np.array(sc["points"])
    fig, ax = plt.subplots(figsize=(5, 4))
    if len(p):
        ax.loglog(p[:, 0], p[:, 1], ".", ms=3)
    fr = sc["frontier"]
    ax.set(xlabel="||grad f||", ylabel="local smoothness", title=f"{title} (empirical)" + (
        f": alpha ~ {fr['alpha_empirical']:.2f}" if fr else ""))
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


# -- several variables: refutation only --------------------------------------------------------------

def audit_nd(expr, syms, box=None, pl_claims=(), smooth_claims=(), seed=0):
    """f(w0, ..., w_{d-1}): f* estimated by local minimization from many starts (an upper bound of the true f*,
    so a PL violation found with it is a violation for the true f* too), then a search for violations of each
    claim (random points at several scales, then local maximization), witnesses re-checked at 50 digits.
    No certificate in several variables: claims not refuted are `unknown`."""
    d = len(syms)
    f_np = sp.lambdify([syms], expr, "numpy")
    grad = [sp.diff(expr, s) for s in syms]
    g_np = sp.lambdify([syms], grad, "numpy")
    hess = sp.hessian(expr, syms)
    h_np = sp.lambdify([syms], hess, "numpy")
    rng = np.random.default_rng(seed)
    lo, hi = box if box is not None else (-SEARCH_RADIUS, SEARCH_RADIUS)
    best = None
    with np.errstate(all="ignore"):
        for x0 in rng.uniform(max(lo, -3), min(hi, 3), (20, d)):
            res = optimize.minimize(lambda x: f_np(x), x0, jac=lambda x: np.asarray(g_np(x), float),
                                    method="L-BFGS-B", bounds=[(lo, hi)] * d)
            if best is None or res.fun < best.fun:
                best = res
    fstar = float(best.fun)
    pts = np.concatenate([rng.normal(0, s, (400, d)) for s in (1e-3, 1e-1, 1, 3, 10)] +
                         [best.x + rng.normal(0, s, (200, d)) for s in (1e-6, 1e-3, 1e-1)])
    pts = np.clip(pts, lo, hi)

    def viol(kind, c, x):
        g = np.asarray(g_np(x), float)
        if kind == "pl":
            return (f_np(x) - fstar) - np.linalg.norm(g) ** c["rho"] / (2 * c["mu"])
        return np.linalg.norm(np.asarray(h_np(x), float), 2) - (c["L0"] + c["L1"] * np.linalg.norm(g) ** c["alpha"])

    def exact(kind, c, x):
        sub = {s: sp.Rational(repr(float(v))) for s, v in zip(syms, x, strict=True)}
        with mpmath.workdps(50):
            g = [sp.N(gi.subs(sub), 50) for gi in grad]
            gn = sp.sqrt(sum(v**2 for v in g))
            if kind == "pl":
                rho, mu = sp.nsimplify(c["rho"]), sp.nsimplify(c["mu"])
                val = (sp.N(expr.subs(sub), 50) - sp.Rational(repr(fstar))) - gn**rho / (2 * mu)
            else:
                Hm = mpmath.matrix([[mpmath.mpf(str(sp.N(hess[i, j].subs(sub), 50))) for j in range(d)] for i in range(d)])
                ev = mpmath.eigsy(Hm)[0]
                hn = max(abs(ev[i]) for i in range(d))
                val = sp.Float(str(hn), 50) - (sp.nsimplify(c["L0"]) + sp.nsimplify(c["L1"]) * gn ** sp.nsimplify(c["alpha"]))
        return bool(val > 0)

    claims = []
    region = "R^d" if box is None else f"[{lo:g}, {hi:g}]^{d}"
    todo = [("pl", None, {"rho": r, "mu": m}) for r, m in pl_claims]
    for form, L0, L1, al in smooth_claims:
        todo.append(("smooth", form, {"L0": L0, "L1": L1, "alpha": al}))
    for kind, form, c in todo:
        cl = Claim(kind, form, c, region)
        if kind == "smooth" and form != "hessian":
            cl.evidence = "several variables: only the Hessian form and PL are searched"
            claims.append(cl)
            continue
        with np.errstate(all="ignore"):
            v = np.array([viol(kind, c, x) for x in pts])
            v = np.where(np.isfinite(v), v, -np.inf)
            for i in np.argsort(v)[::-1][:5]:
                res = optimize.minimize(lambda x, k=kind, cc=c: -viol(k, cc, np.clip(x, lo, hi)), pts[i], method="Nelder-Mead",
                                        options={"maxiter": 400, "xatol": 1e-10, "fatol": 1e-14})
                for cand in (np.clip(res.x, lo, hi), pts[i]):
                    if viol(kind, c, cand) > 0 and exact(kind, c, cand):
                        cl.verdict, cl.witness = "fails", [float(t) for t in cand]
                        cl.evidence = "violation found by search, re-checked at 50 digits (f* estimated from above)"
                        break
                if cl.verdict == "fails":
                    break
        if cl.verdict != "fails":
            cl.evidence = "no violation found by search; no certificate in several variables"
        claims.append(cl)
    return {"expr": str(expr), "fstar": fstar, "fstar_status": "estimated (local minimization, 20 starts)",
            "argmin": best.x.tolist(), "stationary_points": None, "rho_range": None, "alpha_min": None,
            "claims": [c.to_json() for c in claims]}
