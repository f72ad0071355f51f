r"""Which (alpha, rho) can a non-constant function satisfy *globally*? (Assumptions 1 and 2.)

Result
------
Let f: R^d -> R be C^1, non-constant, attain its infimum f*, and be unbounded above (H).
If f satisfies Assumption 1 on all of R^d in the given form and Assumption 2 with (rho, mu), then

* literal form (eq. 2):     rho = 2;
* segment form:             2 - alpha <= rho <= 2;
* Hessian form:             2 - alpha <= rho <= 2.

Each region is attained: ||w||^p with p = rho/(rho-1) (rho in (1, 2]) satisfies the Hessian and
segment forms with exponent alpha_p = (p-2)/(p-1) = 2 - rho <= alpha and PL with rho; cosh(w) - 1
gives rho = 1, alpha = 1; the quadratic gives rho = 2 in the literal form for every alpha.

Consequence for Theorem 1 (which sets alpha <= beta): rho >= 2 - alpha >= 2 - beta, so the
sublinear regime rho < 2 - beta is *never* reached under global assumptions; it needs constants
certified on a region (a ball containing the sublevel set of w0), where the Hessian is bounded and
any alpha works.

Proof
-----
Step 1 (a descent lemma, every form). Fix w with g = ||grad f(w)|| > 0 and move along -grad f(w).
Literal form: Lemma 1 with s = 1/(L0 + L1 g^alpha) gives
    f(w) - f* >= g^2 / (2 (L0 + L1 g^alpha)).                                           (D)
Segment form: on [w, w - s grad f(w)] with s <= 1/(2 (L0 + L1 (2g)^alpha)), a continuity argument
shows the gradient norm stays below 2g (it cannot first reach 2g: at that point it is at most
g (1 + (L0 + L1 (2g)^alpha) s) <= 3g/2). Integrating, with s = 1/(2 (L0 + 2^alpha L1 g^alpha)),
    f(w) - f* >= 3 g^2 / (8 (L0 + 2^alpha L1 g^alpha)).                                 (D')
Hessian form => segment form (||grad f(w) - grad f(w')|| <= max_[w,w'] ||Hess f|| ||w - w'||), so
(D') holds for it too.

Step 2 (small gradients: rho <= 2). f attains f* at w*, and ||grad f|| > 0 somewhere; on the segment
from w* to that point the continuous ||grad f|| takes every value in (0, g1). With PL,
g^rho / (2 mu) >= f - f* >= c g^2 for all small g > 0 (by (D)/(D')), impossible if rho > 2.

Step 3 (large gradients: rho >= 2 - alpha). By PL, f - f* <= g^rho / (2 mu); f is unbounded above
(H), so g is unbounded. For large g, (D)/(D') give f - f* >= c g^(2 - alpha) (alpha > 0; for
alpha = 0, c g^2). So g^rho >= c' g^(2-alpha) along g -> infinity: rho >= 2 - alpha.

Step 4 (literal form: rho >= 2). Eq. (2) with w' a minimizer (grad f(w') = 0) reads
||grad f(w)|| <= L0 ||w - w'||, and Lemma 1 gives f(w) - f* <= (L0/2) dist(w, S)^2 where S is the
set of minimizers. Since f is unbounded above, dist(w, S) is unbounded. Gradient flow from w
decreases f at rate ||grad f||^2 per unit time and moves ||grad f|| per unit time; with PL,
for rho > 1 the arc length to S is at most K (f(w) - f*)^(1 - 1/rho) (K = (2 mu)^(-1/rho) / (1 - 1/rho)),
so dist <= K (L0/2)^(1-1/rho) dist^(2 - 2/rho): dist is bounded when 2 - 2/rho < 1, i.e. rho < 2.
For rho <= 1 the same argument gives f - f* >= c exp(2 mu dist) (rho = 1) or faster growth, against
the quadratic upper bound. Hence rho >= 2, and with Step 2, rho = 2.                          QED

Without (H) (a bounded f) Step 3 does not apply; without a minimizer Step 2 and Step 4 do not
(exp(w) satisfies the segment and Hessian forms with alpha = 1 and PL with rho = 1, mu = 1/2, and
has no minimizer). These hypotheses are reported with every verdict.
"""

import sympy as sp

from insgd.theory.numbers import exact

HYPOTHESES = "f non-constant, C^1, attains its infimum, unbounded above"


def admissible_forms(alpha, rho) -> dict:
    """For each form of Assumption 1, whether (alpha, rho) is globally admissible (exact comparison)."""
    a, r = exact(alpha), exact(rho)
    return {
        "literal": bool(sp.Eq(r, 2)),
        "segment": bool((2 - a <= r) & (r <= 2)),
        "hessian": bool((2 - a <= r) & (r <= 2)),
    }


def admissible_rho_interval(alpha, form: str):
    """The closed interval of rho admissible with the given alpha and form, as a SymPy Interval."""
    a = exact(alpha)
    if form == "literal":
        return sp.FiniteSet(2)
    if form in ("segment", "hessian"):
        return sp.Interval(2 - a, 2)
    raise ValueError(f"form must be literal, segment or hessian, got {form!r}")
