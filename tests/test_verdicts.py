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
    from insgd.verify.paper_audit import VERDICTS

    assert all(w in V.GLOSSARY for w in VERDICTS)


def test_worst_orders_verdicts():
    assert V.worst(["pass", "inconclusive", "pass"]) == "inconclusive"
    assert V.worst(["pass", "fail", "inconclusive"]) == "fail"
    assert V.worst([]) == "inconclusive"  # nothing checked is not a pass
