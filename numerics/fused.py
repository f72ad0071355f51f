"""The engine's compute backends: "numpy" (the reference) and "numba" (fused per-run loops, optional: insgd[fast]).

The numba backend replaces the minibatch gradient of the finite sums, the engine's hot spot (and, for the Theorem 1
checks, runs deterministic NGD on the analytic problems in one compiled loop: `ngd_runs`): NumPy gathers the
batch's rows into an (R, b, d) copy (51 MB per step at R = 1000, b = 64, d = 100, out of cache) and contracts it
twice; the fused kernels read each sampled row of the data matrix in place (2.4 MB, in cache), one run per thread.

Same numbers: every sum is taken in a fixed order (within a run: samples in batch order; a dot product in four
interleaved partial sums, combined as (s0 + s1) + (s2 + s3)); no fastmath, so no reassociation by the compiler.
The result differs from NumPy's (whose einsum chooses its own order) by rounding only: within 1e-12 relative per
call (tests/test_fused.py). The random draws stay in NumPy, shared by both backends, so a seed gives the same
minibatches on either. Compiled functions are cached on disk (cache=True): the first call in a fresh environment
compiles (`compile_seconds()` reports it); later processes load the cache.

Threads: large calls split the runs over the cores (prange), small ones run serially (no thread wake-up); each run
is summed by one thread in the fixed order, so the result does not depend on the number of threads. During a numba
run BLAS is held to one thread (`threads_for`).
"""

import contextlib
import functools
import importlib.util
import time

import numpy as np

from insgd.core import InputError

BACKENDS = ("numpy", "numba")
_COMPILE = {}  # kernel name -> seconds of the calls that compiled it or loaded it from the disk cache


@functools.cache
def _installed(module: str) -> bool:
    """Whether a module can be imported (looked up once per process: every engine run asks)."""
    return importlib.util.find_spec(module) is not None


def available() -> bool:
    return _installed("numba")


def default_backend() -> str:
    """numba when installed, else numpy."""
    return "numba" if available() else "numpy"


def resolve(backend) -> str:
    """None -> the default; otherwise a validated name (InputError: unknown, or numba requested but absent)."""
    if backend is None:
        return default_backend()
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if backend == "numba" and not available():
        raise InputError("backend 'numba' needs numba: pip install 'insgd[fast]' (or use --backend numpy)")
    return backend


def compile_seconds() -> dict:
    """Seconds the calls that compiled (or loaded from the on-disk cache) each kernel took in this process."""
    return dict(_COMPILE)


PARALLEL_WORK = 1 << 17  # multiply-adds per call above which the runs are split over threads


def threads_for(backend, work):
    """The cores for the fused kernels during a numba run whose calls are parallel (work: multiply-adds per call):
    BLAS (the full gradients at checkpoints) limited to one thread, since OpenBLAS threads spin after each call and
    would take the cores the kernels' threads need (threadpoolctl, in insgd[fast]; without it, nothing changes)."""
    if backend != "numba" or work < PARALLEL_WORK or not _installed("threadpoolctl"):
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _kernel(name, work):
    from insgd.numerics import _numba_kernels as nk

    return getattr(nk, f"{name}_{'parallel' if work >= PARALLEL_WORK else 'serial'}")


def _call(name, work, *args):
    return _call_named(_kernel(name, work), *args)


def _runs(W, idx):
    """C-contiguous float64 iterates and int64 indices (the engine's index draws are column views of a buffer): one
    compiled signature per kernel."""
    return np.ascontiguousarray(W, dtype=np.float64), np.ascontiguousarray(idx, dtype=np.int64)


def phase_retrieval_grads(A, y, W, idx, c):
    """finite_sums.PhaseRetrieval.sample_grads on the numba backend (A, y: C-contiguous float64)."""
    W, idx = _runs(W, idx)
    return _call("phase_retrieval", idx.size * A.shape[1], A, y, W, idx, float(c))


def dro_grads(X, y, V, idx, lam, weight, nu, smooth):
    """finite_sums.DRO.sample_grads on the numba backend (X, y: C-contiguous float64)."""
    V, idx = _runs(V, idx)
    return _call("dro", idx.size * X.shape[1], X, y, V, idx, float(lam), float(weight), float(nu), bool(smooth))


def ngd_runs(problem, W0, gamma, beta, eps, iters, center, record):
    """Deterministic NGD runs on an analytic problem in one compiled loop, or None when numba or the problem's
    kernel is absent (the caller then uses numerics/engine.run, the reference). The loop is the engine's, step for
    step (eps: stop at the first f - f* <= eps per run; center: the distances an engine callback would see), with the
    problem's formulas in the same order of operations; tests/test_fused.py holds it against the engine."""
    spec = problem.fused_kind()
    if spec is None or not available():
        return None
    from insgd.numerics import _numba_kernels as nk

    kind, p, v1, v2 = spec
    R = W0.shape[0]
    args = (
        kind,
        float(p),
        v1,
        v2,
        float(problem.fstar),
        np.ascontiguousarray(W0, np.float64),
        np.ascontiguousarray(np.broadcast_to(np.asarray(gamma, np.float64), (R,))),
        float(beta),
        np.ascontiguousarray(np.broadcast_to(np.asarray(eps, np.float64), (R,))),
        int(iters),
        np.ascontiguousarray(center, np.float64),
        bool(record),
    )
    gap, hit, stop, diverged, fin, W, dist = _call_named(nk.ngd_loop, *args)
    return {"gap": gap, "hit": hit, "stop": stop, "diverged": diverged, "final_gap": fin, "W": W, "dist": dist}


_CALLED = set()  # kernels called at least once in this process (each has one signature: the wrappers fix the types)


def _call_named(k, *args):
    """Call a kernel; its first call in a process (which compiles it, or loads it from the on-disk cache) is timed
    apart. Later calls skip the bookkeeping: asking numba for a kernel's signatures costs more than a small call."""
    if k in _CALLED:
        return k(*args)
    t0 = time.perf_counter()
    out = k(*args)
    _COMPILE[k.__name__] = _COMPILE.get(k.__name__, 0.0) + time.perf_counter() - t0
    _CALLED.add(k)
    return out
