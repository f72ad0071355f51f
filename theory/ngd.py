r"""Theorem 1 (NGD under Assumptions 1 and 2): as the paper states it, and as its own proof gives.

NGD (eq. 4): w_{t+1} = w_t - gamma grad f(w_t) / ||grad f(w_t)||^beta, gamma = (2 mu eps)^(beta/rho) / (8(L0+L1)+1).

Derivation (what the proof's ingredients give)
----------------------------------------------
Write G = ||grad f(w_t)||, Delta_t = f(w_t) - f*. Lemma 1 with w' = w_t, w = w_{t+1}:

    Delta_{t+1} <= Delta_t - gamma G^(2-beta) [1 - (gamma/2)(L0 G^-beta + L1 G^(alpha-beta))].

While Delta_t > eps, PL gives G^rho >= 2 mu Delta_t > 2 mu eps, so gamma G^-beta < 1/(8(L0+L1)+1).
If G >= 1 then G^(alpha-beta) <= 1 **because alpha <= beta**, and G^-beta <= 1; if G < 1 then
G^(alpha-beta) <= G^-beta. Hence gamma (L0 G^-beta + L1 G^(alpha-beta)) <= theta with

    theta = (L0+L1) max(1, (2 mu eps)^(beta/rho)) / (8(L0+L1)+1)   (= (L0+L1)/(8(L0+L1)+1) < 1/8 when 2 mu eps <= 1)

and kappa = 1 - theta/2 in (15/16, 1] when 2 mu eps <= 1. With PL again, G^(2-beta) >= (2 mu Delta_t)^q:

    Delta_{t+1} <= Delta_t - a Delta_t^q,   q = (2-beta)/rho,   a = c gamma,   c = kappa (2 mu)^q.    (R)

Solving (R) (mean-value bound on x^(1-q) between Delta_{t+1} and Delta_t):
  * q > 1 (rho < 2-beta):  Delta_t <= (Delta_0^(1-q) + (q-1) a t)^(-1/(q-1))              (sublinear)
  * q = 1 (rho = 2-beta):  Delta_t <= (1-a)^t Delta_0                                      (linear)
  * q < 1 (rho > 2-beta):  Delta_t <= max(0, Delta_0^(1-q) - (1-q) a t)^(1/(1-q))          (finite time)
each valid for every t up to the first t with Delta_t <= eps. T(eps) is the first t at which the
right-hand side is <= eps. Conditions the derivation needs: alpha <= beta; Lemma 1 along every
step, which eq. (2) gives directly and the segment/Hessian forms only with ||grad f(w')|| replaced
by the max over the step; Assumptions 1 and 2 on a region containing the iterates (globally they
force rho >= 2 - alpha, see theory.admissibility); theta < 2 (automatic when 2 mu eps <= 1).
"""

import functools
from dataclasses import dataclass, field

import sympy as sp

from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.admissibility import HYPOTHESES, admissible_forms
from insgd.theory.asymptotics import order_in_inverse_eps
from insgd.theory.numbers import (
    InputError,
    ceil_int_or_mpf,
    exact,
    formula_text,
    in_closed,
    json_number,
    nonnegative,
    positive,
)
from insgd.theory.records import Case, Condition, Theorem, differences

L0, L1, alpha, beta, rho, mu, eps, t, Delta0, gamma = (
    S.L0,
    S.L1,
    S.alpha,
    S.beta,
    S.rho,
    S.mu,
    S.eps,
    S.t,
    S.Delta0,
    S.gamma,
)
T0 = sp.Symbol("T_0", positive=True)
DIGITS = 50
Delta_T0 = sp.Symbol("Delta_{T_0}", positive=True)
q_, a_ = sp.Symbol("q", positive=True), sp.Symbol("a", positive=True)  # the recursion's exponent and coefficient

GAMMA = (2 * mu * eps) ** (beta / rho) / (8 * (L0 + L1) + 1)
Q = (2 - beta) / rho
THETA = (L0 + L1) * sp.Max(1, (2 * mu * eps) ** (beta / rho)) / (8 * (L0 + L1) + 1)
KAPPA = 1 - THETA / 2
C = KAPPA * (2 * mu) ** Q
REGIMES = {
    1: ("sublinear", sp.Lt(rho, 2 - beta)),
    2: ("linear", sp.Eq(rho, 2 - beta)),
    3: ("rho > 2 - beta", sp.Gt(rho, 2 - beta)),
}

# Theorem 1's constants from a problem's certificates (verify/checks/binding.py): Assumption 1 in the literal form
# (the derivation needs Lemma 1), the largest certified rho with its mu; beta is the caller's choice.
BINDS = {L0: ("A1.literal", "L0"), L1: ("A1.literal", "L1"), alpha: ("A1.literal", "alpha"), rho: ("A2", "rho"), mu: ("A2", "mu")}

THEOREM1_PRINTED = Theorem(
    key="theorem1.printed",
    name="Theorem 1 (NGD), as printed",
    source="I-NSGD paper, Section 2, Theorem 1; NGD eq. (4), rates eqs. (6)-(8)",
    reading="printed",
    assumptions=(A.SMOOTH_LITERAL, A.PL),
    algorithm="ngd",
    step_size=GAMMA,
    conditions=(
        Condition("alpha <= beta", sp.Le(alpha, beta), "statement"),
        Condition("beta <= 1", sp.Le(beta, 1), "statement"),
        Condition(
            "regime 2: choose eps such that gamma < 2/mu",
            sp.Or(sp.Ne(rho, 2 - beta), sp.Lt(GAMMA, 2 / mu)),
            "statement, second bullet",
        ),
    ),
    regimes=REGIMES,
    bound={
        1: (rho / ((2 - beta - rho) * gamma * t)) ** (rho / (2 - rho - beta)),  # eq. (6)
        2: (1 - gamma * mu / 2) ** t,  # eq. (7)
        # eq. (8); the printed exponent "rho/(2-beta) t - T0" is read as (rho/(2-beta))^(t - T0).
        3: (Delta_T0 / gamma ** (rho / (rho + beta - 2))) ** ((rho / (2 - beta)) ** (t - T0)),
    },
    bound_kind="O",
    binds=BINDS,
    hyperparameters={"beta": beta},
    cases={
        1: (
            Case(sp.And(2 - 2 * beta < rho, rho < 2 - beta), (1 / eps) ** (beta / rho), "O"),
            Case(sp.And(0 < rho, rho <= 2 - 2 * beta), (1 / eps) ** ((2 - rho - beta) / rho), "O"),
        ),
        2: (Case(sp.true, (1 / eps) ** (beta / rho) * sp.log(1 / eps), "O"),),
        3: (Case(sp.true, sp.log((1 / eps) ** (beta / (rho + beta - 2))), "Omega"),),
    },
    promise="Delta_t <= eps once t >= T (regime 3: T iterations after some T0)",
    statement="Let Assumptions 1 and 2 hold, gamma = (2 mu eps)^(beta/rho)/(8(L0+L1)+1), alpha <= beta <= 1. "
    "rho < 2-beta: Delta_t = O((rho/((2-beta-rho) gamma t))^(rho/(2-rho-beta))) (6); rho = 2-beta: "
    "Delta_t = O((1 - gamma mu/2)^t) (7); rho > 2-beta: superlinear after T0 (8).",
)

THEOREM1_DERIVED = Theorem(
    key="theorem1.derived",
    name="Theorem 1 (NGD), as its proof gives",
    source="I-NSGD paper, Section 2, Theorem 1, re-derived from Lemma 1 and eq. (5) (insgd.theory.ngd docstring)",
    reading="derived",
    assumptions=(A.SMOOTH_LITERAL, A.PL),
    algorithm="ngd",
    step_size=GAMMA,
    conditions=(
        Condition("alpha <= beta", sp.Le(alpha, beta), "bounds L1 G^(alpha-beta) for G >= 1"),
        Condition("beta <= 1", sp.Le(beta, 1), "statement"),
        Condition("theta < 2 (automatic when 2 mu eps <= 1)", sp.Lt(THETA, 2), "kappa = 1 - theta/2 > 0"),
        Condition(
            "Lemma 1 along each step (eq. 2 literal; segment/Hessian forms need the max over the step)", where="descent step"
        ),
        Condition("Assumptions 1 and 2 hold on a region containing the iterates", where="every step"),
        Condition("the bounds hold up to the first t with Delta_t <= eps", where="PL used with Delta_t > eps"),
    ),
    regimes=REGIMES,
    bound={
        1: (Delta0 ** (1 - q_) + (q_ - 1) * a_ * t) ** (-1 / (q_ - 1)),
        2: (1 - a_) ** t * Delta0,
        3: sp.Max(0, Delta0 ** (1 - q_) - (1 - q_) * a_ * t) ** (1 / (1 - q_)),
    },
    cases={
        1: (Case(sp.true, (eps ** (1 - q_) - Delta0 ** (1 - q_)) / ((q_ - 1) * a_), "exact"),),
        2: (Case(sp.true, sp.log(Delta0 / eps) / -sp.log(1 - a_), "exact"),),
        3: (Case(sp.true, (Delta0 ** (1 - q_) - eps ** (1 - q_)) / ((1 - q_) * a_), "exact"),),
    },
    promise="Delta_t <= bound(t) for every t up to the first t with Delta_t <= eps; T(eps) = ceil(T)",
    parameters={"q": Q, "a": C * GAMMA, "c": C, "kappa": KAPPA, "theta": THETA},
    binds=BINDS,
    hyperparameters={"beta": beta},
    horizon="until eps",
    statement="Delta_{t+1} <= Delta_t - a Delta_t^q with q = (2-beta)/rho, a = kappa (2 mu)^q gamma, solved per regime.",
)


def derived_bound(regime: int, q=None, a=None):
    """Delta_t <= derived_bound(t) in the given regime (q, a default to the symbolic q and c gamma)."""
    return THEOREM1_DERIVED.bound[regime].subs({q_: Q if q is None else q, a_: C * GAMMA if a is None else a})


def derived_T(regime: int, q=None, a=None):
    """Real t at which derived_bound(t) = eps (T(eps) is its ceiling; 0 if Delta0 <= eps)."""
    return THEOREM1_DERIVED.cases[regime][0].T.subs({q_: Q if q is None else q, a_: C * GAMMA if a is None else a})


NEAR = sp.Rational(1, 1000)  # inputs this close to a boundary are likely a rounded fraction (0.6667 for 2/3)


def near_boundary(alpha_v, beta_v, rho_v) -> list:
    """Inputs within NEAR of a decision boundary (rho = 2 - beta, alpha = beta) but not on it: both classifications,
    so that a rounded 2/3 does not silently decide the regime."""
    a, b, r = exact(alpha_v), exact(beta_v), exact(rho_v)
    out = []
    d = r - (2 - b)
    if d != 0 and abs(d) <= NEAR:
        k = regime_of(b, r)
        out.append(
            {
                "boundary": "rho = 2 - beta",
                "distance": d,
                "classification_as_given": k,
                "classification_on_boundary": 2,
                "warning": f"rho - (2 - beta) = {sp.N(d, 3)}: within {NEAR} of the regime boundary; as given this is "
                f"regime {k}, on the boundary (rho = 2 - beta exactly) regime 2. Give exact fractions "
                "(e.g. 2/3, 4/3) if the boundary is meant",
            }
        )
    d = b - a
    if d != 0 and abs(d) <= NEAR:
        out.append(
            {
                "boundary": "alpha = beta",
                "distance": d,
                "classification_as_given": "alpha <= beta" if d > 0 else "alpha > beta",
                "classification_on_boundary": "alpha = beta",
                "warning": f"beta - alpha = {sp.N(d, 3)}: within {NEAR} of alpha = beta, the condition Theorem 1 "
                f"needs; as given it {'holds' if d > 0 else 'fails'}. Give exact fractions if equality is meant",
            }
        )
    return out


def regime_of(beta_v, rho_v) -> int:
    """Theorem 1's regime at (beta, rho), decided exactly from the record's regime relations."""
    return THEOREM1_DERIVED.regime({beta: exact(beta_v), rho: exact(rho_v)})


@functools.cache
def gamma_order():
    """The exponent e of 1/gamma = Theta(eps^-e), computed from the step-size rule (beta/rho)."""
    b = sp.Symbol("b", positive=True)
    e, _ = order_in_inverse_eps((1 / GAMMA).subs(beta, b))
    return e.subs(b, beta)


def explain_orders(printed, derived, gamma_exp) -> str:
    """Why the printed and derived T(eps) differ, computed from their orders: '' when they agree."""
    (e_pap, log_pap, kind, expr), (e_der, log_der) = printed, derived
    der = f"T = O(eps^-{e_der}{' log(1/eps)' if log_der else ''})"
    if e_pap is None:
        return f"printed: T = {kind}({formula_text(expr)}) iterations after an unspecified T0, no O(eps^-e) bound; derived: {der}"
    if sp.simplify(e_pap - e_der) == 0 and log_pap == log_der:
        return ""
    pap = f"T = O(eps^-{e_pap}{' log(1/eps)' if log_pap else ''})"
    diff = sp.simplify(e_der - e_pap)
    why = f"printed: {pap}; derived: {der}; the exponents differ by {diff}"
    if diff != 0 and sp.simplify(diff - gamma_exp) == 0:
        why += f", which is the eps-exponent of 1/gamma ({gamma_exp}): the printed T does not count gamma's dependence on eps"
    elif log_pap != log_der:
        why += "; the log factors differ"
    return why


def _small_eps(expr):
    """Asymptotic form as eps -> 0: max(1, (2 mu eps)^(beta/rho)) = 1 once eps <= 1/(2 mu)."""
    return expr.replace(lambda e: isinstance(e, sp.Max), lambda e: sp.Integer(1))


@functools.cache
def symbolic_orders() -> dict:
    """Per regime, the derived T exponent as a function of (beta, rho), computed by SymPy limits.

    The sign of q - 1 is made explicit by writing q = 1 + s (regime 1) or q = 1 - s (regime 3)
    with s > 0 (and beta > 0), so that SymPy can decide which term dominates; the exponent is then
    mapped back with s = |q - 1|. In regime 2 the result holds on the line rho = 2 - beta.
    """
    s = sp.Symbol("s", positive=True)
    b = sp.Symbol("b", positive=True)
    A = sp.Symbol("A", positive=True)  # the eps-free factor of a = c gamma = A eps^(beta/rho)
    out = {}
    for k, qk, back in ((1, 1 + s, Q - 1), (2, sp.Integer(1), 0), (3, 1 - s, 1 - Q)):
        a = _small_eps(KAPPA * (2 * mu) ** qk * GAMMA).subs(beta, b)
        A_k = sp.powsimp(sp.expand_power_base(a * eps ** (-b / rho), force=True), force=True)
        assert not A_k.has(eps), A_k
        e, log = order_in_inverse_eps(derived_T(k, q=qk, a=A * eps ** (b / rho)))
        out[k] = (sp.simplify(e.subs(s, back).subs(b, beta)), log)
    return out


@functools.cache
def paper_orders() -> dict:
    """Exponent and log factor of each printed T = O(.) of Theorem 1, as functions of (beta, rho).

    Keys (regime, case) follow THEOREM1_PRINTED.cases; regime 3 has no O(eps^-e) statement (None). Computed once
    by SymPy limits with the same reparametrization as `symbolic_orders`.
    """
    s = sp.Symbol("s", positive=True)
    b = sp.Symbol("b", positive=True)
    out = {}
    for k, cases in THEOREM1_PRINTED.cases.items():
        for i, case in enumerate(cases):
            expr, kind = case.T, case.kind
            if kind != "O":
                out[(k, i)] = (None, None)
                continue
            if (k, i) == (1, 1):  # exponent (2 - rho - beta)/rho > 0 in this case: write it as s > 0
                e, log = order_in_inverse_eps(expr.subs(beta, 2 - rho - s * rho))
                e = e.subs(s, (2 - rho - beta) / rho)
            else:
                e, log = order_in_inverse_eps(expr.subs(beta, b))
                e = e.subs(b, beta)
            out[(k, i)] = (sp.simplify(e), log)
    return out


@dataclass
class NGDPrediction:
    inputs: dict
    regime: int
    q: sp.Expr
    gamma: sp.Expr
    kappa: sp.Expr
    c: sp.Expr
    T_exponent_paper: sp.Expr | None
    T_log_factor_paper: bool | None
    T_paper_statement: str
    T_exponent_derived: sp.Expr
    T_log_factor_derived: bool
    T_derived: object | None
    bound_derived: sp.Expr
    rate_paper: sp.Expr
    paper_agrees: bool
    disagreement: str
    admissible: dict
    warnings: list = field(default_factory=list)
    near_boundary: list = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "theorem": "Theorem 1 (NGD)",
            "inputs": {k: json_number(v) if v is not None else None for k, v in self.inputs.items()},
            "regime": self.regime,
            "regime_name": REGIMES[self.regime][0],
            "q": json_number(self.q),
            "gamma": json_number(self.gamma),
            "kappa": json_number(self.kappa),
            "c": json_number(self.c),
            "T_exponent_paper": json_number(self.T_exponent_paper),
            "T_log_factor_paper": self.T_log_factor_paper,
            "T_paper_statement": self.T_paper_statement,
            "T_exponent_derived": json_number(self.T_exponent_derived),
            "T_log_factor_derived": self.T_log_factor_derived,
            "T_derived": json_number(self.T_derived),
            "bound_derived": str(sp.N(self.bound_derived, 10)),
            "rate_paper": str(sp.N(self.rate_paper, 10)),
            "paper_agrees": self.paper_agrees,
            "disagreement": self.disagreement,
            "admissible": self.admissible,
            "admissibility_hypotheses": HYPOTHESES,
            "conditions_derived": [c.text for c in THEOREM1_DERIVED.conditions],
            "differences": differences(THEOREM1_PRINTED, THEOREM1_DERIVED),
            "warnings": self.warnings,
            "near_boundary": [
                {k: json_number(v) if isinstance(v, sp.Basic) else v for k, v in n.items()} for n in self.near_boundary
            ],
        }


def predict_ngd(L0_v, L1_v, alpha_v, beta_v, rho_v, mu_v, eps_v, delta0=None) -> NGDPrediction:
    """Theorem 1's prediction for given constants, both as printed and as derived."""
    a_ = in_closed("alpha", alpha_v, 0, 1)
    b_ = in_closed("beta", beta_v, a_, 1, lo_name="alpha")
    vals = {
        L0: positive("L0", L0_v),
        L1: nonnegative("L1", L1_v),
        alpha: a_,
        beta: b_,
        rho: positive("rho", rho_v),
        mu: positive("mu", mu_v),
        eps: positive("eps", eps_v),
    }
    d0 = positive("delta0", delta0) if delta0 is not None else None
    k = regime_of(b_, vals[rho])
    near = near_boundary(a_, b_, vals[rho])
    q = Q.subs(vals)
    # Numbers are evaluated in 50-digit floats: exact rational powers of rationals with large terms make
    # SymPy factor big integers. Decisions (regime, orders, agreement) stay exact.
    fv = {s_: sp.Float(sp.N(v, DIGITS), DIGITS) for s_, v in vals.items()}
    gam = GAMMA.subs(fv)
    warnings = [n["warning"] for n in near]
    if vals[L1] == 0:
        warnings.append("L1 = 0: the classical L-smooth case; the statement asks L1 > 0, the derivation holds with L1 = 0")
    theta = THETA.subs(fv)
    if theta >= 2:
        raise InputError(f"eps is too large for the derivation: theta = {sp.N(theta, 6)} must be < 2")
    if 2 * vals[mu] * vals[eps] > 1:
        warnings.append("2*mu*eps > 1: kappa uses the general theta; the printed gamma is not small")
    if not admissible_forms(a_, vals[rho])["segment"] and not admissible_forms(a_, vals[rho])["literal"]:
        warnings.append(
            "no non-constant function satisfies Assumptions 1 and 2 globally with these (alpha, rho) "
            f"({HYPOTHESES}); the prediction applies only to constants certified on a region"
        )

    # Orders: SymPy limits on the symbolic expressions (computed once), evaluated at these (beta, rho).
    consts = {s_: v for s_, v in fv.items() if s_ is not eps}
    br = {beta: b_, rho: vals[rho]}
    e_der, log_der = symbolic_orders()[k]
    e_der = e_der.subs(br)
    case, pcase = THEOREM1_PRINTED.case(k, vals)
    expr, kind = pcase.T.subs(br), pcase.kind
    paper_txt = f"T = {kind}({formula_text(expr)})" + (" iterations after some T0" if k == 3 else "")
    e_pap, log_pap = paper_orders()[(k, case)]
    e_pap = None if e_pap is None else e_pap.subs(br)
    rate_paper = THEOREM1_PRINTED.bound[k].subs(consts).subs(gamma, gam)
    why = explain_orders((e_pap, log_pap, kind, expr), (e_der, log_der), gamma_order().subs(br))
    agrees = why == ""
    if k == 2 and not gam < 2 / vals[mu]:
        warnings.append("regime 2: the paper's condition gamma < 2/mu fails for this eps")

    a_num = (C * GAMMA).subs(fv)
    if k == 2 and a_num >= 1:
        warnings.append("regime 2: a = c*gamma >= 1, the recursion gives Delta_1 <= 0 (constants inconsistent)")
    T_val = None
    bound = derived_bound(k, q=sp.Float(q, DIGITS), a=a_num)
    if d0 is not None:
        bound = bound.subs(Delta0, sp.Float(d0, DIGITS))
        if d0 <= vals[eps]:
            T_val = 0
        elif k == 2 and a_num >= 1:
            T_val = 1
        else:
            T_expr = derived_T(k, q=sp.Float(q, DIGITS), a=a_num)
            T_val = ceil_int_or_mpf(T_expr.subs({Delta0: sp.Float(d0, DIGITS), eps: fv[eps]}))
    return NGDPrediction(
        inputs={
            "L0": vals[L0],
            "L1": vals[L1],
            "alpha": a_,
            "beta": b_,
            "rho": vals[rho],
            "mu": vals[mu],
            "eps": vals[eps],
            "delta0": d0,
        },
        regime=k,
        q=q,
        gamma=gam,
        kappa=KAPPA.subs(fv),
        c=C.subs(fv),
        T_exponent_paper=e_pap,
        T_log_factor_paper=log_pap,
        T_paper_statement=paper_txt,
        T_exponent_derived=e_der,
        T_log_factor_derived=log_der,
        T_derived=T_val,
        bound_derived=bound,
        rate_paper=rate_paper,
        paper_agrees=agrees,
        disagreement=why,
        admissible=admissible_forms(a_, vals[rho]),
        warnings=warnings,
        near_boundary=near,
    )
