"""The paper audit's verdicts come from rules over evidence: every rule moves when its evidence is perturbed."""

import pytest

from insgd.verify.report.paper_audit import STATEMENTS, VERDICTS, paper_audit

RULES = {s.key: s.rule for s in STATEMENTS}

# For each statement: evidence as the toolkit produces it today, and a perturbed version that must change the verdict.
CASES = {
    "ex1_pl": ({"verdict": "holds"}, {"verdict": "fails"}),
    "ex1_smooth": (
        {"alpha_min": None, "alpha_min_why": "|f''|/|f'| is unbounded", "claim_verdict": "fails"},
        {"alpha_min": 1.0, "alpha_min_why": "", "claim_verdict": "holds"},
    ),
    "ex2_pl": ({"verdict": "fails"}, {"verdict": "holds"}),
    "ex2_smooth": ({"hessian": "holds", "literal": "fails"}, {"hessian": "holds", "literal": "holds"}),
    "theorem1_regime1": (
        {"printed_exponent": 0.5, "agrees": False, "measured_contradicts": [True]},
        {"printed_exponent": 0.5, "agrees": True, "measured_contradicts": [False]},
    ),
    "theorem1_regime2": (
        {"printed_exponent": 1 / 3, "agrees": True, "measured_contradicts": []},
        {"printed_exponent": 1 / 3, "agrees": True, "measured_contradicts": [True]},
    ),
    "theorem1_regime3": (
        {"printed_exponent": None, "agrees": False, "measured_contradicts": []},
        {"printed_exponent": 0.4, "agrees": True, "measured_contradicts": []},
    ),
    "theorem1_conditions": ({"missing_conditions": ["theta < 2"]}, {"missing_conditions": []}),
    "lemma2": ({"failures": 218}, {"failures": 0}),
    "theorem2_conditions": ({"missing_conditions": ["alpha <= beta"]}, {"missing_conditions": []}),
    "theorem2": ({"verdict": "pass"}, {"verdict": "fail"}),
    "eq12": ({"angle": 0.01, "se": 0.4}, {"angle": 45.0, "se": 0.4}),
    "pr_smooth": (
        {"status": "estimated", "alpha": None, "want_alpha": 2 / 3, "measured": {"alpha_measured": 0.667, "rays": 8}},
        {"status": "estimated", "alpha": None, "want_alpha": 2 / 3, "measured": {"alpha_measured": 0.9, "rays": 8}},
    ),
    "dro_smooth": (
        {"status": "no data", "alpha": None, "want_alpha": 1.0, "measured": None},
        {"status": "estimated", "alpha": None, "want_alpha": 1.0, "measured": {"alpha_measured": 0.667, "rays": 8}},
    ),
    "experiments_pl": ({"status": "estimated", "pl_certified": False}, {"status": "certified", "pl_certified": True}),
}


def test_every_statement_has_a_perturbation():
    assert set(CASES) == set(RULES)


@pytest.mark.parametrize("key", sorted(CASES))
def test_rule_moves_with_its_evidence(key):
    today, perturbed = CASES[key]
    a, b = RULES[key](today), RULES[key](perturbed)
    assert a in VERDICTS and b in VERDICTS
    assert a != b, (key, a, b)


def test_auditor_inversion_flips_every_auditor_backed_verdict():
    for key in ("ex1_pl", "ex2_pl"):
        assert RULES[key]({"verdict": "holds"}) == "holds" and RULES[key]({"verdict": "fails"}) == "fails"
        assert RULES[key]({"verdict": "unknown"}) == "unknown"


@pytest.mark.slow
def test_the_audit_runs_and_every_verdict_is_computed():
    entries = paper_audit(quick=True)
    assert [e["key"] for e in entries] == [s.key for s in STATEMENTS]
    for e, s in zip(entries, STATEMENTS, strict=True):
        assert e["verdict"] == s.rule(e["data"]) and e["command"]


def test_no_holds_from_runs_alone():
    """Runs and measurements never earn "holds": a passing Theorem 2 check is "not refuted", an agreeing Theorem 1
    order "by proof", an uncertified growth exponent at most "not refuted"; only a certificate says "holds"."""
    assert RULES["theorem2"]({"verdict": "pass"}) == "not refuted"
    agree = {"printed_exponent": 1 / 3, "agrees": True, "measured_contradicts": [False, False]}
    assert RULES["theorem1_regime2"](agree) == "by proof"
    meas = {"status": "estimated", "alpha": None, "want_alpha": 2 / 3, "measured": {"alpha_measured": 0.6, "rays": 8}}
    assert RULES["pr_smooth"](meas) == "not refuted"
    assert RULES["pr_smooth"]({**meas, "status": "certified", "alpha": 0.5}) == "holds"
    assert RULES["ex1_smooth"]({"alpha_min": 1.0, "alpha_min_why": "", "claim_verdict": "unknown"}) == "not refuted"


def test_growth_exponent_of_a_quartic_is_two_thirds():
    """Independent check of the measurement: for f = ||w||^4, ||Hess|| = 12 r^2 and ||grad|| = 4 r^3, so
    log ||Hess|| / log ||grad|| -> 2/3 exactly along every ray."""
    from insgd.numerics.problems import Power
    from insgd.verify.report.paper_evidence import growth_exponent

    assert growth_exponent(Power(p=4.0, dim=3))["alpha_measured"] == pytest.approx(2 / 3, abs=1e-3)


def test_dro_statement_is_decided_from_the_data(life_expectancy_csv_or_synthetic):
    from insgd.verify.report.paper_audit import rule_certificate
    from insgd.verify.report.paper_evidence import ev_certificate

    e = ev_certificate("dro", 1.0)(True, {"data": str(life_expectancy_csv_or_synthetic)})
    assert e["measured"]["alpha_measured"] is not None and rule_certificate(e) in ("not refuted", "fails")
    assert rule_certificate(ev_certificate("dro", 1.0)(True, {"data": None})) == "unknown"
