"""The engine's compute backends: "numpy" (the reference) and "numba" (fused per-run loops, optional: insgd[fast]).

The numba backend replaces the minibatch gradient of the finite sums, the engine's hot spot: NumPy gathers the
batch's rows into an (R, b, d) copy (51 MB per step at R = 1000, b = 64, d = 100, out of cache) and contracts it
twice; the fused kernels read each sampled row of the data matrix in place (2.4 MB, in cache), one run per thread.
On the finite sums, the stochastic optimizers' whole step loop is compiled too (`StepLoop`, used by engine.run): the
steps between two checkpoints run in one call, and the checkpoints' f and grad F in another, so that no Python runs
per step. For the Theorem 1 checks, deterministic NGD on the analytic problems runs in one compiled loop (`ngd_runs`).

Same numbers: every sum is taken in a fixed order (within a run: samples in batch order; a dot product in four
interleaved partial sums, combined as (s0 + s1) + (s2 + s3); numerics/_numba_kernels.py); no fastmath, so no
reassociation by the compiler. The result differs from NumPy's (whose einsum and BLAS choose their own order) by
rounding only: within 1e-12 relative per call, and on runs that do not amplify rounding (tests/test_fused.py,
tests/test_fused_loop.py). The random draws stay in NumPy, shared by both backends, so a seed gives the same
minibatches on either. Compiled functions are cached on disk (cache=True): the first call in a fresh environment
compiles (`compile_seconds()` reports it); later processes load the cache.

Threads: large calls split the runs over the cores (prange), small ones run serially (no thread wake-up); each run
is summed by one thread in the fixed order, so the result does not depend on the number of threads, nor on which
other runs share the call. During a numba run BLAS is held to one thread (`threads_for`).
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


# -- the compiled step loop (engine.run on the numba backend) ---------------------------------------------------------

KINDS = {"sgd": 0, "nsgd": 1, "clipped_sgd": 2, "insgd": 3, "nsgd_momentum": 4, "spider": 5, "spider_sfo": 6}
HP = ("gamma", "beta", "delta", "clip", "k", "floor", "momentum", "lr")  # the kernels' per-run hyperparameters


def step_loop(problem, opt, oracle, keys, hp):
    """A StepLoop for engine.run, or None when this configuration has none (the engine then takes its steps in
    NumPy): a finite sum with a numba kernel (its oracle on "numba", so no synthetic noise), draws with replacement,
    and a registered optimizer of KINDS. A run with a callback or per-step thresholds uses it one step at a time:
    every run of a seed then has the same iterates bit for bit, whatever else the engine looks at."""
    from insgd.numerics.optimizers import OPTIMIZERS

    if oracle.backend_used != "numba" or not oracle.replace or not hasattr(problem, "kernel_args"):
        return None
    if opt.name not in KINDS or OPTIMIZERS[opt.name] is not opt:
        return None
    return StepLoop(problem, opt.name, hp, keys)


class StepLoop:
    """engine.run's updates for the stochastic optimizers on a finite sum, many steps per compiled call.

    `advance` takes steps t .. t + n - 1 of every active run at once, up to the engine's next checkpoint (where the
    engine measures, records and stops runs), cut where the samples reach max_samples (the engine stops runs there),
    at the end of a block of draws, and before SPIDER's next full step. A step whose new iterate is not finite ends
    its run (the engine's divergence), and the engine measures every run at that step: so the call is taken again up
    to that step, then that step alone, and the engine handles it as its own. `value_and_grad` is f and grad F of
    every run (the engine's measurements; SPIDER-SFO's full gradient), in a fixed order, blocks of rows in parallel."""

    def __init__(self, problem, name, hp, keys):
        self.pk, self.X, self.prm = problem.kernel_args()  # the arguments sample_grads passes to the kernels
        self.y, self.XT, self.m = problem.y, np.ascontiguousarray(self.X.T), problem.n_samples
        self.name, self.kind, self.keys, R = name, KINDS[name], keys, len(keys)
        hp = dict(hp)
        if name == "insgd":  # k as optimizers.insgd_update computes it
            from insgd.numerics.optimizers import insgd_k

            hp["k"] = insgd_k(hp)
        self.hp = np.ascontiguousarray(np.stack([np.broadcast_to(np.asarray(hp.get(k, 0.0), float), (R,)) for k in HP], 1))
        self.q = hp.get("q", 1) if name.startswith("spider") else 0  # 0: no full steps
        self.first = ("B", hp["batch"])  # each step's draws (SPIDER: every step but the full ones)
        self.second = {"insgd": ("B_prime", hp.get("batch_prime")), "spider": ("B0", hp.get("batch0"))}.get(name)
        self.cost = hp["batch"] + (hp["batch_prime"] if name == "insgd" else 0)  # samples per step
        self.full_cost = hp.get("batch0") if name == "spider" else self.m  # and per full step (SPIDER's, every q)
        self.none_i, self.none_f, self.none_h = np.zeros((R, 1, 1), np.int64), np.zeros((R, problem.dim)), np.zeros(R, np.int64)
        self._known = (None, None)

    def value_and_grad(self, W):
        W = np.ascontiguousarray(W, np.float64)
        f, G = _call("value_grad", W.shape[0] * self.X.size, self.pk, self.X, self.XT, self.y, self.prm, W)
        self._known = (W, G)
        return f, G

    def _exact(self, W):
        return self._known[1] if self._known[0] is W else self.value_and_grad(W)[1]

    def advance(self, W, state, samples, active, t, n, max_samples):
        """Steps t .. t + n' - 1 (n' <= n) of the active runs: (W_new, state, samples each run drew, n', the iterates
        the last step started from, the samples before it). A run whose step t diverged (then n' = 1) has W_new NaN."""
        W, n = np.ascontiguousarray(W, np.float64), int(n)
        full = self.q > 0 and t % self.q == 0  # SPIDER's full step: the first of the call, if any
        if self.q:
            n = min(n, self.q - t % self.q)
        costs = np.full(n, self.cost)
        costs[0] = self.full_cost if full else self.cost
        if max_samples is not None:  # the engine stops a run at the first step where it has drawn max_samples
            reach = samples[active].max() + np.cumsum(costs) >= max_samples
            n = int(np.argmax(reach)) + 1 if reach.any() else n
        counts = ((lambda k: k - full), (lambda k: int(full))) if self.q else ((lambda k: k), (lambda k: k))
        bufs = []  # per stream: Keys' buffer, or None when the call draws nothing from it
        for stream, count in zip((self.first, self.second), counts, strict=True):
            buf = self.keys.integer_block(stream[0], self.m, stream[1]) if stream and count(n) > 0 else None
            if buf is not None:  # no further than the block: the next call starts on a new one
                n -= max(0, count(n) - (buf[0].shape[1] - buf[1]))
            bufs.append(buf)
        M = state.get("m", state.get("v", self.none_f))
        WL = state["w_prev"] if self.q else W
        H = state.get("h_active", self.none_h)
        VF = self._exact(W) if full and self.name == "spider_sfo" else self.none_f
        draws = [x for buf in bufs for x in ((self.none_i, 0) if buf is None else (buf[0], buf[1]))]
        work = int(active.sum()) * (self.cost if self.q == 0 else 2 * self.first[1]) * W.shape[1]  # multiply-adds per step
        head, tail = (self.kind, self.pk, self.X, self.y, self.prm, self.hp, t), (self.q, active, W, WL, M, H, *draws, VF)

        def call(n):
            return _call("steps", n * work, *head, n, *tail)

        out = call(n)
        taken = out[-1][active]
        if (taken < n).any() and n > 1:  # a step diverged: go up to it, or take it alone when it is step t
            n = max(int(taken.min()), 1)
            out = call(n)
        W_new, W_last, M, H, taken = out
        for buf, count in zip(bufs, counts, strict=True):
            if buf is not None:
                buf[1] += count(n)
        W_new[active & (taken < n)] = np.nan
        new = {"v": M, "w_prev": W_last} if self.q else {"insgd": {"h_active": H}, "nsgd_momentum": {"m": M}}.get(self.name, {})
        cost = int(costs[:n].sum())
        return W_new, new, cost, n, W_last, samples + (cost - int(costs[n - 1]))
