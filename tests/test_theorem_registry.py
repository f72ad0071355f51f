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
from insgd.verify.theorem_check import check_theorem, worst_case
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
    assert run["gap"][-1] > run["bound"][-1]  # the last recorded iterate is above the claimed bound


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 4), st.floats(1.0, 50.0))
def test_karimi_bound_is_never_violated_on_quadratics(dim, cond):
    assert check_theorem(KARIMI, Quadratic(dim=dim, cond=cond), eps=1e-8)["verdict"] == "pass"


def test_refusal_names_the_missing_assumption():
    with pytest.raises(InputError, match="A2 with rho = 2"):
        check_theorem(KARIMI, Power(p=4.0))
    assert_one_line_error(cli("check", "--theorem", "karimi2016.theorem1", "--problem", "power"), "A2")
    assert_one_line_error(cli("check", "--theorem", "nope", "--problem", "power"), "theorem must be one of")


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
