"""A promise in probability, held against many runs (the one checker's ``hit_probability`` measure; Theorem 2):
P(min_{t <= T} ||grad F(w_t)|| <= eps) >= p, with T = T(eps) the record's iteration count and p its probability.

`seeds` independent runs of the algorithm with the record's hyperparameters at (eps, T) stop at their first
||grad F|| <= eps. The fraction that did so within T gets a 95% Clopper-Pearson interval: the promise is not
refuted (a statistical statement) when the interval lies above p, refuted when it lies below p and every run had
its full T, and undecided otherwise (the interval straddles p, or an iteration budget ended runs before T, so a run
counted as a miss might still have hit within T).
"""

import numpy as np
from scipy import stats

from insgd.numerics.engine import run
from insgd.verify.checks.setup import Distance
from insgd.verify.verdicts import FAIL, PASS, interval_verdict

LEVEL = 0.95


def clopper_pearson(k, n, level=LEVEL):
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(stats.beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(stats.beta.ppf(1 - a, k + 1, n - k))
    return lo, hi


def hit_probability_check(inst, eps, seeds, budget, d0, quiet=True):
    """Runs from inst.w0 with seeds `seeds` (an int n: 0..n-1, or the seeds), each for min(T, budget) iterations:
    (the result, the Distance watch of the certified ball)."""
    seeds = np.arange(seeds) if np.ndim(seeds) == 0 else np.asarray(seeds, np.int64)
    n = len(seeds)
    T = inst.count(eps, d0)
    p = float(inst.formula(inst.theorem.probability, eps))
    hp = inst.hp(eps, T=T)
    iters = int(min(T, budget))
    # constants certified on a ball (given ones) are watched: a path that leaves it withholds the verdict
    dist = Distance(inst.problem.argmin, inst.radius)
    watch = None if inst.radius is None else dist
    tr = run(inst.problem, inst.optimizer, inst.w0, iters, seeds, hp, noise=inst.noise, eps_grad=eps, quiet=quiet, callback=watch)
    hit = tr.hit_grad_t
    k = int(np.sum(hit >= 0))
    not_finished = n - k if T > budget else 0
    lo, hi = clopper_pearson(k, n)
    steps = int(tr.stop_t.sum())
    active = tr.final_state.get("h_active")
    verdict = interval_verdict(lo, hi, p, at_least=True, complete=not not_finished)
    what = (
        f"{k}/{n} runs of {inst.optimizer.name} with the synthetic oracle (tau1, tau2) = {tuple(inst.noise)} reached "
        f"||grad F|| <= {eps:g} within T = {T} ({LEVEL:.0%} Clopper-Pearson [{lo:.3g}, {hi:.3g}] against the "
        f"claimed probability {p:g})"
    )
    evidence = {PASS: f"not refuted (a statistical statement): {what}", FAIL: f"refuted: {what}"}.get(
        verdict, what + ("; runs were cut by the budget" if not_finished else "")
    )
    return {
        "verdict": verdict,
        "evidence": evidence,
        "eps": eps,
        "T": T,
        "probability": p,
        "hyperparameters": hp,
        "budget": iters,
        "seeds": n,
        "hits_within_T": k,
        "not_finished": not_finished,
        "fraction_within_T": k / n,
        "fraction_ci": (lo, hi),
        "T_hit": hit.tolist(),
        "h_active_fraction": float(active.sum() / steps) if active is not None and steps else 0.0,
        "budget_note": (
            f"{not_finished} run(s) reached the budget of {budget} iterations before T = {float(T):.3g}: they might "
            f"still hit within T, so a fraction below {p:g} is inconclusive"
        )
        if not_finished
        else None,
    }, dist
