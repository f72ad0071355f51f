"""The paper's assumptions as data: each one an exact inequality over named norms.

Assumption 1 comes in three forms that the literature treats as interchangeable but are not:

* ``literal`` -- eq. (2) as printed, for all w, w' (asymmetric: the gradient at w' only);
* ``segment`` -- the symmetric form of Chen et al. (2023): the same with max ||grad f|| over [w, w'];
* ``hessian`` -- ||Hess f(w)|| <= L0 + L1 ||grad f(w)||^alpha (for twice-differentiable f).

literal => segment, and hessian => segment (integrate the Hessian along the segment); the converse
implications fail (``theory.admissibility`` shows how far apart they are).
"""

from dataclasses import dataclass

import sympy as sp

from insgd.theory import symbols as S
from insgd.theory.numbers import exact


@dataclass(frozen=True)
class Assumption:
    name: str
    source: str
    quantifier: str
    inequality: sp.Rel
    constants: tuple
    variables: tuple

    def holds(self, **values) -> bool:
        """Evaluate the inequality exactly at given numbers (keys: symbol names of constants/variables)."""
        subs = {s: exact(values[s.name]) for s in self.constants + self.variables}
        return bool(self.inequality.subs(subs))


SMOOTH_LITERAL = Assumption(
    name="Assumption 1 (literal)",
    source="eq. (2)",
    quantifier="for all w, w' in R^d",
    inequality=sp.Le(S.grad_diff, (S.L0 + S.L1 * S.grad_wp**S.alpha) * S.dist),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.grad_diff, S.grad_wp, S.dist),
)
SMOOTH_SEGMENT = Assumption(
    name="Assumption 1 (segment, symmetric)",
    source="eq. (2) with max over [w, w'] (Chen et al. 2023)",
    quantifier="for all w, w' in R^d",
    inequality=sp.Le(S.grad_diff, (S.L0 + S.L1 * S.grad_max**S.alpha) * S.dist),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.grad_diff, S.grad_max, S.dist),
)
SMOOTH_HESSIAN = Assumption(
    name="Assumption 1 (Hessian)",
    source="Hessian form (Zhang et al. 2019; Chen et al. 2023)",
    quantifier="for all w in R^d",
    inequality=sp.Le(S.hess, S.L0 + S.L1 * S.grad_w**S.alpha),
    constants=(S.L0, S.L1, S.alpha),
    variables=(S.hess, S.grad_w),
)
PL = Assumption(
    name="Assumption 2 (generalized PL)",
    source="eq. (5)",
    quantifier="for all w in R^d",
    inequality=sp.Ge(S.grad_w**S.rho / (2 * S.mu), S.gap),
    constants=(S.rho, S.mu),
    variables=(S.grad_w, S.gap),
)
UNBIASED = Assumption(
    name="Assumption 3 (unbiased stochastic gradient)",
    source="Section 3.3",
    quantifier="for all w: E[grad f_xi(w)] = grad F(w)",
    inequality=sp.Eq(S.noise * 0, 0),  # a statement about a mean: checked by Monte Carlo, not pointwise
    constants=(),
    variables=(S.noise,),
)
NOISE = Assumption(
    name="Assumption 4 (approximation error)",
    source="eq. (14)",
    quantifier="for all w, almost surely in xi",
    inequality=sp.Le(S.noise, S.tau1 * S.grad_w + S.tau2),
    constants=(S.tau1, S.tau2),
    variables=(S.noise, S.grad_w),
)

SMOOTHNESS_FORMS = {"literal": SMOOTH_LITERAL, "segment": SMOOTH_SEGMENT, "hessian": SMOOTH_HESSIAN}
ALL = (SMOOTH_LITERAL, SMOOTH_SEGMENT, SMOOTH_HESSIAN, PL, UNBIASED, NOISE)
