"""Theorems from the literature as records, each with its exact citation and its statement as printed.

Where the source's constants could not be confirmed here, the record says so (`checkable=False`) and carries the
order only: no constant is guessed.
"""

import sympy as sp

from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.records import Case, Condition, Theorem

L, mu, t, Delta0, eps = S.L, S.mu, S.t, S.Delta0, S.eps

KARIMI2016 = Theorem(
    key="karimi2016.theorem1",
    name="GD with step 1/L under L-smoothness and PL (linear rate)",
    source="H. Karimi, J. Nutini, M. Schmidt, Linear Convergence of Gradient and Proximal-Gradient Methods Under the "
    "Polyak-Lojasiewicz Condition, ECML-PKDD 2016, Theorem 1",
    reading="printed",
    assumptions=(A.L_SMOOTH, A.PL_CLASSIC),
    algorithm="gd",
    step_size=1 / L,
    conditions=(Condition("mu <= L (implied by L-smoothness and PL)", sp.Le(mu, L), "consistency"),),
    bound={0: (1 - mu / L) ** t * Delta0},
    cases={0: (Case(sp.true, sp.log(Delta0 / eps) / -sp.log(1 - mu / L), "exact"),)},
    promise="f(x_k) - f* <= (1 - mu/L)^k (f(x_0) - f*) for every k",
    statement="Consider (1), where f has an L-Lipschitz continuous gradient, a non-empty solution set X*, and satisfies "
    "the PL inequality (3). Then the gradient method with a step-size of 1/L, x_{k+1} = x_k - (1/L) grad f(x_k), has a "
    "global linear convergence rate, f(x_k) - f* <= (1 - mu/L)^k (f(x_0) - f*).",
    binds={L: ("A1.literal", "L0"), mu: ("A2", "mu")},
    requires={"A1.literal": {"L1": 0.0}, "A2": {"rho": 2.0}},
)

ZHANG2020 = Theorem(
    key="zhang2020.clipped_gd",
    name="clipped GD under (L0, L1)-smoothness: iterations to an eps-stationary point",
    source="J. Zhang, T. He, S. Sra, A. Jadbabaie, Why Gradient Clipping Accelerates Training: A Theoretical "
    "Justification for Adaptivity, ICLR 2020, Section 4 (clipped GD)",
    reading="printed",
    assumptions=(A.SMOOTH_HESSIAN,),
    algorithm="clipped_sgd",
    step_size=sp.Symbol("eta_c", positive=True),
    cases={0: (Case(sp.true, S.L0 * Delta0 / eps**2 + S.L1**2 * Delta0 / S.L0, "O"),)},
    promise="min_k ||grad f(x_k)|| <= eps within the stated number of iterations",
    statement="Under (L0, L1)-smoothness (the Hessian form) and a bounded-below f, clipped GD with suitable eta_c and "
    "gamma reaches ||grad f|| <= eps in O(L0 (f(x0) - f*) / eps^2 + L1^2 (f(x0) - f*) / L0) iterations.",
    checkable=False,
    notes=(
        "The explicit constants of this theorem (the step sizes eta_c, gamma and the numeric factors of the "
        "iteration bound) could not be confirmed against the source in this toolkit's references; only the order "
        "is recorded, and the record is not checked.",
    ),
)

REGISTERED = (KARIMI2016, ZHANG2020)
