"""Benchmarks: ratios measured within one run, so they hold on a noisy shared machine."""

import time

import numpy as np

from numerics.engine import run
from numerics.problems import Power


def bench_batching(runs=64, iters=10_000, sample=8):
    """R NGD configurations (different gamma and beta) on 1-D power problems: one batch vs one at a time.

    The sequential time is measured on `sample` of the runs and scaled to all of them (each sequential
    run does the same work); both go through the same engine.
    """
    problem = Power(p=4.0, dim=1)
    gammas = np.geomspace(1e-4, 1e-1, runs)
    betas = np.linspace(0.5, 1.0, runs)
    w0 = np.ones((runs, 1))
    t0 = time.perf_counter()
    run(problem, "ngd", w0, iters, np.arange(runs), {"gamma": gammas, "beta": betas})
    batch = time.perf_counter() - t0
    k = min(sample, runs)
    t0 = time.perf_counter()
    for i in range(k):
        run(problem, "ngd", w0[i], iters, [i], {"gamma": gammas[i], "beta": betas[i]})
    seq = (time.perf_counter() - t0) * runs / k
    return {"runs": runs, "iters": iters, "batch_s": batch, "sequential_s": seq, "sequential_sampled": k,
            "batching_speedup": seq / batch}
