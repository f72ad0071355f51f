"""A promise in expectation, held against many runs: `seeds` independent runs give, at each t of a geometric grid,
the mean of A(t) = (1/t) sum_{k<t} ||grad F(x_k)||^2. The theorem is refuted only when a distribution-free lower
confidence bound on E[A(t)] exceeds B(t) (`lower_confidence_bound`: Hoeffding and empirical Bernstein for min(A, c)
in [0, c], c = 1.5 B(t) fixed by the theorem before any run, E min(A, c) <= E A), at level delta split over the grid
(Bonferroni). It passes when the Student-t upper confidence bound is below B(t) at every t of the grid (a
statistical statement, not a proof); otherwise it is inconclusive. The tightness ratio is min_t B(t) / mean A(t)."""

import math

import numpy as np

from insgd.core import InputError
from insgd.numerics.engine import run
from insgd.numerics.runs import memory_limit
from insgd.verify.checks.setup import FLOAT_REL, Distance
from insgd.verify.verdicts import FAIL, PASS, pointwise_verdict

STOCHASTIC_SEEDS, STOCHASTIC_ITERS, STOCHASTIC_DELTA, GRID_POINTS = 256, 1000, 1e-3, 12
TRUNCATE = 1.5  # the lower confidence bound truncates A(t) at TRUNCATE * B(t), fixed before any run


def expectation_check(B, opt, problem, hp, w0, noise, seeds, iters, delta, radius, run_text):
    """`seeds` runs of `iters` steps held against the bound B (a vectorized function of t). Returns the result dict
    and the Distance watch of the certified ball (radius is None here: a promise in expectation binds global
    certificates only; the watch stays for safety). run_text names the runs in the evidence."""
    from scipy.stats import t as student

    R = STOCHASTIC_SEEDS if seeds is None else int(seeds)
    K = STOCHASTIC_ITERS if iters is None else int(iters)
    delta = STOCHASTIC_DELTA if delta is None else float(delta)
    if R < 2:
        raise InputError(f"seeds must be >= 2 for a check in expectation, got {R}")
    if K < 1:
        raise InputError(f"iters must be >= 1, got {K}")
    need = 6 * 8 * R * (K + 1)  # the trace's per-step arrays and their working copies
    if need > memory_limit():
        raise InputError(
            f"seeds x iters must fit in memory: {R} x {K} needs ~{need / 2**30:.3g} GiB, the limit here is "
            f"{memory_limit() / 2**30:.3g} GiB; lower --seeds or --iters"
        )
    dist = Distance(problem.argmin, radius)
    tr = run(
        problem,
        opt,
        w0,
        K,
        np.arange(R),
        hp,
        noise=noise,
        stop_at_threshold=False,
        n_checkpoints=K + 1,
        callback=dist,
    )
    g2 = tr.grad_norm[:, :K] ** 2  # ||grad F(x_k)||^2, k = 0..K-1 (every step is a checkpoint)
    g2 = np.where(np.isfinite(g2), g2, np.inf)
    grid = np.unique(np.geomspace(1, K, GRID_POINTS).round().astype(int))
    A = np.cumsum(g2, axis=1)[:, grid - 1] / grid  # (R, len(grid)): A(t) per run
    Bt = B(grid.astype(float))
    level = delta / len(grid)
    with np.errstate(invalid="ignore"):
        lcb = lower_confidence_bound(A, TRUNCATE * Bt, level)
        mean, sd = A.mean(axis=0), A.std(axis=0, ddof=1)
        ucb = mean + student.ppf(1 - level, R - 1) * sd / math.sqrt(R)
    ratio = np.where(mean > 0, Bt / mean, np.inf)
    j = int(np.argmin(ratio))
    res = {
        "runs": R,
        "iterations_run": K,
        "delta": delta,
        "grid": grid.tolist(),
        "mean": mean.tolist(),
        "lcb": lcb.tolist(),
        "ucb": ucb.tolist(),
        "bound": Bt.tolist(),
        "tightness": float(ratio[j]) if math.isfinite(ratio[j]) else None,
        "T_bound": None,
        "T_measured": None,
    }
    where = f"{run_text}, seeds 0..{R - 1}"
    bad = lcb > Bt * (1 + FLOAT_REL)
    # fail when a lower bound exceeds B(t) beyond float rounding, pass only when every upper bound is at most B(t)
    verdict = pointwise_verdict(lcb / (1 + FLOAT_REL), ucb, Bt)
    if verdict == FAIL:
        i = int(np.argmax(bad))
        res.update(
            verdict=verdict,
            evidence=f"refuted by {R} runs: at t = {grid[i]}, E[A(t)] >= {lcb[i]:.6g} (distribution-free lower bound, "
            f"confidence 1 - {delta:g} over the grid; sample mean {mean[i]:.6g}) > bound {Bt[i]:.6g} ({where})",
            witness_run={"t": grid[: i + 1].tolist(), "mean": mean[: i + 1].tolist(), "bound": Bt[: i + 1].tolist()},
        )
    elif verdict == PASS:
        res.update(
            verdict=verdict,
            evidence=f"at all {len(grid)} t of the grid 1..{K}, the Student-t upper confidence bound of E[A(t)] "
            f"(level {delta:g}) is below B(t) ({R} runs; a statistical statement); tightness min_t B(t) / mean A(t) "
            f"= {ratio[j]:.3g} at t = {grid[j]}",
        )
    else:
        undecided = ucb > Bt
        i = int(np.argmax(undecided))
        res.update(
            verdict=verdict,
            evidence=f"at {int(undecided.sum())} of the {len(grid)} t of the grid the bound B(t) lies inside the "
            f"confidence interval of E[A(t)]: first at t = {grid[i]}, B = {Bt[i]:.6g} within [{lcb[i]:.6g}, "
            f"{ucb[i]:.6g}] (sample mean {mean[i]:.6g}); more runs (--seeds) narrow it. Tightness min_t B(t) / "
            f"mean A(t) = {ratio[j]:.3g}",
        )
    return res, dist


def lower_confidence_bound(A, c, level):
    """A lower bound on E[A] (per column of A, rows i.i.d., A >= 0) that holds with probability >= 1 - level for
    every distribution: E[A] >= E[min(A, c)], and min(A, c)/c lies in [0, 1], where Hoeffding's inequality and the
    empirical Bernstein bound (Maurer and Pontil 2009, Theorem 4: E Z >= mean - sqrt(2 V ln(2/d) / n)
    - 7 ln(2/d) / (3 (n - 1)) for Z in [0, 1], V the sample variance) each hold at level / 2; the larger of the two is
    taken (both hold at once with probability >= 1 - level). c must not depend on A."""
    n = A.shape[0]
    Z = np.minimum(A, c) / c
    d = level / 2
    mean = Z.mean(axis=0)
    hoeffding = mean - math.sqrt(math.log(1 / d) / (2 * n))
    bernstein = mean - np.sqrt(2 * Z.var(axis=0, ddof=1) * math.log(2 / d) / n) - 7 * math.log(2 / d) / (3 * (n - 1))
    return c * np.maximum(hoeffding, bernstein)
