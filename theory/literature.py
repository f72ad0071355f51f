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
    # T(eps) inverts the bound; at mu = L the contraction factor is 0 and the inversion gives 0, but Delta_0 > eps
    # needs one step: hence the Max (one more step never breaks the promise)
    cases={0: (Case(sp.true, sp.Max(1, sp.log(Delta0 / eps) / -sp.log(1 - mu / L)), "exact"),)},
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

gamma, M, M_V = S.gamma, S.M, S.M_V
_STEP_BCN = 1 / (L * (1 + M_V))  # mu / (L M_G) with mu = mu_G = 1 (unbiased oracle) and M_G = M_V + mu_G^2
BOTTOU2018 = Theorem(
    key="bottou2018.theorem4_8",
    name="SGD with a fixed step under L-smoothness and bounded variance: mean squared gradient norm",
    source="L. Bottou, F. E. Curtis, J. Nocedal, Optimization Methods for Large-Scale Machine Learning, SIAM Review "
    "60(2), 2018, Theorem 4.8 (nonconvex objective, fixed stepsize), under Assumptions 4.1 and 4.3",
    reading="printed",
    assumptions=(A.L_SMOOTH, A.UNBIASED, A.VARIANCE),
    algorithm="sgd",
    step_size=_STEP_BCN,
    conditions=(
        Condition(
            "fixed step 0 < alpha <= mu / (L M_G), M_G = M_V + mu_G^2; an unbiased oracle has mu = mu_G = 1 "
            "(checked at the largest step allowed, alpha = 1 / (L (1 + M_V)))",
            None,
            "Theorem 4.8",
        ),
        Condition("F bounded below by F_inf (here F_inf = f*, so F(w_1) - F_inf = Delta_0)", None, "Assumption 4.3 (a)"),
    ),
    bound={0: (gamma * L * M + 2 * Delta0 / (t * gamma)).subs(gamma, _STEP_BCN)},
    measure="mean_sq_grad",
    promise="E[(1/K) sum_{k=1}^{K} ||grad F(w_k)||^2] <= alpha L M / mu + 2 (F(w_1) - F_inf) / (K mu alpha) for every K",
    statement="Under Assumptions 4.1 (L-Lipschitz gradient) and 4.3 (F bounded below by F_inf; first and second "
    "moment limits with constants mu, mu_G, M, M_V, M_G = M_V + mu_G^2), SG run with a fixed stepsize "
    "0 < alpha <= mu / (L M_G) satisfies E[sum_{k=1}^{K} ||grad F(w_k)||^2] <= K alpha L M / mu + "
    "2 (F(w_1) - F_inf) / (mu alpha), hence E[(1/K) sum_{k=1}^{K} ||grad F(w_k)||^2] <= alpha L M / mu + "
    "2 (F(w_1) - F_inf) / (K mu alpha).",
    notes=(
        "The statement was confirmed against a transcription of the theorem (notes on arXiv:1606.04838), not the "
        "primary text, which is not among this toolkit's references; its constants were re-derived: by the descent "
        "lemma, unbiasedness and V[g] <= M + M_V ||grad F||^2, E f(w_{k+1}) <= f(w_k) - alpha ||grad F||^2 + "
        "(L alpha^2 / 2)((1 + M_V) ||grad F||^2 + M) <= f(w_k) - (alpha / 2) ||grad F||^2 + L alpha^2 M / 2 when "
        "alpha <= 1 / (L (1 + M_V)); summing over k = 1..K gives the bound, the same constants.",
        "The noise assumption maps onto the synthetic oracle (insgd.numerics.oracles.NoiseOracle.variance): "
        "M = tau2^2 / batch and M_V = tau1^2 / batch, exactly.",
    ),
    binds={L: ("A1.literal", "L0"), M: ("variance", "M"), M_V: ("variance", "M_V")},
    requires={"A1.literal": {"L1": 0.0}},
)

GD_STATIONARITY = Theorem(
    key="gd.stationarity.derived",
    name="GD with step 1/L under L-smoothness: best gradient norm after t steps",
    source="the descent inequality f(x_{k+1}) <= f(x_k) - h (1 - h L / 2) ||grad f(x_k)||^2 of GD with step h under "
    "L-smoothness (Y. Nesterov, Lectures on Convex Optimization, 2nd ed., Springer 2018, Section 1.2.3), summed over "
    "k = 0..t with h = 1/L",
    reading="derived",
    assumptions=(A.L_SMOOTH,),
    algorithm="gd",
    step_size=1 / L,
    bound={0: sp.sqrt(2 * L * Delta0 / (t + 1))},
    cases={0: (Case(sp.true, 2 * L * Delta0 / eps**2 - 1, "exact"),)},
    measure="min_grad_norm",
    promise="min_{0 <= k <= t} ||grad f(x_k)|| <= sqrt(2 L (f(x_0) - f*) / (t + 1)) for every t",
    statement="With h = 1/L the descent inequality gives f(x_k) - f(x_{k+1}) >= ||grad f(x_k)||^2 / (2L); summing "
    "over k = 0..t, (t + 1) min_k ||grad f(x_k)||^2 <= 2 L (f(x_0) - f*).",
    notes=(
        "A derivation from the quoted descent inequality, not a printed theorem; the equation number of the "
        "summed form in the source is not confirmed here.",
    ),
    binds={L: ("A1.literal", "L0")},
    requires={"A1.literal": {"L1": 0.0}},
)

CHEN2023 = Theorem(
    key="chen2023.beta_gd",
    name="normalized (beta-)GD under alpha-symmetric generalized smoothness: O(eps^-2) iterations",
    source="Z. Chen, Y. Zhou, Y. Liang, Z. Lu, Generalized-Smooth Nonconvex Optimization is As Efficient As Smooth "
    "Nonconvex Optimization, ICML 2023 (arXiv:2303.02854); the order as stated in its abstract and restated in the "
    "I-NSGD paper, Section 2 (after eq. (4))",
    reading="printed",
    assumptions=(A.SMOOTH_SEGMENT,),
    algorithm="ngd",
    step_size=S.gamma,
    conditions=(Condition("beta in [alpha, 1] and a proper learning rate gamma (not specified in the sources here)"),),
    cases={0: (Case(sp.true, eps**-2, "O"),)},
    promise="an eps-stationary point (||grad f|| <= eps) within O(eps^-2) iterations",
    statement="beta-GD, w_{t+1} = w_t - gamma grad f(w_t) / ||grad f(w_t)||^beta, with a proper gamma and "
    "beta in [alpha, 1] finds an eps-stationary point within O(eps^-2) iterations.",
    checkable=False,
    notes=(
        "The theorem's learning rate and the constants of its iteration bound could not be confirmed against the "
        "source in this toolkit's references (only its abstract and the I-NSGD paper's restatement); an O(.) claim "
        "with an unspecified step size cannot be refuted by a run, so the record is not checked.",
    ),
)

CUTKOSKY2020 = Theorem(
    key="cutkosky2020.nsgd_momentum",
    name="normalized SGD with momentum: eps-critical point with batch size 1",
    source="A. Cutkosky, H. Mehta, Momentum Improves Normalized SGD, ICML 2020 (PMLR 119, pp. 2260-2268), abstract",
    reading="printed",
    assumptions=(A.L_SMOOTH, A.UNBIASED, A.VARIANCE),
    algorithm="nsgd_momentum",
    step_size=S.gamma,
    conditions=(
        Condition("momentum and step size as in the theorem (not confirmed here)"),
        Condition("bounded second derivative, for the O(eps^-3.5) variant with the tweaked momentum"),
    ),
    cases={0: (Case(sp.true, eps ** sp.Rational(-7, 2), "O"),)},
    promise="an eps-critical point in O(eps^-3.5) iterations (objectives with bounded second derivative, tweaked "
    "momentum); with plain momentum under L-smoothness, no large batch is needed",
    statement="Adding momentum to normalized SGD provably removes the need for large batch sizes on non-convex "
    "objectives; with bounded second derivative and a small tweak to the momentum formula it finds an eps-critical "
    "point in O(1/eps^3.5) iterations.",
    checkable=False,
    notes=(
        "Only the abstract could be consulted here: the theorem numbers, step sizes, momentum parameters and "
        "constants are not confirmed, so the record carries the orders only and is not checked.",
    ),
)

REGISTERED = (KARIMI2016, ZHANG2020, CHEN2023, BOTTOU2018, CUTKOSKY2020, GD_STATIONARITY)
