"""The rate on a tight instance, a step any record can ask the one checker for (generic.check_theorem(rate=True)),
and the T(eps) grid assertion.

* T(eps) exponent: the measured T over an eps grid, fitted in coordinates where the record's T(eps) is a line (log T
  against log(1/eps), or T / log(1/eps) when T carries a log factor), against the record's own T(eps): its slope on
  the same grid and its asymptotic exponent (SymPy's limit, instance.order).
* q: for a record whose bound solves the recursion Delta_{t+1} <= Delta_t - a Delta_t^q (it names q among its
  parameters, as Theorem 1's derived reading does), q from the one-step decrements of the run. The recursion is a
  small-step statement (the discrete map deviates at O(gamma)), so q is measured at gamma and at gamma/2 and
  extrapolated to gamma -> 0 (Richardson); its interval is the fits' 95% intervals widened by the extrapolation's
  size |q(gamma/2) - q(gamma)|.

A verdict on a rate is earned only where the bound is tight by construction: the constants are certified and the
PL certificate is an equality (the power family). Elsewhere the measurement is reported as "not assessed".
"""

import math
from dataclasses import dataclass, field

import numpy as np

from insgd.verify.checks.result import Assertion
from insgd.verify.checks.setup import MAX_ITERS
from insgd.verify.fits import LineFit, best_window, ols
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, NOT_ASSESSED, PASS, rate_verdict


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


def T_label(theorem, claimed=True) -> str:
    """How evidence names the T(eps) a check holds: T_derived for a derived reading (Theorem 1's), T(eps) for a
    record's count otherwise (a printed theorem may state only its bound; its T then inverts it), T_bound when the
    record states an order only (the bound's own first t below eps is held)."""
    return "T_bound" if not claimed else "T_derived" if theorem.reading == "derived" else "T(eps)"


def t_grid_assertion(label, hits) -> Assertion:
    """T_measured <= T(eps) at every eps of the grid: a run that reaches eps later, or runs T(eps) iterations without
    reaching it, refutes it; a run capped before T(eps), or one that left the certified ball, leaves it undecided."""
    eps, T, Tb = (np.asarray(hits[k], float) for k in ("eps", "T_measured", "T_bound"))
    iters = hits["iters"]
    reached = T >= 0
    late = reached & (T > np.ceil(Tb))
    missed = ~reached & (np.ceil(Tb) <= iters)  # ran T(eps) steps without reaching eps
    sound = False if (late.any() or missed.any()) else (None if (~reached).any() else True)
    if hits["withheld"]:
        sound = None  # some run left the certified ball: T(eps) does not apply to it
    unsound = [(float(e), float(tm), float(td)) for e, tm, td, bad in zip(eps, T, Tb, late | missed, strict=True) if bad]
    hits.update(T_sound=sound, unsound=unsound)
    name = f"T_measured <= {label}"
    if sound is None:
        why = hits["withheld"] or f"some runs were capped before reaching eps and before {label}"
        return Assertion(name, "bound", INCONCLUSIVE, why)
    if sound:
        return Assertion(
            name,
            "bound",
            PASS,
            f"not refuted on this grid: each of the {len(eps)} eps in [{eps.min():g}, {eps.max():g}] reached within {label}",
        )
    return Assertion(
        name,
        "bound",
        FAIL,
        "; ".join(
            f"eps={e:g}: " + (f"T_measured {tm:.0f} > {label} {td:.3g}" if tm >= 0 else f"not reached within {label} = {td:.3g}")
            for e, tm, td in unsound
        ),
    )


def rate_assertions(inst, run0, hits, halved) -> list:
    """The rate step on the run from w0 (`run0`, recorded to eps) and the T grid (`hits`): the q measurement (with a
    second run from `halved(eps, iters)` at gamma/2) when the record names q, and the T(eps) exponent. Records the
    measurements in run0["rate"] and hits; returns the assertions (verdicts on a tight instance only)."""
    tight = inst.tight and inst.source == "certified"
    out, rate = [], {}
    run0["rate"] = rate
    if "q" in inst.theorem.parameters:
        rate.update(_q_step(inst, run0, halved))
    hits.update(_exponent_step(inst, hits))
    # a run that left the ball the constants are certified on measures nothing the theorem speaks of
    withheld = run0.get("withheld") or hits["withheld"] or rate.pop("withheld", None)
    if not tight:
        why = (
            "the constants are given, not certified"
            if inst.source == "given"
            else "the PL certificate is not an equality on this problem"
        )
        q = (
            (
                f"q measured {rate['q_measured']:.4g} (interval [{rate['q_interval'][0]:.4g}, {rate['q_interval'][1]:.4g}]) "
                f"vs {rate['q_predicted']:.4g} predicted; "
            )
            if rate
            else ""
        )
        e = hits["exponent_measured"]
        out.append(
            Assertion(
                "rate",
                "rate",
                NOT_ASSESSED,
                f"{why}: the bound is an upper bound whose shape need not be attained; {q}T exponent measured "
                + (f"{e:.4g}" if np.isfinite(e) else "not measurable (< 3 eps reached)")
                + f" vs derived {hits['exponent_derived']:.4g}",
            )
        )
        return out
    if withheld:
        return [Assertion("rate (tight instance)", "rate", INCONCLUSIVE, f"{withheld}: no rate is measured there")]
    if rate:
        lo, hi = rate["q_interval"]
        out.append(
            Assertion(
                "rate q (tight instance)",
                "rate",
                rate_verdict(lo, hi, rate["q_predicted"]),
                f"q predicted {rate['q_predicted']:.5g}, measured {rate['q_measured']:.5g} (extrapolated to gamma -> 0 from "
                f"gamma and gamma/2) with interval [{lo:.5g}, {hi:.5g}]; measured regime {rate['regime_measured']}"
                if math.isfinite(rate["q_measured"])
                else f"q predicted {rate['q_predicted']:.5g}; not measurable: the run does not decrease",
            )
        )
    elo, ehi = hits["exponent_interval"]
    e_der, e_loc = hits["exponent_derived"], hits["exponent_derived_local"]
    tlo, thi = sorted((e_der, e_loc))
    # On a tight instance T_measured and T(eps) share their asymptotic exponent; on a finite grid the measured slope
    # is held against the span between T(eps)'s own slope on the grid and the asymptotic exponent.
    log = " (T / log(1/eps) fitted)" if hits["log_factor"] else ""
    out.append(
        Assertion(
            "T(eps) exponent (tight instance)",
            "rate",
            rate_verdict(elo, ehi, tlo, thi),
            f"{inst.theorem.reading}: {e_der:.4g} asymptotically, {e_loc:.4g} on this grid; measured "
            f"{hits['exponent_measured']:.4g} with interval [{elo:.4g}, {ehi:.4g}] (95% fit interval joined with the "
            "leave-one-out slopes)" + log
            if math.isfinite(elo) and math.isfinite(ehi) and math.isfinite(e_loc)
            else f"{inst.theorem.reading}: {e_der:.4g} asymptotically; measured: not measurable (too few eps of the "
            "grid reached)",
        )
    )
    return out


def _exponent_step(inst, hits) -> dict:
    eps, T, Tb = (np.asarray(hits[k], float) for k in ("eps", "T_measured", "T_bound"))
    e_der, log = inst.order()
    ok = (T > 0) & np.isfinite(Tb)
    x = np.log(1 / eps[ok])
    y = np.log(T[ok] / (x if log else 1.0))
    nan = float("nan")
    fit = ols(x, y) if ok.sum() >= 3 else LineFit(nan, nan, (nan, nan), 0.0, (0, 0), 0)
    jack = [ols(np.delete(x, i), np.delete(y, i)).slope for i in range(len(x))] if ok.sum() >= 4 else []
    # T(eps) is an explicit function: its own slope on this grid carries the lower-order terms (e.g. 1 - eps^(1-q)
    # in Theorem 1's regime 3) that the asymptotic exponent drops. Measured slopes are held against both.
    e_loc = ols(x, np.log(Tb[ok] / (x if log else 1.0))).slope if ok.sum() >= 3 else nan
    return {
        "exponent_measured": fit.slope,
        "exponent_ci": fit.ci,
        "exponent_interval": (min([fit.ci[0], *jack]), max([fit.ci[1], *jack])),
        "exponent_derived": float(e_der),
        "exponent_derived_local": e_loc,
        "log_factor": bool(log),
        "fit": fit,
    }


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


def _measured_q(gap, eps):
    """q from the iterates while Delta > eps (each with its successor), sampled geometrically in t."""
    above = np.nonzero(gap > eps)[0]
    last = int(above[-1]) if len(above) else 0  # the last iterate above eps; its successor exists or the run ended
    last = min(last, len(gap) - 2)
    sub = np.unique(np.round(np.geomspace(1, max(last, 1), 400)).astype(int))
    sub = np.concatenate([[0], sub[sub <= last]])
    return _q_fit(gap, sub), sub  # ((fit, rounding), sampled steps)


def _q_step(inst, run0, halved) -> dict:
    eps, tr = run0["eps"], run0["trajectory"]
    gap = np.asarray(tr["measured"], float)
    iters = int(min(math.ceil(run0["T_bound"]), MAX_ITERS)) if math.isfinite(run0["T_bound"]) else MAX_ITERS
    q_pred = inst.parameter("q", eps)
    run_half = halved(eps, int(min(2 * iters, MAX_ITERS)))
    try:
        (q1, r1), sub = _measured_q(gap, eps)
        (q2, r2), _ = _measured_q(np.asarray(run_half["measured"], float), eps)
    except ValueError:  # the run does not decrease (a method that ascends or stalls): no rate to measure
        nan = math.nan
        sub = np.arange(len(gap))[:400]
        q0, bias, lo, hi, ci, measured = nan, nan, nan, nan, (nan, nan), "not measurable"
    else:
        q0 = 2 * q2.slope - q1.slope  # Richardson: q(gamma) = q0 + c gamma + O(gamma^2)
        bias = abs(q2.slope - q1.slope)
        half = max(q1.ci[1] - q1.slope, q2.ci[1] - q2.slope) + max(r1, r2)  # the fits' 95% half-width, float rounding
        lo, hi = q0 - bias - 2 * half, q0 + bias + 2 * half  # 2 half-widths: q0 combines two fits (2 q2 - q1)
        ci, measured = q1.ci, 1 if lo > 1 else 3 if hi < 1 else "boundary"
    return {
        "q_predicted": q_pred,
        "q_measured": q0,
        "q_interval": (lo, hi),
        "q_fit_ci": ci,
        "q_bias": bias,
        "regime_measured": measured,
        "sampled": sub,
        "withheld": run_half["dist"].withheld(),
    }
