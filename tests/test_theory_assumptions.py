"""The assumptions, defined once (theory.assumptions), and the theorem records (theory.records, theory.theorems)."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from insgd.numerics.oracles import Keys, NoiseOracle
from insgd.numerics.problems import Quadratic
from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.insgd import T_order
from insgd.theory.records import differences
from insgd.theory.theorems import REGISTRY, all_differences

pos = st.fractions(min_value=0, max_value=50, max_denominator=50)


@given(pos, pos, st.fractions(0, 1, max_denominator=20), pos, pos, pos)
def test_hessian_residual_sign_is_the_relation(L0, L1, alpha, hess, grad, _):
    # by hand: hess <= L0 + L1 grad^alpha
    truth = sp.Rational(hess) <= sp.Rational(L0) + sp.Rational(L1) * sp.Rational(grad) ** sp.Rational(alpha)
    assert A.SMOOTH_HESSIAN.holds(L0=L0, L1=L1, alpha=alpha, hess=hess, grad=grad) == bool(truth)


@given(st.fractions(1, 3, max_denominator=10), st.fractions(1, 10, max_denominator=10), pos, pos)
def test_pl_residual_sign_is_the_relation(rho, mu, grad, gap):
    truth = sp.Rational(grad) ** sp.Rational(rho) / (2 * sp.Rational(mu)) >= sp.Rational(gap)
    assert A.PL.holds(rho=rho, mu=mu, grad=grad, gap=gap) == bool(truth)


def test_residuals_by_hand():
    # literal form at w' a minimizer: ||grad f(w)|| <= L0 ||w - w'||
    assert A.SMOOTH_LITERAL.residual(L0=2, L1=5, alpha=1, grad_diff=3, grad_other=0, dist=1) == -1
    assert A.SMOOTH_SEGMENT.residual(L0=2, L1=1, alpha=1, grad_diff=3, grad_max=1, dist=1) == 0
    assert A.NOISE.residual(tau1=sp.Rational(1, 2), tau2=1, noise=2, grad=2) == 0
    assert A.UNBIASED.holds(bias=0) and not A.UNBIASED.holds(bias=sp.Rational(1, 10**9))
    w = sp.Symbol("w", real=True)
    r = A.PL.residual(rho=1, mu=sp.Rational(1, 2), grad=sp.Abs(sp.sinh(w)), gap=sp.cosh(w) - 1)
    assert sp.simplify(r.subs(w, 2) - (sp.sinh(2) - sp.cosh(2) + 1)) == 0  # |sinh| - (cosh - 1) = 1 - e^-|w|


def test_residual_arguments_are_named_and_checked():
    with pytest.raises(TypeError, match="grad"):
        A.PL.residual(rho=1, mu=1, gap=1)
    with pytest.raises(TypeError, match="unexpected"):
        A.PL.residual(rho=1, mu=1, grad=1, gap=1, hess=1)
    assert A.NOISE.arguments == ("tau1", "tau2", "noise", "grad")


def test_numeric_residual_matches_exact():
    rng = np.random.default_rng(0)
    g, h = rng.uniform(0, 5, 50), rng.uniform(0, 5, 50)
    num = A.SMOOTH_HESSIAN.numeric()(L0=1.0, L1=0.5, alpha=0.5, hess=h, grad=g)
    exact = [
        float(A.SMOOTH_HESSIAN.residual(L0=1, L1=sp.Rational(1, 2), alpha=sp.Rational(1, 2), hess=x, grad=y))
        for x, y in zip(h, g, strict=True)
    ]
    assert np.allclose(num, exact, rtol=1e-13)
    mp = A.PL.numeric("mpmath")(rho=2, mu=1, grad=3, gap=4)
    assert mp == pytest.approx(0.5)


def test_synthetic_oracle_satisfies_assumption_4_through_the_record():
    prob = Quadratic(dim=3, cond=5)
    W = np.tile([[1.0, -0.5, 2.0]], (2000, 1))
    o = NoiseOracle(prob, tau1=0.7, tau2=0.2)
    g = o.grad(W, o.draw(Keys(np.arange(2000)), "B", 1))
    G = prob.grad(W)
    res = A.NOISE.numeric()(tau1=0.7, tau2=0.2, noise=np.linalg.norm(g - G, axis=1), grad=np.linalg.norm(G, axis=1))
    assert np.all(res >= -1e-12)


def test_registry_records_are_complete_and_differ_as_computed():
    assert set(REGISTRY) >= {
        "theorem1.printed",
        "theorem1.derived",
        "theorem2.printed",
        "theorem2.derived",
        "lemma2.printed",
        "lemma2.derived",
        "karimi2016.theorem1",
    }
    for t in REGISTRY.values():
        assert t.source and t.assumptions and t.reading in ("printed", "derived")
        assert all(a in A.ALL for a in t.assumptions)
        t.to_json()
    d = all_differences()
    t2 = " ".join(d["theorem2.printed vs theorem2.derived"])
    assert "probability of the promise: printed 1/2; derived 1/2 - delta_fail" in t2
    assert "alpha <= beta" in t2
    assert differences(REGISTRY["theorem1.printed"], REGISTRY["theorem1.printed"]) == []


def test_regimes_partition_and_theorem2_order():
    t1 = REGISTRY["theorem1.derived"]
    for b, r, k in ((sp.Rational(1, 2), 1, 1), (sp.Rational(1, 2), sp.Rational(3, 2), 2), (0, 3, 3)):
        assert t1.regime({S.beta: b, S.rho: r}) == k
    # (16) by hand: the terms are O(eps^-4), O(eps^-(2 - beta)), O(eps^-2); the first dominates for beta >= 0
    assert T_order() == (4, False)


def test_lemma2_derived_probability_is_chebyshev_at_the_printed_batch():
    p = REGISTRY["lemma2.derived"].probability
    assert sp.simplify(p - sp.Rational(3, 4)) == 0  # min(4 tau1^2/(16 tau1^2), 2 e^-2) = 1/4
