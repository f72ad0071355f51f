"""The registry of theorem records: every result the toolkit can predict from and check, in each reading.

Add a theorem by writing its `insgd.theory.records.Theorem` record in a module and listing it here, or, without
touching the package, by calling `register(record)` (see README, "Check your own theorem").
"""

from insgd.theory import literature
from insgd.theory.insgd import LEMMA2_DERIVED, LEMMA2_PRINTED, THEOREM2_DERIVED, THEOREM2_PRINTED
from insgd.theory.ngd import THEOREM1_DERIVED, THEOREM1_PRINTED
from insgd.theory.records import Theorem, differences

REGISTRY = {
    t.key: t
    for t in (
        THEOREM1_PRINTED,
        THEOREM1_DERIVED,
        THEOREM2_PRINTED,
        THEOREM2_DERIVED,
        LEMMA2_PRINTED,
        LEMMA2_DERIVED,
        *literature.REGISTERED,
    )
}
PAIRS = (("theorem1.printed", "theorem1.derived"), ("theorem2.printed", "theorem2.derived"), ("lemma2.printed", "lemma2.derived"))


def register(theorem: Theorem) -> Theorem:
    """Add a theorem record (e.g. from your own module) to the registry; its key must be new."""
    from insgd.theory.numbers import InputError

    if theorem.key in REGISTRY:
        raise InputError(f"theorem {theorem.key!r} is already registered")
    REGISTRY[theorem.key] = theorem
    return theorem


def get(key: str) -> Theorem:
    from insgd.theory.numbers import InputError

    if key not in REGISTRY:
        raise InputError(f"theorem must be one of {', '.join(REGISTRY)}, got {key!r}")
    return REGISTRY[key]


def all_differences() -> dict:
    """For each printed/derived pair, what separates them (computed from the records)."""
    return {f"{a} vs {b}": differences(REGISTRY[a], REGISTRY[b]) for a, b in PAIRS}
