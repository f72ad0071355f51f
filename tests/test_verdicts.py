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
