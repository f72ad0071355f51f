"""`insgd run`, `insgd problems`, `insgd bench`: JSON, exit codes, and one-line errors."""

import json

import pytest

from insgd.verify.cli.__init__ import main
from tests.helpers import cli

run_cli = cli


def test_run_json_single(capsys):
    assert (
        main(
            [
                "run",
                "--problem",
                "power",
                "--param",
                "p=3",
                "--optimizer",
                "ngd",
                "--opt",
                "gamma=0.05",
                "--opt",
                "beta=1/2",
                "--w0",
                "2",
                "--iters",
                "50",
                "--seed",
                "0",
                "--json",
            ]
        )
        == 0
    )
    j = json.loads(capsys.readouterr().out)
    assert j["t"][0] == 0 and j["t"][-1] == 50
    # shapes do not depend on the number of runs: (runs, checkpoints) and (runs,)
    assert len(j["gap"]) == len(j["grad_norm"]) == len(j["samples"]) == 1
    assert len(j["gap"][0]) == len(j["t"]) and j["diverged"] == [False] and j["stop_t"] == [50]
    # closed form (see test_numerics_engine): |w_t| = 2 (1 - 0.05 sqrt 3)^t
    assert j["gap"][0][-1] == pytest.approx((2 * (1 - 0.05 * 3**0.5) ** 50) ** 3, rel=1e-10)
    assert j["final_gap"] == [j["gap"][0][-1]]


def test_run_json_batch_with_noise(capsys):
    assert (
        main(
            [
                "run",
                "--problem",
                "quadratic",
                "--param",
                "dim=3",
                "--optimizer",
                "insgd",
                "--opt",
                "gamma=0.01,0.02",
                "--opt",
                "beta=2/3",
                "--opt",
                "batch=4",
                "--opt",
                "batch_prime=2",
                "--noise",
                "0.5,0.1",
                "--iters",
                "100",
                "--seed",
                "3",
                "--runs",
                "2",
                "--json",
            ]
        )
        == 0
    )
    j = json.loads(capsys.readouterr().out)
    assert len(j["gap"]) == 2 and len(j["gap"][0]) == len(j["t"])
    assert j["samples"][0][-1] == 100 * 6 and j["diverged"] == [False, False]


def test_run_save_refuses_overwrite(tmp_path):
    args = [
        "run",
        "--problem",
        "cosh",
        "--optimizer",
        "gd",
        "--opt",
        "gamma=0.1",
        "--iters",
        "5",
        "--seed",
        "0",
        "--save",
        str(tmp_path / "tr"),
    ]
    assert run_cli(*args).returncode == 0
    r = run_cli(*args)
    assert r.returncode == 2 and "exists" in r.stderr
    assert run_cli(*args, "--force").returncode == 0


@pytest.mark.parametrize(
    "args,word",
    [
        (["--problem", "nope"], "problem"),
        (["--param", "p=1"], "p of power must be a number in [2, 64]"),
        (["--opt", "gamma=-0.1"], "gamma"),
        (["--optimizer", "adam"], "optimizer"),
        (["--w0", "1,2,3"], "w0"),
        (["--param", "p=abc"], "p"),
    ],
)
def test_run_errors(args, word):
    base = {"--problem": "power", "--optimizer": "ngd", "--iters": "5", "--seed": "0"}
    extra = []
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[args[i]] = args[i + 1]
        else:
            extra += args[i : i + 2]
    argv = ["run"] + [x for kv in base.items() for x in kv] + ["--opt", "gamma=0.1"] + extra
    if "--opt" in extra:
        argv = ["run"] + [x for kv in base.items() for x in kv] + extra
    r = run_cli(*argv)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and word in r.stderr and "Traceback" not in r.stderr


def test_problems_lists_constants(capsys):
    assert main(["problems", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert {"power", "power_sum", "quadratic", "cosh", "paper_example1", "paper_example2", "phase_retrieval", "dro"} <= set(j)
    assert j["cosh"]["constants"]["smooth"][0]["alpha"] == 1.0


def test_bench_small(capsys):
    assert main(["bench", "--only", "batching", "--runs", "8", "--iters", "200", "--sample", "2", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j["runs"] == 8 and j["iters"] == 200 and j["sequential_sampled"] == 2
    assert j["batching_speedup"] == pytest.approx(j["sequential_s"] / j["batch_s"])


def test_bench_engine_and_theory_small():
    from insgd.verify.report.bench import bench_engine, bench_theory

    e = bench_engine({"runs": 4, "steps": 20, "m": 200, "dim": 10}, loop_sample=1)
    assert {"engine_overhead", "speedup_vs_loop"} <= set(e)
    t = bench_theory(n=10_000, sample=3)
    assert t["max_rel_diff"] < 1e-12  # the lambdified grid equals SymPy's values
