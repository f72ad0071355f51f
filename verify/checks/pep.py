r"""Worst cases of normalized gradient descent over generalized-smooth classes, computed (`insgd pep`).

A performance-estimation problem (PEP) asks for the largest Delta_N / Delta_0 that any function of a class can show
after N steps of a method. Its unknowns are the iterates, gradients and values at finitely many points; here they
are the Gram matrix G of (x_0 - x*, g_0, ..., g_N) and the values f_0..f_N (x* = 0, f* = 0, g* = 0), and the
class enters through inequalities on every pair of points.

* **Anchors** (L1 = 0): the exact interpolation conditions of L-smooth functions (Taylor, Hendrickx and Glineur
  2017, Theorem 3.10 with mu = -L) with PL at every point reproduce PEPit's gradient descent under PL (8/11 at
  L = 1, mu = 0.2, gamma = 1, which is the bound of Abbaszadehpeivasti, de Klerk and Zamani 2023, Theorem 3);
  those of L-smooth mu-strongly convex functions with the Polyak step reproduce Barre, Taylor and d'Aspremont 2020,
  Proposition 1. Both closed forms are computed here beside the SDP values.
* **NGD under Assumptions 1 and 2** (`worst_case_ngd`). For a fixed vector n of gradient norms (||g_k|| = n_k),
  the NGD step x_(k+1) = x_k - gamma g_k / n_k^beta is linear in the Gram basis, and so are Assumption 1 in its
  squared literal form ||g_i - g_j||^2 <= (L0 + L1 n_j^alpha)^2 ||x_i - x_j||^2, Lemma 1's inequality
  f_i <= f_j + <g_j, x_i - x_j> + (L0 + L1 n_j^alpha)/2 ||x_i - x_j||^2, the generalized PL inequality
  f_k <= n_k^rho / (2 mu) and f_k >= f*: for fixed n the worst case is a small SDP. These inequalities are
  necessary for membership in the class, not known to be sufficient, so an SDP value bounds the worst case from
  above for functions with these gradient norms. The worst case is the maximum over n, searched (a random
  design in log n, then Nelder-Mead from the best points): the search finds the largest value it can, it does not
  certify the maximum over every n. The class is not scale invariant, so Delta_0 is a parameter.
  `pairs="all"` imposes the inequalities on every pair of the N + 2 points (the global class); `pairs="proof"`
  only between consecutive iterates, with PL at each iterate and f_k >= f*: exactly the facts Theorem 1's proof
  uses, so it bounds what that proof can show. With the literal form globally only rho = 2 admits a non-constant
  function (theory/admissibility.py); for rho != 2 the global class is empty of interesting members, and the
  proof's local reading is the one worth computing.
* **Brackets**: verify/checks/brackets.py (certified lower bounds, Theorem 1's bound, the grid and its figure).

Solves: Clarabel through cvxpy (an open interior-point solver with native PSD cones; PEPit would add a layer, and
here the constraints change with n at every solve, so the SDP is built directly). A number comes only from a
solve with status "optimal" whose primal point passes our own check (every constraint within FEAS_TOL, G's least
eigenvalue above -FEAS_TOL); anything else is reported with its status and gives no number.
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from insgd.core import InputError

SOLVER = "CLARABEL"
FEAS_TOL = 1e-7  # our check of a returned primal point (constraint residuals, least eigenvalue of G)
GAP_TOL = 1e-8  # the solver's relative duality-gap tolerance (its stopping rule): the value's accuracy


def _cvxpy():
    try:
        import cvxpy as cp
    except ImportError:  # pragma: no cover - the extra is installed in CI
        raise InputError("insgd pep needs cvxpy and clarabel: pip install 'insgd[pep]'") from None
    return cp


@dataclass
class Solve:
    """One SDP solve: the solver's status, the value when it is trusted, and how that was checked."""

    status: str
    value: float | None  # None unless the status is optimal and the primal point passed the check
    residual: float | None = None  # the largest constraint violation of the returned point
    min_eig: float | None = None  # least eigenvalue of the returned Gram matrix
    why: str = ""

    @property
    def ok(self):
        return self.value is not None


def _solve(cp, prob, constraints, G) -> Solve:
    """Solve prob (a maximization) and trust its value only if the status is optimal and our own check passes."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an inaccurate solve is reported through its status
            prob.solve(solver=SOLVER, tol_gap_rel=GAP_TOL, tol_gap_abs=GAP_TOL, tol_feas=GAP_TOL)
    except cp.error.SolverError as e:
        return Solve("solver_error", None, why=str(e)[:200])
    if prob.status != "optimal" or prob.value is None or not math.isfinite(prob.value):
        return Solve(str(prob.status), None, why=f"status {prob.status}: no number")
    res = max((float(np.max(c.violation())) for c in constraints), default=0.0)
    eig = float(np.min(np.linalg.eigvalsh(G.value)))
    scale = max(1.0, float(np.max(np.abs(G.value))))
    if res > FEAS_TOL * scale or eig < -FEAS_TOL * scale:
        return Solve("inaccurate", None, res, eig, f"the returned point violates a constraint by {max(res, -eig):.2g}")
    return Solve("optimal", float(prob.value), res, eig)


def _pairs(n):
    return [(i, j) for i in range(n) for j in range(n) if i != j]


# -- anchors: exact interpolation conditions (L1 = 0) ---------------------------------------------------------------


def _gram_points(cp, N, steps):
    """G (PSD, basis x_0, g_0..g_N), values F, and the points [(x, g, f)] with x* = 0 first: x_(k+1) = x_k - steps[k] g_k."""
    m = N + 2
    G, F = cp.Variable((m, m), PSD=True), cp.Variable(N + 1)
    e = np.eye(m)
    xs, pts = e[0], [(np.zeros(m), np.zeros(m), 0.0)]
    for k in range(N + 1):
        pts.append((xs, e[k + 1], F[k]))
        if k < N:
            xs = xs - steps[k] * e[k + 1]
    return G, F, pts


def anchor_gd_pl(L=1.0, mu=0.2, gamma=1.0, N=1) -> dict:
    """Gradient descent on L-smooth functions with PL (rho = 2): max Delta_N / Delta_0 from the smooth interpolation
    conditions, and the closed form tau^N of Abbaszadehpeivasti, de Klerk and Zamani (2023, Theorem 3) for
    0 < gamma <= 1/L: tau = ((mu (1 - L gamma) + sqrt((L - m)(m - mu)(2 - L gamma) mu gamma + (L - m)^2))
    / (L - m + mu))^2 with m = -L."""
    cp = _cvxpy()
    G, F, pts = _gram_points(cp, N, [gamma] * N)
    q = lambda a, b: a @ G @ b  # noqa: E731
    cons = [F[0] == 1]
    for i, j in _pairs(len(pts)):
        (xi, gi, fi), (xj, gj, fj) = pts[i], pts[j]
        dx, dg = xi - xj, gi - gj
        cons.append(fi - fj - 0.5 * q(gi + gj, dx) - q(dg, dg) / (4 * L) + L / 4 * q(dx, dx) >= 0)
    for _, g, f in pts[1:]:
        cons += [f <= q(g, g) / (2 * mu), f >= 0]
    s = _solve(cp, cp.Problem(cp.Maximize(F[N]), cons), cons, G)
    m = -L
    closed = None
    if 0 < gamma <= 1 / L:
        closed = (
            (mu * (1 - L * gamma) + math.sqrt((L - m) * (m - mu) * (2 - L * gamma) * mu * gamma + (L - m) ** 2)) / (L - m + mu)
        ) ** 2
        closed = closed**N
    return {
        "what": f"GD on L-smooth PL functions, N = {N}",
        "L": L,
        "mu": mu,
        "gamma": gamma,
        "solve": asdict(s),
        "closed_form": closed,
    }


def anchor_polyak(L=1.0, mu=0.1, gamma=None) -> dict:
    """One Polyak step (gamma ||g_0||^2 = 2 (f_0 - f*)) on L-smooth mu-strongly convex functions: max ||x_1 - x*||^2
    given ||x_0 - x*||^2 <= 1, from their interpolation conditions; closed form (Barre, Taylor and d'Aspremont 2020,
    Proposition 1) (gamma L - 1)(1 - gamma mu) / (gamma (L + mu) - 1) for gamma in [1/L, 1/mu]."""
    cp = _cvxpy()
    gamma = 2 / (L + mu) if gamma is None else gamma
    G, F, pts = _gram_points(cp, 1, [gamma])
    q = lambda a, b: a @ G @ b  # noqa: E731
    x0, g0 = pts[1][0], pts[1][1]
    cons = [q(x0, x0) <= 1, gamma * q(g0, g0) == 2 * F[0]]
    for i, j in _pairs(len(pts)):
        (xi, gi, fi), (xj, gj, fj) = pts[i], pts[j]
        dx, dg = xi - xj, gi - gj
        k = 1 / (2 * (1 - mu / L))
        cons.append(fi - fj - q(gj, dx) - k * (q(dg, dg) / L + mu * q(dx, dx) - 2 * mu / L * q(dg, dx)) >= 0)
    x1 = pts[2][0]
    s = _solve(cp, cp.Problem(cp.Maximize(q(x1, x1)), cons), cons, G)
    closed = (gamma * L - 1) * (1 - gamma * mu) / (gamma * (L + mu) - 1) if 1 / L <= gamma <= 1 / mu else 0.0
    return {
        "what": "one Polyak step, smooth strongly convex",
        "L": L,
        "mu": mu,
        "gamma": gamma,
        "solve": asdict(s),
        "closed_form": closed,
    }


# -- NGD under Assumptions 1 and 2 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenClass:
    """Assumption 1 (literal form) with (L0, L1, alpha), Assumption 2 with (rho, mu); rho = mu = None: the nonconvex
    class (Assumption 1 and f bounded below only)."""

    L0: float
    L1: float
    alpha: float
    rho: float | None
    mu: float | None

    @property
    def pl(self):
        return self.rho is not None

    def __post_init__(self):
        if (self.rho is None) != (self.mu is None):
            raise InputError("give both rho and mu (the PL class) or neither (the nonconvex class)")
        for k in ("L0", "mu", "rho") if self.pl else ("L0",):
            if not (getattr(self, k) > 0 and math.isfinite(getattr(self, k))):
                raise InputError(f"{k} must be a finite number > 0, got {getattr(self, k)}")
        if not (self.L1 >= 0 and math.isfinite(self.L1)):
            raise InputError(f"L1 must be a finite number >= 0, got {self.L1}")
        if not 0 <= self.alpha <= 1:
            raise InputError(f"alpha must satisfy 0 <= alpha <= 1, got {self.alpha}")

    def smooth(self, n):
        """L0 + L1 n^alpha (0^0 = 1: with alpha = 0 the constant is L0 + L1 everywhere)."""
        return self.L0 + self.L1 * n**self.alpha


@dataclass(frozen=True)
class Step:
    """A normalized step at gradient norm n, x_(k+1) = x_k - scale(n_k) g_k: NGD (eq. 4) gamma / n^beta; with k given,
    I-NSGD's deterministic skeleton (eq. 13 with both minibatches the full gradient) gamma / max(1, k (2 n + delta))^beta."""

    gamma: float
    beta: float
    k: float | None = None
    delta: float = 0.0

    def __post_init__(self):
        if not (self.gamma > 0 and math.isfinite(self.gamma)):
            raise InputError(f"gamma must be a finite number > 0, got {self.gamma}")
        if not 0 <= self.beta <= 1:
            raise InputError(f"beta must satisfy 0 <= beta <= 1, got {self.beta}")
        if self.k is not None and not (self.k > 0 and self.delta >= 0):
            raise InputError(f"k must be > 0 and delta >= 0, got k = {self.k}, delta = {self.delta}")

    @property
    def method(self):
        return "ngd" if self.k is None else "insgd"

    def scale(self, n):
        if self.k is None:
            return self.gamma / n**self.beta
        return self.gamma / max(1.0, self.k * (2 * n + self.delta)) ** self.beta


PAIRS = ("all", "proof")


def default_pairs(cls: GenClass) -> str:
    """ "all" (the global class) where eq. (2) and PL admit a non-constant function (rho = 2), else "proof"."""
    from insgd.theory.admissibility import admissible_forms

    return "all" if not cls.pl or admissible_forms(cls.alpha, cls.rho)["literal"] else "proof"


def _sym(a, b):
    """The matrix M with <M, G> = a' G b for symmetric G."""
    o = np.outer(a, b)
    return (o + o.T) / 2


class NgdSdp:
    """The fixed-norm SDP of NGD for one (N, pairs), compiled once (cvxpy DPP): every constraint is
    <C_r, G> + c_r . F (<=, ==) b_r with C_r, c_r, b_r parameters recomputed in NumPy for each norm vector, so a new n
    re-solves without re-building. Basis of G: x_0, g_0..g_N (x* = 0, g* = 0, f* = 0)."""

    def __init__(self, N, pairs="all"):
        if pairs not in PAIRS:
            raise InputError(f"pairs must be one of {', '.join(PAIRS)}, got {pairs!r}")
        cp = self.cp = _cvxpy()
        self.N, self.pairs, m = N, pairs, N + 2
        pts = N + 2  # x*, x_0..x_N
        self.idx = _pairs(pts) if pairs == "all" else [(i, j) for k in range(1, N + 1) for i, j in ((k, k + 1), (k + 1, k))]
        n_ineq = 2 * len(self.idx) + 3 * (N + 1)  # eq. (2) and Lemma 1 per pair; PL, f >= f*, descent per iterate
        n_eq = N + 2  # ||g_k||^2 = n_k^2, f_0 = delta0
        self.G, self.F = cp.Variable((m, m), PSD=True), cp.Variable(N + 1)
        self.C = [cp.Parameter((m, m)) for _ in range(n_ineq + n_eq)]
        self.c = [cp.Parameter(N + 1) for _ in range(n_ineq + n_eq)]
        self.b = [cp.Parameter() for _ in range(n_ineq + n_eq)]
        rows = [cp.sum(cp.multiply(C, self.G)) + c @ self.F for C, c in zip(self.C, self.c, strict=True)]
        cons = [r <= b for r, b in zip(rows[:n_ineq], self.b[:n_ineq], strict=True)]
        cons += [r == b for r, b in zip(rows[n_ineq:], self.b[n_ineq:], strict=True)]
        self.cons = cons
        self.problem = cp.Problem(cp.Maximize(self.F[N]), cons)

    def rows(self, cls: GenClass, norms, step: Step, delta0):
        """The constraints' (C, c, b) at these norms: inequalities first, then equalities (see the module text)."""
        N, m = self.N, self.N + 2
        e, unit = np.eye(m), np.eye(N + 1)
        x, g = [np.zeros(m)], [np.zeros(m)]  # the minimizer first
        xk = e[0]
        for k in range(N + 1):
            x.append(xk)
            g.append(e[k + 1])
            if k < N:
                xk = xk - step.scale(norms[k]) * e[k + 1]
        fvec = [np.zeros(N + 1)] + [unit[k] for k in range(N + 1)]
        nrm = [0.0, *norms]
        ineq, eq = [], []
        for i, j in self.idx:
            dx, dg, L = x[i] - x[j], g[i] - g[j], cls.smooth(nrm[j])
            ineq.append((_sym(dg, dg) - L**2 * _sym(dx, dx), np.zeros(N + 1), 0.0))  # eq. (2), squared
            ineq.append((-_sym(g[j], dx) - L / 2 * _sym(dx, dx), fvec[i] - fvec[j], 0.0))  # Lemma 1
        for k in range(N + 1):
            if cls.pl:
                ineq.append((np.zeros((m, m)), unit[k], norms[k] ** cls.rho / (2 * cls.mu)))  # PL
            else:
                ineq.append((np.zeros((m, m)), np.zeros(N + 1), 0.0))  # no PL: a void row keeps the compiled shape
            ineq.append((np.zeros((m, m)), -unit[k], 0.0))  # f_k >= f*
            # Lemma 1 from x_k to x_k - g_k / c_k, and f >= f* there: f_k - f* >= ||g_k||^2 / (2 c_k), c_k = L0 + L1 n_k^alpha
            ineq.append((np.zeros((m, m)), -unit[k], -(norms[k] ** 2) / (2 * cls.smooth(norms[k]))))
            eq.append((_sym(g[k + 1], g[k + 1]), np.zeros(N + 1), norms[k] ** 2))
        eq.append((np.zeros((m, m)), unit[0], delta0))
        return ineq + eq

    def solve(self, cls: GenClass, norms, step: Step, delta0) -> Solve:
        with np.errstate(all="ignore"):
            rows = self.rows(cls, norms, step, delta0)
        if not all(np.isfinite(C).all() and np.isfinite(c).all() and np.isfinite(b) for C, c, b in rows):
            return Solve("overflow", None, why="the constraint data overflow float64 at these norms: no number")
        for (C, c, b), pC, pc, pb in zip(rows, self.C, self.c, self.b, strict=True):
            pC.value, pc.value, pb.value = C, c, b
        return _solve(self.cp, self.problem, self.cons, self.G)


def ngd_fixed_norms(cls: GenClass, norms, step: Step, delta0, pairs="all") -> Solve:
    """max f_N subject to f_0 = delta0, ||g_k|| = norms[k] and the class's inequalities (see the module text)."""
    return NgdSdp(len(norms) - 1, pairs).solve(cls, [float(x) for x in norms], step, delta0)


def n_max(cls: GenClass, gap) -> float:
    """The largest gradient norm a function of the class can have where f - f* = gap: Lemma 1 from there to
    x - g / c and f >= f* give n^2 <= 2 (L0 + L1 n^alpha) gap (bisection on that inequality; every member satisfies it)."""
    lo, hi = 0.0, max(1.0, 4 * cls.L0 * gap, (4 * cls.L1 * gap) ** (1 / max(2 - cls.alpha, 1e-9)))
    while hi * hi <= 2 * cls.smooth(hi) * gap:
        hi *= 2
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mid * mid <= 2 * cls.smooth(mid) * gap else (lo, mid)
    return hi


def _norms(cls, z, step: Step):
    """Gradient norms from search coordinates z = (log n_0, u_1..u_N), u_k in [-1, 1]: n_k = n_(k-1) + u_k s_k with
    s_k = (L0 + L1 n_(k-1)^alpha) scale(n_(k-1)) n_(k-1), the largest change eq. (2) allows over one step
    (| ||g_k|| - ||g_(k-1)|| | <= ||g_k - g_(k-1)|| <= s_k): every feasible n has such coordinates."""
    n = [math.exp(z[0])]
    for u in z[1:]:
        n.append(max(n[-1] + float(u) * cls.smooth(n[-1]) * step.scale(n[-1]) * n[-1], 1e-300))
    return n


def _search(cls, N, step, delta0, pairs, lo, hi, objective, samples, seed, fatol, start=None) -> dict:
    """The largest objective(solve, norms) found over the search coordinates of `_norms` in the box [lo, hi]: a random
    design of `samples` points (default 40 (N + 1); `start` replaces the first), then Nelder-Mead from the three best.
    Every solve's status is counted; a solve that gives no number gives no value."""
    from scipy.optimize import minimize

    statuses, best = {}, {"value": -math.inf, "norms": None, "solve": None}
    sdp = NgdSdp(N, pairs)

    def value(z):
        norms = _norms(cls, np.clip(z, lo, hi), step)
        s = sdp.solve(cls, norms, step, delta0)
        statuses[s.status] = statuses.get(s.status, 0) + 1
        v = objective(s, norms) if s.ok else -math.inf
        if v > best["value"]:
            best.update(value=v, norms=norms, solve=asdict(s))
        return v

    def loss(z):
        v = value(z)
        return -v if np.isfinite(v) else 1e300

    rng = np.random.default_rng(seed)
    S = samples if samples is not None else 40 * (N + 1)
    Z = lo + (hi - lo) * rng.random((S, N + 1))
    if start is not None:
        Z[0] = start
    vals = np.array([value(z) for z in Z])
    for i in np.argsort(-vals)[:3]:
        if np.isfinite(vals[i]):
            minimize(loss, Z[i], method="Nelder-Mead", options={"maxfev": 60 * (N + 1), "xatol": 1e-6, "fatol": fatol})
    return {
        "value": best["value"] if best["norms"] is not None else None,
        "norms": best["norms"],
        "solve": best["solve"],
        "solves": statuses,
        "search": f"{S} random points (log n_0, relative changes), then Nelder-Mead from the 3 best (seed {seed}); the "
        "maximum over n is searched, not certified",
    }


def _check_N(N):
    if not (isinstance(N, int) and 1 <= N <= 5):
        raise InputError(f"N must be an integer with 1 <= N <= 5, got {N!r}")


def worst_case_min_grad(cls: GenClass, N, step: Step, delta0, pairs="all", samples=None, seed=0) -> dict:
    """The nonconvex class (no PL): the largest min_k ||g_k|| over k <= N found among gradient-norm sequences for
    which the SDP is feasible with f_0 - f* = delta0, i.e. a value of min_k ||g_k|| that some function allowed by
    the class's necessary conditions keeps after N steps; searched (`_search`), not certified."""
    _check_N(N)
    top = n_max(cls, delta0)  # no member has a larger gradient norm at gap delta0
    lo = np.array([math.log(top) - 5 * math.log(10)] + [-1.0] * N)
    hi = np.array([math.log(top) + 1e-9] + [1.0] * N)
    r = _search(cls, N, step, delta0, pairs, lo, hi, lambda s, norms: min(norms), samples, seed, 1e-12)
    return {"min_grad": r.pop("value")} | r


def worst_case_ngd(cls: GenClass, N, step: Step, delta0, pairs="all", samples=None, seed=0) -> dict:
    """The largest Delta_N / Delta_0 found over the gradient norms n_0..n_N (coordinates of `_norms`: n_0 between the
    smallest PL allows at f_0 = delta0 and the largest any member allows, `n_max`; `_search`). The value found is at
    most the maximum over n of the SDP (which bounds the worst case): it is not itself a bound unless the search
    found that maximum."""
    _check_N(N)
    if not cls.pl:
        raise InputError("Delta_N / Delta_0 needs the PL class (rho, mu); without PL use worst_case_min_grad")
    n0 = (2 * cls.mu * delta0) ** (1 / cls.rho)  # PL at x_0: delta0 <= n_0^rho / (2 mu)
    lo = np.array([math.log(n0)] + [-1.0] * N)
    hi = np.array([math.log(max(n0, n_max(cls, delta0))) + 1e-9] + [1.0] * N)
    start = np.r_[lo[0], np.zeros(N)]  # the smallest n_0 with unchanged norms: where the anchors' worst cases lie
    r = _search(cls, N, step, delta0, pairs, lo, hi, lambda s, norms: s.value, samples, seed, 1e-12 * delta0, start)
    v = r.pop("value")
    return {"ratio": None if v is None else v / delta0} | r
