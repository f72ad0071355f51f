"""The verdict vocabulary, defined once: every verdict word the toolkit prints, what it claims, and on what evidence.

A check holds a universal claim (a bound for every iterate, a T(eps) for every eps) against finitely many runs, so
its strongest positive word is *not refuted* on the instances it names; only a certificate (the auditor's interval
arithmetic) or a proof (an exact identity, a derivation) says *holds*. The verdict codes in JSON stay short
(`pass`, `fail`, ...); `GLOSSARY` says what each one means, and the report prints it.
"""

import math
from enum import StrEnum


class Verdict(StrEnum):
    """What a check says about a claim runs can test (a bound, a rate, a probability). In JSON: the value."""

    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_ASSESSED = "not assessed"
    NOT_APPLICABLE = "not applicable"


class ClaimVerdict(StrEnum):
    """What the auditor (a function against an assumption) and the paper audit (a printed statement) say."""

    HOLDS = "holds"
    FAILS = "fails"
    NOT_REFUTED = "not refuted"
    INCOMPLETE = "incomplete"
    UNKNOWN = "unknown"
    BY_PROOF = "by proof"


class Disagreement(StrEnum):
    """How a printed statement stands against the derivation and the measurements (Theorem 1's T(eps) orders)."""

    CONTRADICTED = "contradicted"
    INCOMPLETE = "incomplete"
    BY_DERIVATION = "differs by derivation only"


PASS, FAIL, INCONCLUSIVE, NOT_ASSESSED, NOT_APPLICABLE = Verdict
HOLDS, FAILS, NOT_REFUTED, _, UNKNOWN, BY_PROOF = ClaimVerdict
CONTRADICTED, INCOMPLETE, BY_DERIVATION = Disagreement
CHECK_VERDICTS = (PASS, INCONCLUSIVE, FAIL)  # what a check returns, worst last
DISAGREEMENT_CLASSES = tuple(Disagreement)
CLAIM_VERDICTS = tuple(ClaimVerdict)

GLOSSARY = {
    PASS: "not refuted on the instances named (problem, constants, eps, iterates or seeds); a finite check of a "
    "universal claim, never a proof. A statistical pass (many seeds) says so and gives its confidence level.",
    FAIL: "refuted: a run, a witness or a confidence bound contradicts the claim; the evidence names it.",
    INCONCLUSIVE: "the evidence decides neither way (a budget cap, an iterate outside the region the constants are "
    "certified on, a confidence interval that straddles the bound); the reason is printed.",
    NOT_ASSESSED: "the claim was not tested on this instance, with the reason (e.g. a rate is assessed only where "
    "the bound is tight by construction).",
    NOT_APPLICABLE: "the problem does not certify an assumption the theorem needs; the missing assumption is named.",
    HOLDS: "certified (the auditor: interval arithmetic on exactly the numbers given) or proved (an exact "
    "identity, a derivation in the toolkit's docstrings).",
    FAILS: "refuted by a witness re-checked in 60-digit interval arithmetic, or by a measurement.",
    NOT_REFUTED: "the paper audit's word for a statement tested on instances with no counterexample found.",
    UNKNOWN: "the toolkit could not decide; the reason is printed.",
    BY_PROOF: "settled only by a derivation in the toolkit's docstrings (no certificate or measurement decides it).",
    CONTRADICTED: "the derivation and a measurement on an instance where the bound is tight (the power family) both put "
    "T(eps) above the printed order, in the same coordinates (the measured slope agrees with the derived T(eps) on the "
    "same grid).",
    INCOMPLETE: "the paper states nothing comparable (e.g. regime 3 prints Omega(log) iterations after an "
    "unspecified T0, no O(eps^-e) bound), or states a claim that holds only in a form or under a condition it does "
    "not name (the paper audit: e.g. a smoothness claim true in the Hessian form and false in eq. (2)); the evidence "
    "says which.",
    BY_DERIVATION: "the derived order differs from the printed one, but no tight measurement confirms it on this "
    "instance (the instance is not tight, or the measurement disagrees with both).",
    "regime": "Theorem 1's case: 1 if rho < 2 - beta (sublinear), 2 if rho = 2 - beta (linear), 3 if rho > 2 - beta. "
    "Measured from q: 1 if q's interval lies above 1, 3 if below, 'boundary' if it contains 1 (regime 2 is q = 1).",
    "q": "the exponent of the recursion Delta_(t+1) <= Delta_t - a Delta_t^q, q = (2 - beta)/rho; measured from "
    "one-step decrements at gamma and gamma/2, extrapolated to gamma -> 0.",
    "exponent e": "T(eps) ~ eps^-e. Printed: the paper's order; derived asymptotic: the SymPy limit of the derived "
    "T(eps); derived on grid: the slope of the derived T(eps) itself over the eps grid (lower-order terms included); "
    "measured: the OLS slope over the grid, with the 95% fit interval joined with the leave-one-out slopes.",
    "looseness": "T_derived / T_measured, the largest over the eps grid (>= 1 when the bound holds; near 1 when tight).",
    "tight instance": "a problem whose PL certificate is an equality (the power family), with its certified "
    "constants: only there is a measured rate held against the predicted one.",
    "region": "where the constants are certified: global, or a ball around the minimizer; a verdict is withheld "
    "(inconclusive) when an iterate leaves the ball.",
}


def glossary_markdown(terms=None) -> str:
    """The glossary as a Markdown list (all terms, or those named)."""
    keys = GLOSSARY if terms is None else terms
    return "\n".join(f"- **{k}**: {GLOSSARY[k]}" for k in keys)


def worst(verdicts) -> str:
    """The verdict of a check made of several assertions: fail if any fails, else inconclusive if any is (or if there
    is none: nothing checked is not a pass), else pass."""
    vs = list(verdicts)
    return FAIL if FAIL in vs else INCONCLUSIVE if (INCONCLUSIVE in vs or not vs) else PASS


# -- the rules: every check's verdict comes from one of these, applied to its evidence ------------------------------


def interval_verdict(lo, hi, claimed, at_least=True, complete=True) -> str:
    """A claim about a probability or an expectation, held against a confidence interval [lo, hi] for it.
    Claim "value >= claimed" (at_least): pass when the whole interval lies at or above it, fail when the whole
    interval lies below it and the evidence is complete (no run cut short, which could only have raised the value),
    else inconclusive. Claim "value <= claimed": the mirror image (pass when hi <= claimed, fail when lo > claimed)."""
    if at_least:
        return PASS if lo >= claimed else FAIL if (hi < claimed and complete) else INCONCLUSIVE
    return PASS if hi <= claimed else FAIL if (lo > claimed and complete) else INCONCLUSIVE


def bound_verdict(violated: bool, reached_eps: bool, ran_past_T: bool) -> str:
    """A deterministic promise "measure <= B(t) at every t, and measure <= eps by T(eps)" held against one run:
    fail when an iterate exceeds B(t), or when the run went past T(eps) without reaching eps; inconclusive when it was
    capped before T(eps); else pass (not refuted on this run)."""
    if violated or (not reached_eps and ran_past_T):
        return FAIL
    return PASS if reached_eps else INCONCLUSIVE


def pointwise_verdict(lower, upper, bound) -> str:
    """A promise "E[A(t)] <= B(t) for every t" held against confidence bounds at each t of a grid: fail if at some t
    the lower bound exceeds B(t), pass if the upper bound is below B(t) at every t, else inconclusive."""
    return worst(interval_verdict(lo, hi, b, at_least=False) for lo, hi, b in zip(lower, upper, bound, strict=True))


def rate_verdict(lo, hi, target_lo, target_hi=None) -> Verdict:
    """A measured rate's interval [lo, hi] against the predicted value (or span [target_lo, target_hi]) on an
    instance where the bound is tight: pass when they overlap, fail when a finite interval misses it, inconclusive
    when the measurement produced no finite interval (no measurement refutes nothing)."""
    t_hi = target_lo if target_hi is None else target_hi
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return INCONCLUSIVE
    return PASS if (lo <= t_hi and target_lo <= hi) else FAIL


def claim_from_check(verdict) -> ClaimVerdict:
    """A check's verdict as a verdict on the statement it tested: runs never prove a universal claim, so a pass is
    "not refuted", a fail "fails", anything else "unknown"."""
    return {PASS: NOT_REFUTED, FAIL: FAILS}.get(verdict, UNKNOWN)


def check_from_claim(verdict) -> Verdict:
    """An auditor verdict used as one assertion of a check: holds -> pass, fails -> fail, else inconclusive."""
    return {HOLDS: PASS, FAILS: FAIL}.get(verdict, INCONCLUSIVE)


def all_claims(verdicts) -> ClaimVerdict:
    """Several claims as one: fails if any fails, holds if every one holds (and there is one), else unknown."""
    vs = list(verdicts)
    return FAILS if FAILS in vs else HOLDS if vs and all(v == HOLDS for v in vs) else UNKNOWN


GLOSSARY_START, GLOSSARY_END = "<!-- glossary:start -->", "<!-- glossary:end -->"


def with_glossary(readme: str) -> str:
    """README text with its glossary section regenerated from GLOSSARY (tests/test_readme.py checks it)."""
    i, j = readme.index(GLOSSARY_START) + len(GLOSSARY_START), readme.index(GLOSSARY_END)
    return readme[:i] + "\n" + glossary_markdown() + "\n" + readme[j:]
