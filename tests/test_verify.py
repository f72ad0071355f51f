"""verify/: fits, Theorem 1 checks on the extremal family (property tests), paper findings, CLI, main job."""

import json
from fractions import Fraction

import numpy as np
import pytest

from insgd.numerics.problems import Cosh, Power, Quadratic
from insgd.verify.checks.theorem1 import check
from insgd.verify.cli.__init__ import main
from insgd.verify.fits import best_window, ols
from tests.helpers import assert_one_line_error, cli


def test_best_window_drops_transient_and_floor():
    x = np.linspace(0, 10, 120)
    y = np.where(x < 2, 5.0, 9.0 - 2.0 * x)
    y = np.where(x > 8, -7.0, y)
    f = best_window(x, y)
    assert f.slope == pytest.approx(-2.0, abs=1e-9) and 2.0 <= f.window[0] and f.window[1] <= 8.0


def test_ols_ci_covers_truth():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(200):
        x = np.linspace(0, 1, 20)
        f = ols(x, 3 * x + rng.normal(0, 0.1, 20))
        hits += f.ci[0] <= 3 <= f.ci[1]
    assert 180 <= hits <= 199  # 95% nominal coverage; binomial(200, .95) is in [182, 197] with prob > .99


def _by(res, kind):
    return [a for a in res.assertions if a.kind == kind]


@pytest.mark.parametrize(
    "beta", [0.2, pytest.param(0.65, marks=pytest.mark.slow), "2/3", pytest.param(0.7, marks=pytest.mark.slow), 0.9]
)
def test_tight_power_family_rate_and_bound_near_and_off_the_boundary(beta):
    # f = |w|^4 with its certified constants: PL is an equality (rho = 4/3), so the rate is attained and assessed.
    # beta = 0.65 and 0.7 sit 0.0125 and 0.025 from the boundary q = 1: the interval of q decides, not a band.
    res = check(Power(p=4.0), beta, eps_grid=[1e-2, 1e-3, 1e-4])
    q_exact = (2 - Fraction(str(beta))) / Fraction(4, 3)  # by hand: q = (2 - beta)/rho, exactly
    q_true = float(q_exact)
    assert res.regime.q_predicted == pytest.approx(q_true, rel=1e-12)
    assert [a.verdict for a in _by(res, "bound")] == ["pass", "pass"]
    assert [a.verdict for a in _by(res, "rate")] == ["pass", "pass"] and res.verdict == "pass"
    lo, hi = res.regime.q_interval
    assert lo <= q_true <= hi and hi - lo < 0.01 * q_true  # narrow enough to catch a q wrong by 1%
    want = "boundary" if q_exact == 1 else (1 if q_exact > 1 else 3)
    assert res.regime.regime_measured == want


def test_a_wrong_rate_is_caught_on_a_tight_instance():
    # Feed the rate assertion a different predicted q (as a wrong theorem would): the same measurement must fail.
    res = check(Power(p=4.0), 0.2, eps_grid=[1e-2, 1e-3, 1e-4])
    lo, hi = res.regime.q_interval
    assert not (lo <= 1.35 * 1.01 <= hi) and not (lo <= 1.35 * 0.99 <= hi)


def test_valid_but_loose_constants_are_not_a_failure():
    # cosh - 1 with its certified rho = 1, mu = 1/2: valid, not tight; the bound is checked, the rate is not judged.
    res = check(Cosh(), 0.5, eps_grid=[1e-2, 1e-3, 1e-4])
    assert res.verdict == "pass" and [a.verdict for a in _by(res, "rate")] == ["not assessed"]
    given = check(
        Cosh(),
        0.5,
        eps_grid=[1e-2, 1e-3, 1e-4],
        constants={"L0": 2, "L1": "1/100", "alpha": 0, "rho": 1, "mu": "1/4"},
        audit_time_s=10,
    )
    # on the ball |w| <= 1: |f"| = cosh <= 1.55 <= L0 = 2, and |sinh|/(2(cosh - 1)) >= 1.08 >= mu = 1/4 (by hand)
    assert given.verdict in ("pass", "inconclusive")


def test_invalid_constants_are_caught():
    # On |w|^4 with w0 = 1 the literal form on the ball needs L0 >= f''(1) = 12 (by hand); L0 = 1 is false, and a
    # PL constant mu = 10 > 4^(4/3)/2 = 3.17 is false. The auditor finds witnesses; the check fails.
    res = check(
        Power(p=4.0),
        0.5,
        eps_grid=[1e-2, 1e-3, 1e-4],
        constants={"L0": 1, "L1": "1e-9", "alpha": 0, "rho": "4/3", "mu": 10},
        audit_time_s=10,
    )
    assert res.verdict == "fail"
    audit = res.assertions[0]
    assert audit.name.startswith("given constants") and audit.verdict == "fail" and "witness" in audit.evidence


def test_the_bound_assertion_can_fail():
    # Theorem 1 with a contraction twice as fast as derived (a = 2 c gamma: a wrong theorem) on the tight instance:
    # the one checker refutes it and names the first iterate above the bound.
    from dataclasses import replace

    from insgd.theory.ngd import GAMMA, THEOREM1_DERIVED, C
    from insgd.verify.checks.generic import check_theorem

    wrong = replace(THEOREM1_DERIVED, key="theorem1.too_fast", parameters={**THEOREM1_DERIVED.parameters, "a": 2 * C * GAMMA})
    res = check_theorem(wrong, Power(p=4.0), values={"beta": "2/3"}, eps=1e-3)
    assert res.verdict == "fail" and res["regime"] == 2
    v = res["first_violation"]
    assert v["measured"] > v["bound"] and f"at t = {v['t']}" in res.evidence
    right = check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": "2/3"}, eps=1e-3)
    assert right.verdict == "pass"


def test_finding_paper_regime1_exponent_is_contradicted():
    # Finding: Theorem 1 as printed says T = O(eps^-(2-rho-beta)/rho) here (rho = 4/3 <= 2 - 2 beta = 1.6):
    # 0.35; the derivation says (2-rho)/rho = 0.5, and the tight measurement agrees with the derivation.
    res = check(Power(p=4.0), 0.2, eps_grid=np.geomspace(1e-2, 1e-4, 4))
    c = res.complexity
    assert c.exponent_paper == pytest.approx(0.35) and c.exponent_derived == pytest.approx(0.5)
    assert c.exponent_interval[0] > c.exponent_paper
    assert _by(res, "printed")[0].verdict == "contradicted" and res.verdict == "pass"


def test_finding_paper_regime3_is_not_logarithmic():
    # Finding: the paper claims T = Omega(log) after T0 for rho > 2 - beta; with gamma(eps) the iteration count
    # grows polynomially, at the derived rate.
    c = check(Power(p=4.0), 0.9, eps_grid=np.geomspace(1e-2, 1e-4, 4)).complexity
    assert c.exponent_paper is None and c.exponent_ci[0] > 0.5


def test_check_cli_json(capsys, tmp_path):
    png = tmp_path / "c.png"
    assert (
        main(
            [
                "check",
                "--problem",
                "power",
                "--param",
                "p=3",
                "--beta",
                "1/2",
                "--eps-grid",
                "1e-2:1e-4:4",
                "--json",
                "--plot",
                str(png),
            ]
        )
        == 0
    )
    j = json.loads(capsys.readouterr().out)
    for k in (
        "regime",
        "T_exponent_derived",
        "T_exponent_paper",
        "T_exponent_measured",
        "T_exponent_ci",
        "bound_holds",
        "looseness",
        "assertions",
        "q_interval",
        "verdict",
        "L0",
        "L1",
        "alpha",
        "rho",
        "mu",
        "region",
    ):
        assert k in j
    assert j["regime"] == 2 and j["verdict"] == "pass" and png.stat().st_size > 1000


@pytest.mark.parametrize(
    "args,word",
    [
        (["--beta", "2"], "beta"),
        (["--eps-grid", "1:2"], "eps-grid"),
        (["--problem", "phase_retrieval", "--param", "m=20", "--param", "dim=2"], "literal"),
    ],
)
def test_check_cli_errors(args, word):
    base = ["check", "--problem", "power", "--beta", "0.5"]
    for i in range(0, len(args), 2):
        if args[i] in base:
            base[base.index(args[i]) + 1] = args[i + 1]
        else:
            base += args[i : i + 2]
    r = cli(*base)
    assert_one_line_error(r, word)


@pytest.mark.slow
def test_main_job_quick(tmp_path):
    out = tmp_path / "rep"
    r = cli("verify", "all", "--quick", "--out", str(out))
    assert r.returncode == 0, r.stderr
    s = json.loads((out / "summary.json").read_text())
    assert not s["any_fail"] and s["verdict_counts"]["fail"] == 0 and len(s["checks"]) >= 3
    assert "Disagreements with the paper" in (out / "report.md").read_text()
    assert len(list((out / "figures").glob("*.png"))) == len(s["checks"])
    r = cli("verify", "all", "--quick", "--out", str(out))
    assert r.returncode == 2 and "not empty" in r.stderr


def test_generalized_constants_enter_gamma():
    """check(generalized=True) runs with the L1 > 0 certificate, and the step size is Theorem 1's gamma computed with
    it: (2 mu eps)^(beta/rho) / (8 (L0 + L1) + 1), by hand from the trapezoid constants of |w|^4 on [-1, 1]."""
    eps = 1e-3
    res = check(Power(p=4.0), "2/3", eps_grid=[eps], generalized=True)
    s = res.setup
    L0, L1 = 6.0, 1.5 * 4 ** (1 / 3)  # 12/2 and half the Hessian form's 3 * 4^(1/3)
    assert (s["L0"], s["L1"], s["alpha"]) == pytest.approx((L0, L1, 2 / 3))
    mu, rho = 4 ** (4 / 3) / 2, 4 / 3
    assert (s["rho"], s["mu"]) == pytest.approx((rho, mu))
    gamma = (2 * mu * eps) ** ((2 / 3) / rho) / (8 * (L0 + L1) + 1)
    assert res.details["hyperparameters"]["gamma"] == pytest.approx(gamma, rel=1e-12)
    r = res.regime
    # NGD with beta = 2/3 from w0 = 1: the first step moves w by gamma * 4 / 4^(2/3) exactly
    assert r.t[1] == 1 and 1 - r.gap[1] ** 0.25 == pytest.approx(gamma * 4 ** (1 / 3), rel=1e-9)
    assert r.bound_holds is True


def test_an_iterate_outside_the_certified_ball_withholds_the_verdict():
    """Constants certified on a ball say nothing outside it: a pass, or a fail at or after the exit, becomes
    inconclusive with the exit named; a fail before the exit stands (hand-made evidence)."""
    from insgd.verify.checks.measure import left_ball
    from insgd.verify.checks.setup import Distance

    dist = Distance(np.zeros(1), 0.5)
    dist.replay([0.4, 0.45, 0.7, 0.3])  # leaves the ball at t = 2
    r = left_ball({"verdict": "pass", "evidence": "e"}, dist)
    assert r["verdict"] == "inconclusive" and "left the ball of radius 0.5" in r["evidence"] and "t = 2" in r["evidence"]
    assert left_ball({"verdict": "fail", "evidence": "e"}, dist, fail_t=1)["verdict"] == "fail"
    assert left_ball({"verdict": "fail", "evidence": "e"}, dist, fail_t=2)["verdict"] == "inconclusive"
    inside = Distance(np.zeros(1), 0.5)
    inside.replay([0.4, 0.3])
    assert left_ball({"verdict": "pass", "evidence": "e"}, inside)["verdict"] == "pass"


def test_disagreements_are_classified():
    """contradicted needs a tight instance whose measurement agrees with the derivation; a regime-3 case has no
    comparable printed order (incomplete); a non-tight instance differs by derivation only."""
    grid = np.geomspace(1e-2, 1e-3, 3)
    assert check(Power(p=4.0), 0.2, eps_grid=grid).disagreement_class == "contradicted"
    assert check(Power(p=4.0), 0.9, eps_grid=grid).disagreement_class == "incomplete"
    res = check(Power(p=4.0), "2/3", eps_grid=grid, generalized=True, rho=1.0)
    assert not res.setup["tight"] and res.disagreement_class == "differs by derivation only"
    assert _by(res, "printed")[0].verdict != "contradicted"
    assert check(Power(p=4.0), "2/3", eps_grid=grid).disagreement_class is None  # regime 2: printed = derived


def test_classical_L1_zero_is_accepted(tmp_path):
    r = cli(
        "check",
        "--problem",
        "quadratic",
        "--beta",
        "1",
        "--eps-grid",
        "1e-2:1e-4:3",
        "--L0",
        "1",
        "--L1",
        "0",
        "--alpha",
        "0",
        "--rho",
        "2",
        "--mu",
        "1",
        "--json",
        "--quiet",
    )
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout)
    assert j["L1"] == 0 and any("classical" in w for w in j["warnings"])


@pytest.mark.parametrize(
    "extra,word",
    [
        (["--generalized"], "L1 > 0"),  # a quadratic certifies no L1 > 0
        (["--pl-rho", "3"], "rho = 3"),
        (["--generalized", "--L0", "1", "--L1", "0", "--alpha", "0", "--rho", "2", "--mu", "1"], "generalized"),
    ],
)
def test_generalized_and_pl_rho_refusals(extra, word):
    r = cli("check", "--problem", "quadratic", "--beta", "1", *extra)
    assert_one_line_error(r, word)


def test_certified_scales_bind_as_exact_binary_values():
    """Regression (the Theorem 1 path): a certified L0 = 1 + 2^-52 is bound as that exact value, not as the simplest
    nearby rational 1, which would lie below the certificate; exponents stay the rationals they encode (rho = 2)."""
    import sympy as sp

    from insgd.theory import symbols as S
    from insgd.theory.ngd import THEOREM1_DERIVED
    from insgd.verify.checks.instance import prepare

    inst = prepare(THEOREM1_DERIVED, Quadratic(dim=2, cond=1 + 2**-52), values={"beta": 1})
    assert inst.constants[S.L0] == sp.Rational(2**52 + 1, 2**52) and inst.constants[S.rho] == 2
