"""Admissibility of (alpha, rho) under global assumptions, tested on functions with known constants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from insgd.theory.admissibility import admissible_forms, admissible_rho_interval
from insgd.theory.assumptions import PL, SMOOTH_HESSIAN


def power_constants(p):
    """||w||^p: ||Hess|| = p(p-1) r^(p-2), ||grad|| = p r^(p-1) -> alpha = (p-2)/(p-1); PL rho = p/(p-1)."""
    return (p - 2) / (p - 1), p / (p - 1)


@pytest.mark.parametrize("p", [2.0, 2.5, 3.0, 4.0, 6.0])
def test_power_family_sits_on_the_boundary(p):
    alpha, rho = power_constants(p)
    assert np.isclose(rho, 2 - alpha)
    forms = admissible_forms(alpha, rho)
    assert forms["hessian"] and forms["segment"]
    assert forms["literal"] == (p == 2.0)
    # Numerically: the Hessian form holds with L0 = 0+, L1 = p(p-1)/p^alpha (r in a wide range), PL holds.
    r = np.logspace(-4, 4, 400)
    hess, grad = p * (p - 1) * r ** (p - 2), p * r ** (p - 1)
    L1 = p * (p - 1) / p**alpha
    assert np.all(SMOOTH_HESSIAN.numeric()(L0=1e-12, L1=L1, alpha=alpha, hess=hess, grad=grad) >= -1e-12 * hess)
    mu = p**rho / 2
    assert np.all(PL.numeric()(rho=rho, mu=mu, grad=grad, gap=r**p) >= -1e-12 * r**p)


@pytest.mark.parametrize("p", [2.5, 3.0, 4.0])
def test_power_fails_literal_form_globally(p):
    # eq. (2) at w' = 0 reads |f'(w)| <= L0 |w|; for p > 2 the ratio grows without bound.
    r = np.array([1e2, 1e4, 1e6])
    ratio = p * r ** (p - 1) / r
    assert np.allclose(ratio[1:] / ratio[:-1], 100.0 ** (p - 2))  # grows like r^(p-2): no L0 works


@pytest.mark.parametrize("alpha,rho", [(0, 1.5), (0.5, 1.2), (1, 2.5), (0.3, 0.9)])
def test_outside_region_power_refutes(alpha, rho):
    assert not admissible_forms(alpha, rho)["hessian"]
    # The power with PL exponent rho (p = rho/(rho-1) when rho > 1) needs alpha_p = 2 - rho > alpha when rho < 2 - alpha:
    if 1 < rho < 2 - alpha:
        p = rho / (rho - 1)
        r = np.logspace(0, 6, 50)
        ratio = p * (p - 1) * r ** (p - 2) / (1 + (p * r ** (p - 1)) ** alpha)
        assert ratio[-1] > 10 * ratio[0]  # ||Hess|| / (1 + ||grad||^alpha) is unbounded: no (L0, L1) works


def test_cosh_has_rho_one_alpha_one():
    w = np.linspace(-30, 30, 2001)
    assert np.all(np.cosh(w) <= 1 + np.abs(np.sinh(w)) + 1e-9)  # Hessian form, L0 = L1 = 1, alpha = 1
    nz = w != 0
    assert np.all(np.abs(np.sinh(w[nz])) / (np.cosh(w[nz]) - 1) >= 1 - 1e-12)  # PL rho = 1, mu = 1/2
    assert admissible_forms(1, 1)["hessian"]


@given(st.fractions(0, 1, max_denominator=20), st.fractions(0, 4, max_denominator=20))
def test_region_shape(alpha, rho):
    forms = admissible_forms(alpha, rho)
    assert forms["literal"] == (rho == 2)
    assert forms["hessian"] == forms["segment"] == (rho in admissible_rho_interval(alpha, "hessian"))
    if forms["literal"]:
        assert forms["segment"]  # literal implies segment
