"""The Problem interface every test problem implements (value, gradient, certified constants, its formula
for the auditor), and the literal-form certificate derived from Hessian bounds."""

import numpy as np
from scipy import optimize

from insgd.numerics.constants import Constants, Region, Smooth


def _inf_ratio(fun, lo, hi, n=4000):
    """inf of fun on [lo, hi] (log grid, then bounded refinement): a numerical, not certified, value."""
    x = np.geomspace(lo, hi, n)
    v = fun(x)
    i = int(np.argmin(v))
    a, b = x[max(i - 1, 0)], x[min(i + 1, n - 1)]
    res = optimize.minimize_scalar(
        lambda s: float(fun(np.array([s]))[0]), bounds=(a, b), method="bounded", options={"xatol": 1e-12}
    )
    return float(min(res.fun, v[i]))


def literal_from_hessian(h, fpp_max, radius, how):
    r"""Assumption 1 in the literal form (eq. 2) with L1 > 0 on a ball, from a Hessian-form certificate h.

    In one variable with f'' >= 0 and f'' convex on an interval I, for w, w' in I the mean value of f'' over [w', w]
    is at most the trapezoid (f''(w) + f''(w'))/2 <= (max_I f'' + h.L0 + h.L1 |f'(w')|^alpha)/2, so
    |f'(w) - f'(w')| <= (L0 + L1 |f'(w')|^alpha) |w - w'| with L0 = (max_I f'' + h.L0)/2, L1 = h.L1/2 (half the
    Hessian-form L1). A separable sum inherits it coordinatewise on the box |w_i| <= R, which contains the ball:
    ||g(w) - g(w')||^2 <= sum_i (L0 + L1 |g_i(w')|^alpha)^2 |w_i - w'_i|^2 <= (L0 + L1 ||g(w')||^alpha)^2 ||w - w'||^2.
    """
    return Smooth("literal", (fpp_max + h.L0) / 2, h.L1 / 2, h.alpha, Region(float(radius)), how)


class Problem:
    """Base class. Subclasses set name, dim, fstar, argmin and implement value/grad (batched)."""

    name = "problem"
    n_samples = None  # finite sums: the number of terms
    fstar_status = "exact"

    def value(self, W):
        raise NotImplementedError

    def grad(self, W):
        raise NotImplementedError

    def hess(self, W):
        raise NotImplementedError(f"{self.name} has no Hessian")

    def value_and_grad(self, W):
        return self.value(W), self.grad(W)

    def certify(self, radius=None) -> Constants:
        raise NotImplementedError

    def params(self) -> dict:
        return {}

    def fused_kind(self):
        """(kind, p, v1, v2) for the compiled NGD loop (numerics/_numba_kernels._value_grad), or None."""
        return None

    def formula(self) -> str | None:
        """f in the auditor's expression language (variable w; verify/audit/safe_expr.py parses it, never evaluates it),
        for the one-dimensional problems; None otherwise. Tested against value and grad (tests/test_numerics_problems)."""
        return None

    def label(self) -> str:
        """power(p=4, dim=1): the name and parameters as a person writes them (4, not 4.0; lists as 2,4)."""

        def show(v):
            if isinstance(v, (list, tuple)):
                return ",".join(show(x) for x in v)
            return f"{v:.4g}" if isinstance(v, float) else str(v)

        ps = self.params()
        return self.name + (f"({', '.join(f'{k}={show(v)}' for k, v in ps.items())})" if ps else "")

    def describe(self) -> dict:
        return {
            "name": self.name,
            "dim": self.dim,
            "params": self.params(),
            "fstar": self.fstar,
            "fstar_status": self.fstar_status,
            "constants": self.certify().to_json(),
        }
