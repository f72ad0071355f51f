"""Sweeps: configs in, traces out, on any concurrent.futures.Executor.

Each config runs as its own batch with its own seeds, so a trace does not depend on which executor (or
worker) runs it: a process pool (the default), threads, or Dask through `Client.get_executor()`.
"""

import contextlib
import dataclasses
import functools
import os
from concurrent.futures import Executor, ProcessPoolExecutor

from insgd.numerics.engine import execute
from insgd.numerics.runs import RunSpec, Trace


def validate_config(cfg, where="config") -> RunSpec:
    """Check one config (a RunSpec or its dict) in full before any run starts; returns the normalized RunSpec."""
    return cfg.validated(where) if isinstance(cfg, RunSpec) else RunSpec.from_dict(cfg, where)


def run_config(cfg: RunSpec, backend=None) -> Trace:
    """Run one config (a top-level function, so that process pools and Dask can ship it). A worker compiles (or
    loads from the on-disk cache) the fused kernels once, on its first finite-sum run (numerics/fused.py); the
    trace records what this run compiled (`Trace.compile_s`), so the sweep can report it per worker."""
    from insgd.numerics import fused

    before = fused.compile_seconds()
    tr = execute(cfg, backend=backend)
    after = fused.compile_seconds()
    return dataclasses.replace(tr, compile_s={k: v - before.get(k, 0.0) for k, v in after.items() if v != before.get(k, 0.0)})


class SerialExecutor:
    """Runs in the calling process, one config after another (`map` is all `sweep` needs)."""

    @staticmethod
    def map(fn, items):
        return map(fn, items)


def _quiet_worker():
    """Workers leave Ctrl-C (SIGINT, sent to the whole process group) to the parent, which cancels them and cleans
    up; SIGTERM and SIGHUP (from the terminal's group, or the parent's terminate()) end a worker at once with the
    default action, not through the handler the parent installed before forking it: no worker prints a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


def default_executor(workers=None) -> Executor:
    from insgd.core import process_context

    return ProcessPoolExecutor(max_workers=workers or os.cpu_count(), initializer=_quiet_worker, mp_context=process_context())


def stop_executor(pool) -> None:
    """Shut a process pool down at once: pending work cancelled, running workers terminated (after an error, an
    interrupt or a signal in the parent)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()


def sweep(configs, executor: Executor | None = None, quiet=True, backend=None) -> list:
    """Run every config; results come back in the order of configs (progress per finished config unless quiet).
    backend: the engine's compute backend in every worker (None: numba when installed); each trace records it."""
    from insgd.numerics import fused
    from insgd.verify.progress import bar

    fn = functools.partial(run_config, backend=fused.resolve(backend))
    configs = [validate_config(c, f"config {i}") for i, c in enumerate(configs)]
    if executor is None:
        with default_executor() as ex:
            return list(bar(ex.map(fn, configs), len(configs), "[sweep] configs", quiet, "runs"))
    return list(bar(executor.map(fn, configs), len(configs), "[sweep] configs", quiet, "runs"))


def dask_executor(n_workers=2):
    """A Dask executor on a local cluster (optional extra `dask`); returns (executor, client) to close later."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from insgd.core import InputError

        raise InputError('executor dask needs Dask: pip install "insgd[dask]"') from None

    client = Client(LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None))
    return client.get_executor(), client
