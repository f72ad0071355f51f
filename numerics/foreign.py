"""Optimizers across libraries: an optax GradientTransformation or a torch.optim optimizer as an engine optimizer
(so that the checkers can hold it against a theorem), and I-NSGD as an optax transformation and a torch optimizer.

* `optax_optimizer(make)`: make(learning_rate) -> optax.GradientTransformation; the engine's R runs are one vmapped,
  jitted update in float64, its state a list of arrays with a leading run axis (so stopped runs keep theirs).
* `torch_optimizer(make)`: make(params, lr) -> torch.optim.Optimizer; one optimizer per run, in float64.
* `insgd_optax(...)`, `INSGD(...)`: eq. (13), w <- w - gamma g_B / max(floor, (k (2 ||g_B'|| + delta))^beta), the
  second gradient g_B' given beside the first (an independent minibatch); after each step the two gradient norms and
  whether the normalization acted (its denominator above the floor) are in the state (`InsgdState`) or in
  `optimizer.last`. Both match numerics.optimizers.insgd_update step for step (tests/test_foreign.py).

PyTorch and JAX are optional (insgd[torch], insgd[jax]) and imported only here, when used.
"""

import numpy as np

from insgd.core import InputError
from insgd.numerics.arrays import row_norm
from insgd.numerics.optimizers import Optimizer


def _grads(W, oracle, keys, hp, stochastic):
    if stochastic:
        return oracle.grad(W, oracle.draw(keys, "B", hp["batch"])), hp["batch"]
    return oracle.exact(W)


def _one_gamma(hp, name):
    g = np.unique(np.asarray(hp["gamma"], float))
    if len(g) != 1:
        raise InputError(f"{name}: one learning rate for every run (the optimizer is built once), got {len(g)}")
    return float(g[0])


def optax_optimizer(make, name="optax", stochastic=False) -> Optimizer:
    """An engine optimizer from make(learning_rate) -> optax.GradientTransformation (updates are added: w + u)."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        raise InputError("an optax optimizer needs jax and optax: pip install 'insgd[jax]'") from None
    jax.config.update("jax_enable_x64", True)
    built = {}  # learning rate -> (init, update), vmapped over runs and jitted
    treedef = None  # the structure of the optax state, whose leaves the engine holds per run

    def tx(hp):
        gamma = _one_gamma(hp, name)
        if gamma not in built:
            t = make(gamma)
            built[gamma] = (jax.jit(jax.vmap(t.init)), jax.jit(jax.vmap(t.update)))
        return built[gamma]

    def init(W0, hp):
        nonlocal treedef
        leaves, treedef = jax.tree_util.tree_flatten(tx(hp)[0](jnp.asarray(W0, jnp.float64)))
        return {"leaves": [np.asarray(x) for x in leaves]}

    def update(W, state, t, oracle, keys, hp):
        g, cost = _grads(W, oracle, keys, hp, stochastic)
        s = jax.tree_util.tree_unflatten(treedef, [jnp.asarray(x) for x in state["leaves"]])
        u, s = tx(hp)[1](jnp.asarray(g, jnp.float64), s, jnp.asarray(W, jnp.float64))
        return -np.asarray(u, float), {"leaves": [np.asarray(x) for x in jax.tree_util.tree_leaves(s)]}, cost

    defaults = {"gamma": None} | ({"batch": 1} if stochastic else {})
    return Optimizer(name, init, update, defaults, f"{name} (optax)", stochastic=stochastic)


def torch_optimizer(make, name="torch", stochastic=False) -> Optimizer:
    """An engine optimizer from make(params, lr) -> torch.optim.Optimizer: one per run, the run's iterate a float64
    parameter whose .grad the engine's gradient fills before each step."""
    try:
        import torch
    except ImportError:
        raise InputError("a torch optimizer needs torch: pip install 'insgd[torch]'") from None
    runs = {}

    def init(W0, hp):
        gamma = _one_gamma(hp, name)
        runs["p"] = [torch.nn.Parameter(torch.tensor(w, dtype=torch.float64)) for w in np.asarray(W0, float)]
        runs["opt"] = [make([p], gamma) for p in runs["p"]]
        return {}

    def update(W, state, t, oracle, keys, hp):
        g, cost = _grads(W, oracle, keys, hp, stochastic)
        out = np.empty_like(W)
        with torch.no_grad():
            for r, (p, opt) in enumerate(zip(runs["p"], runs["opt"], strict=True)):
                p.copy_(torch.as_tensor(W[r]))
                p.grad = torch.as_tensor(np.array(g[r], float))
                opt.step()
                out[r] = W[r] - p.detach().numpy()
        return out, state, cost

    defaults = {"gamma": None} | ({"batch": 1} if stochastic else {})
    return Optimizer(name, init, update, defaults, f"{name} (torch.optim)", stochastic=stochastic)


# -- I-NSGD for other libraries ------------------------------------------------------------------------------------


def _insgd_scale(gamma, beta, k, delta, floor, norm_prime):
    """gamma / max(floor, (k (2 ||g'|| + delta))^beta) and whether the normalization acted (numerics/optimizers.py)."""
    raw = (k * (2 * norm_prime + delta)) ** beta
    return gamma / np.maximum(floor, raw), raw > floor


def insgd_optax(learning_rate, beta, k=1.0, delta=0.0, floor=1.0):
    """I-NSGD as an optax GradientTransformationExtraArgs: update(g_B, state, params, second_grad=g_B') returns
    -gamma g_B / max(floor, (k (2 ||g_B'|| + delta))^beta); the state (InsgdState) holds the step count, the two
    gradient norms of the last step and whether the normalization acted."""
    try:
        import jax
        import jax.numpy as jnp
        import optax
    except ImportError:
        raise InputError("insgd_optax needs jax and optax: pip install 'insgd[jax]'") from None
    from typing import NamedTuple

    class InsgdState(NamedTuple):
        count: object
        grad_norm: object
        second_grad_norm: object
        acted: object

    def init(params):
        z = jnp.zeros((), jnp.float64)
        return InsgdState(jnp.zeros((), jnp.int64), z, z, jnp.zeros((), bool))

    def update(updates, state, params=None, *, second_grad=None, **extra):
        if second_grad is None:
            raise InputError("insgd_optax needs second_grad=g_B' (an independent minibatch gradient) in update()")
        leaves = lambda t: jnp.concatenate([jnp.ravel(x) for x in jax.tree_util.tree_leaves(t)])  # noqa: E731
        n, n2 = jnp.linalg.norm(leaves(updates)), jnp.linalg.norm(leaves(second_grad))
        raw = (k * (2 * n2 + delta)) ** beta
        scale = learning_rate / jnp.maximum(floor, raw)
        new = jax.tree_util.tree_map(lambda x: -scale * x, updates)
        return new, InsgdState(state.count + 1, n, n2, raw > floor)

    return optax.GradientTransformationExtraArgs(init, update)


def insgd_torch():
    """The class INSGD(params, lr, beta, k=1, delta=0, floor=1), a torch.optim.Optimizer: step(second_grads=[...])
    takes g_B' for each parameter (the .grad holds g_B); `last` holds the two norms and whether the normalization
    acted. Returned from a function so that importing this module does not import torch."""
    try:
        import torch
    except ImportError:
        raise InputError("INSGD needs torch: pip install 'insgd[torch]'") from None

    class INSGD(torch.optim.Optimizer):
        def __init__(self, params, lr, beta, k=1.0, delta=0.0, floor=1.0):
            if not (lr > 0 and 0 < beta <= 1 and k > 0 and delta >= 0 and floor > 0):
                raise InputError(f"INSGD needs lr > 0, 0 < beta <= 1, k > 0, delta >= 0, floor > 0; got {lr}, {beta}, {k}")
            super().__init__(params, {"lr": lr, "beta": beta, "k": k, "delta": delta, "floor": floor})
            self.last = {}

        @torch.no_grad()
        def step(self, closure=None, second_grads=None):
            ps = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
            if second_grads is None or len(second_grads) != len(ps):
                raise InputError("INSGD.step needs second_grads: one g_B' tensor per parameter with a .grad")
            n = torch.sqrt(sum((p.grad.double() ** 2).sum() for p in ps))
            n2 = torch.sqrt(sum((g.double() ** 2).sum() for g in second_grads))
            h = self.param_groups[0]
            raw = (h["k"] * (2 * n2 + h["delta"])) ** h["beta"]
            scale = h["lr"] / max(h["floor"], float(raw))
            for p in ps:
                p.add_(p.grad, alpha=-scale)
            self.last = {"grad_norm": float(n), "second_grad_norm": float(n2), "acted": bool(raw > h["floor"])}

    return INSGD


def insgd_reference_step(w, g, g_prime, gamma, beta, k=1.0, delta=0.0, floor=1.0):
    """One I-NSGD step by numerics.optimizers' formula on one run (the reference the adapters are held against)."""
    scale, acted = _insgd_scale(gamma, beta, k, delta, floor, row_norm(np.asarray(g_prime, float)[None])[0])
    return np.asarray(w, float) - scale * np.asarray(g, float), bool(acted)
