r"""The paper's two experiment problems as finite sums with per-sample gradients.

Phase retrieval (Section 4.1): f(z) = 1/(2m) sum_r (y_r - (a_r^T z)^2)^2, y_r = (a_r^T x)^2 + n_r.
Per-sample f_r(z) = 1/2 (y_r - s_r^2)^2 with s_r = a_r^T z, grad f_r = -2 (y_r - s_r^2) s_r a_r.

DRO (Section 4.2), the dual (19) in v = (w, eta):
L(w, eta) = lambda E_xi Psi*((l_xi(w) - eta)/lambda) + eta, Psi*(t) = 1/4 (t + 2)_+^2 - 1,
l_xi(w) = 1/2 (y_xi - x_xi^T w)^2 + 0.1 sum_j ln(1 + |w_j|).
grad_w = Psi*'(u) grad l_xi(w), d/d eta = 1 - Psi*'(u), u = (l_xi(w) - eta)/lambda, Psi*'(u) = (u + 2)_+ / 2.
The regularizer is not differentiable at w_j = 0: reg="exact" uses the subgradient 0 there (sign(0) = 0);
reg="smooth" (default) replaces |w_j| by sqrt(w_j^2 + nu^2) - nu, nu = 1e-3.

Neither problem has certified constants here: f* is estimated by local optimization (L-BFGS), and
the Assumption 1 constants the paper quotes (alpha = 2/3, alpha = 1) are claims audited elsewhere.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.constants import Constants
from insgd.numerics.problems import Problem, _int, _num, register


class FiniteSum(Problem):
    """f = mean_r f_r. Subclasses implement sample_grads(W, idx, backend) -> mean over idx[k] for each run k, and
    list in fused_backends the backends with a fused kernel for it (numerics/fused.py)."""

    fstar_status = "estimated (L-BFGS from several starts)"

    def value(self, W):
        return np.array([self._value_one(w) for w in W])

    def grad(self, W):
        return np.stack([self._grad_one(w) for w in W])

    def _estimate_fstar(self, starts):
        best = None
        for z0 in starts:
            res = optimize.minimize(
                self._value_one,
                z0,
                jac=self._grad_one,
                method="L-BFGS-B",
                options={"maxiter": 5000, "gtol": 1e-10, "ftol": 1e-15},
            )
            if best is None or res.fun < best.fun:
                best = res
        return float(best.fun), best.x

    def certify(self, radius=None):
        return Constants(status="estimated", note="constants not certified; see the assumption auditor")


@dataclass
class PhaseRetrieval(FiniteSum):
    """Section 4.1 data: x, a_r ~ N(0, 0.5), n_r ~ N(0, 4^2), z0 ~ N(1, 6). `scale` says whether the
    second argument of N(., .) is a variance (default, the usual convention) or a standard deviation."""

    dim: int = 100
    m: int = 3000
    data_seed: int = 0
    scale: str = "variance"
    noise_std: float = 4.0
    variant: str = "paper"  # "code": the gradient is half the true one, as in the public scripts

    def __post_init__(self):
        if self.dim < 1 or self.m < 1:
            raise InputError(f"dim and m must be >= 1, got dim={self.dim}, m={self.m}")
        if self.dim * self.m > 10**8:
            raise InputError(f"dim x m must be <= 1e8 (the data matrix takes 8 dim m bytes), got {self.dim * self.m:.3g}")
        if self.scale not in ("variance", "std"):
            raise InputError(f"scale must be 'variance' or 'std', got {self.scale!r}")
        if self.variant not in ("paper", "code"):
            raise InputError(f"variant must be 'paper' or 'code', got {self.variant!r}")
        self._gf = 1.0 if self.variant == "paper" else 0.5
        self.name, self.n_samples = "phase_retrieval", self.m
        rng = np.random.default_rng(self.data_seed)
        sd = (lambda v: np.sqrt(v)) if self.scale == "variance" else (lambda v: v)
        self.x = rng.normal(0.0, sd(0.5), self.dim)
        self.A = rng.normal(0.0, sd(0.5), (self.m, self.dim))
        self.y = (self.A @ self.x) ** 2 + rng.normal(0.0, self.noise_std, self.m)
        self.fstar, self.argmin = self._estimate_fstar([self.x, -self.x])

    def params(self):
        return {"dim": self.dim, "m": self.m, "data_seed": self.data_seed, "scale": self.scale, "variant": self.variant}

    def initial_point(self, rng, runs=1):
        sd = np.sqrt(6.0) if self.scale == "variance" else 6.0
        return rng.normal(1.0, sd, (runs, self.dim))

    def _value_one(self, z):
        return 0.5 * np.mean((self.y - (self.A @ z) ** 2) ** 2)

    def _grad_one(self, z):
        s = self.A @ z
        return -2.0 * self.A.T @ ((self.y - s * s) * s) / self.m

    def value(self, W):
        S = W @ self.A.T
        return 0.5 * np.mean((self.y - S * S) ** 2, axis=1)

    def grad(self, W):
        return self.value_and_grad(W)[1]

    def value_and_grad(self, W):
        S = W @ self.A.T
        r = self.y - S * S
        return 0.5 * np.mean(r * r, axis=1), -2.0 * self._gf * (r * S) @ self.A / self.m

    fused_backends = ("numba",)

    def kernel_args(self):
        """(kind, data rows, parameters) of this problem in the compiled step loop (numerics/fused.py): phase
        retrieval is kind 0, its one parameter the gradient's factor."""
        return 0, self.A, np.array([-2.0 * self._gf])

    def sample_grads(self, W, idx, backend="numpy"):
        """Mean of grad f_r over r in idx[k], for each run k: idx has shape (R, b)."""
        if backend == "numba":
            return fused.phase_retrieval_grads(self.A, self.y, W, idx, -2.0 * self._gf)  # A, y: C-contiguous
        Ab = self.A[idx]  # (R, b, d)
        s = np.einsum("rbd,rd->rb", Ab, W)
        coef = -2.0 * self._gf * (self.y[idx] - s * s) * s
        return np.einsum("rb,rbd->rd", coef, Ab) / idx.shape[1]


def psi_star(t):
    return 0.25 * np.maximum(t + 2.0, 0.0) ** 2 - 1.0


@dataclass
class DRO(FiniteSum):
    """The DRO dual (19) on a design X (n, k) and targets y; the variable is v = (w, eta), dim = k + 1."""

    X: np.ndarray = None
    y: np.ndarray = None
    lam: float = 0.01
    reg: str = "smooth"
    reg_weight: float = 0.1
    nu: float = 1e-3
    pipeline: str = "given"

    def __post_init__(self):
        if self.X is None or self.y is None:
            raise InputError(
                "dro needs data: pass --param data=PATH to the life-expectancy CSV "
                "(https://www.kaggle.com/datasets/kumarajarshi/life-expectancy-who)"
            )
        if self.reg not in ("smooth", "exact"):
            raise InputError(f"reg must be 'smooth' or 'exact', got {self.reg!r}")
        if not self.lam > 0:
            raise InputError(f"lam must be > 0, got {self.lam}")
        self.X, self.y = np.ascontiguousarray(self.X, float), np.ascontiguousarray(self.y, float)
        self.name, self.n_samples = "dro", self.X.shape[0]
        self.dim = self.X.shape[1] + 1
        self.fstar, self.argmin = self._estimate_fstar([np.zeros(self.dim)])

    def params(self):
        return {"n": self.X.shape[0], "features": self.X.shape[1], "lam": self.lam, "reg": self.reg, "pipeline": self.pipeline}

    def smoothing_bound(self) -> float:
        """0 <= f*_exact - f*_smooth <= this (0 for reg = "exact"). Per coordinate 0 <= |w| - (sqrt(w^2 + nu^2) - nu)
        <= nu and log1p is 1-Lipschitz on [0, oo), so the smoothed loss is below the exact one by at most
        d = reg_weight * k * nu, and psi* is nondecreasing: F_smooth <= F_exact everywhere. At the smoothed
        minimizer the eta-derivative gives mean psi*'(u) = 1, and psi*' = max(u + 2, 0)/2 grows by at most d/(2 lam)
        when u grows by d/lam, so f*_exact <= F_exact(v_s*) <= f*_smooth + d (1 + d/(2 lam))."""
        if self.reg == "exact":
            return 0.0
        d = self.reg_weight * (self.dim - 1) * self.nu
        return d * (1 + d / (2 * self.lam))

    def _reg(self, w):
        a = np.sqrt(w * w + self.nu**2) - self.nu if self.reg == "smooth" else np.abs(w)
        return self.reg_weight * np.log1p(a).sum(axis=-1)

    def _reg_grad(self, w):
        if self.reg == "smooth":
            r = np.sqrt(w * w + self.nu**2)
            return self.reg_weight * (w / r) / (1 + r - self.nu)
        return self.reg_weight * np.sign(w) / (1 + np.abs(w))

    def _parts(self, V, X, y):
        """Residuals, losses and Psi*'(u) for runs V (R, d) and rows X (R, b, k) or (n, k)."""
        w, eta = V[..., :-1], V[..., -1]
        if X.ndim == 2:
            res = y[None, :] - w @ X.T  # (R, n)
        else:
            res = y - np.einsum("rbk,rk->rb", X, w)
        loss = 0.5 * res**2 + self._reg(w)[:, None]
        u = (loss - eta[:, None]) / self.lam
        return res, loss, u, 0.5 * np.maximum(u + 2.0, 0.0)

    def value(self, W):
        _, _, u, _ = self._parts(W, self.X, self.y)
        return self.lam * psi_star(u).mean(axis=1) + W[:, -1]

    def _grad_from(self, W, X, res, dpsi):
        if X.ndim == 2:
            gw = -(dpsi * res) @ X / res.shape[1] + dpsi.mean(axis=1)[:, None] * self._reg_grad(W[:, :-1])
        else:
            gw = -np.einsum("rb,rbk->rk", dpsi * res, X) / res.shape[1] + dpsi.mean(axis=1)[:, None] * self._reg_grad(W[:, :-1])
        return np.concatenate([gw, (1.0 - dpsi.mean(axis=1))[:, None]], axis=1)

    def grad(self, W):
        res, _, _, dpsi = self._parts(W, self.X, self.y)
        return self._grad_from(W, self.X, res, dpsi)

    fused_backends = ("numba",)

    def kernel_args(self):
        """(kind, data rows, parameters) in the compiled step loop (numerics/fused.py): DRO is kind 1, with lam,
        the regularizer's weight, nu and whether it is smoothed."""
        return 1, self.X, np.array([float(self.lam), self.reg_weight, self.nu, float(self.reg == "smooth")])

    def sample_grads(self, W, idx, backend="numpy"):
        if backend == "numba":
            return fused.dro_grads(self.X, self.y, W, idx, float(self.lam), self.reg_weight, self.nu, self.reg == "smooth")
        X, y = self.X[idx], self.y[idx]
        res, _, _, dpsi = self._parts(W, X, y)
        return self._grad_from(W, X, res, dpsi)

    def _value_one(self, v):
        return float(self.value(v[None])[0])

    def _grad_one(self, v):
        return self.grad(v[None])[0]

    def initial_point(self, rng, runs=1):
        return np.zeros((runs, self.dim))


def _make_dro(data=None, pipeline="leakfree", lam=0.01, reg="smooth", noise_seed=None):
    from insgd.numerics.data import load_life_expectancy

    if data is None:
        return DRO(lam=lam, reg=reg)
    X, y = load_life_expectancy(data, pipeline=pipeline, noise_seed=noise_seed)
    return DRO(X=X, y=y, lam=lam, reg=reg, pipeline=pipeline)


register(
    "phase_retrieval",
    PhaseRetrieval,
    {
        "dim": (lambda s: _int(s, 1, 10**4), 100, "an integer in [1, 1e4]"),
        "m": (lambda s: _int(s, 1, 10**6), 3000, "an integer in [1, 1e6]"),
        "data_seed": (lambda s: _int(s, 0, 2**63 - 1), 0, "an integer >= 0"),
        "scale": (str, "variance", "'variance' or 'std'"),
        "variant": (str, "paper", "'paper' or 'code' (half gradient, as the public scripts)"),
    },
    "1/(2m) sum (y_r - (a_r^T z)^2)^2 (Section 4.1)",
)
register(
    "dro",
    _make_dro,
    {
        "data": (str, None, "a path to life_expectancy.csv"),
        "pipeline": (str, "leakfree", "'paper' or 'leakfree'"),
        "lam": (lambda s: _num(s, 0, 1e6, lo_open=True), 0.01, "a number in (0, 1e6]"),
        "reg": (str, "smooth", "'smooth' or 'exact'"),
        "noise_seed": (
            lambda s: _int(s, 0, 2**63 - 1),
            None,
            "an integer >= 0 (adds N(0,1) to the target, as the public code does)",
        ),
    },
    "DRO dual (19) with the chi-square conjugate (Section 4.2)",
)
