"""The paper's two one-dimensional examples (Section 2), with the constants the toolkit certifies for them."""

import numpy as np
from scipy import optimize

from insgd.numerics.constants import GLOBAL, PL, Constants, Fails, Region, Smooth
from insgd.numerics.problem_base import Problem, _inf_ratio, literal_from_hessian


class _OneDim(Problem):
    dim = 1

    def value(self, W):
        return self._f(W[:, 0])

    def grad(self, W):
        return self._df(W[:, 0])[:, None]

    def hess(self, W):
        return self._d2f(W[:, 0])[:, None, None]


class PaperExample1(_OneDim):
    r"""The paper's 'sigmoid-like' example after Assumption 2: f(w) = 1/2 w^2 (exp(w^2) - 1) + 1/2 w^2.

    f' = w e^(w^2) (1 + w^2), f'' = e^(w^2) (1 + 5 w^2 + 2 w^4), 2f = w^2 e^(w^2), f* = 0 at 0.
    * Assumption 1 fails globally in every form: f''/(1 + |f'|) ~ 2|w| -> oo, so no (L0, L1, alpha <= 1).
      On the ball |w| <= R all forms hold with L0 = f''(R), alpha = 0.
    * PL: |f'|^rho / (2f) = |w|^(rho-2) e^((rho-1) w^2) (1 + w^2)^rho; bounded below iff 1 <= rho <= 2.
      rho = 1: (1 + w^2)/|w| >= 2, best mu = 2 (the paper claims mu = 0.1: true, not tight).
      rho = 2: e^(w^2)(1 + w^2)^2 >= 1, best mu = 1.
    """

    name, fstar, argmin = "paper_example1", 0.0, np.zeros(1)

    def fused_kind(self):
        return 4, 0.0, np.zeros(0), np.zeros(0)

    def formula(self):
        return "w**2/2*(exp(w**2) - 1) + w**2/2"

    @staticmethod
    def _f(w):
        return 0.5 * w**2 * np.expm1(w**2) + 0.5 * w**2

    @staticmethod
    def _df(w):
        return w * np.exp(w**2) * (1 + w**2)

    @staticmethod
    def _d2f(w):
        return np.exp(w**2) * (1 + 5 * w**2 + 2 * w**4)

    def certify(self, radius=None):
        why = "f''/(1+|f'|) ~ 2|w| is unbounded"
        smooth = [Fails(f, GLOBAL, why) for f in ("literal", "segment", "hessian")]
        if radius is not None:
            L0 = float(self._d2f(np.array([radius]))[0])
            smooth += [
                Smooth(f, L0, 0.0, 0.0, Region(float(radius)), "f'' increasing in |w|") for f in ("literal", "segment", "hessian")
            ]
        return Constants(tuple(smooth), (PL(1.0, 2.0, GLOBAL, "closed forms at rho = 1, 2", {1.0: 2.0, 2.0: 1.0}),))

    def pl_mu(self, rho):
        """Best mu for rho in [1, 2] (numerical infimum over w > 0 for rho strictly between)."""
        if not 1 <= rho <= 2:
            return None
        return _inf_ratio(lambda w: w ** (rho - 2) * np.exp((rho - 1) * w**2) * (1 + w**2) ** rho, 1e-6, 6.0)


class PaperExample2(_OneDim):
    r"""The paper's polynomial example: f(w) = w + 1/2 w^2 + w^4.

    f' = 1 + w + 4 w^3 (strictly increasing: f'' = 1 + 12 w^2 > 0), unique stationary point w* = -1/2,
    f* = -5/16. Hessian form: f'' ~ 12 w^2 and |f'| ~ 4|w|^3 give alpha = 2/3, L1 = 12/4^(2/3) ~ 4.762;
    L0 = sup_w (f'' - L1 |f'|^(2/3)) (numerical; >= f''(w*) = 4). Literal fails globally (at w' = w*,
    |f'(w)| ~ 4|w|^3 is not O(|w|)). PL: f - f* ~ 2 (w - w*)^2 near w* forces rho <= 2, and
    f ~ w^4, |f'| ~ 4|w|^3 force rho >= 4/3: rho in [4/3, 2]. The paper's rho = 3 fails near w*.
    """

    name, fstar, argmin = "paper_example2", -5.0 / 16.0, np.array([-0.5])

    def fused_kind(self):
        return 5, 0.0, np.zeros(0), np.zeros(0)

    def formula(self):
        return "w + w**2/2 + w**4"

    @staticmethod
    def _f(w):
        return w + 0.5 * w**2 + w**4

    @staticmethod
    def _df(w):
        return 1 + w + 4 * w**3

    @staticmethod
    def _d2f(w):
        return 1 + 12 * w**2

    L1_HESS = 12 / 4 ** (2 / 3)  # exactly 3 * 2^(2/3) = 4.76220315590459835...; the float is below it

    def hessian_L0(self):
        g = lambda w: self._d2f(w) - self.L1_HESS * np.abs(self._df(w)) ** (2 / 3)  # noqa: E731
        w = np.linspace(-50, 50, 200001)
        i = int(np.argmax(g(w)))
        res = optimize.minimize_scalar(
            lambda s: -g(np.array([s]))[0], bounds=(w[i - 1], w[i + 1]), method="bounded", options={"xatol": 1e-13}
        )
        return float(max(-res.fun, g(w).max())) * (1 + 1e-9)

    def certify(self, radius=None):
        L0 = self.hessian_L0()
        ex = (repr(L0), "3*2**(2/3)", "2/3")
        smooth = [
            Smooth("hessian", L0, self.L1_HESS, 2 / 3, GLOBAL, "numerical sup for L0 (tail: f'' - L1|f'|^(2/3) -> -1)", ex),
            Smooth("segment", L0, self.L1_HESS, 2 / 3, GLOBAL, "from the Hessian form", ex),
            Fails("literal", GLOBAL, "at w' = w*: |f'(w)| ~ 4|w|^3 is not bounded by L0 |w - w*|"),
        ]
        if radius is not None:  # |f''| = 1 + 12 w^2 is largest at the far end of [w* - R, w* + R]
            Lb = 1 + 12 * (0.5 + radius) ** 2
            smooth += [
                Smooth(f, Lb, 0.0, 0.0, Region(float(radius)), "sup f'' on the ball") for f in ("literal", "segment", "hessian")
            ]
            smooth.append(literal_from_hessian(smooth[0], Lb, radius, "trapezoid on the convex f'' = 1 + 12 w^2 (L1 > 0)"))
        pl = (PL(4 / 3, 2.0, GLOBAL, "numerical best mu", {r: self.pl_mu(r) for r in (4 / 3, 2.0)}),)
        return Constants(tuple(smooth), pl, status="certified (L0 and mu numerical)")

    def pl_mu(self, rho):
        if not 4 / 3 - 1e-12 <= rho <= 2:
            return None
        fs = self.fstar

        def ratio(u):  # u = |w - w*| on both sides
            vals = []
            for s in (-1, 1):
                w = -0.5 + s * u
                vals.append(np.abs(self._df(w)) ** rho / (2 * (self._f(w) - fs)))
            return np.minimum(*vals)

        return _inf_ratio(ratio, 1e-4, 1e3)
