r"""Theorem 2 (I-NSGD) as printed, with the preconditions its proof sketch needs.

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
"""

import functools
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from insgd.theory import symbols as S
from insgd.theory.numbers import InputError, in_closed, json_number, positive

L0, L1, beta, eps, tau1, tau2, Delta0 = S.L0, S.L1, S.beta, S.eps, S.tau1, S.tau2, S.Delta0
Tsym = sp.Symbol("T", positive=True)

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
GAMMA = sp.Min(1 / (4 * L0), 1 / (4 * L1), 1 / sp.sqrt(Tsym), 1 / (8 * L1 * (3 * tau2 / tau1) ** beta))
B_EXPR = 2 * tau1**2
B_PRIME_EXPR = 16 * tau1**2
SAMPLES = Tsym * (S.B + S.B_prime)
PRECONDITIONS = (
    "alpha <= beta (proof step (ii))",
    "beta > 0 (h_t uses (4 L1 gamma)^(1/beta))",
    "Lemma 2 holds surely (it holds with probability >= 3/4 by Chebyshev)",
)


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
    dominant_term: int
    samples: object
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
            "samples": json_number(self.samples),
            "preconditions": list(PRECONDITIONS),
            "warnings": self.warnings,
        }


def _values(L0_v, L1_v, tau1_v, tau2_v, beta_v, delta0_v, alpha_v):
    b = in_closed("beta", beta_v, 0, 1)
    if b == 0:
        raise InputError("beta must satisfy 0 < beta <= 1 for I-NSGD (h_t uses 1/beta), got 0")
    vals = {L0: positive("L0", L0_v), L1: positive("L1", L1_v), tau1: positive("tau1", tau1_v),
            tau2: positive("tau2", tau2_v), beta: b, Delta0: positive("delta0", delta0_v)}
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
        gam = _mp(GAMMA.subs({**fv, Tsym: sp.Float(mpmath.nstr(T, dps), dps)}), dps)
        samples = T * (B_ + Bp)
        samples = int(samples) if samples < mpmath.mpf(2) ** 63 else samples
    warnings = []
    if a is None:
        warnings.append("alpha not given: the proof's precondition alpha <= beta is not checked")
    elif a > vals[beta]:
        warnings.append(f"precondition violated: the proof needs alpha <= beta, got alpha = {a} > beta = {vals[beta]}")
    warnings.append("Lemma 2 is used as a sure inequality; it holds with probability >= 3/4 (Chebyshev)")
    return Theorem2Prediction(
        inputs={"L0": vals[L0], "L1": vals[L1], "tau1": vals[tau1], "tau2": vals[tau2], "beta": vals[beta],
                "delta0": vals[Delta0], "eps": e, "alpha": a},
        T=T_int, gamma=gam, B=B_, B_prime=Bp, delta=DELTA.subs(vals), Lambda=lam, terms=terms,
        dominant_term=k + 1, samples=samples, warnings=warnings,
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
