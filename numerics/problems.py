"""Test problems that carry their constants. Every array has a leading run axis: W has shape (R, d).

Each problem knows f, grad f (and the Hessian where useful), f*, a minimizer, and `certify(radius)`:
a record of its constants for each form of Assumption 1 and for Assumption 2, globally and, when
radius is given, on the ball of that radius around the minimizer. The derivations are in the
docstrings; tests check them on sampled points and pairs instead of trusting them.
"""

import math
from dataclasses import dataclass

import numpy as np

from insgd.core import InputError, parse_fraction
from insgd.numerics.arrays import row_norm
from insgd.numerics.constants import GLOBAL, PL, Constants, Fails, Region, Smooth, frac
from insgd.numerics.paper_examples import PaperExample1, PaperExample2
from insgd.numerics.problem_base import Problem, literal_from_hessian


@dataclass
class Power(Problem):
    r"""f(w) = ||w||^p on R^d, p >= 2: the extremal family (Theorem 1 is tight on it).

    grad f = p ||w||^(p-2) w, ||grad f|| = p r^(p-1) (r = ||w||), ||Hess f|| = p(p-1) r^(p-2).
    * Hessian form, global: r^(p-2) = (||grad f||/p)^alpha with alpha = (p-2)/(p-1), so
      ||Hess f|| = L1 ||grad f||^alpha, L1 = (p-1) p^(1-alpha), L0 = 0 (any L0 > 0).
    * Segment form, global: same constants (||Hess|| is increasing in ||grad||, so the integral along
      the segment is bounded by the max of ||grad||^alpha over it).
    * Literal form: p = 2 holds with L0 = 2; p > 2 fails globally (at w' = 0, eq. 2 needs
      p r^(p-1) <= L0 r). On the ball r <= R: L0 = p(p-1) R^(p-2) (mean value theorem), alpha = 0.
    * PL: ||grad f||^rho / (2 mu) >= r^p for all r only with rho = p/(p-1); best mu = p^rho / 2.
      On the ball r <= R, every rho in (0, p/(p-1)] works with mu = p^rho R^((p-1)rho - p) / 2.
    """

    p: float = 4.0
    dim: int = 1

    def __post_init__(self):
        if not (self.p >= 2):
            raise InputError(f"p must satisfy p >= 2 for the power problem, got {self.p}")
        if self.dim < 1:
            raise InputError(f"dim must satisfy dim >= 1, got {self.dim}")
        self.name, self.fstar, self.argmin = "power", 0.0, np.zeros(self.dim)

    def params(self):
        return {"p": self.p, "dim": self.dim}

    def fused_kind(self):
        return 0, float(self.p), np.zeros(0), np.zeros(0)

    def formula(self):
        if self.dim != 1:
            return None
        p = float(self.p)
        return f"w**{int(p)}" if p.is_integer() and int(p) % 2 == 0 else f"Abs(w)**{p!r}"

    def value(self, W):
        return row_norm(W) ** self.p

    def grad(self, W):
        r = row_norm(W)
        return (self.p * r ** (self.p - 2))[:, None] * W

    def hess(self, W):
        r = row_norm(W)[:, None, None]
        p, d = self.p, W.shape[1]
        eye = np.eye(d)[None]
        outer = np.einsum("ri,rj->rij", W, W)
        with np.errstate(divide="ignore", invalid="ignore"):
            second = np.where(r > 0, p * (p - 2) * r ** (p - 4) * outer, 0.0)
        return p * r ** (p - 2) * eye + second

    def certify(self, radius=None):
        p = self.p
        a = (p - 2) / (p - 1)
        L1 = (p - 1) * p ** (1 - a)
        P = frac(p)
        ex_a, ex_rho = f"({P} - 2)/({P} - 1)", f"({P})/({P} - 1)"
        ex_h = ("0", f"({P} - 1)*({P})**(1 - {ex_a})", ex_a)
        rho = p / (p - 1)
        smooth = [
            Smooth("hessian", 0.0, L1, a, GLOBAL, "||Hess|| = L1 ||grad||^alpha exactly", ex_h),
            Smooth("segment", 0.0, L1, a, GLOBAL, "Hessian form, monotone in ||grad||", ex_h),
        ]
        if p == 2:
            smooth.append(Smooth("literal", 2.0, 0.0, 0.0, GLOBAL, "grad is 2-Lipschitz"))
        else:
            smooth.append(Fails("literal", GLOBAL, "at w' = 0 eq. (2) needs p r^(p-1) <= L0 r for all r"))
        pl = [PL(rho, rho, GLOBAL, "||grad||^rho = p^rho r^p", {rho: p**rho / 2}, {ex_rho: f"({P})**({ex_rho})/2"}, tight=True)]
        if radius is not None:
            R = Region(float(radius))
            L0 = p * (p - 1) * radius ** (p - 2)
            for form in ("literal", "segment", "hessian"):
                smooth.append(Smooth(form, L0, 0.0, 0.0, R, "sup of ||Hess|| on the ball"))
            if self.dim == 1 and p >= 3:  # f'' = p(p-1)|w|^(p-2) is convex for p >= 3
                smooth.append(literal_from_hessian(smooth[0], L0, radius, "trapezoid on the convex f'' (L1 > 0)"))
            mus = {r_: p**r_ * radius ** ((p - 1) * r_ - p) / 2 for r_ in (1.0, rho)}
            pl.append(PL(0.0, rho, R, "mu = p^rho R^((p-1)rho - p)/2 for rho <= p/(p-1)", mus))
        return Constants(tuple(smooth), tuple(pl))

    def pl_mu(self, rho, radius=None):
        p, top = self.p, self.p / (self.p - 1)
        if radius is None:
            return p**rho / 2 if math.isclose(rho, top) else None
        return p**rho * radius ** ((p - 1) * rho - p) / 2 if rho <= top + 1e-15 else None


@dataclass
class PowerSum(Problem):
    r"""f(w) = sum_i c_i |w_i|^(p_i), p_i >= 2: a separable sum of powers, different per coordinate.

    ||Hess f|| = max_i c_i p_i (p_i - 1) |w_i|^(p_i-2) and |g_i| = c_i p_i |w_i|^(p_i-1) <= ||grad f||.
    With alpha_i = (p_i-2)/(p_i-1) and K_i = c_i p_i (p_i-1) (c_i p_i)^(-alpha_i), H_ii = K_i |g_i|^alpha_i.
    Hessian (and segment) form, global: alpha = max alpha_i, L1 = max K_i, and L0 = max K_i over
    coordinates with alpha_i < alpha (x^a <= 1 + x^b for a < b).
    PL, global: only when all p_i are equal (rho must equal p_i/(p_i-1) both as r -> 0 and r -> oo).
    On the box |w_i| <= R: rho = min_i p_i/(p_i-1) and mu = min_i (c_i p_i)^rho R^((p_i-1)rho-p_i) / (2 d c_i)
    (||g||^rho >= max_i |g_i|^rho >= mean_i |g_i|^rho).
    """

    ps: tuple = (2.0, 4.0)
    weights: tuple = (1.0, 1.0)

    def __post_init__(self):
        self.ps, self.weights = tuple(map(float, self.ps)), tuple(map(float, self.weights))
        if len(self.ps) != len(self.weights):
            raise InputError(f"weights must have one entry per exponent in ps ({len(self.ps)}), got {len(self.weights)}")
        if min(self.ps) < 2:
            raise InputError(f"ps must satisfy p_i >= 2, got {self.ps}")
        if min(self.weights) <= 0:
            raise InputError(f"weights must be > 0, got {self.weights}")
        self.name, self.dim, self.fstar = "power_sum", len(self.ps), 0.0
        self.argmin = np.zeros(self.dim)
        self._p, self._c = np.array(self.ps), np.array(self.weights)

    def params(self):
        return {"ps": list(self.ps), "weights": list(self.weights)}

    def fused_kind(self):
        return 3, 0.0, np.ascontiguousarray(self._p, float), np.ascontiguousarray(self._c, float)

    def value(self, W):
        return (self._c * np.abs(W) ** self._p).sum(axis=1)

    def grad(self, W):
        return self._c * self._p * np.abs(W) ** (self._p - 1) * np.sign(W)

    def hess(self, W):
        diag = self._c * self._p * (self._p - 1) * np.abs(W) ** (self._p - 2)
        return np.einsum("ri,ij->rij", diag, np.eye(self.dim))

    def certify(self, radius=None):
        p, c = self._p, self._c
        a_i = (p - 2) / (p - 1)
        K = c * p * (p - 1) * (c * p) ** (-a_i)
        a = float(a_i.max())
        lower = a_i < a
        L0 = float(K[lower].max()) if lower.any() else 0.0
        smooth = [
            Smooth("hessian", L0, float(K.max()), a, GLOBAL, "per coordinate H_ii = K_i |g_i|^alpha_i"),
            Smooth("segment", L0, float(K.max()), a, GLOBAL, "Hessian form, monotone per coordinate"),
        ]
        if np.all(p == 2):
            smooth.append(Smooth("literal", float((2 * c).max()), 0.0, 0.0, GLOBAL, "linear gradient"))
        else:
            smooth.append(Fails("literal", GLOBAL, "at w' = 0 eq. (2) needs |g_i| <= L0 |w_i| for all w"))
        pl = []
        rho = float((p / (p - 1)).min())
        if np.all(p == p[0]):
            pl.append(PL(rho, rho, GLOBAL, "equal exponents", {rho: float(((c * p) ** rho / c).min() / (2 * self.dim))}))
        if radius is not None:
            R = Region(float(radius))
            Lb = float((c * p * (p - 1) * radius ** (p - 2)).max())
            smooth += [Smooth(f, Lb, 0.0, 0.0, R, "sup of ||Hess|| on the box") for f in ("literal", "segment", "hessian")]
            mu = float(((c * p) ** rho * radius ** ((p - 1) * rho - p) / c).min() / (2 * self.dim))
            pl.append(PL(0.0, rho, R, "box |w_i| <= R", {rho: mu}))
        return Constants(tuple(smooth), tuple(pl), note="PL fails globally unless all exponents agree" if not pl else "")


@dataclass
class Quadratic(Problem):
    """f(w) = 1/2 sum_i lambda_i w_i^2, lambda = linspace(1, cond, dim).

    Gradient lambda_max-Lipschitz: every form holds globally with L0 = lambda_max, L1 = 0 (any L1 > 0),
    any alpha. PL: ||grad||^2 = sum lambda_i^2 w_i^2 >= 2 lambda_min f, so rho = 2 with mu = lambda_min, and
    only rho = 2 globally (rho < 2 fails as w -> oo, rho > 2 as w -> 0).
    """

    dim: int = 1
    cond: float = 1.0

    def __post_init__(self):
        if self.dim < 1:
            raise InputError(f"dim must satisfy dim >= 1, got {self.dim}")
        if not self.cond >= 1:
            raise InputError(f"cond must satisfy cond >= 1, got {self.cond}")
        self.name, self.fstar, self.argmin = "quadratic", 0.0, np.zeros(self.dim)
        self.lam = np.linspace(1.0, self.cond, self.dim)

    def params(self):
        return {"dim": self.dim, "cond": self.cond}

    def fused_kind(self):
        return 1, 0.0, np.ascontiguousarray(self.lam, float), np.zeros(0)

    def formula(self):
        return "w**2/2" if self.dim == 1 else None  # lambda = linspace(1, cond, 1) = (1,)

    def value(self, W):
        return 0.5 * (self.lam * W * W).sum(axis=1)

    def grad(self, W):
        return self.lam * W

    def hess(self, W):
        return np.broadcast_to(np.diag(self.lam), (W.shape[0], self.dim, self.dim)).copy()

    def certify(self, radius=None):
        L = float(self.lam.max())
        smooth = tuple(Smooth(f, L, 0.0, 0.0, GLOBAL, "constant Hessian") for f in ("literal", "segment", "hessian"))
        return Constants(smooth, (PL(2.0, 2.0, GLOBAL, "mu = lambda_min", {2.0: float(self.lam.min())}),))


@dataclass
class Cosh(Problem):
    """f(w) = sum_i (cosh w_i - 1).

    Hessian diag(cosh w_i); cosh x <= 1 + |sinh x| (precisely cosh x - |sinh x| = e^-|x| <= 1), so
    ||Hess|| <= 1 + ||grad||: Hessian and segment forms, global, L0 = L1 = 1, alpha = 1. Literal fails globally
    (at w' = 0: |sinh w| <= L0 |w| fails); on the ball of radius R it holds with L0 = cosh R, L1 = 0, and with
    L1 > 0 as L0 = (1 + cosh R)/2, L1 = 1/2, alpha = 1 (`literal_from_hessian`: cosh is convex).
    PL: rho in [1, 2]; rho = 2: sinh^2 = (cosh-1)(cosh+1) >= 2(cosh-1) gives mu = 1; rho = 1: |sinh| >= cosh - 1
    and ||g||_2 >= ||g||_1/sqrt(d) give mu = 1/(2 sqrt d). On [-R, R] (d = 1) with rho <= 1: the log-derivative of
    sinh^rho/(cosh - 1) is rho coth w - coth(w/2) < 0 (coth(w/2) > coth w), so its minimum is at R:
    mu = sinh(R)^rho / (2 (cosh R - 1)).
    """

    dim: int = 1

    def __post_init__(self):
        if self.dim < 1:
            raise InputError(f"dim must satisfy dim >= 1, got {self.dim}")
        self.name, self.fstar, self.argmin = "cosh", 0.0, np.zeros(self.dim)

    def params(self):
        return {"dim": self.dim}

    def fused_kind(self):
        return 2, 0.0, np.zeros(0), np.zeros(0)

    def formula(self):
        return "cosh(w) - 1" if self.dim == 1 else None

    def value(self, W):
        return (np.cosh(W) - 1).sum(axis=1)

    def grad(self, W):
        return np.sinh(W)

    def hess(self, W):
        return np.einsum("ri,ij->rij", np.cosh(W), np.eye(self.dim))

    def certify(self, radius=None):
        smooth = [
            Smooth("hessian", 1.0, 1.0, 1.0, GLOBAL, "cosh <= 1 + |sinh|"),
            Smooth("segment", 1.0, 1.0, 1.0, GLOBAL, "from the Hessian form"),
            Fails("literal", GLOBAL, "at w' = 0: |sinh w| <= L0 |w| fails as |w| -> oo"),
        ]
        pl = [PL(1.0, 2.0, GLOBAL, "rho = 1 and rho = 2 in closed form", {1.0: 0.5 / math.sqrt(self.dim), 2.0: 1.0})]
        if radius is not None:
            smooth.append(Smooth("literal", math.cosh(radius), 0.0, 0.0, Region(float(radius)), "sup cosh on the ball"))
            smooth.append(literal_from_hessian(smooth[0], math.cosh(radius), radius, "trapezoid on the convex cosh (L1 > 0)"))
            if self.dim == 1:
                mus = {r: math.sinh(radius) ** r / (2 * (math.cosh(radius) - 1)) for r in (0.5, 1.0)}
                pl.append(PL(0.0, 1.0, Region(float(radius)), "sinh^rho / (cosh - 1) decreases on (0, R] for rho <= 1", mus))
        return Constants(tuple(smooth), tuple(pl))


PROBLEMS = {}


def register(name, factory, params, doc):
    PROBLEMS[name] = (factory, params, doc)


def make_problem(name: str, **params) -> Problem:
    """Build a registered problem from keyword parameters: every value (text from the command line, or a Python
    value from the API or a sweep config) goes through its parameter's converter, which checks its range."""
    if name not in PROBLEMS:
        raise InputError(f"problem must be one of {', '.join(sorted(PROBLEMS))}, got {name!r}")
    factory, spec, _ = PROBLEMS[name]
    kwargs = {}
    for k, v in params.items():
        if k not in spec:
            raise InputError(f"param {k!r} is not a parameter of {name} (parameters: {', '.join(spec) or 'none'})")
        conv = spec[k][0]
        if v is None:
            kwargs[k] = v
            continue
        text = ",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v)  # API values are validated too
        try:
            kwargs[k] = conv(text)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"param {k} of {name} must be {spec[k][2]}, got {v!r}") from None
    return factory(**kwargs)


def _num(s, lo=-math.inf, hi=math.inf, lo_open=False):
    """A problem parameter: a number (2/3, 1e-3) in [lo, hi] (or (lo, hi]); anything else raises ValueError."""
    x = float(parse_fraction("value", s))
    if not (math.isfinite(x) and (x > lo if lo_open else x >= lo) and x <= hi):
        raise ValueError(s)
    return x


def _int(s, lo=0, hi=10**6):
    x = _num(s, lo, hi)
    if x != int(x):
        raise ValueError(s)
    return int(x)


def _nums(s, lo, hi, lo_open=False, n_max=1000):
    parts = str(s).split(",")
    if len(parts) > n_max:
        raise ValueError(s)
    return tuple(_num(x, lo, hi, lo_open) for x in parts)


MAX_DIM = 10**6
MAX_P = 64  # beyond it p^(p/(p-1)) and |w|^p leave float64 for moderate |w|


def _dim(s):
    return _int(s, 1, MAX_DIM)


register(
    "power",
    Power,
    {"p": (lambda s: _num(s, 2, MAX_P), 4.0, f"a number in [2, {MAX_P}]"), "dim": (_dim, 1, f"an integer in [1, {MAX_DIM:.0e}]")},
    "||w||^p",
)
register(
    "power_sum",
    PowerSum,
    {
        "ps": (lambda s: _nums(s, 2, MAX_P), (2.0, 4.0), f"a comma list of numbers in [2, {MAX_P}]"),
        "weights": (lambda s: _nums(s, 0, 1e6, lo_open=True), (1.0, 1.0), "a comma list of numbers in (0, 1e6]"),
    },
    "sum_i c_i |w_i|^p_i",
)
register(
    "quadratic",
    Quadratic,
    {"dim": (_dim, 1, f"an integer in [1, {MAX_DIM:.0e}]"), "cond": (lambda s: _num(s, 1, 1e12), 1.0, "a number in [1, 1e12]")},
    "1/2 sum lambda_i w_i^2",
)
register("cosh", Cosh, {"dim": (_dim, 1, f"an integer in [1, {MAX_DIM:.0e}]")}, "sum_i cosh(w_i) - 1")
register("paper_example1", PaperExample1, {}, "1/2 w^2 (exp(w^2) - 1) + 1/2 w^2 (paper, after Assumption 2)")
register("paper_example2", PaperExample2, {}, "w + 1/2 w^2 + w^4 (paper, after Assumption 2)")
