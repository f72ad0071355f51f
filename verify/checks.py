"""Hold NGD runs against Theorem 1: regime (measured q), the derived bound (soundness), T(eps) exponent.

Every check returns a result object (data); `plot_*` draw its figures on request.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from insgd.numerics.engine import run
from insgd.theory import symbols as S
from insgd.theory.ngd import predict_ngd
from insgd.theory.numbers import InputError, exact
from insgd.verify.fits import LineFit, best_window, decay_exponent_q, ols

# Named tolerances, each with its reason.
Q_TOL = 0.03  # measured q comes from finite differences between checkpoints of a discrete recursion
EXP_TOL = 0.05  # T(eps) exponent over 2-4 decades of eps: lower-order terms (Delta_0^(1-q), ceilings) bend it
L1_FLOOR = 1e-9  # Theorem 1 asks L1 > 0; a certificate with L1 = 0 holds for every L1 > 0
MAX_ITERS = 2_000_000  # iteration cap of a complexity sweep; reported when it binds


@dataclass(frozen=True)
class Setup:
    problem: object
    beta: float
    w0: np.ndarray
    L0: float
    L1: float
    alpha: float
    rho: float
    mu: float
    region: str


def tightest_setup(problem, beta, w0=None) -> Setup:
    """Constants for Theorem 1: the literal form (the derivation needs Lemma 1) on the smallest region that
    covers the iterates (global, else the ball of radius ||w0 - w*||, which NGD does not leave while it
    descends), and the largest certified rho (the local geometry at the minimizer decides the regime)."""
    w0 = np.full(problem.dim, 1.0 / math.sqrt(problem.dim)) + problem.argmin if w0 is None else np.asarray(w0, float)
    R = float(np.linalg.norm(w0 - problem.argmin))
    cons = problem.certify(radius=R)
    sm = cons.smooth_for("literal", R)
    if sm is None:
        raise InputError(f"problem {problem.name} certifies no literal-form constants on the ball of radius {R:g}")
    pls = [c for c in cons.pl if c.mu_at and (c.region.is_global or c.region.radius >= R)]
    if not pls:
        raise InputError(f"problem {problem.name} certifies no PL constants covering the ball of radius {R:g}")
    pl = max(pls, key=lambda c: (max(c.mu_at), c.region.is_global))
    rho = max(pl.mu_at)
    return Setup(problem, float(beta), w0, sm.L0, max(sm.L1, L1_FLOOR), sm.alpha, rho, pl.mu_at[rho], str(sm.region))


def _predict(s: Setup, eps, delta0=None):
    r = exact
    return predict_ngd(r(s.L0), r(s.L1), r(s.alpha), r(s.beta), r(s.rho), r(s.mu), r(eps), None if delta0 is None else r(delta0))


@dataclass
class RegimeResult:
    regime_predicted: int
    regime_measured: int
    q_predicted: float
    q_measured: float
    q_ci: tuple
    shape: dict
    bound_holds: bool
    bound_ratio_max: float
    T_derived: float
    T_hit: int
    eps: float
    t: list = field(repr=False, default_factory=list)
    gap: list = field(repr=False, default_factory=list)
    bound: list = field(repr=False, default_factory=list)


def regime_check(s: Setup, eps: float) -> RegimeResult:
    """One NGD run with Theorem 1's gamma(eps), every iterate recorded up to the first Delta <= eps."""
    p = s.problem
    d0 = float(p.value(s.w0[None])[0] - p.fstar)
    pred = _predict(s, eps, d0)
    T_der = float(pred.T_derived)
    iters = int(min(T_der, MAX_ITERS))
    tr = run(p, "ngd", s.w0, iters, [0], {"gamma": float(pred.gamma), "beta": s.beta}, eps_gap=eps, n_checkpoints=iters + 1)
    stop = int(tr.stop_t[0])
    t, gap = tr.t[: stop + 1], tr.gap[0, : stop + 1]
    U = sp.lambdify(S.t, sp.N(pred.bound_derived, 17), "numpy")  # float64: Delta_0 and the bound are moderate here
    before = gap > eps
    with np.errstate(all="ignore"):
        bound = np.broadcast_to(np.asarray(U(t.astype(float)), float), t.shape)
    holds = bool(np.all(gap[before] <= bound[before] * (1 + 1e-9) + 1e-300))
    ratio = float(np.max(bound[before] / np.maximum(gap[before], 1e-300))) if before.any() else 1.0
    sub = np.unique(np.round(np.geomspace(1, max(stop, 1), 300)).astype(int))
    sub = np.concatenate([[0], sub[sub <= stop]])
    qfit = decay_exponent_q(t[sub], gap[sub], eps=eps)
    q_pred = float(pred.q)
    q_meas = qfit.slope
    reg_meas = 1 if q_meas > 1 + Q_TOL else (2 if abs(q_meas - 1) <= Q_TOL else 3)
    shape = _shape(t[sub], gap[sub], eps, pred.regime, q_pred)
    hit = int(tr.hit_gap_t[0])
    return RegimeResult(
        pred.regime,
        reg_meas,
        q_pred,
        q_meas,
        qfit.ci,
        shape,
        holds,
        ratio,
        T_der,
        hit,
        eps,
        t[sub].tolist(),
        gap[sub].tolist(),
        bound[sub].tolist(),
    )


def _shape(t, gap, eps, regime, q):
    """The rate's shape: log-log slope (sublinear), contraction factor (linear), Delta^(1-q) slope (finite time)."""
    keep = (gap > eps) & (t > 0)
    t, gap = t[keep].astype(float), gap[keep]
    if len(t) < 4:
        return {"kind": "too few points"}
    if regime == 1:
        f = best_window(np.log(t), np.log(gap))
        return {"kind": "loglog", "slope": f.slope, "predicted": -1 / (q - 1), "fit": f.to_json()}
    if regime == 2:
        f = best_window(t, np.log(gap))
        return {"kind": "semilog", "contraction": math.exp(f.slope), "fit": f.to_json()}
    f = best_window(t, gap ** (1 - q))
    return {"kind": "finite-time", "slope": f.slope, "fit": f.to_json()}


@dataclass
class ComplexityResult:
    eps: list
    T_measured: list
    T_derived: list
    exponent_measured: float
    exponent_ci: tuple
    exponent_derived: float
    exponent_derived_local: float
    exponent_paper: float | None
    log_factor: bool
    agrees_with: str
    T_sound: bool
    capped: bool
    fit: LineFit


def complexity_check(s: Setup, eps_grid) -> ComplexityResult:
    """T(eps) for a grid of eps, one batch (one run per eps, each with its own gamma(eps)), fitted exponent."""
    p = s.problem
    eps_grid = np.asarray(sorted(eps_grid, reverse=True), float)
    d0 = float(p.value(s.w0[None])[0] - p.fstar)
    preds = [_predict(s, e, d0) for e in eps_grid]
    T_der = np.array([float(x.T_derived) for x in preds])
    iters = int(min(T_der.max(), MAX_ITERS))
    gam = np.array([float(x.gamma) for x in preds])
    tr = run(p, "ngd", s.w0, iters, np.arange(len(eps_grid)), {"gamma": gam, "beta": s.beta}, eps_gap=eps_grid)
    T = tr.hit_gap_t.astype(float)
    ok = T > 0
    log = bool(preds[0].T_log_factor_derived)
    x = np.log(1 / eps_grid[ok])
    y = np.log(T[ok] / (x if log else 1.0))
    fit = ols(x, y) if ok.sum() >= 3 else LineFit(float("nan"), float("nan"), (float("nan"),) * 2, 0.0, (0, 0), 0)
    e_der = float(preds[0].T_exponent_derived)
    # The derived T(eps) is an explicit function: its own slope on this grid carries the lower-order terms
    # (e.g. 1 - eps^(1-q) in regime 3) that the asymptotic exponent drops. Measured slopes are held against it.
    e_loc = ols(x, np.log(T_der[ok] / (x if log else 1.0))).slope if ok.sum() >= 3 else float("nan")
    e_pap = None if preds[0].T_exponent_paper is None else float(preds[0].T_exponent_paper)

    def close(e):
        return e is not None and (abs(fit.slope - e) <= EXP_TOL or fit.ci[0] <= e <= fit.ci[1])

    der, pap = close(e_loc) or close(e_der), close(e_pap)
    agrees = "both" if der and pap else "derived" if der else "paper" if pap else "neither"
    sound = bool(np.all(T[ok] <= T_der[ok]))
    return ComplexityResult(
        eps_grid.tolist(),
        T.tolist(),
        T_der.tolist(),
        fit.slope,
        fit.ci,
        e_der,
        e_loc,
        e_pap,
        log,
        agrees,
        sound and bool(ok.all()),
        iters < T_der.max(),
        fit,
    )


@dataclass
class CheckResult:
    problem: str
    params: dict
    setup: dict
    regime: RegimeResult
    complexity: ComplexityResult
    paper_agrees: bool
    disagreement: str
    warnings: list

    @property
    def verdict(self):
        ok = (
            self.regime.regime_measured == self.regime.regime_predicted
            and self.regime.bound_holds
            and self.complexity.T_sound
            and self.complexity.agrees_with in ("derived", "both")
        )
        return "pass" if ok else "fail"

    def to_json(self):
        r, c = self.regime, self.complexity
        return {
            "problem": self.problem,
            "params": self.params,
            **self.setup,
            "regime": r.regime_predicted,
            "regime_measured": r.regime_measured,
            "q_predicted": r.q_predicted,
            "q_measured": r.q_measured,
            "q_ci": list(r.q_ci),
            "shape": r.shape,
            "T_exponent_derived": c.exponent_derived,
            "T_exponent_derived_on_grid": c.exponent_derived_local,
            "T_exponent_paper": c.exponent_paper,
            "T_exponent_measured": c.exponent_measured,
            "T_exponent_ci": list(c.exponent_ci),
            "T_log_factor": c.log_factor,
            "eps_grid": c.eps,
            "T_measured": c.T_measured,
            "T_derived": c.T_derived,
            "T_sound": c.T_sound,
            "capped": bool(c.capped),
            "bound_holds": r.bound_holds,
            "bound_ratio_max": r.bound_ratio_max,
            "looseness": max(a / b for a, b in zip(c.T_derived, c.T_measured, strict=True) if b > 0)
            if any(b > 0 for b in c.T_measured)
            else None,
            "agrees_with": c.agrees_with,
            "paper_agrees": self.paper_agrees,
            "disagreement": self.disagreement,
            "verdict": self.verdict,
            "warnings": self.warnings,
        }


def check(problem, beta, eps_grid=None, w0=None) -> CheckResult:
    """Regime, bound and complexity checks of Theorem 1 for NGD with normalization beta on problem."""
    s = tightest_setup(problem, beta, w0)
    if not (s.alpha <= s.beta <= 1):
        raise InputError(f"beta must satisfy alpha <= beta <= 1 with the certified alpha = {s.alpha:g}, got {beta}")
    eps_grid = np.geomspace(1e-2, 1e-5, 5) if eps_grid is None else np.asarray(eps_grid, float)
    pred = _predict(s, float(np.min(eps_grid)))
    reg = regime_check(s, float(np.min(eps_grid)))
    comp = complexity_check(s, eps_grid)
    setup = {
        "L0": s.L0,
        "L1": s.L1,
        "alpha": s.alpha,
        "rho": s.rho,
        "mu": s.mu,
        "region": s.region,
        "beta": s.beta,
        "w0": s.w0.tolist(),
    }
    return CheckResult(
        problem.name, problem.params(), setup, reg, comp, pred.paper_agrees, pred.disagreement, list(pred.warnings)
    )


def plot_check(res: CheckResult, path):
    from insgd.verify.figures import figure, legend, save

    r, c = res.regime, res.complexity
    fig, ax = figure(1, 2, width=11, height=4)
    t = np.maximum(np.array(r.t, float), 1)
    ax[0].loglog(t, r.gap, label="measured $\\Delta_t$")
    b = np.array(r.bound)
    ax[0].loglog(t[b > 0], b[b > 0], "--", label="derived bound")
    ax[0].axhline(r.eps, color="gray", lw=0.8, label="$\\epsilon$")
    ax[0].set(
        xlabel="t",
        ylabel="$f(w_t) - f^*$",
        title=f"{res.problem} beta={res.setup['beta']:.3g}: regime {r.regime_predicted} (measured {r.regime_measured})",
    )
    legend(ax[0])
    e = np.array(c.eps)
    T = np.array(c.T_measured, float)
    ax[1].loglog(1 / e, T, "o-", label=f"measured (slope {c.exponent_measured:.3f})")
    ax[1].loglog(1 / e, c.T_derived, "s--", label=f"derived bound (exponent {c.exponent_derived:.3f})")
    ref = T[-1] if T[-1] > 0 else 1.0
    ax[1].loglog(1 / e, ref * (e / e[-1]) ** (-c.exponent_derived), ":", label="derived slope")
    if c.exponent_paper is not None:
        ax[1].loglog(1 / e, ref * (e / e[-1]) ** (-c.exponent_paper), "-.", label=f"paper slope ({c.exponent_paper:.3f})")
    ax[1].set(xlabel="1/eps", ylabel="T(eps)", title=f"complexity: agrees with {c.agrees_with}")
    legend(ax[1])
    save(fig, path)
