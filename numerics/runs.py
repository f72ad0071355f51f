"""The records of a run and their limits: RunSpec (what to run, validated field by field and sized against memory
before any work; the one record for the CLI, sweeps, traces and tests), Trace (what a run recorded, with its JSON
and npz forms) and the checkpoint schedule."""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from insgd.core import InputError, parse_float
from insgd.files import new_temp_file, publish_file
from insgd.numerics.optimizers import get_optimizer

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
    """The largest per-step batch among hyperparameters (parsed numbers or validated arrays; 1 when there is none)."""
    return max([int(np.max(v)) for k, v in (hp or {}).items() if k in ("batch", "batch_prime", "batch0")] or [1])


def check_size(what: str, problem, runs: int, iters: int, hp=None, n_checkpoints: int = 40) -> None:
    """Refuse, before any allocation, a run that cannot fit in memory or cannot finish in a sitting."""
    if iters > MAX_ITERS:
        raise InputError(f"iters must be <= {MAX_ITERS:.0e} (about an hour of one loop at best), got {iters:.3g}")
    batch = largest_batch(hp)
    K = min(n_checkpoints, iters) + 1  # the metrics' columns (checkpoints(iters, n_checkpoints) has at most this many)
    need = estimate_bytes(runs, problem.dim, iters, batch, problem.dim * (problem.n_samples or 0), K)
    have = memory_limit()
    if need > have:
        raise InputError(
            f"{what} needs ~{need / 2**30:,.3g} GiB of memory (runs {runs}, dim {problem.dim}, batch "
            f"{batch}); the limit here is {have / 2**30:.3g} GiB"
        )


def checkpoints(iters: int, n: int = 40) -> np.ndarray:
    """0, then about n geometrically spaced iterations up to iters (always included)."""
    if iters < 1:
        return np.array([0])
    if n >= iters:
        return np.arange(iters + 1)
    pts = np.unique(np.round(np.geomspace(1, iters, max(n, 2))).astype(np.int64))  # n = 1: 0 and iters
    return np.concatenate([[0], pts[-n:]])


def validate_run(problem, opt, w0, iters, seeds, hp, eps_gap=None, eps_grad=None, max_samples=None, n_checkpoints=40):
    """The engine's inputs, checked in one place before any per-run array exists (RunSpec.validated checks a
    configuration's text, then the engine calls this): (seeds, iters, W0 with shape (R, d), validated
    hyperparameters). InputError names the argument and the violated condition."""
    seeds = np.atleast_1d(np.asarray(seeds, dtype=np.int64))
    R = len(seeds)
    if int(iters) != iters or iters < 0:
        raise InputError(f"iters must be an integer >= 0, got {iters}")
    iters = int(iters)
    check_size("this run", problem, R, iters, n_checkpoints=n_checkpoints)  # before any (R, d) array exists
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
    if max_samples is not None and not max_samples >= 1:
        raise InputError(f"max_samples must be >= 1, got {max_samples}")
    hp = opt.hyperparameters(R, hp or {})
    check_size("this run", problem, R, iters, hp, n_checkpoints)
    return seeds, iters, W0, hp


class Recorder:
    """What a run records, step by step: the metrics at the checkpoints, the first step each run meets a threshold,
    and each run's stopping step with its final value, gradient norm and samples. A finished run is frozen: every
    later checkpoint holds its final values."""

    def __init__(self, R, iters, n_checkpoints, eps_gap=None, eps_grad=None):
        self.t = checkpoints(iters, n_checkpoints)
        self.is_ck = np.zeros(iters + 1, bool)
        self.is_ck[self.t] = True
        K = len(self.t)
        self.gap, self.gnorm = np.full((R, K), np.nan), np.full((R, K), np.nan)
        self.samp = np.zeros((R, K), np.int64)
        self.hit_gap, self.hit_grad = np.full(R, -1, np.int64), np.full(R, -1, np.int64)
        self.stop_t = np.zeros(R, np.int64)
        self.fin_gap, self.fin_grad = np.full(R, np.nan), np.full(R, np.nan)
        self.fin_samples = np.zeros(R, np.int64)
        self.eps_gap = None if eps_gap is None else np.broadcast_to(np.asarray(eps_gap, float), (R,))
        self.eps_grad = None if eps_grad is None else np.broadcast_to(np.asarray(eps_grad, float), (R,))
        self.k = 0  # checkpoints recorded so far

    @property
    def every_step(self) -> bool:
        """Whether a threshold is watched (the metrics are then measured at every step)."""
        return self.eps_gap is not None or self.eps_grad is not None

    def next_checkpoint(self) -> int:
        return int(self.t[min(self.k, len(self.t) - 1)])

    def hits(self, t, f, n, active):
        """Record step t as the first hit of each active run that meets a threshold there."""
        if self.eps_gap is not None:
            self.hit_gap[active & (self.hit_gap < 0) & (f <= self.eps_gap)] = t
        if self.eps_grad is not None:
            self.hit_grad[active & (self.hit_grad < 0) & (n <= self.eps_grad)] = t

    def reached(self) -> np.ndarray:
        """The runs that have met a watched threshold."""
        done = np.zeros(len(self.stop_t), bool)
        if self.eps_gap is not None:
            done |= self.hit_gap >= 0
        if self.eps_grad is not None:
            done |= self.hit_grad >= 0
        return done

    def finish(self, mask, t, f, n, samples):
        """The runs of mask stop at step t with these metrics and samples."""
        self.stop_t[mask] = t
        self.fin_gap[mask], self.fin_grad[mask], self.fin_samples[mask] = f[mask], n[mask], samples[mask]

    def checkpoint(self, active, f, n, samples):
        """The metrics at the next checkpoint: the current ones for active runs, the final ones for stopped runs."""
        k = self.k
        self.gap[:, k] = np.where(active, f, self.fin_gap)
        self.gnorm[:, k] = np.where(active, n, self.fin_grad)
        self.samp[:, k] = np.where(active, samples, self.fin_samples)
        self.k += 1

    def close(self):
        """When every run finished early, the remaining checkpoints hold the final values."""
        if self.k < len(self.t):
            k = self.k
            self.gap[:, k:], self.gnorm[:, k:] = self.fin_gap[:, None], self.fin_grad[:, None]
            self.samp[:, k:] = self.fin_samples[:, None]


@dataclass(frozen=True, kw_only=True)
class Trace:
    t: np.ndarray  # (K,) checkpoint iterations
    gap: np.ndarray  # (R, K) f(w_t) - f*
    grad_norm: np.ndarray  # (R, K) ||grad F(w_t)||
    samples: np.ndarray  # (R, K) samples drawn up to t
    stop_t: np.ndarray  # (R,) the stopping step: the last iterate is w_{stop_t}
    hit_gap_t: np.ndarray  # (R,) first t with gap <= eps_gap (-1: never / not requested)
    hit_grad_t: np.ndarray  # (R,) first t with ||grad F|| <= eps_grad (-1: never / not requested)
    diverged: np.ndarray  # (R,) bool
    w_final: np.ndarray  # (R, d) the iterate at stop_t
    seeds: np.ndarray  # (R,)
    final_gap: np.ndarray  # (R,) f(w_{stop_t}) - f*
    final_grad_norm: np.ndarray  # (R,) ||grad F(w_{stop_t})||
    final_samples: np.ndarray  # (R,) samples drawn up to stop_t
    final_state: dict = field(default_factory=dict)  # the optimizer's state at stop_t (per-run arrays)
    config: dict = field(default_factory=dict)  # the RunSpec, as a dict
    backend: str = "numpy"  # the compute backend that produced it (numerics/fused.py); not part of equals()
    compile_s: dict = field(default_factory=dict)  # kernels this run compiled or loaded from the cache, in seconds

    def __post_init__(self):
        """The arrays agree on the number of runs R and of checkpoints K (a trace built or loaded by hand is refused
        in one line otherwise)."""
        R, K = len(self.seeds), len(self.t)
        for name in ("gap", "grad_norm", "samples"):
            if np.shape(getattr(self, name)) != (R, K):
                raise InputError(
                    f"trace: {name} must have shape (runs, checkpoints) = ({R}, {K}), got {np.shape(getattr(self, name))}"
                )
        for name in ("stop_t", "hit_gap_t", "hit_grad_t", "diverged", "final_gap", "final_grad_norm", "final_samples"):
            if np.shape(getattr(self, name)) != (R,):
                raise InputError(f"trace: {name} must have one entry per run ({R}), got shape {np.shape(getattr(self, name))}")
        if np.ndim(self.w_final) != 2 or len(self.w_final) != R:
            raise InputError(f"trace: w_final must have shape (runs, dim) with runs = {R}, got {np.shape(self.w_final)}")

    ARRAYS = (
        "t",
        "gap",
        "grad_norm",
        "samples",
        "stop_t",
        "hit_gap_t",
        "hit_grad_t",
        "diverged",
        "w_final",
        "seeds",
        "final_gap",
        "final_grad_norm",
        "final_samples",
    )

    def _npz(self) -> dict:
        out = {k: getattr(self, k) for k in self.ARRAYS}
        out.update({f"state.{k}": np.asarray(v) for k, v in self.final_state.items()})
        return out

    def save(self, path, overwrite=False):
        """Write PATH.npz (arrays) and PATH.json (configuration); refuses to overwrite unless asked."""
        path = Path(path)
        npz, js = path.with_suffix(".npz"), path.with_suffix(".json")
        if not overwrite and (npz.exists() or js.exists()):
            raise InputError(f"save path {npz} or {js} exists; pass overwrite=True (--force) to replace it")
        for target, write in (
            (npz, lambda f: np.savez(f, **self._npz(), backend=np.array(self.backend))),
            (js, lambda f: f.write(json.dumps(self.config, indent=2, sort_keys=True).encode())),
        ):
            tmp = new_temp_file(target)  # created exclusively with a random name, written whole, then published
            try:
                with open(tmp, "wb") as fh:
                    write(fh)
                publish_file(tmp, target, overwrite=overwrite)
            except FileExistsError:
                raise InputError(f"save path {target} appeared while the run was saved; not replaced (--force)") from None
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise

    @classmethod
    def load(cls, path):
        path = Path(path)
        with np.load(path.with_suffix(".npz")) as z:
            arrays = {k: z[k] for k in cls.ARRAYS}
            state = {k[len("state.") :]: z[k] for k in z.files if k.startswith("state.")}
            backend = str(z["backend"]) if "backend" in z.files else "numpy"
        config = json.loads(path.with_suffix(".json").read_text())
        return cls(**arrays, final_state=state, config=config, backend=backend)

    def equals(self, other) -> bool:
        mine, theirs = self._npz(), other._npz()
        return (
            mine.keys() == theirs.keys()
            and self.config == other.config
            and all(np.array_equal(mine[k], theirs[k], equal_nan=True) for k in mine)
        )

    def to_json(self) -> dict:
        """Per-checkpoint arrays are (runs, checkpoints) and per-run arrays (runs,), whatever the number of runs."""

        def finite(a):
            return [[x if np.isfinite(x) else None for x in r] for r in np.atleast_2d(a).tolist()]

        def per_run(a):
            return [x if not isinstance(x, float) or np.isfinite(x) else None for x in np.asarray(a).tolist()]

        return {
            "t": self.t.tolist(),
            "gap": finite(self.gap),
            "grad_norm": finite(self.grad_norm),
            "samples": self.samples.tolist(),
            "diverged": self.diverged.tolist(),
            "stop_t": self.stop_t.tolist(),
            "hit_gap_t": self.hit_gap_t.tolist(),
            "hit_grad_t": self.hit_grad_t.tolist(),
            "final_gap": per_run(self.final_gap),
            "final_grad_norm": per_run(self.final_grad_norm),
            "final_samples": self.final_samples.tolist(),
            "final_state": {k: np.asarray(v).tolist() for k, v in self.final_state.items()},
            "seeds": self.seeds.tolist(),
            "config": self.config,
            "backend": self.backend,
        }


MAX_SEED = 2**63 - 1


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """One run, as data: what the CLI's `run`, a sweep config, a trace's `config` and the tests all describe.

    w0: a number (every coordinate), a list of dim numbers, None (the problem's own initial point when it has one,
    drawn with the first seed, else all ones). Numbers may be text ("2/3"). `RunSpec.from_dict` validates every field
    before any run starts; `execute(spec)` runs it."""

    problem: str
    optimizer: str
    iters: int
    seeds: tuple
    hp: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    w0: object = None
    noise: tuple | None = None
    eps_gap: float | None = None
    eps_grad: float | None = None
    max_samples: int | None = None
    stop_at_threshold: bool = True
    replace: bool = True

    FIELDS = (
        "problem",
        "optimizer",
        "iters",
        "seeds",
        "hp",
        "params",
        "w0",
        "noise",
        "eps_gap",
        "eps_grad",
        "max_samples",
        "stop_at_threshold",
        "replace",
    )

    def to_dict(self) -> dict:
        d = asdict(self)
        d["seeds"], d["noise"] = list(self.seeds), None if self.noise is None else list(self.noise)
        return d

    @classmethod
    def from_dict(cls, d, where="config") -> "RunSpec":
        """Validate and normalize (numbers as text converted, seeds as a count expanded); InputError names the field."""
        if not isinstance(d, dict):
            raise InputError(f"{where} must be a JSON object, got {type(d).__name__}")
        unknown = set(d) - set(cls.FIELDS)
        if unknown:
            raise InputError(f"{where}: unknown field {sorted(unknown)[0]!r} (fields: {', '.join(cls.FIELDS)})")
        for k in ("problem", "optimizer", "iters", "seeds"):
            if k not in d:
                raise InputError(f"{where}: field {k!r} is required")
        spec = cls(**d)
        return spec.validated(where)

    def validated(self, where="config") -> "RunSpec":
        import insgd.numerics.finite_sums  # noqa: F401  (registers the finite sums)
        from insgd.numerics.problems import make_problem

        if not isinstance(self.params, dict) or not isinstance(self.hp, dict):
            raise InputError(f"{where}: params and hp must be JSON objects")
        prob = make_problem(str(self.problem), **self.params)
        opt = get_optimizer(str(self.optimizer))
        it = self.iters
        if isinstance(it, bool) or not isinstance(it, (int, np.integer)) or not 0 <= it <= MAX_ITERS:
            raise InputError(f"{where}: iters must be an integer in [0, {MAX_ITERS:.0e}], got {it!r}")
        seeds = self.seeds
        count = isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool)
        if not count and not isinstance(seeds, (list, tuple)):
            raise InputError(f"{where}: seeds must be a count or a list of integers, got {seeds!r}")
        runs = int(seeds) if count else len(seeds)
        if runs < 1:
            raise InputError(f"{where}: seeds must give at least one run, got {seeds!r}")
        hp = {k: _num(f"{where} hp {k}", v) for k, v in self.hp.items()}
        check_size(where, prob, runs, int(it), hp)  # memory first, before any per-run array exists
        opt.hyperparameters(runs, hp)
        seeds = tuple(range(runs)) if count else seeds
        if any(isinstance(x, bool) or not isinstance(x, (int, np.integer)) or not 0 <= x <= MAX_SEED for x in seeds):
            raise InputError(f"{where}: seeds must be integers in [0, 2^63 - 1]")
        seeds = tuple(int(x) for x in seeds)
        w0 = None
        if self.w0 is not None:
            w0 = np.asarray(_num(f"{where} w0", self.w0), float)
            if w0.ndim > 2 or (w0.ndim >= 1 and w0.shape[-1] != prob.dim) or (w0.ndim == 2 and len(w0) != len(seeds)):
                raise InputError(f"{where}: w0 must be a number, a list of {prob.dim} numbers or one such list per run")
            with np.errstate(all="ignore"):
                if not np.isfinite(prob.value(np.broadcast_to(w0, (len(seeds), prob.dim)))).all():
                    raise InputError(f"{where}: f(w0) overflows float64; choose a smaller w0")
            w0 = w0.tolist()
        noise = None
        if self.noise is not None:
            noise = _num(f"{where} noise", list(self.noise) if isinstance(self.noise, tuple) else self.noise, lo=0, lo_open=False)
            if not isinstance(noise, list) or len(noise) != 2:
                raise InputError(f"{where}: noise must be [tau1, tau2]")
        eps = {
            k: None if getattr(self, k) is None else _num(f"{where} {k}", getattr(self, k), lo=0) for k in ("eps_gap", "eps_grad")
        }
        ms = self.max_samples
        if ms is not None and (isinstance(ms, bool) or not isinstance(ms, (int, np.integer)) or ms < 1):
            raise InputError(f"{where}: max_samples must be an integer >= 1, got {ms!r}")
        for k in ("stop_at_threshold", "replace"):
            if not isinstance(getattr(self, k), bool):
                raise InputError(f"{where}: {k} must be true or false, got {getattr(self, k)!r}")
        return RunSpec(
            problem=str(self.problem),
            optimizer=str(self.optimizer),
            iters=int(it),
            seeds=seeds,
            hp=hp,
            params=dict(self.params),
            w0=w0,
            noise=None if noise is None else tuple(noise),
            eps_gap=eps["eps_gap"],
            eps_grad=eps["eps_grad"],
            max_samples=None if ms is None else int(ms),
            stop_at_threshold=self.stop_at_threshold,
            replace=self.replace,
        )

    def build(self):
        """(problem, W0 with shape (runs, dim)) for this spec."""
        import insgd.numerics.finite_sums  # noqa: F401
        from insgd.numerics.problems import make_problem

        prob = make_problem(self.problem, **self.params)
        R = len(self.seeds)
        if self.w0 is not None:
            W0 = np.broadcast_to(np.asarray(self.w0, float), (R, prob.dim)).copy()
        elif hasattr(prob, "initial_point"):
            W0 = prob.initial_point(np.random.default_rng(self.seeds[0]), R)
        else:
            W0 = np.ones((R, prob.dim))
        return prob, W0


def _num(where, v, lo=None, lo_open=True):
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_num(where, x, lo, lo_open) for x in v]
    return parse_float(where, v, lo=lo, lo_open=lo_open)
