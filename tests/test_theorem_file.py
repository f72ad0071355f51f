"""Your own theorem as a TOML file: read as data (never executed), validated field by field, checked like any
registered theorem."""

import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insgd.core import InputError
from insgd.numerics.problems import Quadratic
from insgd.theory import symbols as S
from insgd.verify.checks.generic import check_theorem
from insgd.verify.checks.theorem_file import from_dict, load
from tests.helpers import assert_one_line_error, cli

EXAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "too_fast.toml"
BASE = {
    "key": "test.file",
    "name": "GD, PL, linear rate",
    "source": "a test",
    "algorithm": "gd",
    "assumptions": ["L-smooth", "PL"],
    "step_size": "1/L",
    "bound": "(1 - mu/L)**t * Delta0",
    "T": "log(Delta0/eps) / -log(1 - mu/L)",
    "binds": {"L": "A1.literal.L0", "mu": "A2.mu"},
    "requires": {"A1.literal": {"L1": 0}, "A2": {"rho": 2}},
}


def test_the_example_file_is_refuted_by_a_run_and_its_correction_passes(tmp_path):
    r = cli("check", "--theorem-file", str(EXAMPLE), "--problem", "quadratic", "--param", "dim=3", "--param", "cond=5", "--json")
    assert r.returncode == 1 and r.json()["verdict"] == "fail" and "refuted by a run" in r.json()["evidence"]
    fixed = tmp_path / "fixed.toml"
    fixed.write_text(EXAMPLE.read_text().replace("4*t", "t").replace("-4*log", "-log"))
    r = cli("check", "--theorem-file", str(fixed), "--problem", "quadratic", "--param", "dim=3", "--param", "cond=5", "--json")
    assert r.returncode == 0 and r.json()["verdict"] == "pass"


def test_a_file_record_checks_like_the_registered_one():
    """The file form of Karimi et al.'s Theorem 1 gives the registered record's verdict and T_bound."""
    from insgd.theory.theorems import get

    mine = from_dict(dict(BASE))
    a, b = (
        check_theorem(mine, Quadratic(dim=2, cond=10.0)),
        check_theorem(get("karimi2016.theorem1"), Quadratic(dim=2, cond=10.0)),
    )
    assert (a["verdict"], a["T_bound"], a["T_measured"]) == (b["verdict"], b["T_bound"], b["T_measured"])


@pytest.mark.parametrize(
    "change, message",
    [
        ({"extra": 1}, "unknown field 'extra'"),
        ({"key": None}, "field 'key' is required"),
        ({"key": "karimi2016.theorem1"}, "already registered"),
        ({"algorithm": "adam"}, "optimizer"),
        ({"assumptions": ["smooth"]}, "assumption must be one of"),
        ({"measure": "loss"}, "measure must be one of"),
        ({"binds": {"L": "A1.literal.L2"}}, "binds.L must name a certificate field"),
        ({"binds": {"K": "A2.mu"}}, "binds: constant must be one of"),
        ({"requires": {"A2": {"rho": "two"}}}, "requires.A2.rho must be a number"),
        ({"bound": "(1 - mu/L)**t * Delta0 * rho"}, "bound may not contain the name 'rho'"),
        ({"bound": "open('x').read()"}, "bound may not contain"),
        ({"step_size": 3}, "step_size must be text"),
        ({"T": None, "measure": "gap"}, "T (T(eps)) is required"),
    ],
)
def test_bad_fields_are_refused_naming_them(change, message):
    data = {k: v for k, v in (BASE | change).items() if v is not None}
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_dict(data)


def test_bad_files_give_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("key = [unclosed")
    assert_one_line_error(cli("check", "--theorem-file", str(bad), "--problem", "quadratic"), "not valid TOML")
    assert_one_line_error(cli("check", "--theorem-file", str(tmp_path / "none.toml"), "--problem", "quadratic"), "existing file")
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * 70_000)
    assert_one_line_error(cli("theorems", "--file", str(big)), "at most 64 KiB")
    evil = tmp_path / "evil.toml"
    marker = tmp_path / "pwned"
    evil.write_text(EXAMPLE.read_text().replace('"1/L"', f"\"__import__('os').system('touch {marker}')\""))
    assert_one_line_error(cli("check", "--theorem-file", str(evil), "--problem", "quadratic"), "step_size may not contain")
    assert not marker.exists()
    assert_one_line_error(
        cli("check", "--theorem-file", str(EXAMPLE), "--theorem", "karimi2016.theorem1", "--problem", "quadratic"),
        "must not be given together",
    )


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_fuzzed_formulas_never_escape_as_anything_but_input_errors(text):
    try:
        from_dict(BASE | {"bound": text})
    except InputError as e:
        assert "\n" not in str(e)


def test_theorems_file_listing_shows_the_record(tmp_path):
    copy = tmp_path / "mine.toml"
    shutil.copy(EXAMPLE, copy)
    r = cli("theorems", "--file", str(copy), "--json")
    assert r.returncode == 0 and r.json()["key"] == "mine.gd_pl_too_fast" and r.json()["measure"] == "gap"
    assert load(copy).step_size.free_symbols == {S.L}


FALSE_RATE = """
key = "mine.gd_pl_2mu"
name = "GD under L-smoothness and PL, rate (1 - 2 mu/L)^t"
source = "a deliberately wrong claim"
algorithm = "gd"
assumptions = ["L-smooth", "PL"]
step_size = "1/L"
measure = "gap"
bound = "(1 - 2*mu/L)**t * Delta0"
T = "log(Delta0/eps) / (-log(1 - 2*mu/L))"

[binds]
L = "A1.literal.L0"
mu = "A2.mu"

[requires]
"A1.literal" = { L1 = 0 }
"A2" = { rho = 2 }
"""


@pytest.mark.parametrize("dim,cond", [(3, 5.0), (2, 100.0), (2, 3.0)])
def test_a_plausible_false_rate_is_refuted(tmp_path, dim, cond):
    """GD at step 1/L contracts the gap of the slowest mode by (1 - mu/L)^2 = 1 - 2 mu/L + (mu/L)^2 > 1 - 2 mu/L per
    step: the claim (1 - 2 mu/L)^t fails on every quadratic with mu < L. At the default eps the run from the default
    start stops before the slow mode dominates; held past eps and from the slowest eigendirection it must fail."""
    from insgd.numerics.problems import Quadratic
    from insgd.verify.checks.generic import check_theorem
    from insgd.verify.checks.theorem_file import load

    path = tmp_path / "false.toml"
    path.write_text(FALSE_RATE)
    r = check_theorem(load(path), Quadratic(dim=dim, cond=cond))
    assert r["verdict"] == "fail", r["evidence"]


@pytest.mark.parametrize(
    "field,value,word",
    [
        ("step_size", "sqrt(-L)", "step_size = I"),  # complex at the certified constants
        ("step_size", "1/(L-1)", "step_size = zoo"),  # L = 1 on quadratic(dim=1): a pole
        ("step_size", "1e400/L", "within float64 range"),
    ],
)
def test_a_step_size_that_is_not_a_positive_real_is_refused(tmp_path, field, value, word):
    from tests.helpers import assert_one_line_error, cli

    path = tmp_path / "t.toml"
    path.write_text(FALSE_RATE.replace('step_size = "1/L"', f'{field} = "{value}"'))
    r = cli("check", "--theorem-file", str(path), "--problem", "quadratic", "--json")
    assert_one_line_error(r, word)


def test_towers_and_deep_nesting_are_bounded(tmp_path):
    """T = exp(exp(exp(1/eps))) seeds the search in float64 (it overflowed SymPy's integers after ~30 s); a TOML
    nested 2000 levels deep is refused before the parser recurses."""
    import time

    from tests.helpers import assert_one_line_error, cli

    path = tmp_path / "t.toml"
    path.write_text(FALSE_RATE.replace('T = "log(Delta0/eps) / (-log(1 - 2*mu/L))"', 'T = "exp(exp(exp(1/eps)))"'))
    t0 = time.monotonic()
    r = cli("check", "--theorem-file", str(path), "--problem", "quadratic", "--param", "dim=2", "--param", "cond=3", "--json")
    assert r.returncode in (0, 1) and "internal error" not in r.stderr and time.monotonic() - t0 < 15
    path.write_text("a = " + "[" * 2000 + "]" * 2000 + "\n")
    for args in (("check", "--theorem-file", str(path), "--problem", "quadratic"), ("theorems", "--file", str(path))):
        assert_one_line_error(cli(*args), "levels deep")
