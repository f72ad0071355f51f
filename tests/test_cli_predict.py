"""`insgd predict`: JSON schema, human output, and errors (exit 2, one line, no traceback)."""

import json

import pytest

from insgd.verify.cli.__init__ import main
from tests.helpers import assert_one_line_error, cli

run = cli


NGD = [
    "predict",
    "ngd",
    "--L0",
    "1",
    "--L1",
    "2",
    "--alpha",
    "1/2",
    "--beta",
    "2/3",
    "--rho",
    "3/2",
    "--mu",
    "1/10",
    "--eps",
    "1e-3",
]
INSGD = [
    "predict",
    "insgd",
    "--L0",
    "1",
    "--L1",
    "1",
    "--tau1",
    "2",
    "--tau2",
    "1",
    "--beta",
    "2/3",
    "--delta0",
    "1",
    "--eps",
    "1e-2",
]


def test_ngd_json_schema(capsys):
    assert main(NGD + ["--delta0", "3", "--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    for key in (
        "regime",
        "q",
        "gamma",
        "T_exponent_paper",
        "T_exponent_derived",
        "T_log_factor_derived",
        "T_derived",
        "paper_agrees",
        "admissible",
        "warnings",
    ):
        assert key in j
    assert j["regime"] == 3 and j["T_exponent_paper"] is None
    assert j["T_exponent_derived"] == pytest.approx((2 / 3) / 1.5)
    assert set(j["admissible"]) == {"literal", "segment", "hessian"}
    assert isinstance(j["T_derived"], int) and j["T_derived"] > 0


def test_ngd_without_delta0_has_null_T(capsys):
    assert main(NGD + ["--json"]) == 0
    assert json.loads(capsys.readouterr().out)["T_derived"] is None


def test_insgd_json_schema(capsys):
    assert main(INSGD + ["--json"]) == 0
    j = json.loads(capsys.readouterr().out)
    for key in ("T", "gamma", "B", "B_prime", "delta", "Lambda", "terms", "dominant_term", "samples", "warnings"):
        assert key in j
    assert len(j["terms"]) == 3 and j["B"] == 8 and j["B_prime"] == 64


def test_huge_number_is_a_string(capsys):
    args = INSGD[:-1] + ["1e-200", "--json"]
    assert main(args) == 0
    j = json.loads(capsys.readouterr().out)
    assert isinstance(j["T"], str) and "e+" in j["T"]


def test_human_output_and_latex(capsys):
    assert main(NGD + ["--delta0", "3"]) == 0
    out = capsys.readouterr().out
    assert "regime 3" in out and "paper agrees" in out
    assert main(INSGD + ["--latex"]) == 0
    assert "\\epsilon" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args,word",
    [
        (["--alpha", "3/2"], "alpha"),
        (["--beta", "1/4"], "beta"),  # beta < alpha = 1/2
        (["--L0", "-1"], "L0"),
        (["--eps", "0"], "eps"),
        (["--mu", "abc"], "mu"),
        (["--rho", "nan"], "rho"),
    ],
)
def test_ngd_errors(args, word):
    argv = list(NGD)
    for i in range(0, len(args), 2):
        argv[argv.index(args[i]) + 1] = args[i + 1]
    r = run(*argv)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "Traceback" not in r.stderr


def test_insgd_beta_zero_and_missing_arg():
    argv = list(INSGD)
    argv[argv.index("--beta") + 1] = "0"
    r = run(*argv)
    assert_one_line_error(r, "beta")
    r = run("predict", "insgd", "--L0", "1")
    assert_one_line_error(r)


def test_help():
    r = run("predict", "ngd", "--help")
    assert r.returncode == 0 and "--delta0" in r.stdout
