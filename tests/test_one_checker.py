"""The one checker (verify/checks/generic.py) on every kind of record: regimes, horizons, free symbols, promises in
probability, one result type, one constant-selection policy. Expected values come from hand derivations or from
theory/ (predict_ngd, predict_insgd), which evaluate the same statements by another route."""

from dataclasses import replace

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


@settings(max_examples=6, deadline=None)
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
