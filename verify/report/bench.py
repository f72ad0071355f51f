"""Benchmarks: ratios measured within one run, so they hold on a noisy shared machine."""

import time

import numpy as np

from insgd.numerics.engine import run
from insgd.numerics.problems import Power


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
    return {
        "runs": runs,
        "iters": iters,
        "batch_s": batch,
        "sequential_s": seq,
        "sequential_sampled": k,
        "batching_speedup": seq / batch,
    }


PR_SETUP = {
    "dim": 100,
    "m": 3000,
    "batch": 64,
    "batch_prime": 8,
    "runs": 256,
    "steps": 500,
    "gamma": 0.5,
    "beta": 2 / 3,
    "delta": 15.0,
    "k": 45.0,
}


def _pr(cfg):
    from insgd.numerics.finite_sums import PhaseRetrieval

    return PhaseRetrieval(dim=cfg["dim"], m=cfg["m"], data_seed=0)


def bare_kernel(A, y, W, steps, batch, batch_prime, gamma, beta, delta, k, rng):
    """The work any I-NSGD implementation must do, inline: draw indices, gather rows, two products, update."""
    R, m = W.shape[0], A.shape[0]
    for _ in range(steps):
        for size, key in ((batch, 0), (batch_prime, 1)):
            idx = rng.integers(0, m, (R, size))
            Ab = A[idx]
            s = np.einsum("rbd,rd->rb", Ab, W)
            g = np.einsum("rb,rbd->rd", -2.0 * (y[idx] - s * s) * s, Ab) / size
            if key == 0:
                gB = g
            else:
                h = np.maximum(1.0, k * (2 * np.sqrt(np.einsum("rd,rd->r", g, g)) + delta))
        W = W - (gamma / h**beta)[:, None] * gB
    return W


def loop_kernel(A, y, w, steps, batch, batch_prime, gamma, beta, delta, k, rng):
    """One seed at a time, one sample at a time for the gradients: the style of a plain research script."""
    m = A.shape[0]
    for _ in range(steps):
        gB = np.zeros_like(w)
        for i in rng.integers(0, m, batch):
            s = A[i] @ w
            gB += -2.0 * (y[i] - s * s) * s * A[i]
        gB /= batch
        gP = np.zeros_like(w)
        for i in rng.integers(0, m, batch_prime):
            s = A[i] @ w
            gP += -2.0 * (y[i] - s * s) * s * A[i]
        gP /= batch_prime
        h = max(1.0, k * (2 * np.linalg.norm(gP) + delta))
        w = w - gamma / h**beta * gB
    return w


def bench_engine(cfg=None, loop_sample=4):
    """Engine vs bare kernel (same work, same sizes) and vs the per-seed loop (timed on a few seeds, scaled)."""
    cfg = {**PR_SETUP, **(cfg or {})}
    prob = _pr(cfg)
    R = cfg["runs"]
    W0 = prob.initial_point(np.random.default_rng(0), R) * 0.05
    hp = {k: cfg[k] for k in ("gamma", "beta", "batch", "batch_prime", "delta", "k")}
    t0 = time.perf_counter()
    # the NumPy backend: the overhead is the engine's over the same NumPy kernel (bench_backend compares backends)
    run(prob, "insgd", W0, cfg["steps"], np.arange(R), hp, n_checkpoints=1, backend="numpy")  # metrics at t = 0, end
    engine = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(prob, "insgd", W0, cfg["steps"], np.arange(R), hp, backend="numpy")  # 40 geometric checkpoints of f, grad F
    engine_ck = time.perf_counter() - t0
    args = (cfg["steps"], cfg["batch"], cfg["batch_prime"], cfg["gamma"], cfg["beta"], cfg["delta"], cfg["k"])
    t0 = time.perf_counter()
    bare_kernel(prob.A, prob.y, W0, *args, np.random.default_rng(0))
    bare = time.perf_counter() - t0
    n = min(loop_sample, R)
    t0 = time.perf_counter()
    for r in range(n):
        loop_kernel(prob.A, prob.y, W0[r], *args, np.random.default_rng(r))
    loop = (time.perf_counter() - t0) * R / n
    return {
        "setup": cfg,
        "engine_s": engine,
        "bare_kernel_s": bare,
        "engine_overhead": engine / bare,
        "engine_with_checkpoints_s": engine_ck,
        "loop_s": loop,
        "loop_sampled_seeds": n,
        "speedup_vs_loop": loop / engine,
    }


STEP = {"runs": 1000, "batch": 64, "dim": 100, "m": 3000, "steps": 200}


def peak_flops(n=1500, repeats=3) -> float:
    """This machine's measured floating-point rate: the best of a few n x n float64 matrix products (BLAS, all
    cores), 2 n^3 operations each."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    a @ b
    best = min(_timed(lambda: a @ b) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_backend(full_reproduction=True):
    """The numba backend against the NumPy engine, side by side in this process (numerics/fused.py):

    * step: the phase-retrieval minibatch gradient (1000 runs, batch 64, d 100, m 3000), ns per run-step, the best
      of 5 calls each, and whole engine runs of SGD with that batch (200 steps, metrics at the ends only);
    * agreement: the largest normwise relative difference per call, and of the engine runs' finals;
    * floor: 4 b d floating-point operations per run-step (a dot product and an update per sample) at the measured
      peak rate (matrix products, all cores);
    * compile: each kernel's first call (compilation, or loading the on-disk cache), apart from the timings;
    * the full phase-retrieval reproduction on each backend (unless full_reproduction=False).
    """
    from insgd.numerics import fused
    from insgd.numerics.finite_sums import PhaseRetrieval

    if not fused.available():
        return {"available": False, "note": "numba is not installed: pip install 'insgd[fast]'"}
    c = STEP
    prob = PhaseRetrieval(dim=c["dim"], m=c["m"], data_seed=0)
    rng = np.random.default_rng(0)
    W = prob.initial_point(rng, c["runs"]) * 0.05
    idx = rng.integers(0, c["m"], (c["runs"], c["batch"]))
    t0 = time.perf_counter()
    G1 = prob.sample_grads(W, idx, "numba")
    first_call = time.perf_counter() - t0
    G0 = prob.sample_grads(W, idx)
    per = c["runs"] * 1e-9
    t_np = min(_timed(lambda: prob.sample_grads(W, idx, "numpy")) for _ in range(5)) / per
    t_nb = min(_timed(lambda: prob.sample_grads(W, idx, "numba")) for _ in range(5)) / per
    hp = {"gamma": 1e-4, "batch": c["batch"]}
    seeds = np.arange(c["runs"])
    run(prob, "sgd", W[:2], 2, seeds[:2], hp, backend="numba")  # compile the engine's serial path apart
    traces, times = {}, {}
    for be in ("numpy", "numba"):
        t0 = time.perf_counter()
        traces[be] = run(prob, "sgd", W, c["steps"], seeds, hp, n_checkpoints=1, backend=be)
        times[be] = time.perf_counter() - t0
    a, b = traces["numpy"].final_gap, traces["numba"].final_gap
    flops = 4 * c["batch"] * c["dim"]
    peak = peak_flops()
    out = {
        "available": True,
        "step": dict(c),
        "ns_per_run_step": {"numpy": t_np, "numba": t_nb},
        "kernel_ratio": t_np / t_nb,
        "engine_s": times,
        "engine_ratio": times["numpy"] / times["numba"],
        "agreement_per_call": float(np.linalg.norm(G1 - G0) / np.linalg.norm(G0)),
        "agreement_engine_finals": float(np.max(np.abs(a - b) / np.abs(a))),
        "same_stops": bool(np.array_equal(traces["numpy"].stop_t, traces["numba"].stop_t)),
        "flops_per_run_step": flops,
        "peak_gflops": peak / 1e9,
        "floor_ns_per_run_step": flops / peak * 1e9,
        "first_call_s": first_call,
        "compile_s": fused.compile_seconds(),
    }
    if full_reproduction:
        import tempfile

        from insgd.verify.experiments.reproduce import reproduce

        rep, conc = {}, {}
        for be in ("numpy", "numba"):
            with tempfile.TemporaryDirectory() as d:
                t0 = time.perf_counter()
                r = reproduce("phase-retrieval", out=f"{d}/r", progress=False, backend=be)
                rep[be] = time.perf_counter() - t0
                conc[be] = r["conclusion"]["sentence"]
        out["reproduction_s"] = rep
        out["reproduction_ratio"] = rep["numpy"] / rep["numba"]
        out["reproduction_same_conclusion"] = conc["numpy"] == conc["numba"]
    return out


def bench_theory(n=1_000_000, sample=20):
    """Theorem 2's T(eps) on an n-point eps grid: lambdified NumPy vs SymPy substitution point by point."""
    import sympy as sp

    from insgd.theory import symbols as S
    from insgd.theory.insgd import T_BOUND, t_grid

    eps = np.geomspace(1e-1, 1e-6, n)
    consts = {"L0": 1.0, "L1": 2.0, "tau1": 1.5, "tau2": 0.5, "beta": 2 / 3, "delta0": 1.0}
    t0 = time.perf_counter()
    T = t_grid(eps, *consts.values())
    grid = time.perf_counter() - t0
    subs = {S.L0: 1, S.L1: 2, S.tau1: sp.Rational(3, 2), S.tau2: sp.Rational(1, 2), S.beta: sp.Rational(2, 3), S.Delta0: 1}
    pts = eps[:: max(1, n // sample)][:sample]
    t0 = time.perf_counter()
    ref = [float(T_BOUND.subs(subs).subs(S.eps, sp.Float(e)).evalf()) for e in pts]
    per_point = (time.perf_counter() - t0) / len(pts)
    agree = float(np.max(np.abs(np.ceil(ref) - T[:: max(1, n // sample)][:sample]) / np.ceil(ref)))
    return {
        "grid_points": n,
        "theory_grid_s": grid,
        "sympy_per_point_s": per_point,
        "sympy_extrapolated_s": per_point * n,
        "theory_speedup": per_point * n / grid,
        "max_rel_diff": agree,
    }


def bench_main_job(quick=True):
    """Wall time of the main job (`insgd verify all`), into a temporary directory."""
    import tempfile

    from insgd.verify.report.main_job import run_all

    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        run_all(f"{d}/report", quick=quick, progress=False)
        return time.perf_counter() - t0


def bench_all(quick=False):
    """Every benchmark figure, each a ratio (or a time) measured in this one run."""
    import os
    import platform

    b = bench_batching()
    e = bench_engine()
    t = bench_theory()
    k = bench_backend(full_reproduction=not quick)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "platform": platform.platform(),
        },
        "batching_speedup": b["batching_speedup"],
        "batching": b,
        "engine_overhead": e["engine_overhead"],
        "speedup_vs_loop": e["speedup_vs_loop"],
        "engine": e,
        "theory_speedup": t["theory_speedup"],
        "theory_grid_s": t["theory_grid_s"],
        "theory": t,
        "backend": k,
        "main_job_quick_s": bench_main_job(quick=True),
        "main_job_s": None if quick else bench_main_job(quick=False),
    }
