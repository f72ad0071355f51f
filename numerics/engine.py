"""The batched engine: R runs advance together, one NumPy operation per step; runs are data (Trace).

`run(...)` never prints. Metrics (f - f*, ||grad F||, samples) are recorded at geometrically spaced
checkpoints plus the last iteration; thresholds (f - f* <= eps_gap, ||grad F|| <= eps_grad) are checked
at every step when requested, and their first hitting times are recorded per run. A run stops when
it meets a requested threshold (if stop_at_threshold), exhausts its sample budget, or diverges
(a non-finite iterate, value or gradient: float64 overflow); finished runs are frozen by a mask.
"""

import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from insgd.numerics.optimizers import get_optimizer
from insgd.numerics.oracles import make_oracle
from insgd.core import InputError

MAX_ITERS = 10**8  # ~1e5 steps/s at best: a longer run is hours of one Python loop; split it instead


def memory_limit() -> int:
    """Bytes a run may plan to use: half of this machine's physical memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 8 * 2**30


def estimate_bytes(runs: int, dim: int, iters: int, batch: int = 1, n_data: int = 0, n_checkpoints: int = 40) -> int:
    """What a run will hold at its peak: ~12 (R, d) state and gradient arrays, one step's per-sample gradients
    (R, batch, d), the oracle's buffered draws (R, BLOCK, batch, d + 1), the checkpoint mask (iters + 1) and the
    metrics (R, K). n_data: the problem's data (rows x dim) when it is a finite sum."""
    from insgd.numerics.oracles import BLOCK

    per_run = 8 * (12 * dim + batch * dim + BLOCK * batch * (dim + 1) + 4 * n_checkpoints)
    return runs * per_run + (iters + 1) + 8 * n_data


def largest_batch(hp) -> int:
    """The largest per-step batch among validated hyperparameters (1 when there is none)."""
    return max([int(np.max(v)) for k, v in (hp or {}).items() if k in ("batch", "batch_prime", "batch0")] or [1])


def check_size(what: str, problem, runs: int, iters: int, hp=None) -> None:
    """Refuse, before any allocation, a run that cannot fit in memory or cannot finish in a sitting."""
    if iters > MAX_ITERS:
        raise InputError(f"iters must be <= {MAX_ITERS:.0e} (about an hour of one loop at best), got {iters:.3g}")
    batch = largest_batch(hp)
    need = estimate_bytes(runs, problem.dim, iters, batch, problem.dim * (problem.n_samples or 0))
    have = memory_limit()
    if need > have:
        raise InputError(f"{what} needs ~{need / 2**30:,.3g} GiB of memory (runs {runs}, dim {problem.dim}, batch "
                         f"{batch}); the limit here is {have / 2**30:.3g} GiB")


def checkpoints(iters: int, n: int = 40) -> np.ndarray:
    """0, then about n geometrically spaced iterations up to iters (always included)."""
    if iters < 1:
        return np.array([0])
    if n >= iters:
        return np.arange(iters + 1)
    pts = np.unique(np.round(np.geomspace(1, iters, n)).astype(np.int64))
    return np.concatenate([[0], pts])


@dataclass(frozen=True)
class Trace:
    t: np.ndarray  # (K,) checkpoint iterations
    gap: np.ndarray  # (R, K) f(w_t) - f*
    grad_norm: np.ndarray  # (R, K) ||grad F(w_t)||
    samples: np.ndarray  # (R, K) samples used up to t
    stop_t: np.ndarray  # (R,) last iteration executed
    hit_gap_t: np.ndarray  # (R,) first t with gap <= eps_gap (-1: never / not requested)
    hit_grad_t: np.ndarray  # (R,) first t with ||grad F|| <= eps_grad (-1: never / not requested)
    diverged: np.ndarray  # (R,) bool
    w_final: np.ndarray  # (R, d)
    seeds: np.ndarray  # (R,)
    config: dict = field(default_factory=dict)

    ARRAYS = ("t", "gap", "grad_norm", "samples", "stop_t", "hit_gap_t", "hit_grad_t", "diverged", "w_final", "seeds")

    def save(self, path, overwrite=False):
        """Write PATH.npz (arrays) and PATH.json (configuration); refuses to overwrite unless asked."""
        path = Path(path)
        npz, js = path.with_suffix(".npz"), path.with_suffix(".json")
        if not overwrite and (npz.exists() or js.exists()):
            raise InputError(f"save path {npz} or {js} exists; pass overwrite=True (--force) to replace it")
        for target, write in ((npz, lambda f: np.savez(f, **{k: getattr(self, k) for k in self.ARRAYS})),
                              (js, lambda f: f.write(json.dumps(self.config, indent=2, sort_keys=True).encode()))):
            tmp = target.with_name(f".{target.name}.partial")  # written whole, then renamed into place
            try:
                with open(tmp, "wb") as fh:
                    write(fh)
                os.replace(tmp, target)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise

    @classmethod
    def load(cls, path):
        path = Path(path)
        with np.load(path.with_suffix(".npz")) as z:
            arrays = {k: z[k] for k in cls.ARRAYS}
        return cls(**arrays, config=json.loads(path.with_suffix(".json").read_text()))

    def equals(self, other) -> bool:
        return all(np.array_equal(getattr(self, k), getattr(other, k), equal_nan=True) for k in self.ARRAYS) and \
            self.config == other.config

    def to_json(self) -> dict:
        single = self.gap.shape[0] == 1

        def rows(a):
            a = [[_finite(x) for x in r] for r in a.tolist()]
            return a[0] if single else a

        def per_run(a):
            a = a.tolist()
            return a[0] if single else a

        return {"t": self.t.tolist(), "gap": rows(self.gap), "grad_norm": rows(self.grad_norm),
                "samples": rows(self.samples), "diverged": per_run(self.diverged), "stop_t": per_run(self.stop_t),
                "hit_gap_t": per_run(self.hit_gap_t), "hit_grad_t": per_run(self.hit_grad_t),
                "seeds": self.seeds.tolist(), "config": self.config}


def _finite(x):
    return x if np.isfinite(x) else None


@dataclass
class RunConfig:
    problem: str
    problem_params: dict
    optimizer: str
    hyperparameters: dict
    iters: int
    noise: list | None = None
    eps_gap: float | None = None
    eps_grad: float | None = None
    max_samples: int | None = None
    stop_at_threshold: bool = True
    replace: bool = True


def _progress(total, quiet):
    if quiet or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, file=sys.stderr, leave=False, unit="it")


def run(problem, optimizer, w0, iters, seeds, hp=None, *, noise=None, eps_gap=None, eps_grad=None,
        max_samples=None, stop_at_threshold=True, replace=True, n_checkpoints=40, quiet=True, callback=None) -> Trace:
    """Run optimizer on problem for R = len(seeds) runs from w0 (shape (R, d) or (d,)); return a Trace.

    hp: hyperparameters, each a scalar or one value per run. noise: (tau1, tau2) wraps a deterministic
    problem in the synthetic oracle. callback(t, state, active) may return True to stop all runs.
    """
    opt = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    R = len(seeds)
    if int(iters) != iters or iters < 0:
        raise InputError(f"iters must be an integer >= 0, got {iters}")
    iters = int(iters)
    check_size("this run", problem, R, iters)  # before any (R, d) array exists
    W0 = np.array(w0, dtype=float)
    if W0.ndim == 1:
        W0 = np.broadcast_to(W0, (R, W0.shape[0])).copy()
    if W0.shape != (R, problem.dim):
        raise InputError(f"w0 must have shape ({R}, {problem.dim}) or ({problem.dim},), got {W0.shape}")
    if not np.all(np.isfinite(W0)):
        raise InputError("w0 must be finite")
    for name, v in (("eps_gap", eps_gap), ("eps_grad", eps_grad)):
        if v is not None and not np.all(np.asarray(v) > 0):
            raise InputError(f"{name} must be > 0, got {v}")
    hp = opt.hyperparameters(R, hp or {})
    check_size("this run", problem, R, iters, hp)
    oracle = make_oracle(problem, seeds, noise=noise, stochastic=opt.name not in ("gd", "ngd"), replace=replace)

    ck = checkpoints(iters, n_checkpoints)
    is_ck = np.zeros(iters + 1, bool)
    is_ck[ck] = True
    K = len(ck)
    gap = np.full((R, K), np.nan)
    gnorm = np.full((R, K), np.nan)
    samp = np.zeros((R, K), np.int64)
    hit_gap = np.full(R, -1, np.int64)
    hit_grad = np.full(R, -1, np.int64)
    diverged = np.zeros(R, bool)
    active = np.ones(R, bool)
    stop_t = np.zeros(R, np.int64)
    frozen_samples = np.zeros(R, np.int64)
    eg = None if eps_gap is None else np.broadcast_to(np.asarray(eps_gap, float), (R,))
    egr = None if eps_grad is None else np.broadcast_to(np.asarray(eps_grad, float), (R,))
    every_step = eg is not None or egr is not None
    state = opt.init(W0)
    last = (np.full(R, np.nan), np.full(R, np.nan))
    bar = _progress(iters, quiet)
    k_ck = 0

    all_active = True  # fast path: no masking while every run is still going
    with np.errstate(all="ignore"):
        for t in range(iters + 1):
            if every_step or is_ck[t]:
                f, G = problem.value_and_grad(state.w)
                f = f - problem.fstar
                n = np.sqrt((G * G).sum(axis=1))
                fin = np.isfinite(f) & np.isfinite(n)
                if not fin.all():
                    bad = active & ~fin
                    if bad.any():  # diverged during the last step: keep the last finite iterate
                        diverged |= bad
                        active &= ~bad
                        all_active = False
                        state = state._replace(w=np.where(bad[:, None], state.w_prev, state.w))
                        stop_t[bad] = t - 1
                        frozen_samples[bad] = oracle.samples[bad]
                if not all_active:
                    f = np.where(active, f, last[0])
                    n = np.where(active, n, last[1])
                last = (f, n)
                if not oracle.stochastic:
                    oracle.prime(state.w, G)
                if eg is not None:
                    newly = (hit_gap < 0) & (f <= eg)
                    hit_gap[newly if all_active else newly & active] = t
                if egr is not None:
                    newly = (hit_grad < 0) & (n <= egr)
                    hit_grad[newly if all_active else newly & active] = t
            if is_ck[t] or max_samples is not None:
                cur_samples = oracle.samples.copy() if all_active else np.where(active, oracle.samples, frozen_samples)
            if is_ck[t]:
                gap[:, k_ck], gnorm[:, k_ck], samp[:, k_ck] = last[0], last[1], cur_samples
                k_ck += 1
            done = None
            if stop_at_threshold and eg is not None:
                done = hit_gap >= 0
            if stop_at_threshold and egr is not None:
                done = (hit_grad >= 0) if done is None else done | (hit_grad >= 0)
            if max_samples is not None:
                done = (cur_samples >= max_samples) if done is None else done | (cur_samples >= max_samples)
            if done is not None:
                finishing = active & done
                if finishing.any():
                    stop_t[finishing] = t
                    frozen_samples[finishing] = oracle.samples[finishing]
                    active &= ~done
                    all_active = False
            if t == iters or not active.any() or (callback is not None and callback(t, state, active)):
                stop_t[active] = t
                break
            new = opt.step(state, oracle, hp)
            if all_active and np.isfinite(new.w).all():
                state = new
            else:
                blow = active & ~np.isfinite(new.w).all(axis=1)
                if blow.any():
                    diverged |= blow
                    stop_t[blow] = t
                    frozen_samples[blow] = oracle.samples[blow]
                    active &= ~blow
                    all_active = False
                keep = active[:, None]
                state = new._replace(w=np.where(keep, new.w, state.w), m=np.where(keep, new.m, state.m),
                                     w_prev=np.where(keep, state.w, state.w_prev))
            if bar is not None and t % 100 == 0:
                bar.update(min(100, iters - bar.n))
    if bar is not None:
        bar.close()
    if k_ck < K:  # runs all finished early: the remaining checkpoints hold the final values
        gap[:, k_ck:], gnorm[:, k_ck:] = last[0][:, None], last[1][:, None]
        samp[:, k_ck:] = np.where(active, oracle.samples, frozen_samples)[:, None]
    cfg = RunConfig(problem.name, problem.params(), opt.name, {k: np.asarray(v).tolist() for k, v in hp.items()},
                    iters, None if noise is None else list(map(float, noise)),
                    None if eg is None else np.asarray(eps_gap).tolist(),
                    None if egr is None else np.asarray(eps_grad).tolist(), max_samples, stop_at_threshold, replace)
    return Trace(ck, gap, gnorm, samp, stop_t, hit_gap, hit_grad, diverged, state.w.copy(), seeds, asdict(cfg))
