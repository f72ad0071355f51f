"""Trajectories to estimate along: a registered problem run by the engine, a saved log, and the demo model (a
two-layer tanh network on the life-expectancy data, or on synthetic data of the same shape, in PyTorch, CPU)."""

import numpy as np

from insgd.core import InputError

MAX_LOG = 10**8  # numbers a log may hold (x and g together)


def problem_trajectory(problem, optimizer="gd", hp=None, iters=50, w0=None, seed=0):
    """The iterates of one engine run (recorded by the engine's callback) and the problem's oracle."""
    from insgd.numerics.engine import run
    from insgd.numerics.models import ProblemOracle

    xs = []

    def record(t, W, active):
        xs.append(np.array(W[0], float))
        return False

    w0 = np.full(problem.dim, 1.0) + problem.argmin if w0 is None else np.asarray(w0, float)
    run(problem, optimizer, w0, iters, [seed], hp or {"gamma": 1e-2}, callback=record, n_checkpoints=1)
    X = np.array(xs)
    keep = np.r_[True, np.any(np.diff(X, axis=0) != 0, axis=1)]  # a stopped run repeats its last iterate
    return ProblemOracle(problem), X[keep]


def load_log(path):
    """(X, G, groups) from an .npz with arrays x and g of shape (K, d), and optionally group_names (G,) with
    group_bounds (G, 2) (consecutive [start, stop) coordinate ranges)."""
    from pathlib import Path

    p = Path(path)
    if p.suffix != ".npz" or not p.is_file():
        raise InputError(f"log must be an existing .npz file, got {str(path)!r}")
    try:
        with np.load(p, allow_pickle=False) as z:
            if "x" not in z or "g" not in z:
                raise InputError(f"log {p.name} must hold arrays 'x' and 'g' (iterates and gradients, shape (K, d))")
            if z["x"].size + z["g"].size > MAX_LOG:
                raise InputError(f"log {p.name} holds more than {MAX_LOG:.0e} numbers; thin the trajectory first")
            X, G = np.asarray(z["x"], float), np.asarray(z["g"], float)
            names = [str(n) for n in z["group_names"]] if "group_names" in z else ["all"]
            bounds = np.asarray(z["group_bounds"], int) if "group_bounds" in z else np.array([[0, X.shape[-1]]])
    except (OSError, ValueError) as e:
        raise InputError(f"log {p.name} is not a readable .npz: {str(e)[:120]}") from None
    if X.ndim != 2 or X.shape != G.shape or len(X) < 2:
        raise InputError(f"log arrays x and g must have the same shape (K >= 2, d), got {X.shape} and {G.shape}")
    if len(names) != len(bounds) or bounds.ndim != 2 or bounds.shape[1] != 2:
        raise InputError("group_names and group_bounds must have the same length, bounds of shape (G, 2)")
    if not all(0 <= a < b <= X.shape[1] for a, b in bounds):
        raise InputError(f"group_bounds must lie in [0, {X.shape[1]}] with start < stop")
    return X, G, [(n, slice(int(a), int(b))) for n, (a, b) in zip(names, bounds, strict=True)]


class LogOracle:
    """A log's grouping without gradients at new points (the estimator then measures the trajectory only)."""

    def __init__(self, dim, groups):
        self.dim, self.groups = dim, groups

    def grad(self, x):
        raise InputError("a log has no gradients at new points: the probe needs a model or a registered problem")


def demo_model(data=None, hidden=16, steps=60, lr=0.1, seed=0):
    """A two-layer tanh regression network (PyTorch, float64) on the life-expectancy features (standardized, as the
    DRO experiment loads them) or, without data, on synthetic data of 200 rows and 8 features; trained by `steps`
    of normalized gradient descent (step lr / ||g||). Returns (oracle, iterates, description)."""
    try:
        import torch
        from torch.func import functional_call
    except ImportError:
        raise InputError("the demo model needs torch: pip install 'insgd[torch]'") from None
    from insgd.numerics.models import TorchOracle

    rng = np.random.default_rng(seed)
    if data is not None:
        from insgd.numerics.data import load_life_expectancy

        Xd, yd = load_life_expectancy(data)
        what = f"life-expectancy data ({Xd.shape[0]} rows, {Xd.shape[1]} features)"
    else:
        Xd = rng.normal(size=(200, 8))
        yd = np.tanh(Xd @ rng.normal(size=8)) + 0.1 * rng.normal(size=200)
        what = "synthetic data (200 rows, 8 features)"
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(Xd.shape[1], hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)).double()
    Xt, yt = torch.as_tensor(Xd, dtype=torch.float64), torch.as_tensor(np.asarray(yd, float).reshape(-1, 1))

    def loss(params):
        return ((functional_call(net, params, (Xt,)) - yt) ** 2).mean() / 2

    oracle = TorchOracle(loss, net, grouping="tensor")
    x, xs = oracle.x0.copy(), []
    for _ in range(steps):
        xs.append(x.copy())
        g = oracle.grad(x)
        x = x - lr * g / max(np.linalg.norm(g), 1e-12)
    xs.append(x)
    return oracle, np.array(xs), f"two-layer tanh network ({oracle.dim} parameters) on {what}, {steps} NGD steps"
