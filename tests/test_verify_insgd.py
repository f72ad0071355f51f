"""Theorem 2 / Lemma 2 checks against probabilities computed independently here."""

import json
import math

import numpy as np
import pytest
from scipy import stats

from insgd.numerics.problems import Power, Quadratic
from insgd.verify.checks.theorem2 import clopper_pearson, independence_check, lemma2_check, theorem2_check
from insgd.verify.cli.__init__ import main
from tests.helpers import assert_one_line_error, cli


def test_clopper_pearson_closed_forms():
    # k = 0: upper = 1 - (alpha/2)^(1/n); k = n: lower = (alpha/2)^(1/n)
    assert clopper_pearson(0, 10)[1] == pytest.approx(1 - 0.025 ** (1 / 10))
    assert clopper_pearson(10, 10)[0] == pytest.approx(0.025 ** (1 / 10))


def exact_aligned_failure(tau1, tau2, G):
    """Aligned oracle in 1-D: g_B = G + sbar (tau1 G + tau2), sbar = (2K - B)/B, K ~ Binomial(B, 1/2)."""
    B = math.ceil(16 * tau1**2)
    K = np.arange(B + 1)
    g = G + (2 * K - B) / B * (tau1 * G + tau2)
    fail = np.abs(g) < G / 2 - tau2 / (2 * tau1)
    return float(stats.binom.pmf(K, B, 0.5)[fail].sum())


@pytest.mark.parametrize("tau1,tau2,G", [(1.0, 0.5, 3.0), (0.5, 0.1, 2.5), (2.0, 1.0, 1.0)])  # off the boundary
def test_lemma2_matches_exact_binomial(tau1, tau2, G):
    exact = exact_aligned_failure(tau1, tau2, G)
    mc = lemma2_check(tau1, tau2, 1, G, trials=100_000, seed=1, oracle="aligned")
    lo, hi = mc["p_fail_ci"]
    assert lo <= exact <= hi
    assert mc["chebyshev_bound"] >= exact  # Chebyshev is a valid bound
    assert mc["B"] == math.ceil(16 * tau1**2)


def test_lemma2_fails_with_positive_probability():
    # Finding: Lemma 2 is stated as a sure inequality; an oracle within Assumptions 3-4 violates it.
    assert exact_aligned_failure(1.0, 0.5, 3.0) > 0.01
    assert lemma2_check(1.0, 0.5, 1, 3.0, trials=20_000, oracle="aligned")["paper_refuted"]


def test_independence_removes_the_bias():
    r = independence_check(batch=1, trials=200_000)
    ind, same = r["estimators"]["independent (I-NSG)"], r["estimators"]["same batch (NSGD)"]
    assert ind["angle_deg"] <= 3 * ind["angle_se_deg"]
    # same batch, B = 1: E[g/||g||] = ((1,0) + (0,1))/2, grad F = (5, 0.5): angle 45 - atan(0.1) degrees
    assert same["angle_deg"] == pytest.approx(45 - math.degrees(math.atan(0.1)), abs=4 * same["angle_se_deg"])


def test_theorem2_check_on_a_quadratic():
    r = theorem2_check(Quadratic(dim=2), 1.0, 0.5, 0.5, 0.3, seeds=24)
    assert r.B == 2 and r.B_prime == 16 and r.delta == pytest.approx(0.5)
    hits = np.array(r.T_hit)
    assert np.all((hits > 0) & (hits <= float(r.T)))
    assert r.fraction_within_T == 1.0 and r.verdict == "pass"
    again = theorem2_check(Quadratic(dim=2), 1.0, 0.5, 0.5, 0.3, seeds=24)
    assert again.T_hit == r.T_hit  # same seeds, same hitting times


def test_budget_is_respected_and_reported():
    r = theorem2_check(Quadratic(dim=2), 1.0, 0.5, 0.5, 0.05, seeds=4, budget=50)
    assert r.budget == 50 and r.not_finished == 4 and r.fraction_ci[0] == 0.0
    assert any("budget" in w for w in r.warnings)


def test_cli_check_insgd_and_lemma2(capsys):
    assert (
        main(
            [
                "check-insgd",
                "--problem",
                "quadratic",
                "--param",
                "dim=2",
                "--tau1",
                "1",
                "--tau2",
                "1/2",
                "--beta",
                "1/2",
                "--eps",
                "0.3",
                "--seeds",
                "8",
                "--json",
            ]
        )
        == 0
    )
    j = json.loads(capsys.readouterr().out)
    for k in ("T", "fraction_within_T", "fraction_ci", "T_hit_median", "looseness", "verdict", "warnings"):
        assert k in j
    assert (
        main(
            [
                "lemma2",
                "--tau1",
                "1",
                "--tau2",
                "0.5",
                "--dim",
                "1",
                "--grad-norm",
                "3",
                "--trials",
                "2000",
                "--oracle",
                "aligned",
                "--json",
            ]
        )
        == 0
    )
    j = json.loads(capsys.readouterr().out)
    for k in ("p_fail", "p_fail_ci", "B", "chebyshev_bound"):
        assert k in j


@pytest.mark.parametrize(
    "argv,word",
    [
        (["lemma2", "--tau1", "-1", "--tau2", "1", "--dim", "2", "--grad-norm", "1", "--trials", "10"], "tau1"),
        (["check-insgd", "--problem", "quadratic", "--tau1", "1", "--tau2", "1", "--beta", "0", "--eps", "0.1"], "beta"),
    ],
)
def test_cli_errors(argv, word):
    r = cli(*argv)
    assert_one_line_error(r, word)


class _ShiftedQuadratics:
    """f_r(w) = c_r ||w||^2 / 2 + b_r . w with mean c = 1, mean b = 0: grad f_r - grad F = (c_r - 1) w + b_r, so
    Assumption 4 holds exactly on the frontier tau2(tau1) = max_r ||b_r|| for tau1 >= max_r |c_r - 1|."""

    name, n_samples = "shifted_quadratics", 3

    def __init__(self):
        self.c = np.array([0.5, 1.0, 1.5])
        self.b = np.array([[1.0, 0.0], [0.0, -2.0], [-1.0, 2.0]])

    def grad(self, W):
        return W

    def sample_grads(self, W, idx):
        return (self.c[idx] * W[:, None, :] + self.b[idx]).mean(axis=1)


def test_noise_frontier_known_answer():
    from insgd.verify.checks.theorem2 import noise_frontier

    prob = _ShiftedQuadratics()
    pts = np.concatenate([[[0.0, 0.0]], np.random.default_rng(0).normal(0, 3, (50, 2))])
    fr = noise_frontier(prob, pts, [0.5, 1.0])
    assert fr["tau2"][0] == pytest.approx(np.sqrt(5.0), rel=1e-12)  # max ||b_r|| = ||(-1, 2)||, attained at w = 0
    assert fr["tau2"][1] == pytest.approx(np.sqrt(5.0), rel=1e-12)
    assert "estimated" in fr["label"]


def test_normalization_acts_with_a_real_L1():
    # |w|^4 from w0 = 4: ||grad F|| = 256 there, and Theorem 2's clipping (4 L1 gamma)(2 ||g'|| + delta) exceeds 1.
    from insgd.numerics.problems import Power

    # |w|^4 certifies that eq. (2) (the literal form, Theorem 2's Assumption 1) fails globally: the runs use the segment
    # form's constants, met the promise on 8/8 seeds, and still neither support nor refute the theorem (inconclusive)
    r = theorem2_check(Power(p=4.0), 0.5, 0.1, 1.0, 2.0, seeds=8, w0=[4.0])
    assert r.constants["L1"] > 1 and r.constants["form"] == "segment"
    assert 0 < r.h_active_fraction < 1 and r.hits_within_T == 8 and r.verdict == "inconclusive"
    assert "outside the theorem's hypotheses" in r.statement() and "literal" in r.outside
    assert r.B_prime_derived > r.B_prime  # the union bound over T steps asks for more than 16 tau1^2


def test_budget_that_ends_runs_before_T_is_inconclusive_not_fail():
    r = theorem2_check(Quadratic(dim=2), 1.0, 0.5, 0.5, 0.05, seeds=8, budget=5)
    assert r.not_finished > 0 and r.verdict == "inconclusive"
    res = cli(
        "check-insgd",
        "--problem",
        "quadratic",
        "--param",
        "dim=2",
        "--tau1",
        "1",
        "--tau2",
        "0.5",
        "--beta",
        "1/2",
        "--eps",
        "0.05",
        "--seeds",
        "8",
        "--budget",
        "5",
    )
    assert res.returncode == 0 and "inconclusive" in res.stdout


def test_exit_codes_follow_the_verdicts():
    ok = cli("check", "--problem", "power", "--param", "p=4", "--beta", "2/3", "--eps-grid", "1e-2:1e-4:3")
    assert ok.returncode == 0 and "pass" in ok.stdout
    bad = cli(
        "check",
        "--problem",
        "power",
        "--param",
        "p=4",
        "--beta",
        "1/2",
        "--eps-grid",
        "1e-2:1e-4:3",
        "--L0",
        "1",
        "--L1",
        "1e-9",
        "--alpha",
        "0",
        "--rho",
        "4/3",
        "--mu",
        "10",
        "--time-limit",
        "10",
    )
    assert bad.returncode == 1 and "fail" in bad.stdout
    assert_one_line_error(cli("check", "--problem", "power", "--beta", "1/2", "--L0", "1"), "missing --L1")
    lem = cli("lemma2", "--tau1", "1", "--tau2", "0.5", "--dim", "1", "--grad-norm", "3", "--trials", "2000", "--json")
    assert lem.returncode == 0 and lem.json()["paper_refuted"] and lem.json()["verdict"] == "pass"


def test_a_violated_precondition_is_not_a_pass():
    """The derived Theorem 2 needs alpha <= beta: on |w|^4 (alpha = 2/3) with beta = 1/2 the runs may all hit, but
    the verdict is inconclusive, naming the precondition (a pass would claim what the theorem does not promise)."""
    r = theorem2_check(Power(p=4.0), 0.5, 0.1, 0.5, 2.0, seeds=8, w0=[4.0])
    assert r.verdict == "inconclusive" and "alpha <= beta" in r.statement()
    ok = theorem2_check(Power(p=4.0), 0.5, 0.1, 1.0, 2.0, seeds=8, w0=[4.0])
    assert ok.precondition is None and ok.statement().startswith(("not refuted", "inconclusive", "refuted"))
