"""Theorem 1: the derived recursion, its solution, its orders, and the paper's statement."""

import math
from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from insgd.theory import symbols as S
from insgd.theory.ngd import (
    GAMMA,
    KAPPA,
    REGIMES,
    THEOREM1_PRINTED,
    derived_bound,
    derived_T,
    predict_ngd,
    regime_of,
    symbolic_orders,
)

# Tolerance for the empirical slope of T(eps) computed from the exact recursion: the T formula is
# an upper bound whose lower-order terms (Delta_0^(1-q), ceiling) bend the slope at moderate eps.
SLOPE_TOL = 0.02


def test_symbolic_orders_by_hand():
    # Hand derivation: regime 1, T ~ eps^{1-q} / gamma, gamma ~ eps^{beta/rho}: e = q - 1 + beta/rho = (2-rho)/rho.
    # Regime 2: T ~ log(1/eps) / gamma: e = beta/rho with a log. Regime 3: T ~ 1/gamma: e = beta/rho.
    orders = symbolic_orders()
    assert sp.simplify(orders[1][0] - (2 - S.rho) / S.rho) == 0 and orders[1][1] is False
    assert sp.simplify(orders[2][0] - S.beta / S.rho) == 0 and orders[2][1] is True
    assert sp.simplify(orders[3][0] - S.beta / S.rho) == 0 and orders[3][1] is False


@pytest.mark.parametrize("k", [1, 2, 3])
def test_bound_at_T_equals_eps(k):
    # Solving the bound for t gives back eps: bound(T(eps)) == eps, symbolically on numbers.
    q = {1: sp.Rational(3, 2), 2: sp.Integer(1), 3: sp.Rational(2, 3)}[k]
    a = sp.Rational(1, 100)
    vals = {S.Delta0: 5, S.eps: sp.Rational(1, 1000)}
    T = derived_T(k, q=q, a=a).subs(vals)
    b = derived_bound(k, q=q, a=a).subs(vals).subs(S.t, T)
    assert abs(sp.N(b - vals[S.eps], 30)) < 1e-25


def _iterate(q, a, d0, eps):
    """First t with x_t <= eps for the worst case of the recursion: x_{t+1} = x_t - a x_t^q."""
    x, t = d0, 0
    while x > eps:
        x, t = x - a * x**q, t + 1
    return t


@pytest.mark.parametrize("k,q", [(1, 1.5), (1, 2.0), (2, 1.0), (3, 0.5), (3, 0.8)])
def test_T_upper_bounds_the_recursion(k, q):
    # The closed-form T(eps) is an upper bound on the first hitting time of the equality recursion,
    # and is within one step of it in the linear regime (where both are exact logs).
    a, d0 = 0.01, 2.0
    for eps in (1e-1, 1e-2, 1e-3):
        T = math.ceil(float(derived_T(k, q=sp.nsimplify(q), a=sp.nsimplify(a)).subs({S.Delta0: d0, S.eps: eps})))
        n = _iterate(q, a, d0, eps)
        assert n <= T
        if k == 2:
            assert T - n <= 1


def _T_prediction(beta, rho, eps):
    return predict_ngd(1, 1, 0, beta, rho, Fraction(1, 10), eps, delta0=1).T_derived


@pytest.mark.parametrize("beta,rho,expected", [("1/2", "1", 1.0), ("1/2", "3/2", 1 / 3), ("2/3", "3/2", 4 / 9), ("0", "1", 1.0)])
def test_T_derived_slope_matches_exponent(beta, rho, expected):
    # Empirical slope of log T_derived against log(1/eps) over two decades, against a hand-derived exponent.
    # Far from eps ~ 1 (eps^(1-q) with 1-q = 1/9 is still 0.2 at eps = 1e-6), so lower-order terms are gone.
    e1, e2 = Fraction(1, 10**40), Fraction(1, 10**42)
    p = predict_ngd(1, 1, 0, beta, rho, Fraction(1, 10), e1)
    assert float(p.T_exponent_derived) == pytest.approx(expected, abs=1e-12)
    slope = math.log(float(_T_prediction(beta, rho, e2)) / float(_T_prediction(beta, rho, e1))) / math.log(100)
    if p.T_log_factor_derived:
        slope -= math.log(42 / 40) / math.log(100)
    assert slope == pytest.approx(expected, abs=SLOPE_TOL)


def test_paper_T_exponents_as_printed():
    # Regime 1 split at rho = 2 - 2 beta: beta/rho above, (2-rho-beta)/rho at or below.
    assert predict_ngd(1, 1, 0, "1/2", "6/5", "1/10", "1e-3").T_exponent_paper == sp.Rational(5, 12)  # (1/2)/(6/5)
    assert predict_ngd(1, 1, 0, "1/2", "1/2", "1/10", "1e-3").T_exponent_paper == 2  # (2-1/2-1/2)/(1/2)
    p = predict_ngd(1, 1, "1/2", "1/2", "3/2", "1/10", "1e-3")
    assert p.regime == 2 and p.T_exponent_paper == sp.Rational(1, 3) and p.T_log_factor_paper and p.paper_agrees
    p3 = predict_ngd(1, 1, "1/2", "2/3", "3/2", "1/10", "1e-3")
    assert p3.regime == 3 and p3.T_exponent_paper is None and p3.paper_agrees is False


def test_paper_agrees_in_regime1_only_when_beta_is_zero():
    assert predict_ngd(1, 1, 0, 0, "3/2", "1/10", "1e-3").paper_agrees is True
    assert predict_ngd(1, 1, 0, "1/4", "1", "1/10", "1e-3").paper_agrees is False


@given(st.fractions(0, 1, max_denominator=20), st.fractions(Fraction(1, 20), 4, max_denominator=20))
def test_regimes_partition(beta, rho):
    truths = [bool(cond.subs({S.beta: sp.Rational(beta), S.rho: sp.Rational(rho)})) for _, cond in REGIMES.values()]
    assert sum(truths) == 1
    assert truths.index(True) + 1 == regime_of(beta, rho)


@given(
    st.fractions(0, 1, max_denominator=20),
    st.fractions(Fraction(1, 2), 3, max_denominator=20),
    st.fractions(Fraction(1, 10), 5, max_denominator=20),
    st.fractions(Fraction(1, 100), Fraction(1, 2)),
)
@pytest.mark.slow
def test_T_monotone_in_eps(beta, rho, L, mu):
    Ts = [predict_ngd(L, L, 0, beta, rho, mu, Fraction(1, 10**k), delta0=3).T_derived for k in (2, 3, 4)]
    assert Ts[0] <= Ts[1] <= Ts[2]


def test_recursion_constant_and_gamma_as_printed():
    # gamma as printed in Theorem 1; kappa = (15 a + 2)/(16 a + 2) with a = L0 + L1 when 2 mu eps <= 1.
    g = GAMMA.subs({S.mu: sp.Rational(1, 10), S.eps: sp.Rational(1, 1000), S.beta: sp.Rational(1, 2), S.rho: 1, S.L0: 1, S.L1: 2})
    assert sp.N(g) == pytest.approx((2 * 0.1 * 1e-3) ** 0.5 / 25)
    kap = KAPPA.subs(
        {S.L0: 1, S.L1: 2, S.mu: sp.Rational(1, 10), S.eps: sp.Rational(1, 1000), S.beta: sp.Rational(1, 2), S.rho: 1}
    )
    assert kap == sp.Rational(15 * 3 + 2, 16 * 3 + 2)
    assert THEOREM1_PRINTED.bound[2].subs({S.gamma: sp.Rational(1, 10), S.mu: 1, S.t: 2}) == sp.Rational(19, 20) ** 2


@pytest.mark.parametrize("p,beta,regime", [(4, "1/2", 1), (3, "1/2", 2), (3, "4/5", 3)])
def test_derived_bound_is_sound_on_a_one_dimensional_power(p, beta, regime):
    # Independent check: NGD on f(w) = |w|^p from w0 = 1, constants certified on [-1, 1] (NGD descends there):
    # |f''| = p(p-1)|w|^(p-2) <= p(p-1), so eq. (2) holds with L0 = p(p-1) (any L1 > 0, any alpha); PL holds
    # with rho = p/(p-1) and mu = p^rho/2 (|f'|^rho = p^rho |w|^p). Every iterate before the first
    # Delta_t <= eps obeys the derived bound, and the hitting time is at most T_derived.
    rho = sp.Rational(p, p - 1)
    mu = sp.Integer(p) ** rho / 2
    eps, w = sp.Rational(1, 10**4), 1.0
    pred = predict_ngd(p * (p - 1), "1/1000", 0, beta, rho, mu, eps, delta0=1)
    assert pred.regime == regime
    bound = sp.lambdify(S.t, pred.bound_derived)
    gam, b = float(pred.gamma), float(sp.Rational(beta))
    for t in range(10**6):
        d = abs(w) ** p
        if d <= float(eps):
            break
        assert d <= bound(t) * (1 + 1e-12)
        g = p * abs(w) ** (p - 1) * math.copysign(1, w)
        w -= gam * g / abs(g) ** b
    assert d <= float(eps) and t <= pred.T_derived
