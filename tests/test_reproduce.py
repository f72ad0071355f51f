"""`insgd reproduce`: the Section 4 experiments on equal terms, at --quick sizes (readings, tuning, budgets, files)."""

import json

import numpy as np
import pytest

from insgd.numerics.engine import run
from insgd.numerics.finite_sums import PhaseRetrieval
from insgd.numerics.problems import Quadratic
from insgd.verify.experiments.configs import READINGS, budget, methods, phase_retrieval_config
from insgd.verify.experiments.reproduce import conclusion, reproduce
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
            meds[label] = float(np.median([np.inf if d else f for f, d in zip(m["final"], m["diverged"], strict=True)]))
        assert res["conclusion"]["by_reading"][reading]["printed"]["lowest_median"] == min(meds, key=meds.get)


def _synthetic(factor, n=20, seed=0):
    """A table of final gaps: every method log-normal around 1, I-NSGD scaled by `factor` (paired by seed)."""
    rng = np.random.default_rng(seed)
    base = rng.lognormal(0.0, 0.3, n)

    def m(x):
        return {"final": x.tolist(), "diverged": [False] * n, "curve_gap": [[1.0, v] for v in x], "curve_samples": [[0, 1]] * n}

    other = {lab: {"all readings": {"printed": m(base * rng.lognormal(0, 0.05, n))}} for lab in ("SGD", "clipped SGD")}
    ins = {"I-NSGD": {"literal": {"printed": m(base * factor), "rule": ("insgd",), "scale": 1.0}}}
    panel = {"a": m(base)}
    return {
        "table": {**other, **ins},
        "panels": {"beta": panel, "batch_prime": panel},
        "readings": ["literal"],
        "seeds": list(range(n)),
        "quick": False,
        "instances": 1,
    }


@pytest.mark.parametrize(
    "factor,word", [(0.5, "significantly lowest under 1"), (2.0, "significantly beaten under 1"), (1.0, "tied under 1")]
)
def test_the_conclusion_says_only_what_the_paired_tests_support(factor, word):
    """I-NSGD twice as good on every seed is significantly lowest, twice as bad is significantly beaten, equal is a
    tie; with 3 seeds nothing is significant (a Wilcoxon test cannot reach p < 0.05 with 3 pairs)."""
    assert word in conclusion(_synthetic(factor))["sentence"]
    assert "tied under 1" in conclusion(_synthetic(factor, n=3))["sentence"]


def test_tuning_uses_disjoint_seeds_and_flags_the_edge(pr):
    _, res = pr
    assert not set(res["tuning_seeds"]) & set(res["seeds"])
    for label, by in res["table"].items():
        for e in by.values():
            t = e["tuning"]
            ratios = np.array(t["grid"]) / t["grid"][0]
            assert len(t["grid"]) >= 10 and t["chosen"] in t["grid"]
            assert np.allclose(np.log2(ratios), np.arange(len(ratios)))  # contiguous powers of 2
            assert t["at_edge"] == (t["chosen"] in (t["grid"][0], t["grid"][-1]))
            if t["at_edge"]:  # the grid extends until the best point is interior, or up to the cap
                k = np.log2(t["multiplier"])
                assert k in (-18, 9), (label, k)


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


def test_rule_merges_readings_that_differ_only_by_the_step():
    """By hand: with c = 45, delta = 15, I-NSGD literal has h = max{1, 45 (2||g'|| + 15)} and the floor never binds
    (45 * 15 > 1), so its rule is gamma/45^beta g/(2||g'|| + 15)^beta; eq13 has k = (4 L1 gamma)^(1/beta), the same
    structure with scale 1/(4 L1). threshold (floor c^beta with k = 1) binds: a different rule."""
    from insgd.verify.experiments.configs import rule

    _, cfg = phase_retrieval_config(True)
    beta, gam = cfg["beta"], cfg["gammas"]["insgd"]
    lit, eq = methods(cfg, "literal", 3.0)[1][2], methods(cfg, "eq13", 3.0)[1][2]
    (s1, a1), (s2, a2) = rule("insgd", lit), rule("insgd", eq)
    assert s1 == s2 and a1 == pytest.approx(gam / 45**beta) and a2 == pytest.approx(1 / (4 * 3.0))
    assert rule("insgd", methods(cfg, "threshold", 3.0)[1][2])[0] != s1
    # clipped SGD: literal, threshold, floor and eq13 share the clip threshold c; code squares it
    clip = {r: rule("clipped_sgd", methods(cfg, r, 3.0)[0][2])[0] for r in READINGS}
    assert len({clip[r] for r in ("literal", "threshold", "floor", "eq13")}) == 1 and clip["code"] != clip["literal"]


def test_L1_estimate_finds_the_hessian_norm():
    """Power iteration recovers ||Hess|| exactly on a quadratic: with alpha = 0 the estimate is lambda_max / 2."""
    from insgd.verify.experiments.configs import estimate_L1

    q = Quadratic(dim=5, cond=10.0)
    cfg = {"alpha": 0.0, "w0": lambda rng, n: rng.normal(0, 1, (n, 5))}
    assert estimate_L1(q, cfg) == pytest.approx(10.0 / 2, rel=1e-4)


def test_median_interval_and_holm():
    from insgd.verify.fits import holm, median_interval

    # n = 20: the 95% interval is [x_(6), x_(15)] (binomial tables); n = 5 cannot reach 95%
    assert median_interval(np.arange(20.0)) == (5.0, 14.0)
    assert median_interval([1.0, 2, 3, 4, 5]) == (-np.inf, np.inf)
    rng = np.random.default_rng(1)
    hits = []
    for _ in range(2000):
        lo, hi = median_interval(rng.exponential(size=20))
        hits.append(lo <= np.log(2) <= hi)  # the exponential's median
    assert np.mean(hits) >= 0.94  # the exact coverage is 0.9586
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # by hand: 3 x 0.01, max(2 x 0.03, .), 0.04 -> 0.06
