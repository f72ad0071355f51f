"""`insgd reproduce`: the Section 4 experiments at --quick sizes (files, JSON, summary, errors)."""

import json

import numpy as np
import pytest

from insgd.numerics.finite_sums import PhaseRetrieval
from insgd.verify.reproduce import reproduce
from tests.helpers import assert_one_line_error, cli


def test_phase_retrieval_quick(tmp_path):
    res = reproduce("phase-retrieval", seeds=2, quick=True, out=tmp_path / "pr", progress=False)
    assert (tmp_path / "pr" / "phase-retrieval.png").stat().st_size > 10_000
    j = json.loads((tmp_path / "pr" / "phase-retrieval.json").read_text())
    methods = j["results"]["methods"]
    assert {"SGD", "normalized SGD", "clipped SGD", "NSGD + momentum", "SPIDER"} <= set(methods)
    assert all(len(m["final"]) == 2 for m in methods.values())
    assert set(j["results"]["beta"]) == {"beta=1", "beta=0.8", "beta=0.667", "beta=0.7", "beta=0.65"}
    assert "I-NSGD" in (tmp_path / "pr" / "phase-retrieval.md").read_text()
    # every method gets the same sample budget: the last checkpoint of each run is at that budget
    budget = res["config"]["iters"] * (res["config"]["batch"] + res["config"]["batch_prime"])
    for c in res["panels"]["methods"].values():
        assert max(s[-1] for s in c["samples"]) <= budget + 10 * res["config"]["batch"]


def test_same_seeds_same_results(tmp_path):
    a = reproduce("phase-retrieval", seeds=2, quick=True, out=tmp_path / "a", progress=False)
    b = reproduce("phase-retrieval", seeds=2, quick=True, out=tmp_path / "b", progress=False)
    assert a["panels"]["methods"]["SGD"]["final"] == b["panels"]["methods"]["SGD"]["final"]


def test_dro_quick(tmp_path, life_expectancy_csv_or_synthetic):
    res = reproduce("dro", seeds=2, quick=True, out=tmp_path / "d", data=str(life_expectancy_csv_or_synthetic), progress=False)
    assert set(res["panels"]["batch_prime"]) == {"B'=16", "B'=32", "B'=64", "B'=128"}
    assert np.isfinite(res["summary"]["median_final"]["SGD"])


def test_code_variant_halves_the_gradient():
    W = np.random.default_rng(0).normal(size=(2, 5))
    a = PhaseRetrieval(dim=5, m=30).grad(W)
    b = PhaseRetrieval(dim=5, m=30, variant="code").grad(W)
    assert np.allclose(b, a / 2)


@pytest.mark.parametrize(
    "argv,word",
    [
        (["dro", "--quick"], "--data"),
        (["phase-retrieval", "--seeds", "0"], "seeds"),
        (["phase-retrieval", "--k-mode", "x"], "k-mode"),
    ],
)
def test_cli_errors(argv, word, tmp_path):
    r = cli("reproduce", *argv, "--out", str(tmp_path / "o"))
    assert_one_line_error(r, word)


def test_cli_json(tmp_path):
    r = cli("reproduce", "phase-retrieval", "--quick", "--seeds", "2", "--out", str(tmp_path / "o"), "--json")
    assert r.returncode == 0
    j = json.loads(r.stdout)
    assert "results" in j and "summary" in j and j["seeds"] == [0, 1]
