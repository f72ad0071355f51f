"""The paper's assumptions, defined once: each a record with its exact relation, its source and a residual.

Every other place (problem certificates and their tests, the auditor, the checks, admissibility) consumes these
records: the auditor substitutes SymPy expressions into `residual(...)` and evaluates it in intervals or at high
precision; problems and tests call `numeric()`, the same residual lambdified for NumPy (or mpmath).

The residual is >= 0 exactly where the relation holds (rhs - lhs for <=, lhs - rhs for >=, -|lhs - rhs| for =).
Its arguments are named (keywords), so that a caller cannot confuse the gradient at w with the one at w'.

Assumption 1 comes in three forms that the literature treats as interchangeable but are not:

* ``literal`` -- eq. (2) as printed, for all w, w' (asymmetric: the gradient at w' only);
* ``segment`` -- the symmetric form of Chen et al. (2023): the same with max ||grad f|| over [w, w'];
* ``hessian`` -- ||Hess f(w)|| <= L0 + L1 ||grad f(w)||^alpha (for twice-differentiable f).

literal => segment, and hessian => segment (integrate the Hessian along the segment); the converse implications
fail (``insgd.theory.admissibility`` shows how far apart they are).
"""

import functools
from dataclasses import dataclass

import sympy as sp

from insgd.theory import symbols as S
from insgd.theory.numbers import InputError, exact

# keyword name -> symbol, for every quantity an assumption relates
KEYWORDS = {
    "L": S.L,
    "L0": S.L0,
    "L1": S.L1,
    "alpha": S.alpha,
    "rho": S.rho,
    "mu": S.mu,
    "tau1": S.tau1,
    "tau2": S.tau2,
    "grad": S.grad_w,  # ||grad f(w)||
    "grad_other": S.grad_wp,  # ||grad f(w')||
    "grad_max": S.grad_max,  # max ||grad f|| over the segment [w, w']
    "grad_diff": S.grad_diff,  # ||grad f(w) - grad f(w')||
    "dist": S.dist,  # ||w - w'||
    "hess": S.hess,  # ||Hess f(w)|| (operator norm)
    "gap": S.gap,  # f(w) - f*
    "noise": S.noise,  # ||grad f_xi(w) - grad F(w)||
    "bias": S.bias,  # ||E_xi[grad f_xi(w)] - grad F(w)||
    "M": S.M,
    "M_V": S.M_V,
    "variance": S.variance,  # E_xi ||g(w, xi) - grad F(w)||^2
}
_NAME = {v: k for k, v in KEYWORDS.items()}


@dataclass(frozen=True)
class Assumption:
    key: str
    name: str
    source: str  # section and equation of the paper (or the literature)
    quantifier: str
    relation: sp.Rel
    constants: tuple  # symbols
    variables: tuple  # symbols
    how_checked: str = ""

    @property
    def arguments(self) -> tuple:
        """Keyword names of the residual, constants first."""
        return tuple(_NAME[s] for s in self.constants + self.variables)

    @functools.cached_property
    def residual_expr(self) -> sp.Expr:
        """>= 0 exactly where the relation holds."""
        r = self.relation
        if isinstance(r, sp.Le) or isinstance(r, sp.Lt):
            return r.rhs - r.lhs
        if isinstance(r, sp.Ge) or isinstance(r, sp.Gt):
            return r.lhs - r.rhs
        return -sp.Abs(r.lhs - r.rhs)

    def _subs(self, values: dict) -> dict:
        missing = set(self.arguments) - set(values)
        extra = set(values) - set(self.arguments)
        if missing or extra:
            raise TypeError(
                f"{self.name} takes {', '.join(self.arguments)}; missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        return {KEYWORDS[k]: sp.sympify(v) if not isinstance(v, sp.Basic) else v for k, v in values.items()}

    def residual(self, **values) -> sp.Expr:
        """The residual with SymPy values (numbers or expressions, e.g. ``grad=Abs(f'(w))``) substituted."""
        return self.residual_expr.xreplace(self._subs(values))

    def holds(self, **values) -> bool:
        """The relation, decided exactly at given numbers (floats are read as the rationals they round)."""
        v = self.residual(**{k: exact(x) for k, x in values.items()})
        if not v.is_number:
            raise InputError(f"{self.name}: holds() needs numbers for {', '.join(self.arguments)}")
        return bool(v >= 0)

    def numeric(self, module="numpy"):
        """The residual as a function of keyword arrays (NumPy, or 'mpmath' for high precision)."""
        return _lambdified(self, module)


@functools.cache
def _lambdified(a: Assumption, module: str):
    f = sp.lambdify([KEYWORDS[k] for k in a.arguments], a.residual_expr, module)

    def residual(**values):
        a._subs(values)  # names checked
        return f(*(values[k] for k in a.arguments))

    residual.__doc__ = f"residual of {a.name}: {a.residual_expr} (>= 0 where it holds)"
    return residual


SMOOTH_LITERAL = Assumption(
    key="A1.literal",
    name="Assumption 1 (literal)",
    source="Section 2, Assumption 1, eq. (2)",
    quantifier="for all w, w' in R^d",
    relation=sp.Le(S.grad_diff, (S.L0 + S.L1 * S.grad_wp**S.alpha) * S.dist),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.grad_diff, S.grad_wp, S.dist),
    how_checked="auditor: pairs (w, w') re-checked in 60-digit intervals; problems: closed forms",
)
SMOOTH_SEGMENT = Assumption(
    key="A1.segment",
    name="Assumption 1 (segment, symmetric)",
    source="eq. (2) with the max over [w, w'] (Chen et al. 2023, Definition 1)",
    quantifier="for all w, w' in R^d",
    relation=sp.Le(S.grad_diff, (S.L0 + S.L1 * S.grad_max**S.alpha) * S.dist),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.grad_diff, S.grad_max, S.dist),
    how_checked="auditor: implied by the Hessian form on a cover (sufficient), refuted by pairs",
)
SMOOTH_HESSIAN = Assumption(
    key="A1.hessian",
    name="Assumption 1 (Hessian)",
    source="Hessian form (Zhang et al. 2020, Definition 1; Chen et al. 2023)",
    quantifier="for all w in R^d",
    relation=sp.Le(S.hess, S.L0 + S.L1 * S.grad_w**S.alpha),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.hess, S.grad_w),
    how_checked="auditor: interval branch and bound over the region",
)
PL = Assumption(
    key="A2",
    name="Assumption 2 (generalized PL)",
    source="Section 2, Assumption 2, eq. (5)",
    quantifier="for all w in R^d",
    relation=sp.Ge(S.grad_w**S.rho / (2 * S.mu), S.gap),
    constants=(S.rho, S.mu),
    variables=(S.grad_w, S.gap),
    how_checked="auditor: interval branch and bound with a certified f*; exact root isolation for polynomials",
)
UNBIASED = Assumption(
    key="A3",
    name="Assumption 3 (unbiased stochastic gradient)",
    source="Section 3.3, Assumption 3",
    quantifier="for all w: E_xi[grad f_xi(w)] = grad F(w)",
    relation=sp.Eq(S.bias, 0),
    constants=(),
    variables=(S.bias,),
    how_checked="a statement about a mean: Monte Carlo with a confidence bound (tests of the oracles)",
)
NOISE = Assumption(
    key="A4",
    name="Assumption 4 (approximation error)",
    source="Section 3.3, Assumption 4, eq. (14)",
    quantifier="for all w, almost surely in xi",
    relation=sp.Le(S.noise, S.tau1 * S.grad_w + S.tau2),
    constants=(S.tau1, S.tau2),
    variables=(S.noise, S.grad_w),
    how_checked="synthetic oracle: holds by construction, tight; finite sums: estimated over the samples",
)

SMOOTHNESS_FORMS = {"literal": SMOOTH_LITERAL, "segment": SMOOTH_SEGMENT, "hessian": SMOOTH_HESSIAN}
ALL = (SMOOTH_LITERAL, SMOOTH_SEGMENT, SMOOTH_HESSIAN, PL, UNBIASED, NOISE)
BY_KEY = {a.key: a for a in ALL}


# -- assumptions of other theorems (the literature), in the same form ---------------------------------------------
L_SMOOTH = Assumption(
    key="L-smooth",
    name="L-smoothness (Lipschitz gradient)",
    source="standard; Karimi, Nutini and Schmidt (2016), eq. (1)",
    quantifier="for all w, w' in R^d",
    relation=sp.Le(S.grad_diff, S.L * S.dist),
    constants=(S.L,),
    variables=(S.grad_diff, S.dist),
    how_checked="as Assumption 1 (literal) with L1 = 0: L = L0",
)
PL_CLASSIC = Assumption(
    key="PL",
    name="Polyak-Lojasiewicz inequality",
    source="Karimi, Nutini and Schmidt (2016), eq. (3): (1/2)||grad f(w)||^2 >= mu (f(w) - f*)",
    quantifier="for all w in R^d",
    relation=sp.Ge(S.grad_w**2 / 2, S.mu * S.gap),
    constants=(S.mu,),
    variables=(S.grad_w, S.gap),
    how_checked="as Assumption 2 with rho = 2 (the same mu)",
)
VARIANCE = Assumption(
    key="variance",
    name="bounded variance of an unbiased stochastic gradient",
    source="Bottou, Curtis and Nocedal (2018), Assumption 4.3 (b)-(c) with an unbiased oracle (mu = mu_G = 1): "
    "V_xi[g(w, xi)] <= M + M_V ||grad F(w)||^2",
    quantifier="for all w in R^d (the oracle's minibatch mean, at the batch size of the run)",
    relation=sp.Le(S.variance, S.M + S.M_V * S.grad_w**2),
    constants=(S.M, S.M_V),
    variables=(S.variance, S.grad_w),
    how_checked="synthetic oracle: exact, V = (tau2^2 + tau1^2 ||grad F||^2) / batch (insgd.numerics.oracles.NoiseOracle."
    "variance; Monte Carlo test); finite sums: not certified",
)
ALL = ALL + (L_SMOOTH, PL_CLASSIC, VARIANCE)
BY_KEY = {a.key: a for a in ALL}
