r"""Theorem 2 (I-NSGD) and Lemma 2 as records: as printed, and as the proof gives.

Parameters (Theorem 2): gamma = min{1/(4L0), 1/(4L1), 1/sqrt(T), 1/(8 L1 (3 tau2/tau1)^beta)},
B = 2 tau1^2, B' = 16 tau1^2 (rounded up here to integers >= 1; a larger batch only helps),
delta = tau2/tau1, Lambda = F(w0) - F* + (L0+L1)(1 + tau2^2/tau1^2)^2 / 2, and T the smallest
integer with

    T >= Lambda max{256 Lambda/eps^4, 640 L1/eps^(2-beta), (64(L0+L1) + 128 L1 (3 tau2/tau1)^beta)/eps^2}   (16)

Preconditions the proof sketch uses but the statement does not list:
* alpha <= beta: step (ii) bounds gamma L1 ||grad F||^alpha / h_t^beta by ||grad F||^(alpha-beta)/4
  through the clipping h_t^beta >= 4 L1 gamma (2||grad f_B'|| + delta)^beta >= 4 L1 gamma ||grad F||^beta;
  bounded for large gradients only if alpha <= beta.
* beta > 0: h_t contains (4 L1 gamma)^(1/beta).
* Lemma 2 (||grad f_B'|| >= ||grad F||/2 - tau2/(2 tau1) with B' = 16 tau1^2) is used as a sure
  inequality; under Assumptions 3 and 4 Chebyshev gives it only with probability >= 3/4
  (variance of the batch mean <= (tau1 G + tau2)^2 / B', threshold G/2 + tau2/(2 tau1)).
  Used at all T steps, it needs a union bound: with Pinelis' inequality (deviations bounded by tau1 G + tau2
  surely) B' >= 8 tau1^2 log(2T/delta_fail) makes every step's event hold with probability >= 1 - delta_fail, and
  the promise then holds with probability >= 1/2 - delta_fail (THEOREM2_DERIVED).

T(eps) re-derived from the proof outline (THEOREM2_DERIVED's T; the printed (16) is a valid but larger sufficient T)
------------------------------------------------------------------------------------------------------------
The outline's per-step inequality, on the event of Lemma 2 at step t, with G_t = ||grad F(w_t)|| and
C = (L0 + L1)(1 + tau2^2/tau1^2)^2 / 2:

    (gamma / (4 h_t^beta)) G_t^2 <= E[F(w_t) - F(w_{t+1}) | w_t] + C gamma^2,
    gamma G_t^2 / h_t^beta >= m(G_t) := min{gamma G_t^2, G_t^(2-beta) / (20 L1)}   (the outline's lower bound).

Summing over t < T and taking expectations (F(w_T) >= F*): sum_t E[m(G_t)] <= 4 (Delta_0 + T C gamma^2). m is
increasing in G, so on the event {min_{t<T} G_t > eps} the sum is >= T m(eps), and Markov's inequality gives

    P(min_{t<T} G_t > eps) <= 4 (Delta_0 + T C gamma^2) / (T m(eps)).

This is <= 1/2 when T m(eps) >= 8 (Delta_0 + T C gamma^2). With gamma <= 1/sqrt(T), T C gamma^2 <= C, so
Delta_0 + T C gamma^2 <= Lambda (the paper's Lambda = Delta_0 + C), and it suffices that T gamma eps^2 >= 8 Lambda
and T eps^(2-beta) / (20 L1) >= 8 Lambda. With gamma = min{a, 1/sqrt(T)}, a = min{1/(4 L0), 1/(4 L1),
1/(8 L1 (3 tau2/tau1)^beta)}, the first holds when sqrt(T) eps^2 >= 8 Lambda and T a eps^2 >= 8 Lambda. Hence

    T >= Lambda max{64 Lambda / eps^4, 160 L1 / eps^(2-beta), max{32 L0, 32 L1, 64 L1 (3 tau2/tau1)^beta} / eps^2}

(T_DERIVED). Against (16): the first two terms are exactly 4 times smaller (256 -> 64, 640 -> 160); the third
replaces the sum 64 (L0 + L1) + 128 L1 (3 tau2/tau1)^beta by the maximum of 32 L0, 32 L1, 64 L1 (3 tau2/tau1)^beta
(2 to 8 times smaller). So printed / derived lies in [2, 8] and equals 4 whenever the eps^-4 term dominates (small
eps). Readings chosen here: the expectation in the outline is conditional on w_t and telescoped with the tower
property; "with probability at least 1/2" is read as Markov's inequality on the sum of m(G_t), the only step the
outline leaves implicit; the order O(eps^-4) is unchanged.
"""

import functools
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.numbers import InputError, in_closed, json_number, positive
from insgd.theory.records import Case, Condition, Theorem, differences

L0, L1, alpha, beta, eps, tau1, tau2, Delta0 = S.L0, S.L1, S.alpha, S.beta, S.eps, S.tau1, S.tau2, S.Delta0
Tsym = S.T
fail = sp.Symbol("delta_fail", positive=True)  # the failure probability allowed to Lemma 2 over all T steps
G = sp.Symbol("G", positive=True)  # ||grad F(w)||

DELTA = tau2 / tau1
LAMBDA = Delta0 + (L0 + L1) * (1 + tau2**2 / tau1**2) ** 2 / 2
TERMS = (
    256 * LAMBDA / eps**4,
    640 * L1 / eps ** (2 - beta),
    (64 * (L0 + L1) + 128 * L1 * (3 * tau2 / tau1) ** beta) / eps**2,
)
# term_i = c_i / eps^k_i: the degrees, checked symbolically (k = -eps d/d eps log term, free of eps).
TERM_DEGREES = tuple(sp.simplify(-eps * sp.diff(sp.log(term), eps)) for term in TERMS)
assert not any(k.has(eps) for k in TERM_DEGREES)
T_BOUND = LAMBDA * sp.Max(*TERMS)  # (16): T must be >= this
TERMS_DERIVED = (
    64 * LAMBDA / eps**4,
    160 * L1 / eps ** (2 - beta),
    sp.Max(32 * L0, 32 * L1, 64 * L1 * (3 * tau2 / tau1) ** beta) / eps**2,
)
T_DERIVED = LAMBDA * sp.Max(*TERMS_DERIVED)  # the proof outline's own sufficient T (module docstring)
GAMMA = sp.Min(1 / (4 * L0), 1 / (4 * L1), 1 / sp.sqrt(Tsym), 1 / (8 * L1 * (3 * tau2 / tau1) ** beta))
B_EXPR = 2 * tau1**2
B_PRIME_EXPR = 16 * tau1**2
SAMPLES = Tsym * (S.B + S.B_prime)

# Lemma 2's failure probability at one step with batch B' (the event ||grad f_B'|| < G/2 - tau2/(2 tau1)):
# Chebyshev: the batch mean's deviation has second moment <= (tau1 G + tau2)^2 / B' and the event needs a deviation
# > (tau1 G + tau2)/(2 tau1), so P <= 4 tau1^2 / B'. Pinelis (1994, Theorem 3.5; Hilbert-space Hoeffding) with
# deviations bounded by tau1 G + tau2 (Assumption 4, almost surely): P <= 2 exp(-B' / (8 tau1^2)).
LEMMA2_CHEBYSHEV = 4 * tau1**2 / S.B_prime
LEMMA2_PINELIS = 2 * sp.exp(-S.B_prime / (8 * tau1**2))
# B' that makes Lemma 2 hold at all T steps with probability >= 1 - fail (Pinelis and a union bound)
B_PRIME_UNION = 8 * tau1**2 * sp.log(2 * Tsym / fail)

LEMMA2_PRINTED = Theorem(
    key="lemma2.printed",
    name="Lemma 2, as printed",
    source="I-NSGD paper, Section 3.3, Lemma 2, eq. (15)",
    reading="printed",
    assumptions=(A.UNBIASED, A.NOISE),
    algorithm="minibatch gradient",
    step_size=sp.Integer(0),
    parameters={"B'": B_PRIME_EXPR},
    promise="||grad f_B'(w)|| >= ||grad F(w)||/2 - tau2/(2 tau1) for all w",
    probability=sp.Integer(1),
    statement="Let Assumptions 3 and 4 hold. With batch size B = 16 tau1^2, for all w: "
    "||grad f_xi_B(w)|| >= ||grad F(w)||/2 - tau2/(2 tau1)  (15).",
)
LEMMA2_DERIVED = Theorem(
    key="lemma2.derived",
    name="Lemma 2, as its proof gives",
    source="I-NSGD paper, Lemma 2 (15), with Chebyshev's inequality; Pinelis (1994), Theorem 3.5",
    reading="derived",
    assumptions=(A.UNBIASED, A.NOISE),
    algorithm="minibatch gradient",
    step_size=sp.Integer(0),
    parameters={"B'": B_PRIME_EXPR},
    promise="||grad f_B'(w)|| >= ||grad F(w)||/2 - tau2/(2 tau1) at a given w",
    probability=1 - sp.Min(LEMMA2_CHEBYSHEV, LEMMA2_PINELIS).subs(S.B_prime, B_PRIME_EXPR),
    statement="At each w the inequality is a random event of probability >= 1 - min(4 tau1^2/B', 2 exp(-B'/(8 tau1^2))) "
    "(= 3/4 at B' = 16 tau1^2); it is not sure: the batch mean can fall short with positive probability.",
)

# Theorem 2's constants (verify/checks/binding.py): Assumption 1 in the literal form, the oracle's (tau1, tau2).
BINDS = {
    L0: ("A1.literal", "L0"),
    L1: ("A1.literal", "L1"),
    alpha: ("A1.literal", "alpha"),
    tau1: ("noise", "tau1"),
    tau2: ("noise", "tau2"),
}

THEOREM2_PRINTED = Theorem(
    key="theorem2.printed",
    name="Theorem 2 (I-NSGD), as printed",
    source="I-NSGD paper, Section 3.3, Theorem 2, eq. (16); I-NSGD eq. (13)",
    reading="printed",
    assumptions=(A.SMOOTH_LITERAL, A.UNBIASED, A.NOISE),
    algorithm="insgd",
    step_size=GAMMA,
    conditions=(Condition("0 <= beta <= 1", sp.And(sp.Le(0, beta), sp.Le(beta, 1)), "Algorithm (eq. 13)"),),
    cases={0: (Case(sp.true, T_BOUND, ">="),)},
    promise="min_{t <= T} ||grad F(w_t)|| <= eps",
    probability=sp.Rational(1, 2),
    parameters={"B": B_EXPR, "B'": B_PRIME_EXPR, "delta": DELTA, "Lambda": LAMBDA},
    measure="hit_probability",
    binds=BINDS,
    hyperparameters={"beta": beta, "batch": B_EXPR, "batch_prime": B_PRIME_EXPR, "delta": DELTA, "L1": L1},
    statement="Let Assumptions 1, 3 and 4 hold; gamma = min{1/(4L0), 1/(4L1), 1/sqrt(T), 1/(8 L1 (3 tau2/tau1)^beta)}, "
    "B = 2 tau1^2, B' = 16 tau1^2, delta = tau2/tau1. With probability at least 1/2, "
    "min_{t<=T} ||grad F(w_t)|| <= eps if T >= Lambda max{256 Lambda/eps^4, 640 L1/eps^(2-beta), "
    "(64(L0+L1) + 128 L1 (3 tau2/tau1)^beta)/eps^2}  (16).",
)
THEOREM2_DERIVED = Theorem(
    key="theorem2.derived",
    name="Theorem 2 (I-NSGD), as its proof gives",
    source="I-NSGD paper, Theorem 2 and its proof outline (17), with Lemma 2 as the random event it is",
    reading="derived",
    assumptions=(A.SMOOTH_LITERAL, A.UNBIASED, A.NOISE),
    algorithm="insgd",
    step_size=GAMMA,
    conditions=(
        Condition("0 <= beta <= 1", sp.And(sp.Le(0, beta), sp.Le(beta, 1)), "Algorithm (eq. 13)"),
        Condition(
            "alpha <= beta",
            sp.Le(alpha, beta),
            "proof step (ii): gamma L1 ||grad F||^alpha / h_t^beta <= ||grad F||^(alpha-beta)/4",
        ),
        Condition("beta > 0", sp.Gt(beta, 0), "h_t uses (4 L1 gamma)^(1/beta)"),
        Condition("Lemma 2's event at every step t <= T", where="proof step (ii), through h_t"),
    ),
    cases={0: (Case(sp.true, T_DERIVED, ">="),)},
    promise="min_{t <= T} ||grad F(w_t)|| <= eps",
    probability=sp.Rational(1, 2) - fail,
    parameters={"B": B_EXPR, "B'": sp.Max(B_PRIME_EXPR, B_PRIME_UNION), "delta": DELTA, "Lambda": LAMBDA},
    measure="hit_probability",
    binds=BINDS,
    hyperparameters={
        "beta": beta,
        "batch": B_EXPR,
        "batch_prime": sp.Max(B_PRIME_EXPR, B_PRIME_UNION),
        "delta": DELTA,
        "L1": L1,
    },
    statement="As printed, but the proof uses Lemma 2 at every step: with B' = 16 tau1^2 each step's event fails "
    "with probability up to 1/4 (Chebyshev), and nothing bounds the chance that one of T steps fails. "
    "With B' >= 8 tau1^2 log(2T/delta_fail) (Pinelis and a union bound) the promise holds with probability "
    ">= 1/2 - delta_fail. The outline's own inequalities (telescoped, Markov) already give it for "
    "T >= Lambda max{64 Lambda/eps^4, 160 L1/eps^(2-beta), max{32 L0, 32 L1, 64 L1 (3 tau2/tau1)^beta}/eps^2}, "
    "2 to 8 times below (16).",
    notes=("delta_fail is a free parameter (default 1/4 in predictions)",),
)

TERM_NAMES = ("256 Lambda/eps^4", "640 L1/eps^(2-beta)", "(64(L0+L1) + 128 L1 (3 tau2/tau1)^beta)/eps^2")
FAIL_DEFAULT = sp.Rational(1, 4)  # Lemma 2's failure probability allowed over all T steps, in predictions
PRECONDITIONS = tuple(c.text for c in THEOREM2_DERIVED.conditions if c not in THEOREM2_PRINTED.conditions)


@functools.cache
def T_order():
    """(exponent, log factor) of Theorem 2's T(eps) in 1/eps, computed from (16): Lambda is free of eps and each term
    is c_i / eps^k_i with k_i = -eps d/d eps log(term_i) free of eps (TERM_DEGREES), so T = Theta(eps^-max k_i)."""
    assert not LAMBDA.has(eps)
    b = sp.Symbol("b", positive=True)  # beta > 0 for I-NSGD
    return sp.Max(*(k.subs(beta, b) for k in TERM_DEGREES)).subs(b, beta), False


def _floats(vals, digits=60):
    """60-digit floats for evaluation: exact rational powers of large rationals make SymPy factor integers."""
    return {k: sp.Float(sp.N(v, digits), digits) for k, v in vals.items()}


def _mp(expr, dps=50):
    with mpmath.workdps(dps):
        return mpmath.mpf(sp.Float(sp.N(expr, dps), dps)._mpf_)


@dataclass
class Theorem2Prediction:
    inputs: dict
    T: object
    gamma: object
    B: int
    B_prime: int
    delta: sp.Expr
    Lambda: sp.Expr
    terms: tuple
    dominant_term: str
    samples: object
    B_prime_derived: int = 0
    probability_derived: object = None
    T_derived: object = None  # the proof outline's own T (T_DERIVED)
    warnings: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "theorem": "Theorem 2 (I-NSGD)",
            "inputs": {k: json_number(v) for k, v in self.inputs.items() if v is not None},
            "T": json_number(self.T),
            "gamma": json_number(self.gamma),
            "B": self.B,
            "B_prime": self.B_prime,
            "delta": json_number(self.delta),
            "Lambda": json_number(self.Lambda),
            "terms": [json_number(x) for x in self.terms],
            "dominant_term": self.dominant_term,
            "term_names": list(TERM_NAMES),
            "samples": json_number(self.samples),
            "preconditions": list(PRECONDITIONS),
            "differences_derived": differences(THEOREM2_PRINTED, THEOREM2_DERIVED),
            "T_derived": json_number(self.T_derived),
            "T_printed_over_derived": json_number(sp.Float(self.T) / sp.Float(self.T_derived)) if self.T_derived else None,
            "B_prime_derived": self.B_prime_derived,
            "probability_printed": json_number(THEOREM2_PRINTED.probability),
            "probability_derived": json_number(self.probability_derived),
            "warnings": self.warnings,
        }


def _values(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, alpha_v):
    b = in_closed("beta", beta_v, 0, 1)
    if b == 0:
        raise InputError("beta must satisfy 0 < beta <= 1 for I-NSGD (h_t uses 1/beta), got 0")
    vals = {
        L0: positive("L0", L0_v),
        L1: positive("L1", L1_v),
        tau1: positive("tau1", tau1_v),
        tau2: positive("tau2", tau2_v),
        beta: b,
        Delta0: positive("delta0", delta0_v),
    }
    a = in_closed("alpha", alpha_v, 0, 1) if alpha_v is not None else None
    return vals, a


def predict_insgd(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, eps_v, alpha_v=None) -> Theorem2Prediction:
    """Theorem 2's parameters and iteration bound for target eps (exact up to the final ceiling)."""
    vals, a = _values(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, alpha_v)
    e = positive("eps", eps_v)
    vals[eps] = e
    fv = _floats(vals)
    terms = tuple(term.subs(fv) for term in TERMS)
    lam = LAMBDA.subs(fv)
    mp_terms = [_mp(x) for x in terms]
    k = max(range(3), key=lambda i: mp_terms[i])
    T_real = _mp(lam) * mp_terms[k]
    dps = max(50, int(mpmath.log10(T_real)) + 20)
    with mpmath.workdps(dps):
        T_real = _mp(lam * terms[k], dps)
        T = max(1, mpmath.ceil(T_real))
        T_int = int(T) if T < mpmath.mpf(2) ** 63 else T
        B_ = max(1, int(sp.ceiling(B_EXPR.subs(vals))))
        Bp = max(1, int(sp.ceiling(B_PRIME_EXPR.subs(vals))))
        T_float = sp.Float(mpmath.nstr(T, dps), dps)
        gam = _mp(GAMMA.subs({**fv, Tsym: T_float}), dps)
        samples = T * (B_ + Bp)
        samples = int(samples) if samples < mpmath.mpf(2) ** 63 else samples
        Bp_derived = max(
            Bp, int(mpmath.ceil(_mp(B_PRIME_UNION.subs({tau1: vals[tau1], fail: FAIL_DEFAULT, Tsym: T_float}), dps)))
        )
        Td = max(1, mpmath.ceil(max(_mp(lam * t, dps) for t in (x.subs(fv) for x in TERMS_DERIVED))))
        Td = int(Td) if Td < mpmath.mpf(2) ** 63 else Td
    warnings = []
    if a is None:
        warnings.append("alpha not given: the proof's precondition alpha <= beta is not checked")
    elif a > vals[beta]:
        warnings.append(f"precondition violated: the proof needs alpha <= beta, got alpha = {a} > beta = {vals[beta]}")
    warnings.append(
        f"Lemma 2 is used as a sure inequality; at B' = {Bp} it fails at each step with probability up to "
        f"{float(min(LEMMA2_CHEBYSHEV.subs({S.B_prime: Bp, tau1: vals[tau1]}), 1)):.3g} (Chebyshev); the derived "
        f"reading needs B' = {Bp_derived} for probability {THEOREM2_DERIVED.probability.subs(fail, FAIL_DEFAULT)}"
    )
    return Theorem2Prediction(
        inputs={
            "L0": vals[L0],
            "L1": vals[L1],
            "tau1": vals[tau1],
            "tau2": vals[tau2],
            "beta": vals[beta],
            "delta0": vals[Delta0],
            "eps": e,
            "alpha": a,
        },
        T=T_int,
        gamma=gam,
        B=B_,
        B_prime=Bp,
        delta=DELTA.subs(vals),
        Lambda=lam,
        terms=terms,
        dominant_term=TERM_NAMES[k],
        samples=samples,
        B_prime_derived=Bp_derived,
        probability_derived=THEOREM2_DERIVED.probability.subs(fail, FAIL_DEFAULT),
        T_derived=Td,
        warnings=warnings,
    )


def min_eps(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, iterations=None, samples=None, alpha_v=None):
    """The smallest eps whose Theorem-2 iteration count fits the budget (iterations, or samples).

    (16) needs Lambda * term_i(eps) <= T for each i; term_i = c_i / eps^k_i is decreasing, so
    eps_min = max_i (Lambda c_i / T)^(1/k_i) -- closed form, exact.
    """
    vals, _ = _values(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, alpha_v)
    if (iterations is None) == (samples is None):
        raise InputError("give exactly one of iterations or samples")
    if samples is not None:
        per_it = max(1, int(sp.ceiling(B_EXPR.subs(vals)))) + max(1, int(sp.ceiling(B_PRIME_EXPR.subs(vals))))
        T = sp.floor(positive("samples", samples) / per_it)
        if T < 1:
            raise InputError(f"samples must allow one iteration (>= {per_it} samples per iteration), got {samples}")
    else:
        T = sp.floor(positive("iterations", iterations))
        if T < 1:
            raise InputError(f"iterations must be >= 1, got {iterations}")
    fv = _floats(vals)
    lam = LAMBDA.subs(fv)
    cands = []
    for term, k in zip(TERMS, TERM_DEGREES, strict=True):
        c_i = sp.powsimp(term * eps**k).subs(fv)
        cands.append((lam * c_i / T) ** (1 / k.subs(fv)))
    return sp.Max(*cands), int(T)


@functools.cache
def _t_numpy():
    return sp.lambdify((L0, L1, tau1, tau2, beta, Delta0, eps), T_BOUND, "numpy")


def t_grid(eps_v, L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v):
    """Theorem 2's T (smallest integer satisfying (16)) on NumPy arrays: the lambdified bound, vectorized over
    every argument (broadcast). Values beyond float64 come out as inf; use predict_insgd for single huge values."""
    import numpy as np

    with np.errstate(over="ignore"):
        return np.ceil(_t_numpy()(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, np.asarray(eps_v, float)))
