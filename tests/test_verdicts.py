"""The verdict vocabulary is defined once and the README's glossary is generated from it."""

from pathlib import Path

from insgd.verify import verdicts as V

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_glossary_is_generated_from_the_vocabulary():
    text = README.read_text()
    assert V.with_glossary(text) == text, "README glossary is stale: regenerate it with verify.verdicts.with_glossary"


def test_every_verdict_word_is_defined():
    words = [*V.CHECK_VERDICTS, V.NOT_ASSESSED, V.NOT_APPLICABLE, *V.DISAGREEMENT_CLASSES]
    assert all(w in V.GLOSSARY for w in words)
    from insgd.verify.report.paper_audit import VERDICTS

    assert all(w in V.GLOSSARY for w in VERDICTS)


def test_worst_orders_verdicts():
    assert V.worst(["pass", "inconclusive", "pass"]) == "inconclusive"
    assert V.worst(["pass", "fail", "inconclusive"]) == "fail"
    assert V.worst([]) == "inconclusive"  # nothing checked is not a pass


def test_interval_verdict_on_hand_made_intervals():
    # claim P >= 1/2 (Theorem 2): the interval above, straddling, below; below but runs cut short
    assert V.interval_verdict(0.6, 0.9, 0.5) == "pass"
    assert V.interval_verdict(0.5, 0.9, 0.5) == "pass"  # at the boundary the claim (>=) is not refuted
    assert V.interval_verdict(0.4, 0.7, 0.5) == "inconclusive"
    assert V.interval_verdict(0.1, 0.3, 0.5) == "fail"
    assert V.interval_verdict(0.1, 0.3, 0.5, complete=False) == "inconclusive"
    # claim P(fail) <= 0.25 (Lemma 2, derived): a straddling interval is not a pass
    assert V.interval_verdict(0.01, 0.02, 0.25, at_least=False) == "pass"
    assert V.interval_verdict(0.2, 0.3, 0.25, at_least=False) == "inconclusive"
    assert V.interval_verdict(0.3, 0.4, 0.25, at_least=False) == "fail"


def test_bound_verdict_on_hand_made_runs():
    assert V.bound_verdict(violated=True, reached_eps=True, ran_past_T=False) == "fail"
    assert V.bound_verdict(violated=False, reached_eps=False, ran_past_T=True) == "fail"
    assert V.bound_verdict(violated=False, reached_eps=False, ran_past_T=False) == "inconclusive"
    assert V.bound_verdict(violated=False, reached_eps=True, ran_past_T=True) == "pass"


def test_pointwise_verdict_on_hand_made_bounds():
    B = [3.0, 2.0, 1.0]
    assert V.pointwise_verdict([0.5, 0.5, 0.5], [1.0, 1.0, 0.9], B) == "pass"
    assert V.pointwise_verdict([0.5, 0.5, 0.5], [1.0, 1.0, 1.1], B) == "inconclusive"
    assert V.pointwise_verdict([0.5, 2.5, 0.5], [1.0, 3.0, 0.9], B) == "fail"  # one t refutes it


def test_rate_verdict_on_hand_made_intervals():
    nan, inf = float("nan"), float("inf")
    assert V.rate_verdict(0.9, 1.1, 1.0) == "pass"  # the predicted q inside the measured interval
    assert V.rate_verdict(1.05, 1.2, 1.0) == "fail"  # a finite interval that misses it
    assert V.rate_verdict(0.48, 0.52, 0.40, 0.49) == "pass"  # overlaps the derived span [grid slope, asymptote]
    assert V.rate_verdict(0.55, 0.60, 0.40, 0.49) == "fail"
    assert V.rate_verdict(nan, nan, 1.0) == "inconclusive"  # no measurement refutes nothing
    assert V.rate_verdict(-inf, inf, 1.0) == "inconclusive"


def test_the_two_vocabularies_convert_one_way_each():
    assert V.claim_from_check("pass") == "not refuted"  # runs never prove a universal claim
    assert V.claim_from_check("fail") == "fails"
    assert V.claim_from_check("inconclusive") == "unknown"
    assert V.check_from_claim("holds") == "pass" and V.check_from_claim("fails") == "fail"
    assert V.check_from_claim("unknown") == "inconclusive"
    assert V.all_claims(["holds", "holds"]) == "holds"
    assert V.all_claims(["holds", "unknown"]) == "unknown"
    assert V.all_claims(["unknown", "fails"]) == "fails"
    assert V.all_claims([]) == "unknown"  # no claim checked holds nothing


def test_verdicts_are_their_words_in_json_and_text():
    import json

    assert json.dumps({V.PASS: V.NOT_REFUTED}) == '{"pass": "not refuted"}'
    assert f"{V.FAILS}" == "fails" and str(V.INCONCLUSIVE) == "inconclusive"
    words = set(V.Verdict) | set(V.ClaimVerdict) | set(V.Disagreement)
    assert words <= set(V.GLOSSARY)  # every word the toolkit can print is explained
