"""`insgd reproduce`: the Section 4 experiments on equal terms, at --quick sizes (readings, tuning, budgets, files)."""

import json

import numpy as np
import pytest

from insgd.numerics.engine import run
from insgd.numerics.finite_sums import PhaseRetrieval
from insgd.numerics.problems import Quadratic
from insgd.verify.reproduce import READINGS, budget, conclusion, methods, phase_retrieval_config, reproduce
from tests.helpers import assert_one_line_error, cli


@pytest.fixture(scope="module")
def pr(tmp_path_factory):
    out = tmp_path_factory.mktemp("pr") / "pr"
    return out, reproduce("phase-retrieval", seeds=2, quick=True, out=out, progress=False)


@pytest.mark.parametrize("reading", READINGS)
def test_each_reading_is_the_formula_it_names(reading):
    # One step on a quadratic with exact gradients (noise 0), by hand from the reading's formula.
    _, cfg = phase_retrieval_config(True)
    c, d, beta = cfg["clip"], cfg["delta"], cfg["beta"]
    (lab_c, opt_c, hp_c, _), (lab_i, opt_i, hp_i, _) = methods(cfg, reading, L1_est=3.0)
    q, w0 = Quadratic(dim=2, cond=4.0), np.array([30.0, -20.0])
    g = q.lam * w0
    n = np.linalg.norm(g)
    gam_c, gam_i = cfg["gammas"]["clipped"], cfg["gammas"]["insgd"]
    want_c = {"literal": gam_c * min(1, c / (n + d)), "code": gam_c / max(c**2, n + d)}.get(reading, gam_c / max(c, n + d))
    h = {
        "literal": max(1.0, c * (2 * n + d)) ** beta,
        "threshold": max(c, 2 * n + d) ** beta,
        "floor": max(c, (2 * n + d) ** beta),
        "eq13": max(1.0, (4 * 3.0 * gam_i) ** (1 / beta) * (2 * n + d)) ** beta,
        "code": max(c**2, 2 * n + d) ** beta,
    }[reading]
    for opt, hp, step in ((opt_c, hp_c, want_c), (opt_i, hp_i, gam_i / h)):
        hp = {k: v for k, v in hp.items() if k not in ("batch", "batch_prime")}
        w1 = run(q, opt, w0, 1, [0], hp, noise=(0.0, 0.0)).w_final[0]
        assert np.allclose(w1, w0 - step * g, rtol=1e-13), (reading, opt)


def test_files_table_and_equal_budgets(pr):
    out, res = pr
    assert (out / "phase-retrieval.png").stat().st_size > 20_000
    j = json.loads((out / "phase-retrieval.json").read_text())
    for key in ("experiment", "seeds", "fstar", "config", "results", "summary", "readings", "tuning", "conclusion"):
        assert key in j
    assert set(j["table"]["I-NSGD"]) == set(READINGS) and set(j["table"]["SGD"]) == {"all readings"}
    B = budget(res["config"])
    for label, by in res["table"].items():
        for e in by.values():
            for setting in ("printed", "tuned"):
                m = e[setting]
                for s, div in zip(m["curve_samples"], m["diverged"], strict=True):
                    # each run stops at the first step whose samples reach the budget (one step may overshoot)
                    assert div or B <= s[-1] <= B + 10 * res["config"]["batch"], (label, s[-1], B)


def test_conclusion_is_computed_from_the_table(pr):
    _, res = pr
    # recompute, independently of conclusion(): the method with the lowest median final gap, per reading (printed)
    for reading in res["readings"]:
        meds = {}
        for label, by in res["table"].items():
            m = by.get(reading, by.get("all readings"))["printed"]
            if not any(m["diverged"]):
                meds[label] = float(np.median(m["final"]))
        assert res["conclusion"]["by_reading"][reading]["printed"]["lowest_final"] == min(meds, key=meds.get)
    # a table where I-NSGD is made worst flips the sentence
    keep = ("table", "panels", "readings", "thresholds", "seeds", "quick")
    worse = json.loads(json.dumps({k: v for k, v in res.items() if k in keep}))
    for e in worse["table"]["I-NSGD"].values():
        for setting in ("printed", "tuned"):
            e[setting]["final"] = [1e9] * len(e[setting]["final"])
    assert "lowest median final gap under 0 of" in conclusion(worse)["sentence"]


def test_tuning_uses_disjoint_seeds_and_flags_the_edge(pr):
    _, res = pr
    assert not set(res["tuning_seeds"]) & set(res["seeds"])
    t = res["table"]["SGD"]["all readings"]["tuning"]
    assert len(t["grid"]) == 10 and t["chosen"] in t["grid"]
    assert t["at_edge"] == (t["chosen"] in (t["grid"][0], t["grid"][-1]))


def test_same_seeds_same_results(tmp_path):
    kw = {"seeds": 2, "quick": True, "progress": False, "readings": ["literal"], "tune": False}
    a = reproduce("phase-retrieval", out=tmp_path / "a", **kw)
    b = reproduce("phase-retrieval", out=tmp_path / "b", **kw)
    assert a["table"]["I-NSGD"]["literal"]["printed"]["final"] == b["table"]["I-NSGD"]["literal"]["printed"]["final"]


def test_dro_quick(tmp_path, life_expectancy_csv_or_synthetic):
    res = reproduce(
        "dro",
        seeds=2,
        quick=True,
        out=tmp_path / "d",
        data=str(life_expectancy_csv_or_synthetic),
        progress=False,
        readings=["literal", "threshold"],
        reg="exact",
    )
    assert set(res["panels"]["batch_prime"]) == {"B'=16", "B'=32", "B'=64", "B'=128"}
    assert res["config"]["reg"] == "exact" and "regularizer exact" in res["summary"]


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
        (["phase-retrieval", "--readings", "x"], "readings"),
    ],
)
def test_cli_errors(argv, word, tmp_path):
    r = cli("reproduce", *argv, "--out", str(tmp_path / "o"))
    assert_one_line_error(r, word)


def test_cli_json(tmp_path):
    r = cli(
        "reproduce",
        "phase-retrieval",
        "--quick",
        "--seeds",
        "2",
        "--readings",
        "literal",
        "--no-tune",
        "--out",
        str(tmp_path / "o"),
        "--json",
    )
    assert r.returncode == 0
    j = r.json()
    assert "results" in j and "summary" in j and j["seeds"] == [0, 1] and j["readings"] == ["literal"]
