"""Sweeps: configs in, traces out, on any concurrent.futures.Executor.

Each config runs as its own batch with its own seeds, so a trace does not depend on which executor (or
worker) runs it: a process pool (the default), threads, or Dask through `Client.get_executor()`.
"""

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from insgd.numerics.engine import Trace, run


@dataclass(frozen=True)
class SweepConfig:
    problem: str
    optimizer: str
    iters: int
    seeds: tuple
    hp: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    w0: object = 1.0
    noise: tuple | None = None
    eps_gap: float | None = None
    eps_grad: float | None = None
    max_samples: int | None = None

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        s = d["seeds"]
        if isinstance(s, (list, tuple)):
            d["seeds"] = tuple(s)
        elif isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 10**6:
            d["seeds"] = tuple(range(s))
        else:
            raise ValueError(f"seeds must be a count in [1, 1e6] or a list of integers, got {s!r}")
        return cls(**d)


def run_config(cfg: SweepConfig) -> Trace:
    """Run one config (a top-level function, so that process pools and Dask can ship it)."""
    import insgd.numerics.finite_sums  # noqa: F401  (registers the finite sums in worker processes)
    from insgd.numerics.problems import make_problem

    prob = make_problem(cfg.problem, **cfg.params)
    w0 = np.full(prob.dim, float(cfg.w0)) if np.ndim(cfg.w0) == 0 else np.asarray(cfg.w0, float)
    return run(prob, cfg.optimizer, w0, cfg.iters, np.asarray(cfg.seeds), cfg.hp, noise=cfg.noise,
               eps_gap=cfg.eps_gap, eps_grad=cfg.eps_grad, max_samples=cfg.max_samples)


def _num(where, v, lo=None, lo_open=True):
    from insgd.theory.numbers import parse_float

    if isinstance(v, (list, tuple)):
        return [_num(where, x, lo, lo_open) for x in v]
    return parse_float(where, v, lo=lo, lo_open=lo_open)


def validate_config(cfg: SweepConfig, where="config") -> SweepConfig:
    """Check one config in full before any run starts (problem parameters, hyperparameters, sizes, w0, noise,
    thresholds), converting numbers written as text ("2/3"); returns the normalized config. Raises InputError
    naming the config and the field."""
    import insgd.numerics.finite_sums  # noqa: F401
    from insgd.numerics.engine import MAX_ITERS, check_size
    from insgd.numerics.optimizers import get_optimizer
    from insgd.numerics.problems import make_problem
    from insgd.core import InputError

    if not isinstance(cfg.params, dict) or not isinstance(cfg.hp, dict):
        raise InputError(f"{where}: params and hp must be JSON objects")
    prob = make_problem(str(cfg.problem), **cfg.params)
    opt = get_optimizer(str(cfg.optimizer))
    if isinstance(cfg.iters, bool) or not isinstance(cfg.iters, int) or not 0 <= cfg.iters <= MAX_ITERS:
        raise InputError(f"{where}: iters must be an integer in [0, {MAX_ITERS:.0e}], got {cfg.iters!r}")
    seeds = cfg.seeds
    if not 1 <= len(seeds) <= 10**6 or any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x < 2**63
                                           for x in seeds):
        raise InputError(f"{where}: seeds must be a count in [1, 1e6] or a list of integers >= 0")
    hp = {k: _num(f"{where} hp {k}", v) for k, v in cfg.hp.items()}
    check_size(where, prob, len(seeds), cfg.iters, opt.hyperparameters(len(seeds), hp))
    w0 = np.asarray(_num(f"{where} w0", cfg.w0), float)
    if w0.ndim > 1 or (w0.ndim == 1 and w0.size != prob.dim):
        raise InputError(f"{where}: w0 must be a number or a list of {prob.dim} numbers")
    with np.errstate(all="ignore"):
        if not np.isfinite(prob.value(np.broadcast_to(w0, (prob.dim,))[None])).all():
            raise InputError(f"{where}: f(w0) overflows float64; choose a smaller w0")
    noise = None
    if cfg.noise is not None:
        noise = _num(f"{where} noise", cfg.noise, lo=0, lo_open=False)
        if not isinstance(noise, list) or len(noise) != 2:
            raise InputError(f"{where}: noise must be [tau1, tau2]")
    eps = {k: None if getattr(cfg, k) is None else _num(f"{where} {k}", getattr(cfg, k), lo=0)
           for k in ("eps_gap", "eps_grad")}
    ms = cfg.max_samples
    if ms is not None and (isinstance(ms, bool) or not isinstance(ms, int) or ms < 1):
        raise InputError(f"{where}: max_samples must be an integer >= 1, got {ms!r}")
    return SweepConfig(cfg.problem, cfg.optimizer, cfg.iters, tuple(seeds), hp, dict(cfg.params),
                       w0.tolist(), None if noise is None else tuple(noise), eps["eps_gap"], eps["eps_grad"], ms)


class SerialExecutor:
    """Runs in the calling process, one config after another (`map` is all `sweep` needs)."""

    @staticmethod
    def map(fn, items):
        return map(fn, items)


def default_executor(workers=None) -> Executor:
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count())


def sweep(configs, executor: Executor | None = None) -> list:
    """Run every config; results come back in the order of configs."""
    configs = [c if isinstance(c, SweepConfig) else SweepConfig.from_dict(c) for c in configs]
    if executor is None:
        with default_executor() as ex:
            return list(ex.map(run_config, configs))
    return list(executor.map(run_config, configs))


def dask_executor(n_workers=2):
    """A Dask executor on a local cluster (optional extra `dask`); returns (executor, client) to close later."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from insgd.core import InputError

        raise InputError('executor dask needs Dask: pip install "insgd[dask]"') from None

    client = Client(LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None))
    return client.get_executor(), client


def config_json(cfg: SweepConfig) -> dict:
    return asdict(cfg)
