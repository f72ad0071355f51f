"""The theorem registry: literature records, the generic checker (bound at every iterate, refutation by a run),
refusals naming the missing assumption, worst cases, and the CLI."""

import dataclasses

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from insgd.core import InputError
from insgd.numerics.problems import Cosh, Power, Quadratic
from insgd.theory import symbols as S
from insgd.theory.records import Case
from insgd.theory.theorems import REGISTRY, get, register
from insgd.verify.checks.generic import check_theorem, worst_case
from tests.helpers import assert_one_line_error, cli

KARIMI = get("karimi2016.theorem1")
L, mu, t, D0, eps = S.L, S.mu, S.t, S.Delta0, S.eps


def with_rate(power, key):
    return dataclasses.replace(
        KARIMI,
        key=key,
        bound={0: (1 - mu / L) ** (power * t) * D0},
        cases={0: (Case(sp.true, sp.log(D0 / eps) / (-power * sp.log(1 - mu / L)), "exact"),)},
    )


def test_registry_lists_literature_with_citations():
    assert {"karimi2016.theorem1", "zhang2020.clipped_gd"} <= set(REGISTRY)
    assert "Karimi" in KARIMI.source and "Theorem 1" in KARIMI.source and KARIMI.statement
    z = get("zhang2020.clipped_gd")
    assert not z.checkable and "could not be confirmed" in z.notes[0]
    with pytest.raises(InputError, match="not checkable"):
        check_theorem(z, Cosh())


def test_karimi_on_a_quadratic_by_hand():
    # f = 1/2 (w1^2 + 5 w2^2 ...): L = 5, mu = 1; GD with 1/L contracts component i by (1 - lam_i/5)^2 per step in f
    r = check_theorem(KARIMI, Quadratic(dim=3, cond=5.0))
    assert r["constants"] == {"L": 5.0, "mu": 1.0} and r["hyperparameters"]["gamma"] == pytest.approx(0.2)
    assert r["verdict"] == "pass" and r["tightness"] > 1


def test_a_rate_one_order_too_fast_is_refuted_by_a_run():
    r = check_theorem(with_rate(4, "test.too_fast"), Quadratic(dim=3, cond=5.0))
    assert r["verdict"] == "fail" and "refuted by a run" in r["evidence"]
    run = r["witness_run"]
    assert run["measured"][-1] > run["bound"][-1]  # the last recorded iterate is above the claimed bound


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.floats(1.0, 50.0))
def test_karimi_bound_is_never_violated_on_quadratics(dim, cond):
    assert check_theorem(KARIMI, Quadratic(dim=dim, cond=cond), eps=1e-8)["verdict"] == "pass"


def test_refusal_names_the_missing_assumption():
    with pytest.raises(InputError, match="A2 with rho = 2"):
        check_theorem(KARIMI, Power(p=4.0))
    assert_one_line_error(cli("check", "--theorem", "karimi2016.theorem1", "--problem", "power"), "A2")
    assert_one_line_error(cli("check", "--theorem", "nope", "--problem", "power"), "theorem must be one of")
    assert_one_line_error(cli("check", "--theorem", "theorem2.derived", "--problem", "power"), "insgd check-insgd")


def test_worst_case_family_is_the_pl_tight_power():
    fam = worst_case(KARIMI)
    assert fam.name == "power" and fam.p == 2.0
    r = check_theorem(KARIMI, fam)
    assert r["verdict"] == "pass" and r["tightness"] == pytest.approx(1.0)  # tight: one step, bound says one step


def test_register_refuses_a_duplicate_key():
    register(with_rate(1, "test.registered_once"))
    with pytest.raises(InputError, match="already registered"):
        register(with_rate(1, "test.registered_once"))


def test_cli_check_theorem_and_listing():
    r = cli(
        "check",
        "--theorem",
        "karimi2016.theorem1",
        "--problem",
        "quadratic",
        "--param",
        "dim=2",
        "--param",
        "cond=10",
        "--worst-case",
        "--json",
    )
    assert r.returncode == 0 and [x["verdict"] for x in r.json()] == ["pass", "pass"]
    listing = cli("theorems", "--json").json()
    assert {t["key"] for t in listing["theorems"]} >= {"karimi2016.theorem1", "theorem2.derived"}


# -- stochastic theorems: Bottou, Curtis and Nocedal (2018), Theorem 4.8 ------------------------------------------

BOTTOU = get("bottou2018.theorem4_8")


def exact_mean_sq_grad(lam, gamma, tau1, tau2, batch, w0, T):
    """E[(1/t) sum_{k<t} ||grad F(w_k)||^2], t = 1..T, for SGD on F = 1/2 sum lam_i w_i^2 with the synthetic oracle,
    in closed form: m_i = E w_i^2 obeys m_i <- ((1 - gamma lam_i)^2 + gamma^2 lam_i^2 tau1^2 / b) m_i
    + gamma^2 tau2^2 / (d b) (E s_bar^2 = 1/b, E u_bar_i^2 = 1/(d b), cross terms centred), an independent computation."""
    import numpy as np

    lam, m = np.asarray(lam, float), np.asarray(w0, float) ** 2
    d = len(lam)
    a = (1 - gamma * lam) ** 2 + gamma**2 * lam**2 * tau1**2 / batch
    c = gamma**2 * tau2**2 / (d * batch)
    g2 = []
    for _ in range(T):
        g2.append(float((lam**2 * m).sum()))
        m = a * m + c
    return np.cumsum(g2) / np.arange(1, T + 1)


def bound_at(theorem, r, t):
    import numpy as np

    B = sp.lambdify(
        S.t,
        theorem.bound[0].subs(
            {S.L: r["constants"]["L"], S.M: r["constants"]["M"], S.M_V: r["constants"]["M_V"], S.Delta0: r["delta0"]}
        ),
    )
    return np.array([float(B(x)) for x in t])


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.floats(1.0, 30.0), st.floats(0.0, 2.0), st.floats(0.0, 3.0), st.integers(1, 8))
def test_bottou_bound_holds_against_the_closed_form(dim, cond, tau1, tau2, batch):
    """The printed bound, bound to a quadratic's certificates and the oracle's exact variance, is above the exact
    expectation at every t <= 300: the theorem's mathematics checked without any run."""
    import numpy as np

    prob = Quadratic(dim=dim, cond=cond)
    L, M, MV = cond, tau2**2 / batch, tau1**2 / batch
    gamma = 1 / (L * (1 + MV))
    w0 = np.full(dim, 1 / np.sqrt(dim))
    exact = exact_mean_sq_grad(prob.lam, gamma, tau1, tau2, batch, w0, 300)
    t = np.arange(1, 301)
    d0 = float(prob.value(w0[None])[0])
    bound = gamma * L * M + 2 * d0 / (t * gamma)
    assert np.all(exact <= bound * (1 + 1e-12))


def test_bottou_checked_by_runs_estimates_the_exact_expectation():
    import numpy as np

    prob = Quadratic(dim=3, cond=5.0)
    r = check_theorem(BOTTOU, prob, noise=(0.5, 1.0), batch=2, seeds=512, iters=200)
    assert r["constants"] == {"L": 5.0, "M": 0.5, "M_V": 0.125}
    exact = exact_mean_sq_grad(prob.lam, r["hyperparameters"]["gamma"], 0.5, 1.0, 2, r["w0"], 200)[np.array(r["grid"]) - 1]
    # the 99.9% intervals of the check contain the exact expectation at every t of the grid
    assert np.all(np.array(r["lcb"]) <= exact) and np.all(exact <= np.array(r["ucb"]))
    assert r["verdict"] == "pass" and r["tightness"] > 1


def test_a_noise_free_rate_claimed_for_sgd_is_refuted_by_runs():
    """Claim: E A(t) <= 2 Delta_0 / (t gamma) (the variance term dropped). The closed form says it is false for
    large t (E A(t) tends to a positive constant); the check must find it from runs, with a confidence statement."""
    import numpy as np

    wrong = dataclasses.replace(BOTTOU, key="test.noise_free", bound={0: BOTTOU.bound[0] - S.L * S.M / (S.L * (1 + S.M_V))})
    prob = Quadratic(dim=3, cond=5.0)
    r = check_theorem(wrong, prob, noise=(0.0, 1.0), iters=500)
    exact = exact_mean_sq_grad(prob.lam, 0.2, 0.0, 1.0, 1, r["w0"], 500)[np.array(r["grid"]) - 1]
    assert np.any(exact > np.array(r["bound"]))  # independently false
    assert r["verdict"] == "fail" and "refuted by 256 runs" in r["evidence"]
    assert r["witness_run"]["mean"][-1] > r["witness_run"]["bound"][-1]


def test_lower_confidence_bound_is_valid_and_not_vacuous():
    """Coverage on exponential samples (mean 1): at level 0.01 the bound exceeds the true mean in about 1% of
    trials at most; with 400 samples it is within 0.3 of the mean."""
    import numpy as np

    from insgd.verify.checks.generic import lower_confidence_bound

    rng = np.random.default_rng(0)
    A = rng.exponential(1.0, size=(400, 2000))
    lcb = lower_confidence_bound(A, np.full(2000, 3.0), 0.01)
    assert (lcb > 1.0).mean() <= 0.01 and np.median(lcb) > 0.7


def test_worst_case_of_the_expectation_theorem_is_tight_by_hand():
    """Isotropic quadratic, step 1/L, tau1 = 0: E A(t) = B(t) - M / t exactly (see worst_case)."""
    import numpy as np

    fam = worst_case(BOTTOU)
    r = check_theorem(BOTTOU, fam, noise=(0.0, 1.0), iters=100)
    t = np.array(r["grid"])
    exact = exact_mean_sq_grad(fam.lam, r["hyperparameters"]["gamma"], 0.0, 1.0, 1, r["w0"], 100)[t - 1]
    assert np.allclose(exact, bound_at(BOTTOU, r, t) - r["constants"]["M"] / t, rtol=1e-12)
    assert r["verdict"] in ("pass", "inconclusive") and r["tightness"] == pytest.approx(1.0, abs=0.05)


def test_stochastic_theorem_refusals():
    with pytest.raises(InputError, match="give --noise"):
        check_theorem(BOTTOU, Quadratic(dim=2))
    assert_one_line_error(cli("check", "--theorem", "bottou2018.theorem4_8", "--problem", "quadratic"), "--noise")
    assert_one_line_error(
        cli("check", "--theorem", "bottou2018.theorem4_8", "--problem", "quadratic", "--noise", "0,1", "--seeds", "1"), "seeds"
    )


def test_gd_stationarity_by_hand_and_refutation():
    """GD, step 1/L: min_k ||grad f(x_k)|| <= sqrt(2 L Delta_0 / (t + 1)). On f = w^2/2 (L = 1) GD reaches 0 in one
    step; a claim four times smaller at t = 0 is below ||grad f(x_0)|| = |w0| and must be refuted at t = 0."""
    g = get("gd.stationarity.derived")
    r = check_theorem(g, Quadratic(dim=1), eps=1e-3)
    assert r["verdict"] == "pass" and r["T_measured"] == 1
    wrong = dataclasses.replace(g, key="test.stationarity_small", bound={0: g.bound[0] / 4})
    r = check_theorem(wrong, Quadratic(dim=1), eps=1e-3)
    assert r["verdict"] == "fail" and "at t = 0" in r["evidence"]


def test_a_verdict_needs_the_iterates_inside_the_certified_ball():
    """Cosh is L-smooth only on balls (L = cosh R): a promise in expectation is refused there; a deterministic one is
    judged only while the iterates stay in the ball. A large step from w0 = 0.9 overshoots to |w1| > 1."""
    with pytest.raises(InputError, match="must hold globally"):
        check_theorem(BOTTOU, Cosh(), noise=(0.5, 1.0), iters=200)
    big_step = dataclasses.replace(get("gd.stationarity.derived"), key="test.big_step", step_size=4 / S.L)
    r = check_theorem(big_step, Cosh(), w0=[0.9], eps=1e-3)
    assert r["verdict"] == "inconclusive" and "left the ball" in r["evidence"] and "at t = 1," in r["evidence"]
    # a violation at t = 0, before the exit at t = 1, is a refutation all the same
    small = dataclasses.replace(big_step, key="test.big_step_small_bound", bound={0: big_step.bound[0] / 4})
    r = check_theorem(small, Cosh(), w0=[0.9], eps=1e-3)
    assert r["verdict"] == "fail" and "at t = 0" in r["evidence"]


def test_order_only_records_are_not_checked():
    for key in ("chen2023.beta_gd", "cutkosky2020.nsgd_momentum", "zhang2020.clipped_gd"):
        t = get(key)
        notes = " ".join(t.notes)
        assert not t.checkable and ("not confirmed" in notes or "could not be confirmed" in notes)
        with pytest.raises(InputError, match="not checkable"):
            check_theorem(t, Quadratic(dim=2))


def test_cli_stochastic_check_json():
    r = cli(
        "check",
        "--theorem",
        "bottou2018.theorem4_8",
        "--problem",
        "quadratic",
        "--param",
        "dim=2",
        "--noise",
        "0.5,1",
        "--batch",
        "2",
        "--seeds",
        "64",
        "--iters",
        "100",
        "--json",
    )
    j = r.json()
    assert r.returncode == 0 and j["measure"] == "mean_sq_grad" and j["runs"] == 64 and j["grid"][-1] == 100
    assert j["constants"] == {
        "L": 1.0,
        "M": 0.5,
        "M_V": 0.125,
    }  # cond 1 by default: lambda = (1, 1) and len(j["mean"]) == len(j["bound"]) == len(j["grid"])


@pytest.mark.parametrize("tau1, tau2, batch", [(0.0, 1.0, 1), (0.5, 2.0, 3), (1.5, 0.0, 8)])
def test_oracle_variance_certificate_by_monte_carlo(tau1, tau2, batch):
    """E||g_batch(w) - grad F(w)||^2 from 40000 draws equals M + M_V ||grad F(w)||^2 within 5 standard errors."""
    import numpy as np

    from insgd.numerics.oracles import Keys, NoiseOracle

    prob = Quadratic(dim=4, cond=3.0)
    orc = NoiseOracle(prob, tau1, tau2)
    M, MV = orc.variance(batch)
    keys = Keys(np.arange(1000))
    W = np.tile([0.3, -1.0, 0.5, 2.0], (1000, 1))
    G = prob.grad(W)
    e2 = np.concatenate([((orc.grad(W, orc.draw(keys, "B", batch)) - G) ** 2).sum(axis=1) for _ in range(40)])
    n = len(e2)
    expected = M + MV * float((G[0] ** 2).sum())
    assert abs(e2.mean() - expected) <= 5 * e2.std() / np.sqrt(n) + 1e-12


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.floats(1.0, 50.0), st.floats(1e-4, 1e-1))
def test_gd_stationarity_bound_is_never_violated_on_quadratics(dim, cond, eps):
    """A true statement (the descent inequality, summed) never fails on L-smooth problems."""
    assert check_theorem(get("gd.stationarity.derived"), Quadratic(dim=dim, cond=cond), eps=eps)["verdict"] == "pass"


def test_constants_are_bound_exactly_not_rounded_to_a_simple_rational():
    """Found by hypothesis: on a quadratic with cond = 1.0000000000000002, L = 1 + 2^-52. Rounded to 1, the bound
    (1 - mu/L)^t Delta_0 vanished at t = 1 while the run (step 1/L in floats) left 6e-33: a false refutation."""
    r = check_theorem(KARIMI, Quadratic(dim=2, cond=1.0000000000000002), eps=1e-8)
    assert r["constants"]["L"] == 1.0000000000000002 and r["verdict"] == "pass"


def test_records_refuse_misspelled_fields_and_compare_by_content():
    from insgd.numerics.optimizers import OPTIMIZERS

    th = next(iter(REGISTRY.values()))
    for field_name, bad in (("reading", "printd"), ("bound_kind", "upper-bound"), ("algorithm", " "), ("measure", "gaps")):
        with pytest.raises(ValueError, match=field_name):
            dataclasses.replace(th, **{field_name: bad})
    runnable = [t for t in REGISTRY.values() if t.checkable and 0 in t.bound]
    assert runnable and all(t.algorithm in OPTIMIZERS for t in runnable)
    from insgd.verify.checks.generic import check_theorem

    typo = dataclasses.replace(runnable[0], key="typo", algorithm="gradient_descent")
    with pytest.raises(InputError, match="optimizer must be one of"):
        check_theorem(typo, Quadratic(dim=2))
    same_key = dataclasses.replace(th, statement=th.statement + " (edited)")
    assert same_key != th and dataclasses.replace(th) == th
