"""The float-to-exact rules (theory/numbers.py), one per purpose, against independent exact computations, and the
paths that must use them."""

from fractions import Fraction

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from insgd.numerics.constants import frac
from insgd.numerics.problems import Quadratic
from insgd.theory.numbers import binary_value, decimal_value, exact, parse_number

finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@given(finite)
def test_binary_value_is_the_float_itself(x):
    n, d = x.as_integer_ratio()  # the exact binary value, computed by Python
    assert binary_value(x) == sp.Rational(n, d)


@given(finite)
def test_decimal_value_is_what_the_float_prints_as(x):
    r = decimal_value(x)
    assert Fraction(int(r.p), int(r.q)) == Fraction(repr(x))
    assert float(r) == x  # the shortest repr reads back as the same float


def test_the_rules_differ_where_they_should():
    x = 1 + 2**-52
    assert binary_value(x) == sp.Rational(2**52 + 1, 2**52)
    assert exact(x) == 1  # the simplest rational within float precision: right for exponents, wrong for constants
    assert exact(2 / 3) == sp.Rational(2, 3) and decimal_value(2 / 3) == sp.Rational(6666666666666666, 10**16)
    assert parse_number("x", "0.1") == sp.Rational(1, 10) and binary_value(0.1) != sp.Rational(1, 10)


def test_problem_parameters_read_as_their_decimal():
    assert frac(4.0) == "4" and frac(2.5) == "5/2"
    assert frac(1 / 3) == "3333333333333333/10000000000000000"  # the formula Abs(w)**0.3333333333333333 spells this


def test_theorem2_binds_certified_constants_exactly():
    """Regression (the Theorem 2 path, as tests/test_verify.py holds the Theorem 1 path): a certified L0 = 1 + 2^-52
    is bound as that value, not as 1; beta given as the float 2/3 is read as 2/3, tau2 = 0.1 as 1/10; and the one
    checker's T, gamma and batch sizes equal predict_insgd's (an independent evaluation of the same statement)."""
    from insgd.theory import symbols as S
    from insgd.theory.insgd import THEOREM2_PRINTED
    from insgd.verify.checks.instance import prepare
    from insgd.verify.checks.setup import L1_FLOOR
    from insgd.verify.checks.theorem2 import theorem2_prediction

    prob = Quadratic(dim=2, cond=1 + 2**-52)
    select = {"generalized": True, "forms": ("segment", "hessian"), "floor": L1_FLOOR}
    inst = prepare(THEOREM2_PRINTED, prob, values={"beta": 2 / 3}, noise=(1.0, 0.1), select=select, eps=1e-2)
    assert inst.constants[S.L0] == sp.Rational(2**52 + 1, 2**52) and inst.constants[S.beta] == sp.Rational(2, 3)
    assert inst.constants[S.tau2] == sp.Rational(1, 10) and any("floored" in n for n in inst.notes)
    d0 = float(prob.value(inst.w0[None])[0] - prob.fstar)
    c = {"L0": 1 + 2**-52, "L1": L1_FLOOR, "alpha": 0.0}
    pred = theorem2_prediction(c, 1.0, 0.1, 2 / 3, d0, 1e-2)
    assert pred.inputs["L0"] == sp.Rational(2**52 + 1, 2**52)
    assert pred.inputs["delta0"] == sp.Rational(*d0.as_integer_ratio())
    T = inst.count(1e-2, d0)
    hp = inst.hp(1e-2, T=T)
    assert T == pred.T and (hp["batch"], hp["batch_prime"]) == (pred.B, pred.B_prime)
    assert hp["gamma"] == pytest.approx(float(pred.gamma), rel=1e-15) and hp["delta"] == float(pred.delta)
