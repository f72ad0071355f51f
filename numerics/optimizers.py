r"""Optimizers as pure steps built from two small pieces: a gradient *estimator* and a step *scale*.

w_{t+1} = w_t - scale_t * g_t, with (estimator, scale) per method:

| name          | estimator                          | scale_t                                                   |
|---------------|------------------------------------|-----------------------------------------------------------|
| gd            | grad F(w_t)                        | gamma                                                     |
| ngd           | grad F(w_t)                        | gamma / ||g_t||^beta                          (eq. 4)     |
| sgd           | minibatch B                        | gamma                                                     |
| nsgd          | minibatch B                        | gamma / ||g_t||^beta                          (eq. 10)    |
| clipped_sgd   | minibatch B                        | gamma / max(1, (||g_t|| + delta) / clip)                  |
| insgd         | minibatch B                        | gamma / h_t^beta, h_t = max(1, k (2||g_B'|| + delta)) (eq. 13) |
| nsgd_momentum | m_t = mom m_{t-1} + (1-mom) g_B    | gamma / ||m_t||^beta                                      |
| spider        | v_t (SPIDER, period q, batch0)     | gamma / ||v_t||^beta                                      |

Choices where the paper is silent (cited):
* clipped SGD (Zhang et al. 2019, "Why gradient clipping accelerates training", clipped GD
  h = min(eta, gamma eta/||g||)): we use the norm-clipping form gamma / max(1, (||g|| + delta)/clip), which
  is min(gamma, gamma clip/(||g|| + delta)); the paper's "maximal gradient clipping constant 45 and
  delta = 15" maps to clip = 45, delta = 15. delta = 0 gives plain clipping at `clip`.
* I-NSGD: k = (4 L1 gamma)^(1/beta) as printed when L1 is given; otherwise k is a hyperparameter itself
  (default 1). The experiments' "maximal gradient clipping constant" has two readings, k = clip (a
  multiplier, as k sits in eq. 13) and k = 1/clip (a divisor, as in clipping); `insgd reproduce` offers both.
* normalized SGD with momentum (Cutkosky & Mehta 2020): m_0 = g_0, mom = 0.9 by default, beta = 1.
* SPIDER (Fang et al. 2018) in the normalized form of Chen et al. (2023): every q steps v = grad of a
  batch of batch0 samples; otherwise v_t = v_{t-1} + g_S(w_t) - g_S(w_{t-1}) on one batch S of size B;
  the step normalizes v_t by ||v_t||^beta.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from insgd.core import InputError


class State(NamedTuple):
    w: np.ndarray  # (R, d)
    t: int
    m: np.ndarray  # estimator memory (momentum / SPIDER), (R, d)
    w_prev: np.ndarray  # previous iterate (SPIDER), (R, d)


def _norm(G):
    return np.sqrt((G * G).sum(axis=1))


def _pow_inv(n, beta):
    """1 / n^beta; a zero gradient gives a zero step whatever beta (it multiplies g = 0)."""
    return np.power(n, -beta, out=np.ones_like(n), where=n > 0)


# -- estimators: (state, oracle, hp) -> (g, m) --------------------------------------------------------

def est_full(state, oracle, hp):
    g = oracle.grad(state.w) if not oracle.stochastic else oracle.full(state.w)
    return g, state.m


def est_minibatch(state, oracle, hp):
    return oracle.grad(state.w, "B", hp["batch"]), state.m


def est_momentum(state, oracle, hp):
    g = oracle.grad(state.w, "B", hp["batch"])
    mom = hp["momentum"][:, None]
    m = g if state.t == 0 else mom * state.m + (1 - mom) * g
    return m, m


def est_spider(state, oracle, hp):
    if state.t % hp["q"] == 0:
        v = oracle.grad(state.w, "B0", hp["batch0"])
    else:
        g1, g0 = oracle.grad_pair(state.w, state.w_prev, "B", hp["batch"])
        v = state.m + g1 - g0
    return v, v


# -- scales: (state, oracle, g, hp) -> (R,) -----------------------------------------------------------

def scale_constant(state, oracle, g, hp):
    return hp["gamma"]


def scale_normalize(state, oracle, g, hp):
    return hp["gamma"] * _pow_inv(_norm(g), hp["beta"])


def scale_clip(state, oracle, g, hp):
    return hp["gamma"] / np.maximum(1.0, (_norm(g) + hp["delta"]) / hp["clip"])


def scale_independent(state, oracle, g, hp):
    gp = oracle.grad(state.w, "B_prime", hp["batch_prime"])
    beta = hp["beta"]
    k = (4 * hp["L1"] * hp["gamma"]) ** (1 / beta) if "L1" in hp else hp["k"]
    h = np.maximum(1.0, k * (2 * _norm(gp) + hp["delta"]))
    return hp["gamma"] / h**beta


@dataclass(frozen=True)
class Optimizer:
    name: str
    estimator: object
    scale: object
    defaults: dict  # hyperparameter -> default (None: required)
    doc: str

    def init(self, w0) -> State:
        w0 = np.array(w0, dtype=float)
        return State(w0, 0, np.zeros_like(w0), w0.copy())

    def step(self, state: State, oracle, hp) -> State:
        g, m = self.estimator(state, oracle, hp)
        s = self.scale(state, oracle, g, hp)
        return State(state.w - s[:, None] * g, state.t + 1, m, state.w)

    def hyperparameters(self, runs: int, given: dict) -> dict:
        """Validate and broadcast hyperparameters to per-run arrays (batch sizes: one integer for all runs)."""
        unknown = set(given) - set(self.defaults)
        if unknown:
            raise InputError(f"opt {sorted(unknown)[0]!r} is not a hyperparameter of {self.name} "
                             f"(hyperparameters: {', '.join(self.defaults)})")
        hp = {}
        for k, default in self.defaults.items():
            if default is OPTIONAL and k not in given:
                continue
            v = given.get(k, default)
            if v is None:
                raise InputError(f"opt {k} is required for {self.name} (e.g. --opt {k}=0.01)")
            if k in INTEGER:
                v = np.asarray(v)
                if v.size != 1 or not np.isfinite(float(v)) or int(v) != float(v) or not 1 <= int(v) <= MAX_BATCH:
                    raise InputError(f"opt {k} must be one integer in [1, {MAX_BATCH:.0e}] for all runs, got {given.get(k)}")
                hp[k] = int(v)
                continue
            arr = np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), (runs,)).copy() if np.size(v) in (1, runs) \
                else None
            if arr is None:
                want = "1 value" if runs == 1 else f"1 or {runs} values (one per run)"
                raise InputError(f"opt {k} must have {want}, got {np.size(v)}")
            if not np.all(np.isfinite(arr)):
                raise InputError(f"opt {k} must be finite, got {v}")
            lo, hi, cond = RANGES.get(k, (0.0, np.inf, f"{k} > 0"))
            ok = (arr > lo) & (arr <= hi) if k not in CLOSED_LOW else (arr >= lo) & (arr <= hi)
            if not ok.all():
                raise InputError(f"opt {k} must satisfy {cond}, got {arr[~ok][0]:g}")
            hp[k] = arr
        if self.name == "insgd" and np.any(hp["beta"] == 0):
            raise InputError("opt beta must satisfy 0 < beta <= 1 for insgd (h_t uses 1/beta)")
        return hp


OPTIONAL = "optional"
MAX_BATCH = 10**8
INTEGER = {"batch", "batch_prime", "batch0", "q"}
CLOSED_LOW = {"beta", "delta", "momentum"}
RANGES = {"beta": (0.0, 1.0, "0 <= beta <= 1"), "delta": (0.0, np.inf, "delta >= 0"),
          "momentum": (0.0, 1.0 - 1e-15, "0 <= momentum < 1"), "gamma": (0.0, np.inf, "gamma > 0"),
          "clip": (0.0, np.inf, "clip > 0")}

_G = {"gamma": None}
OPTIMIZERS = {
    "gd": Optimizer("gd", est_full, scale_constant, dict(_G), "gradient descent"),
    "ngd": Optimizer("ngd", est_full, scale_normalize, {**_G, "beta": 1.0}, "normalized GD, eq. (4)"),
    "sgd": Optimizer("sgd", est_minibatch, scale_constant, {**_G, "batch": 1}, "minibatch SGD"),
    "nsgd": Optimizer("nsgd", est_minibatch, scale_normalize, {**_G, "beta": 1.0, "batch": 1}, "normalized SGD, eq. (10)"),
    "clipped_sgd": Optimizer("clipped_sgd", est_minibatch, scale_clip, {**_G, "clip": None, "delta": 0.0, "batch": 1},
                             "clipped SGD (Zhang et al. 2019)"),
    "insgd": Optimizer("insgd", est_minibatch, scale_independent,
                       {**_G, "beta": None, "batch": 1, "batch_prime": 1, "delta": 0.0, "k": 1.0, "L1": OPTIONAL},
                       "I-NSGD, eq. (13)"),
    "nsgd_momentum": Optimizer("nsgd_momentum", est_momentum, scale_normalize,
                               {**_G, "beta": 1.0, "batch": 1, "momentum": 0.9}, "normalized SGD with momentum"),
    "spider": Optimizer("spider", est_spider, scale_normalize, {**_G, "beta": 1.0, "batch": 1, "batch0": 64, "q": 10},
                        "normalized SPIDER"),
}


def get_optimizer(name: str) -> Optimizer:
    if name not in OPTIMIZERS:
        raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name]
