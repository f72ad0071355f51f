"""Gradient oracles over a flat float64 parameter vector: a registered problem, a PyTorch loss, a JAX loss.

The estimator of (L0, L1, alpha) (verify/audit/estimate.py) and the optimizer checks need the same three things from
any model: its dimension, a grouping of its coordinates (the whole model, or one group per layer or tensor), and
value_and_grad(x) -> (f(x), grad f(x)) at a flat vector x. PyTorch and JAX are optional (extras insgd[torch],
insgd[jax]) and imported only when an oracle of theirs is built; their computations run in float64 so that
gradient differences of nearby points are not lost to float32 rounding.
"""

import numpy as np

from insgd.core import InputError


class FlatOracle:
    """The interface: `dim`, `groups` [(name, slice)], `value_and_grad(x)`, `x0` (a start, or None)."""

    dim: int
    groups: list
    x0 = None

    def value_and_grad(self, x):
        raise NotImplementedError

    def grad(self, x):
        return self.value_and_grad(x)[1]


class ProblemOracle(FlatOracle):
    """A registered problem (numerics/problems.py, finite_sums.py), one group."""

    def __init__(self, problem):
        self.problem, self.dim = problem, problem.dim
        self.groups = [("all", slice(0, problem.dim))]

    def value_and_grad(self, x):
        f, g = self.problem.value_and_grad(np.asarray(x, float)[None])
        return float(f[0]), np.asarray(g[0], float)


def _group_slices(names_sizes, grouping):
    """[(group, slice)] over consecutive coordinates: one group per tensor (grouping "tensor"), one for all ("all"),
    or a dict group -> list of tensor names (every tensor in exactly one group, in the tensors' order)."""
    offsets, o = {}, 0
    for name, size in names_sizes:
        offsets[name] = (o, o + size)
        o += size
    if grouping == "all":
        return [("all", slice(0, o))]
    if grouping == "tensor":
        return [(name, slice(a, b)) for name, (a, b) in offsets.items()]
    if not isinstance(grouping, dict):
        raise InputError(f"grouping must be 'all', 'tensor' or a dict group -> tensor names, got {grouping!r}")
    seen = [n for names in grouping.values() for n in names]
    if sorted(seen) != sorted(offsets):
        raise InputError(f"grouping must list every tensor exactly once: tensors {sorted(offsets)}, got {sorted(seen)}")
    out = []
    for g, names in grouping.items():
        spans = sorted(offsets[n] for n in names)
        if any(spans[i][1] != spans[i + 1][0] for i in range(len(spans) - 1)):
            raise InputError(f"group {g!r} must be consecutive tensors, got {names}")
        out.append((str(g), slice(spans[0][0], spans[-1][1])))
    return out


class TorchOracle(FlatOracle):
    """loss(params: dict name -> tensor) -> scalar tensor, differentiated by torch.func.grad, in float64.
    `params`: a torch.nn.Module (its named parameters) or a dict of tensors: the start x0 (flattened)."""

    def __init__(self, loss, params, grouping="tensor"):
        try:
            import torch
            from torch.func import grad_and_value
        except ImportError:
            raise InputError("a PyTorch model needs torch: pip install 'insgd[torch]'") from None
        self.torch = torch
        if isinstance(params, torch.nn.Module):
            params = dict(params.named_parameters())
        self.names = list(params)
        self.shapes = [tuple(params[n].shape) for n in self.names]
        sizes = [int(np.prod(s)) for s in self.shapes]
        self.dim = sum(sizes)
        self.groups = _group_slices(list(zip(self.names, sizes, strict=True)), grouping)
        self.x0 = np.concatenate([params[n].detach().double().reshape(-1).cpu().numpy() for n in self.names])
        self._gv = grad_and_value(loss)

    def _dict(self, x):
        t, out, o = self.torch, {}, 0
        for n, s in zip(self.names, self.shapes, strict=True):
            k = int(np.prod(s))
            out[n] = t.as_tensor(x[o : o + k], dtype=t.float64).reshape(s)
            o += k
        return out

    def value_and_grad(self, x):
        g, f = self._gv(self._dict(np.asarray(x, float)))
        return float(f), np.concatenate([g[n].detach().reshape(-1).numpy() for n in self.names])


class JaxOracle(FlatOracle):
    """loss(params: any pytree of arrays) -> scalar, differentiated by jax.value_and_grad in float64 (jax_enable_x64)."""

    def __init__(self, loss, params, grouping="tensor"):
        try:
            import jax
            from jax.flatten_util import ravel_pytree
        except ImportError:
            raise InputError("a JAX model needs jax: pip install 'insgd[jax]'") from None
        jax.config.update("jax_enable_x64", True)
        params = jax.tree_util.tree_map(lambda a: jax.numpy.asarray(a, dtype=jax.numpy.float64), params)
        flat, self._unravel = ravel_pytree(params)
        leaves = jax.tree_util.tree_flatten_with_path(params)[0]
        names = [jax.tree_util.keystr(p) for p, _ in leaves]
        self.groups = _group_slices([(n, int(np.size(v))) for n, (_, v) in zip(names, leaves, strict=True)], grouping)
        self.dim, self.x0 = int(flat.size), np.asarray(flat, float)
        self._vg = jax.jit(jax.value_and_grad(lambda v: loss(self._unravel(v))))

    def value_and_grad(self, x):
        f, g = self._vg(np.asarray(x, float))
        return float(f), np.asarray(g, float)
