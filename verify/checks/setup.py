"""Theorem 1's setups: the constants a check uses (the tightest a problem certifies, or given ones), the
step size and the prediction they imply, and the distance bookkeeping of iterates against the certified ball."""

import math
from dataclasses import dataclass, field

import numpy as np

from insgd.theory.ngd import predict_ngd
from insgd.theory.numbers import InputError, binary_value, exact

FLOAT_REL = 1e-9  # Delta_t and the bound are float64 values of a run and of a closed form: far above their rounding
L1_FLOOR = 1e-9  # a certificate with L0 = 0 (or L1 = 0) holds for every positive value: the smallest one used
MAX_ITERS = 2_000_000  # iteration cap of one run; when it binds before T(eps) the verdict is inconclusive


class Distance:
    """Engine callback: the largest ||w_t - w*|| of any run and the first t at which an iterate left the ball of
    `radius` (None: global constants, nothing to watch). Constants certified on a ball hold on that convex region,
    which contains every step's segment while the iterates stay in it; past the exit no verdict is earned."""

    def __init__(self, center, radius):
        self.center, self.radius, self.max, self.exit_t = center, radius, 0.0, None

    def __call__(self, t, W, active):
        d = float(np.max(np.linalg.norm(W - self.center, axis=1)))
        self.max = max(self.max, d)
        if self.exit_t is None and self.radius is not None and d > self.radius * (1 + FLOAT_REL):
            self.exit_t = t
        return False

    def replay(self, dists):
        """The calls the engine would have made, from the largest distance at each step (numerics/fused.ngd_runs)."""
        for t, d in enumerate(dists):
            self.max = max(self.max, float(d))
            if self.exit_t is None and self.radius is not None and d > self.radius * (1 + FLOAT_REL):
                self.exit_t = t

    def withheld(self):
        """Why a verdict is withheld (an iterate left the certified ball), or None."""
        if self.exit_t is None:
            return None
        return (
            f"an iterate left the ball of radius {self.radius:.6g} on which the constants are certified (at t = "
            f"{self.exit_t}, max ||w_t - w*|| = {self.max:.6g})"
        )


@dataclass(frozen=True)
class Setup:
    problem: object
    beta: object  # exact (a SymPy Rational or number)
    w0: np.ndarray
    L0: float
    L1: float
    alpha: float
    rho: float
    mu: float
    region: str
    source: str = "certified"  # "certified" (the problem's certificate) or "given" (claimed by the user)
    tight: bool = False  # the PL certificate is an equality: the rate is attained
    exact: dict = field(default_factory=dict)  # constants as exact text where known
    radius: float | None = None  # the certificates hold on the ball of this radius around the minimizer (None: global)
    status: str = ""  # how the problem obtained its constants (Constants.status, e.g. "certified (L0 and mu numerical)")
    optimizer: object = None  # an engine Optimizer run instead of the engine's "ngd" (numerics/foreign.py; gamma only)


def _start(problem, w0):
    return np.full(problem.dim, 1.0 / math.sqrt(problem.dim)) + problem.argmin if w0 is None else np.asarray(w0, float)


def _smaller(a, b):
    """The region on which both certificates hold, when one contains the other (balls around the same minimizer)."""
    if a.is_global or b.is_global:
        return b if a.is_global else a
    return a if a.radius <= b.radius else b


def tightest_setup(problem, beta, w0=None, generalized=False, rho=None) -> Setup:
    """Constants for Theorem 1: the literal form (the derivation needs Lemma 1) on the smallest region that covers
    the iterates (global, else the ball of radius ||w0 - w*||, which NGD does not leave while it descends: checked
    along the runs), and the largest certified rho (the local geometry at the minimizer decides the regime), or
    the certified mu at the given rho. generalized=True takes the certificate with L1 > 0 (generalized smoothness:
    L1 enters gamma and the descent step), the smallest alpha first."""
    w0 = _start(problem, w0)
    R = float(np.linalg.norm(w0 - problem.argmin))
    cons = problem.certify(radius=R)
    sm = cons.smooth_for("literal", R, generalized=generalized)
    if sm is None:
        kind = "literal-form constants with L1 > 0" if generalized else "literal-form constants"
        raise InputError(f"problem {problem.name} certifies no {kind} on the ball of radius {R:g}")
    pls = [c for c in cons.pl if c.mu_at and (c.region.is_global or c.region.radius >= R)]
    if rho is not None:
        pls = [c for c in pls if any(math.isclose(r, float(rho), rel_tol=1e-12) for r in c.mu_at)]
    if not pls:
        at = "" if rho is None else f" at rho = {float(rho):g}"
        raise InputError(f"problem {problem.name} certifies no PL constants{at} covering the ball of radius {R:g}")
    if rho is None:
        pl = max(pls, key=lambda c: (max(c.mu_at), c.region.is_global))
        rho = max(pl.mu_at)
    else:  # the largest certified mu at this rho
        pl, rho = max(
            ((c, r) for c in pls for r in c.mu_at if math.isclose(r, float(rho), rel_tol=1e-12)), key=lambda x: x[0].mu_at[x[1]]
        )
    return Setup(
        problem=problem,
        beta=exact(beta),
        w0=w0,
        L0=sm.L0,
        L1=sm.L1,
        alpha=sm.alpha,
        rho=rho,
        mu=pl.mu_at[rho],
        region=str(_smaller(sm.region, pl.region)),
        source="certified",
        tight=bool(pl.tight),
        exact=dict(pl.exact),
        radius=_smaller(sm.region, pl.region).radius,
        status=cons.status,
    )


def given_setup(problem, beta, L0, L1, alpha, rho, mu, w0=None) -> Setup:
    """Constants claimed by the user (not certified by the problem): the check runs with them, and the auditor is
    asked whether they hold on the ball the iterates stay in."""
    w0 = _start(problem, w0)
    R = float(np.linalg.norm(w0 - problem.argmin))
    v = {k: float(exact(x)) for k, x in (("L0", L0), ("L1", L1), ("alpha", alpha), ("rho", rho), ("mu", mu))}
    return Setup(
        problem=problem,
        beta=exact(beta),
        w0=w0,
        L0=v["L0"],
        L1=v["L1"],
        alpha=v["alpha"],
        rho=v["rho"],
        mu=v["mu"],
        region=f"ball(radius={R:g})",
        source="given",
        tight=False,
        exact={"L0": str(L0), "L1": str(L1), "alpha": str(alpha), "rho": str(rho), "mu": str(mu)},
        radius=R,
    )


def _predict(s: Setup, eps, delta0=None):
    # the exponents (alpha, rho) decide the regime by exact comparisons such as rho = 2 - beta: they are read as the
    # simplest rationals within float precision (4/3, not its binary neighbour); the constants as exact float values
    given = s.exact if s.source == "given" else {}  # constants the user typed are read exactly as typed (1/10)
    return predict_ngd(
        given.get("L0") or binary_value(s.L0),
        given.get("L1") or binary_value(s.L1),
        given.get("alpha") or exact(s.alpha),
        s.beta,
        given.get("rho") or exact(s.rho),
        given.get("mu") or binary_value(s.mu),
        exact(eps),
        None if delta0 is None else binary_value(delta0),
    )
