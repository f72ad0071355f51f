r"""Optimizers as (init, update) pairs, as in optax: the engine knows none of them by name.

Each optimizer owns

* ``init(W0, hp) -> state``: its state for R runs (a dict of arrays with a leading run axis; ``{}`` when stateless);
* ``update(W, state, t, oracle, keys, hp) -> (updates, state, samples)``: a pure step. It draws its minibatches
  from the explicit per-run ``keys`` through the pure ``oracle`` (``oracle.draw``/``oracle.grad``, or
  ``oracle.exact``), returns the update (the engine applies ``W - updates``), its new state, and the samples it
  drew in this step (an integer, the same for every run).

w_{t+1} = w_t - scale_t * g_t, with

| name          | g_t                                  | scale_t                                                        |
|---------------|--------------------------------------|----------------------------------------------------------------|
| gd            | grad F(w_t)                          | gamma                                                          |
| ngd           | grad F(w_t)                          | gamma / ||g_t||^beta                          (eq. 4)          |
| sgd           | minibatch B                          | gamma                                                          |
| nsgd          | minibatch B                          | gamma / ||g_t||^beta                          (eq. 10)         |
| clipped_sgd   | minibatch B                          | gamma / max(1, (||g_t|| + delta) / clip)                       |
| insgd         | minibatch B                          | gamma / max(floor, (k (2||g_B'|| + delta))^beta)       (eq. 13) |
| nsgd_momentum | m_t = mom m_{t-1} + (1-mom) g_B      | gamma / ||m_t||^beta                                           |
| spider        | v_t (SPIDER, period q, batch0)       | gamma / ||v_t||^beta                                           |
| spider_sfo    | v_t (full gradient every q steps)    | min(gamma / ||v_t||, lr)                      (SPIDER-SFO)     |

Choices where the paper is silent (cited):
* clipped SGD (Zhang et al. 2020, "Why gradient clipping accelerates training", clipped GD
  h = min(eta, gamma eta/||g||)): the norm-clipping form gamma / max(1, (||g|| + delta)/clip), which is
  min(gamma, gamma clip/(||g|| + delta)); delta = 0 gives plain clipping at `clip`.
* I-NSGD: k = (4 L1 gamma)^(1/beta) as printed when L1 is given; otherwise k is a hyperparameter (default 1).
  With floor = 1 (default) the step is gamma / h_t^beta with h_t = max(1, k (2||g_B'|| + delta)), eq. (13) exactly;
  other floors express other readings of the experiments' clipping constant (verify/experiments/reproduce.py). Its state
  counts the steps where the normalization exceeds the floor (`h_active`).
* normalized SGD with momentum (Cutkosky & Mehta 2020): m_0 = g_0, mom = 0.9 by default, beta = 1.
* SPIDER (Fang et al. 2018) in the normalized form of Chen et al. (2023): every q steps v = grad of a batch of
  batch0 samples; otherwise v_t = v_{t-1} + g_S(w_t) - g_S(w_{t-1}) on one batch S of B samples (B samples
  drawn, 2B component gradients evaluated); the step normalizes v_t by ||v_t||^beta.
* SPIDER-SFO (Fang, Li, Lin and Zhang 2018, "SPIDER: near-optimal non-convex optimization via stochastic path
  integrated differential estimator", Algorithm 1, finite-sum form): every q steps v_t = grad F(w_t), the full
  gradient (n samples: `oracle.exact`); otherwise v_t = v_{t-1} + g_S(w_t) - g_S(w_{t-1}) on one batch S of B
  samples; w_{t+1} = w_t - eta_t v_t with eta_t = min(eps / (L n0 ||v_t||), 1 / (2 L n0)): here
  gamma = eps / (L n0) (the step length while the gradient is large) and lr = 1 / (2 L n0) (the linear step near a
  stationary point), so eta_t = min(gamma / ||v_t||, lr).
"""

from dataclasses import dataclass

import numpy as np

from insgd.core import InputError
from insgd.numerics.arrays import pow_inv, row_norm

# -- updates: (W, state, t, oracle, keys, hp) -> (updates, state, samples) ------------------------------------------


def _scaled(scale, g):
    return scale[:, None] * g


def gd_update(W, state, t, oracle, keys, hp):
    g, cost = oracle.exact(W)
    return _scaled(hp["gamma"], g), state, cost


def ngd_update(W, state, t, oracle, keys, hp):
    g, cost = oracle.exact(W)
    return _scaled(hp["gamma"] * pow_inv(row_norm(g), hp["beta"]), g), state, cost


def sgd_update(W, state, t, oracle, keys, hp):
    g = oracle.grad(W, oracle.draw(keys, "B", hp["batch"]))
    return _scaled(hp["gamma"], g), state, hp["batch"]


def nsgd_update(W, state, t, oracle, keys, hp):
    g = oracle.grad(W, oracle.draw(keys, "B", hp["batch"]))
    return _scaled(hp["gamma"] * pow_inv(row_norm(g), hp["beta"]), g), state, hp["batch"]


def clipped_sgd_update(W, state, t, oracle, keys, hp):
    g = oracle.grad(W, oracle.draw(keys, "B", hp["batch"]))
    scale = hp["gamma"] / np.maximum(1.0, (row_norm(g) + hp["delta"]) / hp["clip"])
    return _scaled(scale, g), state, hp["batch"]


def insgd_k(hp):
    """I-NSGD's clipping constant: k = (4 L1 gamma)^(1/beta) (eq. 13) when L1 is given, else the hyperparameter k."""
    return (4 * hp["L1"] * hp["gamma"]) ** (1 / hp["beta"]) if "L1" in hp else hp["k"]


def insgd_init(W0, hp):
    return {"h_active": np.zeros(W0.shape[0], np.int64)}


def insgd_update(W, state, t, oracle, keys, hp):
    g = oracle.grad(W, oracle.draw(keys, "B", hp["batch"]))
    gp = oracle.grad(W, oracle.draw(keys, "B_prime", hp["batch_prime"]))  # independent of g: eq. (13)
    beta = hp["beta"]
    raw = (insgd_k(hp) * (2 * row_norm(gp) + hp["delta"])) ** beta
    floor = hp["floor"]
    state = {"h_active": state["h_active"] + (raw > floor)}
    return _scaled(hp["gamma"] / np.maximum(floor, raw), g), state, hp["batch"] + hp["batch_prime"]


def momentum_init(W0, hp):
    return {"m": np.zeros_like(W0)}


def momentum_update(W, state, t, oracle, keys, hp):
    g = oracle.grad(W, oracle.draw(keys, "B", hp["batch"]))
    mom = hp["momentum"][:, None]
    m = g if t == 0 else mom * state["m"] + (1 - mom) * g
    return _scaled(hp["gamma"] * pow_inv(row_norm(m), hp["beta"]), m), {"m": m}, hp["batch"]


def spider_init(W0, hp):
    return {"v": np.zeros_like(W0), "w_prev": W0.copy()}


def spider_update(W, state, t, oracle, keys, hp):
    if t % hp["q"] == 0:
        v, cost = oracle.grad(W, oracle.draw(keys, "B0", hp["batch0"])), hp["batch0"]
    else:
        xi = oracle.draw(keys, "B", hp["batch"])
        v, cost = state["v"] + oracle.grad(W, xi) - oracle.grad(state["w_prev"], xi), hp["batch"]
    return _scaled(hp["gamma"] * pow_inv(row_norm(v), hp["beta"]), v), {"v": v, "w_prev": W}, cost


def spider_sfo_update(W, state, t, oracle, keys, hp):
    if t % hp["q"] == 0:
        v, cost = oracle.exact(W)
    else:
        xi = oracle.draw(keys, "B", hp["batch"])
        v, cost = state["v"] + oracle.grad(W, xi) - oracle.grad(state["w_prev"], xi), hp["batch"]
    eta = np.minimum(hp["gamma"] * pow_inv(row_norm(v), 1.0), hp["lr"])
    return _scaled(eta, v), {"v": v, "w_prev": W}, cost


def _no_state(W0, hp):
    return {}


# -- the table ---------------------------------------------------------------------------------------------------------

OPTIONAL = "optional"
MAX_BATCH = 10**8
INTEGER = {"batch", "batch_prime", "batch0", "q"}
# name -> (lo, hi, lo closed, condition shown)
RANGES = {
    "beta": (0.0, 1.0, True, "0 <= beta <= 1"),
    "delta": (0.0, np.inf, True, "delta >= 0"),
    "momentum": (0.0, 1.0 - 1e-15, True, "0 <= momentum < 1"),
}


@dataclass(frozen=True)
class Optimizer:
    name: str
    init: object  # (W0, hp) -> state
    update: object  # (W, state, t, oracle, keys, hp) -> (updates, state, samples)
    defaults: dict  # hyperparameter -> default (None: required; OPTIONAL: may be absent)
    doc: str
    stochastic: bool = True  # False: uses exact gradients only (oracle.exact)
    positive: tuple = ()  # hyperparameters that must be > 0 here although their range allows 0
    exclusive: tuple = ()  # (a, b, why): hyperparameters that cannot both be given (one would be ignored)

    def hyperparameters(self, runs: int, given: dict) -> dict:
        """Validate and broadcast hyperparameters to per-run arrays (batch sizes: one integer for all runs)."""
        unknown = set(given) - set(self.defaults)
        if unknown:
            raise InputError(
                f"opt {sorted(unknown)[0]!r} is not a hyperparameter of {self.name} (hyperparameters: {', '.join(self.defaults)})"
            )
        for a, b, why in self.exclusive:
            if a in given and b in given:
                raise InputError(f"opt {a} and opt {b} cannot both be given for {self.name}: {why}")
        hp = {}
        for k, default in self.defaults.items():
            if default is OPTIONAL and k not in given:
                continue
            v = given.get(k, default)
            if v is None:
                raise InputError(f"opt {k} is required for {self.name} (e.g. --opt {k}=0.01)")
            hp[k] = _integer(k, v, given.get(k)) if k in INTEGER else _per_run(k, v, runs, k in self.positive)
        return hp


def _integer(k, v, shown):
    v = np.asarray(v)
    if v.size != 1 or not np.isfinite(float(v)) or int(v) != float(v) or not 1 <= int(v) <= MAX_BATCH:
        raise InputError(f"opt {k} must be one integer in [1, {MAX_BATCH:.0e}] for all runs, got {shown}")
    return int(v)


def _per_run(k, v, runs, positive):
    if np.size(v) not in (1, runs):
        want = "1 value" if runs == 1 else f"1 or {runs} values (one per run)"
        raise InputError(f"opt {k} must have {want}, got {np.size(v)}")
    arr = np.broadcast_to(np.asarray(v, dtype=float).reshape(-1), (runs,)).copy()
    if not np.all(np.isfinite(arr)):
        raise InputError(f"opt {k} must be finite, got {v}")
    lo, hi, closed, cond = RANGES.get(k, (0.0, np.inf, False, f"{k} > 0"))
    if positive:
        closed, cond = False, f"0 < {k} <= {hi:g}" if np.isfinite(hi) else f"{k} > 0"
    ok = ((arr >= lo) if closed else (arr > lo)) & (arr <= hi)
    if not ok.all():
        raise InputError(f"opt {k} must satisfy {cond}, got {arr[~ok][0]:g}")
    return arr


_G = {"gamma": None}
OPTIMIZERS = {
    o.name: o
    for o in (
        Optimizer("gd", _no_state, gd_update, dict(_G), "gradient descent", stochastic=False),
        Optimizer("ngd", _no_state, ngd_update, {**_G, "beta": 1.0}, "normalized GD, eq. (4)", stochastic=False),
        Optimizer("sgd", _no_state, sgd_update, {**_G, "batch": 1}, "minibatch SGD"),
        Optimizer("nsgd", _no_state, nsgd_update, {**_G, "beta": 1.0, "batch": 1}, "normalized SGD, eq. (10)"),
        Optimizer(
            "clipped_sgd",
            _no_state,
            clipped_sgd_update,
            {**_G, "clip": None, "delta": 0.0, "batch": 1},
            "clipped SGD (Zhang et al. 2020)",
        ),
        Optimizer(
            "insgd",
            insgd_init,
            insgd_update,
            {**_G, "beta": None, "batch": 1, "batch_prime": 1, "delta": 0.0, "k": 1.0, "floor": 1.0, "L1": OPTIONAL},
            "I-NSGD, eq. (13) (beta > 0: h_t uses 1/beta)",
            positive=("beta",),
            exclusive=(("k", "L1", "L1 sets k = (4 L1 gamma)^(1/beta) (eq. 13), so a given k would be ignored"),),
        ),
        Optimizer(
            "nsgd_momentum",
            momentum_init,
            momentum_update,
            {**_G, "beta": 1.0, "batch": 1, "momentum": 0.9},
            "normalized SGD with momentum",
        ),
        Optimizer(
            "spider", spider_init, spider_update, {**_G, "beta": 1.0, "batch": 1, "batch0": 64, "q": 10}, "normalized SPIDER"
        ),
        Optimizer(
            "spider_sfo",
            spider_init,
            spider_sfo_update,
            {**_G, "batch": 1, "q": 10, "lr": None},
            "SPIDER-SFO (Fang et al. 2018): full gradient every q steps, step min(gamma/||v||, lr)",
        ),
    )
}


def get_optimizer(name: str) -> Optimizer:
    if name not in OPTIMIZERS:
        raise InputError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name]
