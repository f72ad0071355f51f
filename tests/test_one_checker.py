"""The one checker (verify/checks/generic.py) on every kind of record: regimes, horizons, free symbols, promises in
probability, one result type, one constant-selection policy. Expected values come from hand derivations or from
theory/ (predict_ngd, predict_insgd), which evaluate the same statements by another route."""

from dataclasses import replace

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from insgd.core import InputError
from insgd.numerics.problems import Power, Quadratic
from insgd.theory import symbols as S
from insgd.theory.insgd import THEOREM2_PRINTED
from insgd.theory.literature import KARIMI2016
from insgd.theory.ngd import THEOREM1_DERIVED, THEOREM1_PRINTED, predict_ngd
from insgd.theory.numbers import binary_value, exact
from insgd.theory.records import Case, Theorem
from insgd.verify.checks.binding import bind_constants
from insgd.verify.checks.generic import check_theorem
from insgd.verify.checks.instance import free_symbols, prepare
from insgd.verify.checks.result import COMMON, Check
from insgd.verify.verdicts import worst


@settings(max_examples=4, deadline=None)
@given(
    p=st.sampled_from([3.0, 4.0, 6.0]),
    beta=st.fractions(min_value=0, max_value=1, max_denominator=12),
    eps=st.floats(min_value=1e-5, max_value=1e-2),
)
def test_theorem1_record_through_the_checker_agrees_with_predict_ngd(p, beta, eps):
    """Regime, gamma(eps) and T(eps) from the record (SymPy substitution, then the bound's first t below eps) equal
    predict_ngd's (its closed forms in 50-digit arithmetic), in every regime of the power family."""
    prob = Power(p=p)
    inst = prepare(THEOREM1_DERIVED, prob, values={"beta": str(beta)}, eps=eps)
    d0 = float(prob.value(inst.w0[None])[0] - prob.fstar)
    c = {str(k): v for k, v in inst.constants.items()}
    pred = predict_ngd(c["L_0"], c["L_1"], c["alpha"], c["beta"], c["rho"], c["mu"], exact(eps), binary_value(d0))
    assert inst.regime == pred.regime
    assert inst.hp(eps)["gamma"] == pytest.approx(float(pred.gamma), rel=1e-12)
    assert inst.T(eps, d0) == int(pred.T_derived)


def test_a_too_fast_theorem1_is_refuted_and_the_derived_one_is_not():
    """A rate twice as fast as derived (a = 2 c gamma) fails on the tight instance, in each regime; the record as
    derived passes there."""
    params = THEOREM1_DERIVED.parameters
    wrong = replace(THEOREM1_DERIVED, key="theorem1.fast", parameters={**params, "a": 2 * params["a"]})
    for beta in ("1/5", "2/3", "9/10"):  # regimes 1, 2, 3 on |w|^4 (rho = 4/3)
        assert check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": beta}, eps=1e-3).verdict == "pass"
        bad = check_theorem(wrong, Power(p=4.0), values={"beta": beta}, eps=1e-3)
        assert bad.verdict == "fail" and bad["first_violation"]["measured"] > bad["first_violation"]["bound"]


def test_the_horizon_is_part_of_the_promise():
    """Theorem 1's regime-3 bound reaches 0 at a finite t (Max(0, ...)) while NGD with a fixed step never reaches
    f* on |w|^2: held only up to the first Delta_t <= eps (its horizon) it passes; held past eps it fails."""
    past = replace(THEOREM1_DERIVED, key="theorem1.past_eps", horizon="every t")
    assert check_theorem(THEOREM1_DERIVED, Power(p=2.0), values={"beta": 1}, eps=1e-3).verdict == "pass"
    r = check_theorem(past, Power(p=2.0), values={"beta": 1}, eps=1e-3)
    assert r.verdict == "fail" and r["first_violation"]["bound"] == 0
    with pytest.raises(ValueError, match="horizon"):
        replace(THEOREM1_DERIVED, horizon="forever")


def test_a_bound_up_to_constants_and_missing_values_are_refused():
    with pytest.raises(InputError, match="up to constants"):
        check_theorem(THEOREM1_PRINTED, Power(p=4.0), values={"beta": "1/2"})
    assert [x.name for x in free_symbols(THEOREM1_DERIVED)] == ["beta"]
    with pytest.raises(InputError, match="needs a value for beta"):
        check_theorem(THEOREM1_DERIVED, Power(p=4.0))
    with pytest.raises(InputError, match="not a free symbol"):
        check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": 1, "kappa_x": 2})
    with pytest.raises(InputError, match="condition beta <= 1 fails"):
        check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": "3/2"})


def test_rho_binds_rho_and_mu_from_one_pair():
    """Regression: a record binding A2.rho got mu's value. On |w|^4, PL is tight with rho = p/(p-1) = 4/3 and
    mu = p^(p/(p-1)) / 2 = 4^(4/3)/2 (by hand: |f'|^rho / (2 mu) = |w|^4)."""
    b = bind_constants(THEOREM1_DERIVED, Power(p=4.0), 1.0)
    assert b.values[S.rho] == pytest.approx(4 / 3) and b.values[S.mu] == pytest.approx(4 ** (4 / 3) / 2)
    assert b.exact[S.rho] == sp.Rational(4, 3) and b.tight
    gen = bind_constants(THEOREM1_DERIVED, Power(p=4.0), 1.0, generalized=True, rho=1.0)
    assert gen.values[S.L1] > 0 and gen.values[S.rho] == 1.0 and not gen.tight


def test_every_checker_returns_one_result_type():
    from insgd.verify.checks.theorem1 import check
    from insgd.verify.checks.theorem2 import theorem2_check

    results = [
        check_theorem(KARIMI2016, Quadratic(dim=3, cond=5.0)),
        check(Power(p=4.0), "2/3", eps_grid=[1e-2, 1e-3, 1e-4]),
        theorem2_check(Quadratic(dim=2), 1.0, 0.5, 0.5, 0.3, seeds=8),
    ]
    for r in results:
        j = r.to_json()
        assert isinstance(r, Check) and set(COMMON) <= set(j)
        assert j["verdict"] == r.verdict == worst(a.verdict for a in r.assertions if a.kind in ("bound", "rate"))
    assert [r.theorem for r in results] == ["karimi2016.theorem1", "theorem1.derived", "theorem2.printed"]


def test_a_promise_in_probability_that_cannot_hold_is_refuted():
    """A record promising min_{t <= 1} ||grad F|| <= 0.1 with probability 1/2 for I-NSGD on (1/2)||w||^2 from
    ||w0|| = 1: one step moves w by at most gamma h_t^-beta ||g|| <= 1/4 (gamma <= 1/(4 L0), L0 = 1), so ||grad F||
    stays >= 3/4 > 0.1 (by hand); every run misses, and the Clopper-Pearson interval lies below 1/2."""
    one_step = replace(THEOREM2_PRINTED, key="theorem2.one_step", cases={0: (Case(sp.true, sp.Integer(1), ">="),)})
    r = check_theorem(one_step, Quadratic(dim=2), eps=0.1, noise=(1.0, 0.5), values={"beta": "1/2"}, seeds=32,
                      select={"generalized": True, "floor": 1e-9})  # fmt: skip
    assert r.verdict == "fail" and r["hits_within_T"] == 0 and r["T"] == 1
    with pytest.raises(InputError, match="give eps"):
        check_theorem(THEOREM2_PRINTED, Quadratic(dim=2), noise=(1.0, 0.5), values={"beta": "1/2"})


def test_records_refuse_a_misspelled_measure_or_horizon():
    base = dict(key="x", name="x", source="x", reading="printed", assumptions=(), algorithm="gd", step_size=sp.Integer(1))
    with pytest.raises(ValueError, match="measure"):
        Theorem(**base, measure="hit_probabilty")
    with pytest.raises(ValueError, match="horizon"):
        Theorem(**base, horizon="until_eps")


def test_a_start_the_user_gives_is_the_only_one():
    """Without w0 a deterministic check also starts along the Hessian's extreme eigendirections (3 starts on a 3-d
    quadratic with distinct eigenvalues); with w0 given, only there."""
    prob = Quadratic(dim=3, cond=5.0)
    assert check_theorem(KARIMI2016, prob)["starts"] == 3
    assert check_theorem(KARIMI2016, prob, w0=[1.0, 0.5, -0.2])["starts"] == 1


# -- regressions from an independent review of the one checker ------------------------------------------------------


def _jumping_ngd():
    """NGD (beta = 1/2) whose first step jumps to 1.5 w_0, out of the ball the constants are certified on."""
    from insgd.numerics.optimizers import Optimizer, ngd_update

    def update(W, state, t, oracle, keys, hp):
        if t == 0:
            return -0.5 * W, state, 1
        return ngd_update(W, state, t, oracle, keys, {**hp, "beta": 0.5})

    return Optimizer("jumping_ngd", lambda W0, hp: {}, update, {"gamma": None}, "test", stochastic=False)


def test_the_records_own_T_is_held():
    """A T(eps) claim that is too small fails even when the bound holds: GD on (1/2) w^T diag(1, 10) w needs 63
    steps to ||grad|| <= 1e-3 at step 1/L (measured), more than a claimed T = 1."""
    from insgd.theory.literature import GD_STATIONARITY

    one = replace(GD_STATIONARITY, key="gd.one_step", cases={0: (Case(sp.true, sp.Integer(1), "exact"),)})
    r = check_theorem(one, Quadratic(dim=2, cond=10.0), eps=1e-3)
    assert r.verdict == "fail" and r["T_claim"] == 1 and "> T_derived = 1" in r.evidence
    # Theorem 1's T(eps) halved on the tight instance (T_derived / T_measured = 1.07 there): the T claims fail, the
    # bound (unchanged) does not
    cases = {k: tuple(replace(c, T=c.T / 2) for c in cs) for k, cs in THEOREM1_DERIVED.cases.items()}
    half = replace(THEOREM1_DERIVED, key="theorem1.half_T", cases=cases)
    g = check_theorem(half, Power(p=4.0), values={"beta": "1/5"}, eps_grid=[1e-2, 1e-3, 1e-4])
    assert [a.verdict for a in g.assertions] == ["fail", "fail"] and "first reached at t" in g.evidence
    assert check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": "1/5"}, eps_grid=[1e-2, 1e-3, 1e-4]).verdict == "pass"


def test_a_bound_that_is_not_a_real_number_decides_nothing():
    """A bound whose cube root of a negative number is NaN in float64 (real_root would be negative) used to pass."""
    from insgd.theory.literature import GD_STATIONARITY

    B = GD_STATIONARITY.bound[0]
    nan = replace(GD_STATIONARITY, key="gd.nan", bound={0: B * (1 - 2 * S.t / 201) ** sp.Rational(1, 3)})
    r = check_theorem(nan, Quadratic(dim=2, cond=10.0), eps=1e-3)
    assert r.verdict == "inconclusive" and "not a real number" in r.evidence


def test_runs_outside_the_certified_ball_decide_nothing():
    """NGD that jumps out of the ball at t = 1: the bound, the T grid and the rate are all withheld, never failed."""
    r = check_theorem(THEOREM1_DERIVED, Power(p=4.0), values={"beta": "1/2"}, eps_grid=[1e-2, 1e-3, 1e-4], rate=True,
                      optimizer=_jumping_ngd())  # fmt: skip
    assert r.verdict == "inconclusive" and all(a.verdict == "inconclusive" for a in r.assertions)
    assert all("left the ball" in a.evidence for a in r.assertions)


def test_the_last_iterate_is_watched():
    """The engine's callback sees the final iterates too: one GD step from w0 = 1 on |w|^2 with gamma = 1.5 lands at
    w1 = -2, outside the unit ball (by hand: w1 = w0 - 1.5 * 2 w0)."""
    from insgd.numerics.engine import run
    from insgd.verify.checks.setup import Distance

    dist = Distance(np.zeros(1), 1.0)
    run(Power(p=2.0), "gd", [1.0], 1, [0], {"gamma": 1.5}, callback=dist, backend="numpy")
    assert dist.exit_t == 1 and dist.max == pytest.approx(2.0)


def test_given_constants_in_probability_are_watched_and_eps_zero_is_refused():
    """Given (not certified) constants hold on the start's ball only: a path that leaves it withholds the verdict."""
    given = {"L_0": 2, "L_1": "1/1000", "alpha": 0, "tau_1": 1, "tau_2": 3}
    r = check_theorem(THEOREM2_PRINTED, Quadratic(dim=2, cond=2.0), eps=0.5, noise=(1.0, 3.0), values={"beta": 1},
                      seeds=16, constants=given)  # fmt: skip
    assert r.verdict == "inconclusive" and "left the ball" in r.evidence
    with pytest.raises(InputError, match="eps must be finite and > 0"):
        check_theorem(KARIMI2016, Quadratic(dim=2), eps=0.0)
