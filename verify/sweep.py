"""Sweeps: configs in, traces out, on any concurrent.futures.Executor.

Each config runs as its own batch with its own seeds, so a trace does not depend on which executor (or
worker) runs it: a process pool (the default), threads, or Dask through `Client.get_executor()`.
"""

import os
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field

import numpy as np

from numerics.engine import Trace, run


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
        d["seeds"] = tuple(d["seeds"]) if np.ndim(d["seeds"]) else tuple(range(int(d["seeds"])))
        return cls(**d)


def run_config(cfg: SweepConfig) -> Trace:
    """Run one config (a top-level function, so that process pools and Dask can ship it)."""
    import numerics.finite_sums  # noqa: F401  (registers the finite sums in worker processes)
    from numerics.problems import make_problem

    prob = make_problem(cfg.problem, **cfg.params)
    w0 = np.full(prob.dim, float(cfg.w0)) if np.ndim(cfg.w0) == 0 else np.asarray(cfg.w0, float)
    return run(prob, cfg.optimizer, w0, cfg.iters, np.asarray(cfg.seeds), cfg.hp, noise=cfg.noise,
               eps_gap=cfg.eps_gap, eps_grad=cfg.eps_grad, max_samples=cfg.max_samples)


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
    from dask.distributed import Client, LocalCluster

    client = Client(LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None))
    return client.get_executor(), client


def config_json(cfg: SweepConfig) -> dict:
    return asdict(cfg)
