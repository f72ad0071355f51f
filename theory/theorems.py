"""The registry of theorem records: every result the toolkit can predict from and check, in each reading.

Add a theorem by writing its `insgd.theory.records.Theorem` record in a module and listing it here.
"""

from insgd.theory.insgd import LEMMA2_DERIVED, LEMMA2_PRINTED, THEOREM2_DERIVED, THEOREM2_PRINTED
from insgd.theory.ngd import THEOREM1_DERIVED, THEOREM1_PRINTED
from insgd.theory.records import Theorem, differences

REGISTRY = {
    t.key: t for t in (THEOREM1_PRINTED, THEOREM1_DERIVED, THEOREM2_PRINTED, THEOREM2_DERIVED, LEMMA2_PRINTED, LEMMA2_DERIVED)
}
PAIRS = (("theorem1.printed", "theorem1.derived"), ("theorem2.printed", "theorem2.derived"), ("lemma2.printed", "lemma2.derived"))


def get(key: str) -> Theorem:
    from insgd.theory.numbers import InputError

    if key not in REGISTRY:
        raise InputError(f"theorem must be one of {', '.join(REGISTRY)}, got {key!r}")
    return REGISTRY[key]


def all_differences() -> dict:
    """For each printed/derived pair, what separates them (computed from the records)."""
    return {f"{a} vs {b}": differences(REGISTRY[a], REGISTRY[b]) for a, b in PAIRS}
