"""Theorem 2: parameters and the bound (16), against a direct computation written out here."""

import math
from fractions import Fraction

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insgd.core import InputError
from insgd.theory.insgd import min_eps, predict_insgd

REL = 1e-9  # the issue's tolerance for Theorem 2's numbers


def by_hand(L0, L1, tau1, tau2, beta, d0, eps):
    """Eq. (16) and the parameter choices of Theorem 2, in plain floats."""
    lam = d0 + 0.5 * (L0 + L1) * (1 + tau2**2 / tau1**2) ** 2
    terms = [256 * lam / eps**4, 640 * L1 / eps ** (2 - beta), (64 * (L0 + L1) + 128 * L1 * (3 * tau2 / tau1) ** beta) / eps**2]
    T = math.ceil(lam * max(terms))
    gamma = min(1 / (4 * L0), 1 / (4 * L1), 1 / math.sqrt(T), 1 / (8 * L1 * (3 * tau2 / tau1) ** beta))
    B, Bp = max(1, math.ceil(2 * tau1**2)), max(1, math.ceil(16 * tau1**2))
    return dict(T=T, gamma=gamma, B=B, Bp=Bp, lam=lam, terms=terms, dom=terms.index(max(terms)) + 1, samples=T * (B + Bp))


@pytest.mark.parametrize(
    "args",
    [
        (2.0, 3.0, 2.0, 1.0, 0.5, 1.0, 0.1),
        (1.0, 50.0, 0.3, 2.0, 1.0, 10.0, 0.5),  # B rounds up to 1, term 2 or 3 dominates
        (0.5, 0.25, 1.5, 0.1, 0.25, 0.01, 0.05),
    ],
)
def test_theorem2_numbers_match_direct_computation(args):
    L0, L1, tau1, tau2, beta, d0, eps = args
    h = by_hand(*args)
    p = predict_insgd(*(Fraction(x).limit_denominator(10**6) for x in (L0, L1, tau1, tau2, beta, d0, eps)))
    j = p.to_json()
    assert j["T"] == pytest.approx(h["T"], rel=REL)
    assert j["gamma"] == pytest.approx(h["gamma"], rel=REL)
    assert (j["B"], j["B_prime"]) == (h["B"], h["Bp"])
    assert j["Lambda"] == pytest.approx(h["lam"], rel=REL)
    assert j["terms"] == pytest.approx(h["terms"], rel=REL)
    assert j["term_names"].index(j["dominant_term"]) == h["dom"] - 1  # by_hand numbers the terms 1, 2, 3
    assert j["samples"] == pytest.approx(h["samples"], rel=REL)
    assert j["delta"] == pytest.approx(tau2 / tau1, rel=REL)


def test_huge_T_is_a_string_and_right():
    j = predict_insgd(1, 1, 1, 1, "1/2", 1, "1e-100").to_json()
    assert isinstance(j["T"], str)
    # log10 T = log10(Lambda^2 * 256) + 400 with Lambda = 1 + 4 = 5 (term 1 dominates)
    assert float(mpmath.log10(mpmath.mpf(j["T"]))) == pytest.approx(math.log10(25 * 256) + 400, abs=1e-2)


def test_min_eps_inverts_T():
    args = (1, 2, "3/2", "1/2", "2/3", 2)
    for budget in (10**6, 10**12, 10**30):
        e, T = min_eps(*args, iterations=budget)
        assert T == budget
        e = float(e)
        assert predict_insgd(*args, e * (1 + 1e-9)).T <= budget
        assert predict_insgd(*args, e * (1 - 1e-6)).T > budget


@given(
    st.fractions(Fraction(1, 10), 10, max_denominator=20),
    st.fractions(Fraction(1, 10), 3, max_denominator=20),
    st.fractions(Fraction(1, 20), 1, max_denominator=20),
)
@pytest.mark.slow
def test_T_decreases_with_eps(L, tau, beta):
    Ts = [predict_insgd(L, L, tau, tau, beta, 1, Fraction(1, 10**k)).T for k in (1, 2, 3)]
    assert Ts[0] <= Ts[1] <= Ts[2]


def test_preconditions_reported():
    w = predict_insgd(1, 1, 1, 1, "1/2", 1, "0.1", alpha_v=1).warnings
    assert any("alpha <= beta" in x for x in w)
    with pytest.raises(InputError, match="beta"):
        predict_insgd(1, 1, 1, 1, 0, 1, "0.1")
    with pytest.raises(InputError, match="tau1"):
        predict_insgd(1, 1, -1, 1, "1/2", 1, "0.1")


def test_theorem2_derived_T_by_hand():
    """L0 = L1 = 1, tau = (2, 1), beta = 2/3, Delta0 = 1, eps = 1e-2: Lambda = 1 + 2 (5/4)^2 / 2 = 2.5625; the derived
    terms are 64 Lambda/eps^4 = 1.64e10, 160/eps^(4/3) = 7.4e4 and 64 (3/2)^(2/3)/eps^2 = 8.4e5, so
    T = 2.5625 * 1.64e10 = 4.2025e10; the printed (16) has 256 for 64 there: exactly 4 times more."""
    from insgd.theory.insgd import predict_insgd

    p = predict_insgd(1, 1, 2, 1, "2/3", 1, "1e-2", alpha_v="2/3")
    assert p.T_derived == 42_025_000_000 and p.T == 4 * 42_025_000_000


@settings(max_examples=12, deadline=None)
@given(
    L0=st.floats(0.01, 100),
    L1=st.floats(0.01, 100),
    tau1=st.floats(0.1, 10),
    tau2=st.floats(0.01, 10),
    beta=st.floats(0.05, 1),
    d0=st.floats(0.01, 1e3),
    eps=st.floats(1e-3, 10),
)
def test_theorem2_derived_T_satisfies_the_outlines_final_inequality(L0, L1, tau1, tau2, beta, d0, eps):
    """At T = T_derived, with Theorem 2's own gamma, the outline's Markov bound 4 (Delta0 + T C gamma^2) / (T m(eps))
    is at most 1/2 (m(eps) = min{gamma eps^2, eps^(2-beta)/(20 L1)}, C = (L0 + L1)(1 + tau2^2/tau1^2)^2/2),
    evaluated here directly in floats; and the printed T is 2 to 8 times larger."""
    import math

    from insgd.theory.insgd import predict_insgd

    p = predict_insgd(*(repr(x) for x in (L0, L1, tau1, tau2, beta, d0, eps)))
    T = float(p.T_derived)
    if not math.isfinite(T) or T > 1e300:
        return
    gamma = min(1 / (4 * L0), 1 / (4 * L1), 1 / math.sqrt(T), 1 / (8 * L1 * (3 * tau2 / tau1) ** beta))
    C = (L0 + L1) * (1 + tau2**2 / tau1**2) ** 2 / 2
    m = min(gamma * eps**2, eps ** (2 - beta) / (20 * L1))
    assert 4 * (d0 + T * C * gamma**2) / (T * m) <= 0.5 * (1 + 1e-9)
    # printed x and derived y satisfy 2 y <= x <= 8 y before rounding up; T = ceil(x), T_derived = ceil(y), so
    # 2 (T_derived - 1) < 2 y <= x <= T and T < x + 1 <= 8 y + 1 <= 8 T_derived + 1 (by hand)
    assert 2 * (T - 1) * (1 - 1e-9) <= float(p.T) <= (8 * T + 1) * (1 + 1e-9)
