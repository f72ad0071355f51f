"""Theorem 1's measured regime and rate: NGD runs (engine or the compiled loop), the contraction factor q
extrapolated from the gap, and the exponent of T(eps) fitted over an eps grid."""

import math
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.theory import symbols as S
from insgd.verify.checks.setup import FLOAT_REL, MAX_ITERS, Distance, Setup, _predict
from insgd.verify.fits import LineFit, best_window, ols


@dataclass
class Assertion:
    name: str
    kind: str  # "bound" or "rate" or "printed"
    verdict: str  # "pass", "fail", "inconclusive" or "not assessed"
    evidence: str
    data: dict = field(default_factory=dict)


@dataclass
class RegimeResult:
    regime_predicted: int
    regime_measured: object  # 1, 3, "boundary" (q's interval contains 1) or "not measurable" (no decrease)
    q_predicted: float
    q_measured: float
    q_interval: tuple
    q_fit_ci: tuple
    q_bias: float
    bound_holds: bool | None
    first_violation: dict | None
    bound_ratio_max: float
    T_derived: float
    T_hit: int
    budget_binds: bool
    eps: float
    withheld: str | None = None  # why the bound verdict is withheld (an iterate left the certified ball)
    t: list = field(repr=False, default_factory=list)
    gap: list = field(repr=False, default_factory=list)
    bound: list = field(repr=False, default_factory=list)


def _q_fit(gap, idx):
    """q in Delta_t - Delta_(t+1) = a Delta_t^q: OLS of the log one-step decrement on log Delta_t over the most linear
    window, at the sampled steps idx (one-step decrements: a secant over k steps would bend the slope as k grows)."""
    x, y = gap[idx], gap[idx] - gap[idx + 1]
    good = np.isfinite(x) & (x > 0) & (y > 0)
    if good.sum() < 5:
        raise ValueError("too few decreasing points to measure q")
    # float64 rounding of a decrement Delta_t - Delta_(t+1) is about machine eps / (relative decrement) in its log
    rounding = 4 * np.finfo(float).eps / float(np.min(y[good] / x[good]))
    return best_window(np.log(x[good]), np.log(y[good])), rounding


def _ngd_run(s: Setup, eps, gamma, iters, backend=None):
    """Every iterate of one NGD run (t, Delta_t), stopped at the first Delta_t <= eps; and why a verdict is withheld
    (an iterate left the ball the constants are certified on), or None."""
    dist = Distance(s.problem.argmin, s.radius)
    fr = _fused_ngd(s, np.asarray(s.w0, float)[None], [gamma], [eps], iters, True, backend)
    if fr is not None:
        dist.replay(fr["dist"])
        stop = int(fr["stop"][0])
        return np.arange(stop + 1), fr["gap"][0, : stop + 1], int(fr["hit"][0]), dist
    tr = run(
        s.problem,
        "ngd" if s.optimizer is None else s.optimizer,
        s.w0,
        iters,
        [0],
        {"gamma": gamma, "beta": float(s.beta)} if s.optimizer is None else {"gamma": gamma},
        eps_gap=eps,
        n_checkpoints=iters + 1,
        callback=dist,
        backend="numpy",
    )
    stop = int(tr.stop_t[0])
    return tr.t[: stop + 1], tr.gap[0, : stop + 1], int(tr.hit_gap_t[0]), dist


def _fused_ngd(s: Setup, W0, gamma, eps, iters, record, backend):
    """The compiled NGD loop (numerics/fused.ngd_runs: the engine's loop, step for step) on the numba backend, when
    the problem has a kernel; None otherwise (the engine then runs)."""
    if fused.resolve(backend) != "numba" or s.optimizer is not None:
        return None
    return fused.ngd_runs(s.problem, W0, gamma, float(s.beta), eps, iters, s.problem.argmin, record)


def _measured_q(t, gap, eps):
    """q from the iterates while Delta > eps (each with its successor), sampled geometrically in t."""
    above = np.nonzero(gap > eps)[0]
    last = int(above[-1]) if len(above) else 0  # the last iterate above eps; its successor exists or the run ended
    last = min(last, len(gap) - 2)
    sub = np.unique(np.round(np.geomspace(1, max(last, 1), 400)).astype(int))
    sub = np.concatenate([[0], sub[sub <= last]])
    return _q_fit(gap, sub), sub  # ((fit, rounding), sampled steps)


def regime_check(s: Setup, eps: float, backend=None) -> RegimeResult:
    """One NGD run with Theorem 1's gamma(eps), every iterate recorded up to the first Delta <= eps: the bound at
    every iterate. The rate q of the recursion is a small-step statement (the discrete map deviates at O(gamma)), so
    q is measured at gamma and at gamma/2 and extrapolated to gamma -> 0 (Richardson); its interval is the fit's 95%
    interval widened by the extrapolation's size |q(gamma/2) - q(gamma)|."""
    p = s.problem
    d0 = float(p.value(s.w0[None])[0] - p.fstar)
    pred = _predict(s, eps, d0)
    T_der = float(pred.T_derived)
    iters = int(min(math.ceil(T_der), MAX_ITERS))
    gamma = float(pred.gamma)
    t, gap, hit, dist = _ngd_run(s, eps, gamma, iters, backend)
    U = sp.lambdify(S.t, sp.N(pred.bound_derived, 17), "numpy")
    with np.errstate(all="ignore"):
        bound = np.broadcast_to(np.asarray(U(t.astype(float)), float), t.shape)
    before = gap > eps  # the bound is derived for the iterates up to the first Delta_t <= eps
    above = before & (gap > bound * (1 + FLOAT_REL))
    first = None
    if above.any():
        i = int(np.argmax(above))
        first = {"t": int(t[i]), "gap": float(gap[i]), "bound": float(bound[i])}
    budget_binds = hit < 0 and iters < math.ceil(T_der)
    if hit < 0 and not budget_binds and first is None:  # T_derived iterations without reaching eps: the bound fails
        first = {"t": int(t[-1]), "gap": float(gap[-1]), "bound": float(eps), "what": "Delta_T > eps at T = T_derived"}
    holds = None if budget_binds and first is None else first is None
    withheld = dist.withheld()
    if withheld and (holds or (first is not None and first["t"] >= dist.exit_t)):
        holds = None  # past the exit the certificates do not apply: neither a pass nor a fail is earned
    ratio = float(np.max(bound[before] / np.maximum(gap[before], 1e-300))) if before.any() else 1.0
    try:
        (q1, r1), sub = _measured_q(t, gap, eps)
        t2, gap2, _, _ = _ngd_run(s, eps, gamma / 2, int(min(2 * iters, MAX_ITERS)), backend)
        (q2, r2), _ = _measured_q(t2, gap2, eps)
    except ValueError:  # the run does not decrease (a method that ascends or stalls): no rate to measure
        nan = math.nan
        sub = np.arange(len(t))[:400]
        q0, bias, lo, hi, ci, measured = nan, nan, nan, nan, (nan, nan), "not measurable"
    else:
        q0 = 2 * q2.slope - q1.slope  # Richardson: q(gamma) = q0 + c gamma + O(gamma^2)
        bias = abs(q2.slope - q1.slope)
        half = max(q1.ci[1] - q1.slope, q2.ci[1] - q2.slope) + max(r1, r2)  # the fits' 95% half-width, float rounding
        lo, hi = q0 - bias - 2 * half, q0 + bias + 2 * half  # 2 half-widths: q0 combines two fits (2 q2 - q1)
        ci, measured = q1.ci, 1 if lo > 1 else 3 if hi < 1 else "boundary"
    return RegimeResult(
        regime_predicted=pred.regime,
        regime_measured=measured,
        q_predicted=float(pred.q),
        q_measured=q0,
        q_interval=(lo, hi),
        q_fit_ci=ci,
        q_bias=bias,
        bound_holds=holds,
        first_violation=first,
        bound_ratio_max=ratio,
        T_derived=T_der,
        T_hit=hit,
        budget_binds=budget_binds,
        eps=eps,
        withheld=withheld if holds is None else None,
        t=t[sub].tolist(),
        gap=gap[sub].tolist(),
        bound=bound[sub].tolist(),
    )


@dataclass
class ComplexityResult:
    eps: list
    T_measured: list
    T_derived: list
    exponent_measured: float
    exponent_ci: tuple
    exponent_interval: tuple  # the fit's 95% interval joined with the leave-one-out (jackknife) slopes
    exponent_derived: float
    exponent_derived_local: float
    exponent_paper: float | None
    log_factor: bool
    T_sound: bool | None
    capped: bool
    fit: LineFit
    unsound: list = field(default_factory=list)  # (eps, T_measured, T_derived) where T_measured > T_derived or eps missed
    withheld: str | None = None  # why the T verdict is withheld (an iterate left the certified ball)


def complexity_check(s: Setup, eps_grid, backend=None) -> ComplexityResult:
    """T(eps) over a grid of eps in one batch (each run with its own gamma(eps)); the fitted exponent with its 95%
    interval, in coordinates where the derived law is a line (log T/log(1/eps) when it carries a log factor)."""
    p = s.problem
    eps_grid = np.asarray(sorted(eps_grid, reverse=True), float)
    d0 = float(p.value(s.w0[None])[0] - p.fstar)
    preds = [_predict(s, e, d0) for e in eps_grid]
    T_der = np.array([float(x.T_derived) for x in preds])
    iters = int(min(math.ceil(T_der.max()), MAX_ITERS))
    gam = np.array([float(x.gamma) for x in preds])
    dist = Distance(p.argmin, s.radius)
    W0 = np.broadcast_to(np.asarray(s.w0, float), (len(eps_grid), p.dim))
    fr = _fused_ngd(s, W0, gam, eps_grid, iters, False, backend)
    if fr is not None:
        dist.replay(fr["dist"])
        T = fr["hit"].astype(float)
    elif s.optimizer is None:
        hp = {"gamma": gam, "beta": float(s.beta)}
        tr = run(p, "ngd", s.w0, iters, np.arange(len(eps_grid)), hp, eps_gap=eps_grid, callback=dist, backend="numpy")
        T = tr.hit_gap_t.astype(float)
    else:  # a foreign optimizer is built for one learning rate: one run per eps
        T = np.array(
            [
                float(run(p, s.optimizer, s.w0, iters, [0], {"gamma": g}, eps_gap=e, callback=dist, backend="numpy").hit_gap_t[0])
                for g, e in zip(gam, eps_grid, strict=True)
            ]
        )
    reached = T >= 0
    capped = bool(iters < math.ceil(T_der.max()))
    late = reached & (T > np.ceil(T_der))
    missed = ~reached & (np.ceil(T_der) <= iters)  # ran T_derived steps without reaching eps
    sound = False if (late.any() or missed.any()) else (None if (~reached).any() else True)
    withheld = dist.withheld()
    if withheld:
        sound = None  # some run left the certified ball: T_derived does not apply to it
    unsound = [(float(e), float(tm), float(td)) for e, tm, td, bad in zip(eps_grid, T, T_der, late | missed, strict=True) if bad]
    ok = reached & (T > 0)
    log = bool(preds[0].T_log_factor_derived)
    x = np.log(1 / eps_grid[ok])
    y = np.log(T[ok] / (x if log else 1.0))
    nan = float("nan")
    fit = ols(x, y) if ok.sum() >= 3 else LineFit(nan, nan, (nan, nan), 0.0, (0, 0), 0)
    jack = [ols(np.delete(x, i), np.delete(y, i)).slope for i in range(len(x))] if ok.sum() >= 4 else []
    interval = (min([fit.ci[0], *jack]), max([fit.ci[1], *jack]))
    e_der = float(preds[0].T_exponent_derived)
    # The derived T(eps) is an explicit function: its own slope on this grid carries the lower-order terms (e.g.
    # 1 - eps^(1-q) in regime 3) that the asymptotic exponent drops. Measured slopes are held against it.
    e_loc = ols(x, np.log(T_der[ok] / (x if log else 1.0))).slope if ok.sum() >= 3 else nan
    e_pap = None if preds[0].T_exponent_paper is None else float(preds[0].T_exponent_paper)
    return ComplexityResult(
        eps=eps_grid.tolist(),
        T_measured=T.tolist(),
        T_derived=T_der.tolist(),
        exponent_measured=fit.slope,
        exponent_ci=fit.ci,
        exponent_interval=interval,
        exponent_derived=e_der,
        exponent_derived_local=e_loc,
        exponent_paper=e_pap,
        log_factor=log,
        T_sound=sound,
        capped=capped,
        fit=fit,
        unsound=unsound,
        withheld=withheld,
    )
