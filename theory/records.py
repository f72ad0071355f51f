"""The one record type for theorems and lemmas: what is assumed, what is run, what is promised, where it is printed.

A `Theorem` is data: its source (paper, theorem, equations), its reading (``printed`` -- the statement as it stands in
the source -- or ``derived`` -- what the source's own proof gives), the assumption records it uses, the algorithm
(an optimizer of ``insgd.numerics``) and its step-size rule, its conditions as SymPy relations (or, for hypotheses
that are not relations, as words), its bound and T(eps) per regime, and its probability. Everything that checks,
predicts or reports on a theorem reads these fields; differences between two readings are computed from them
(`differences`), never typed.
"""

from dataclasses import dataclass, field

import sympy as sp


@dataclass(frozen=True)
class Condition:
    """One hypothesis: a SymPy relation when it is one (decidable at given constants), else words only."""

    text: str
    relation: sp.Basic | None = None
    where: str = ""  # the proof step or equation that needs it

    def decide(self, values: dict):
        """True / False at the given symbol values, or None when it is not a relation or stays undecided."""
        if self.relation is None:
            return None
        r = self.relation.subs(values)
        return bool(r) if r in (sp.true, sp.false) else None


@dataclass(frozen=True)
class Case:
    """T(eps) in one case of one regime: `T` is the statement's expression and `kind` how it bounds the iteration
    count ('exact': T(eps) is the ceiling of T; 'O' / 'Omega': T is the content of O(.) / Omega(.); '>=': every T
    at least this works)."""

    when: sp.Basic
    T: sp.Expr
    kind: str


MEASURES = {
    "gap": "f(x_t) - f* <= B(t) at every t",
    "min_grad_norm": "min_{k <= t} ||grad f(x_k)|| <= B(t) at every t",
    "mean_sq_grad": "E[(1/t) sum_{k < t} ||grad F(x_k)||^2] <= B(t) for every t >= 1 (expectation over the oracle)",
    "hit_probability": "P(min_{t <= T} ||grad F(x_t)|| <= eps) >= the record's probability, T = T(eps) (the case's T, "
    "the symbol T in the step size and hyperparameters)",
}
STOCHASTIC_MEASURES = ("mean_sq_grad", "hit_probability")  # promises over the oracle's paths: global certificates only


# How far the promise reaches: the bound at every t, or at every t up to the first t at which the measure reaches
# eps (Theorem 1's derivation applies the PL inequality while Delta_t > eps only).
HORIZONS = ("every t", "until eps")
READINGS = ("printed", "derived")  # the statement as the source prints it, or as its own proof gives it
BOUND_KINDS = ("upper bound", "O")  # B(t) holds at every t, or up to constants


@dataclass(frozen=True)
class Theorem:
    key: str  # e.g. "theorem1.printed"
    name: str
    source: str  # paper, theorem number, equations
    reading: str  # "printed" or "derived"
    assumptions: tuple  # theory.assumptions.Assumption records
    algorithm: str  # an optimizer of insgd.numerics.optimizers (the checker refuses any other name)
    step_size: sp.Expr
    conditions: tuple = ()  # Condition records
    regimes: dict = field(default_factory=dict)  # k -> (name, relation); {} for a single regime
    bound: dict = field(default_factory=dict)  # k -> expression B(t) of the promise "Delta_t <= B(t)" (or O(B(t)))
    bound_kind: str = "upper bound"  # "upper bound" (holds at every t) or "O" (up to constants)
    cases: dict = field(default_factory=dict)  # k -> tuple of Case
    promise: str = ""  # the conclusion, in words
    probability: sp.Expr = sp.Integer(1)  # probability with which the promise holds
    parameters: dict = field(default_factory=dict)  # name -> expression (batch sizes, delta, Lambda, ...)
    statement: str = ""  # the statement as printed (or as derived), in words and formulas
    notes: tuple = ()
    # How the theorem's constants come from a problem's certificates, for the one checker
    # (insgd.verify.checks.generic): symbol -> (assumption key, certificate field; "noise" is the synthetic oracle's
    # (tau1, tau2), "variance" its (M, M_V)); fixed values the certificates must have (assumption key -> {field:
    # value}); optimizer hyperparameters beyond the step size (name -> expression; batch sizes are rounded up).
    binds: dict = field(default_factory=dict)
    requires: dict = field(default_factory=dict)
    hyperparameters: dict = field(default_factory=dict)
    checkable: bool = True  # False when the source's constants could not be confirmed (the record says why)
    # What the bound B(t) bounds (MEASURES): the gap at every t (default), the best gradient norm so far, or the
    # expected mean squared gradient norm of the first t iterates (a promise in expectation over the oracle).
    measure: str = "gap"
    horizon: str = "every t"  # HORIZONS

    def __post_init__(self):
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {self.measure!r}")
        if self.horizon not in HORIZONS:
            raise ValueError(f"horizon must be one of {', '.join(HORIZONS)}, got {self.horizon!r}")
        if self.reading not in READINGS:
            raise ValueError(f"reading must be one of {', '.join(READINGS)}, got {self.reading!r}")
        if self.bound_kind not in BOUND_KINDS:
            raise ValueError(f"bound_kind must be one of {', '.join(BOUND_KINDS)}, got {self.bound_kind!r}")
        if not isinstance(self.algorithm, str) or not self.algorithm.strip():
            raise ValueError(f"algorithm must be a non-empty name, got {self.algorithm!r}")

    def __hash__(self):  # equal records have equal keys (the dataclass __eq__ compares every field)
        return hash(self.key)

    @property
    def assumption_keys(self) -> tuple:
        return tuple(a.key for a in self.assumptions)

    def regime(self, values: dict) -> int:
        """The regime whose relation holds at the given symbol values (exactly); 0 when there is a single regime."""
        if not self.regimes:
            return 0
        hits = [k for k, (_, rel) in self.regimes.items() if rel.subs(values) == sp.true]
        if len(hits) != 1:
            raise ValueError(f"{self.name}: the regimes do not decide at {values} ({hits})")
        return hits[0]

    def case(self, regime: int, values: dict) -> tuple:
        """(index, Case) of the first case of the regime whose condition holds at the values."""
        for i, c in enumerate(self.cases.get(regime, ())):
            if c.when.subs(values) == sp.true:
                return i, c
        raise ValueError(f"{self.name}: no case of regime {regime} holds at {values}")

    def to_json(self) -> dict:
        return {
            "key": self.key,
            "name": self.name,
            "source": self.source,
            "reading": self.reading,
            "assumptions": list(self.assumption_keys),
            "algorithm": self.algorithm,
            "step_size": sp.sstr(self.step_size),
            "conditions": [
                {"text": c.text, "relation": None if c.relation is None else sp.sstr(c.relation), "where": c.where}
                for c in self.conditions
            ],
            "regimes": {str(k): {"name": n, "relation": sp.sstr(r)} for k, (n, r) in self.regimes.items()},
            "bound": {str(k): sp.sstr(b) for k, b in self.bound.items()},
            "bound_kind": self.bound_kind,
            "measure": self.measure,
            "measure_meaning": MEASURES[self.measure],
            "horizon": self.horizon,
            "T": {
                str(k): [{"when": sp.sstr(c.when), "T": sp.sstr(c.T), "kind": c.kind} for c in cs] for k, cs in self.cases.items()
            },
            "promise": self.promise,
            "probability": sp.sstr(self.probability),
            "parameters": {k: sp.sstr(v) for k, v in self.parameters.items()},
            "statement": self.statement,
            "checkable": self.checkable,
            "notes": list(self.notes),
        }


def unstated_conditions(a: Theorem, b: Theorem) -> list:
    """The conditions of b that a does not state, compared as relations, else as words (in b's order)."""

    def key(c):
        return sp.srepr(c.relation) if c.relation is not None else c.text

    stated = {key(c) for c in a.conditions}
    return [c for c in b.conditions if key(c) not in stated]


def differences(a: Theorem, b: Theorem) -> list:
    """What separates two readings of one result, computed field by field: step sizes, parameters, probability,
    and the conditions that one states and the other does not (compared as relations, else as words)."""
    out = []
    if sp.simplify(a.step_size - b.step_size) != 0:
        out.append(f"step size: {a.reading} {sp.sstr(a.step_size)}; {b.reading} {sp.sstr(b.step_size)}")
    for k in sorted(set(a.parameters) & set(b.parameters)):  # auxiliary definitions of one reading are not compared
        x, y = a.parameters[k], b.parameters[k]
        if sp.simplify(x - y) != 0:
            out.append(f"{k}: {a.reading} {sp.sstr(x)}; {b.reading} {sp.sstr(y)}")
    if sp.simplify(a.probability - b.probability) != 0:
        out.append(f"probability of the promise: {a.reading} {sp.sstr(a.probability)}; {b.reading} {sp.sstr(b.probability)}")
    for c in unstated_conditions(a, b):  # in the order the records list them (deterministic output)
        out.append(
            f"condition needed by the {b.reading} reading, not stated in the {a.reading} one: {c.text}"
            + (f" ({c.where})" if c.where else "")
        )
    for c in unstated_conditions(b, a):
        out.append(f"condition of the {a.reading} reading that the {b.reading} one does not need: {c.text}")
    return out
