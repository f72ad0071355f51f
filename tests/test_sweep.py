"""Sweeps give the same traces on every executor (serial, threads, processes, Dask when installed)."""

import json
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from insgd.numerics.runs import RunSpec
from insgd.verify.experiments.sweep import SerialExecutor, sweep
from tests.helpers import cli

CONFIGS = [
    RunSpec(problem="power", optimizer="ngd", iters=200, seeds=(0, 1), hp={"gamma": 0.01, "beta": 0.5}, params={"p": 4.0}),
    RunSpec(
        problem="phase_retrieval",
        optimizer="insgd",
        iters=100,
        seeds=(3, 4, 5),
        hp={"gamma": 0.01, "beta": 2 / 3, "batch": 8, "batch_prime": 2, "delta": 1.0, "k": 1.0},
        params={"dim": 5, "m": 50},
        w0=0.5,
    ),
    RunSpec(
        problem="quadratic",
        optimizer="nsgd",
        iters=100,
        seeds=(0,),
        hp={"gamma": 0.01, "batch": 4},
        params={"dim": 3},
        noise=(0.5, 0.1),
    ),  # fmt: skip
]


def test_same_traces_on_every_executor():
    ref = sweep(CONFIGS, SerialExecutor())
    with ThreadPoolExecutor(2) as ex:
        threads = sweep(CONFIGS, ex)
    with ProcessPoolExecutor(2) as ex:
        procs = sweep(CONFIGS, ex)
    for a, b, c in zip(ref, threads, procs, strict=True):
        assert a.equals(b) and a.equals(c)


def test_dask_executor_matches():
    pytest.importorskip("dask.distributed")
    from insgd.verify.experiments.sweep import dask_executor

    ex, client = dask_executor(n_workers=2)
    try:
        got = sweep(CONFIGS, ex)
    finally:
        client.close()
    for a, b in zip(sweep(CONFIGS, SerialExecutor()), got, strict=True):
        assert a.equals(b)


def test_sweep_cli(tmp_path):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps([{"problem": "power", "optimizer": "gd", "iters": 10, "seeds": 2, "hp": {"gamma": 0.1}}]))
    r = cli("sweep", str(cfg), "--out", str(tmp_path / "o"), "--executor", "serial")
    assert r.returncode == 0 and (tmp_path / "o" / "run_000.npz").exists()
    cfg.write_text("[{}]")
    r = cli("sweep", str(cfg), "--out", str(tmp_path / "p"))
    assert r.returncode == 2 and "configs" in r.stderr


def test_runspec_validates_every_field_and_round_trips():
    from insgd.core import InputError
    from insgd.numerics.engine import execute

    spec = RunSpec.from_dict(
        {
            "problem": "power",
            "optimizer": "ngd",
            "iters": 50,
            "seeds": 2,
            "hp": {"gamma": "1/20", "beta": "1/2"},
            "params": {"p": 3},
            "w0": 2,
        }
    )
    assert spec.seeds == (0, 1) and spec.hp == {"gamma": 0.05, "beta": 0.5}
    tr = execute(spec)
    assert tr.config["hp"]["gamma"] == [0.05, 0.05] and tr.config["w0"] == [2.0]
    again = execute(RunSpec.from_dict(tr.config))
    assert again.final_gap.tolist() == tr.final_gap.tolist() and np.array_equal(again.gap, tr.gap)  # same bits
    for bad, word in (
        ({"iters": -1}, "iters"),
        ({"seeds": [1, -2]}, "seeds"),
        ({"hp": {"gamma": "nan"}}, "gamma"),
        ({"w0": [1, 2]}, "w0"),
        ({"colour": 1}, "unknown field"),
        ({"noise": [1]}, "noise"),
    ):
        with pytest.raises(InputError, match=word):
            RunSpec.from_dict({**spec.to_dict(), **bad})
