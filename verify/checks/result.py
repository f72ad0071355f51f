"""The one result type of every theorem check: `Check`, a list of assertions and what they were checked on.

Every checker returns a `Check` (the generic checker itself; Theorem 1's `CheckResult` and Theorem 2's
`Theorem2Result` extend it with their typed measurements). The verdict is computed from the assertions by one rule
(verify.verdicts.worst over the deciding kinds); assertions of kind "printed" and "constants" are findings about a
statement, not verdicts of the run. `to_json()` has the same common keys for every check (COMMON).
"""

from dataclasses import asdict, dataclass, field

from insgd.verify.verdicts import FAIL, PASS, worst

DECIDING = ("bound", "rate")  # the assertion kinds a check's verdict is computed from
COMMON = ("theorem", "problem", "params", "constants", "verdict", "statement", "assertions", "warnings")


@dataclass
class Assertion:
    name: str
    kind: str  # "bound" or "rate" (they decide the verdict), "printed" (a finding on the printed statement)
    verdict: str  # verify.verdicts: pass, fail, inconclusive, not assessed (printed: the disagreement vocabulary)
    evidence: str
    data: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class Check:
    theorem: str  # the record's key (insgd.theory.theorems)
    problem: str
    params: dict
    constants: dict  # the constants the check used, with where they hold and how they were obtained
    assertions: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    details: dict = field(default_factory=dict)  # what the measurement recorded (run, hyperparameters, evidence data)
    raw: dict = field(default_factory=dict, repr=False)  # arrays and fits for figures (the recorded run); not serialized

    @property
    def verdict(self) -> str:
        return worst(a.verdict for a in self.assertions if a.kind in DECIDING)

    @property
    def evidence(self) -> str:
        """The evidence of the assertion that decided the verdict (the first one with the verdict)."""
        return next((a.evidence for a in self.assertions if a.kind in DECIDING and a.verdict == self.verdict), "")

    def statement(self) -> str:
        word = {PASS: "not refuted", FAIL: "refuted"}.get(self.verdict, str(self.verdict))
        return f"{word}: {self.theorem} on {self.problem}: {self.evidence}"

    def to_json(self) -> dict:
        return {
            **self.details,
            "theorem": self.theorem,
            "problem": self.problem,
            "params": self.params,
            "constants": self.constants,
            "verdict": self.verdict,
            "evidence": self.evidence,
            "statement": self.statement(),
            "assertions": [asdict(a) for a in self.assertions],
            "warnings": list(self.warnings),
        }

    # A read-only mapping view of to_json(), for code written against the dict the generic checker once returned.
    def __getitem__(self, key):
        return self.to_json()[key]

    def get(self, key, default=None):
        return self.to_json().get(key, default)

    def __contains__(self, key):
        return key in self.to_json()

    def keys(self):
        return self.to_json().keys()
