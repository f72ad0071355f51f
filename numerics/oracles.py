"""Gradient oracles as pure functions of (iterate, sample), with the randomness in explicit per-run keys.

A run's randomness is a `Keys` object: per run k and per purpose ('B', 'B_prime', 'B0', ...) one
`numpy.random.Generator`, derived from the run's seed by a `SeedSequence` (spawn key = the purpose). A run's trace
therefore depends on its seed only, not on which other runs share the batch, and the minibatch of I-NSGD's B and
B' are independent streams. Draws are taken in blocks of BLOCK steps per run to keep Python out of the hot loop;
the block size is fixed, so traces are reproducible bit for bit.

An oracle never holds random state or counts samples: `draw(keys, purpose, size)` turns keys into a sample xi,
`grad(W, xi)` is the minibatch-mean gradient at W on xi (the same xi at two points gives SPIDER's pair), and
`exact(W)` is the full gradient with its cost in samples. The optimizer returns the samples it drew; the engine
counts them.
"""

import zlib

import numpy as np

from insgd.core import InputError

BLOCK = 64


class Keys:
    """Per-run random keys: one Generator per (run, purpose), from SeedSequence(seed, spawn_key=(purpose,))."""

    def __init__(self, seeds):
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self._gens = {}
        self._buf = {}

    def __len__(self):
        return len(self.seeds)

    def generators(self, purpose: str) -> list:
        gens = self._gens.get(purpose)
        if gens is None:
            tag = zlib.crc32(purpose.encode())
            gens = [np.random.Generator(np.random.PCG64(np.random.SeedSequence(int(s), spawn_key=(tag,)))) for s in self.seeds]
            self._gens[purpose] = gens
        return gens

    def _block(self, purpose, kind, draw):
        key = (purpose, kind)
        buf = self._buf.get(key)
        if buf is None or buf[1] >= buf[0].shape[1]:
            buf = [np.stack([draw(g) for g in self.generators(purpose)]), 0]
            self._buf[key] = buf
        out = buf[0][:, buf[1]]
        buf[1] += 1
        return out

    def integers(self, purpose, high, size):
        return self._block(purpose, ("i", high, size), lambda g: g.integers(0, high, (BLOCK, size)))

    def integer_block(self, purpose, high, size):
        """[block (R, BLOCK, size), position of the next draw] of a stream of integer draws, itself (a new block drawn
        first when this one is used up, as `integers` does): the compiled step loop (numerics/fused.py) reads a
        segment's draws in place and moves the position on, so both backends take the same minibatches."""
        self.integers(purpose, high, size)
        buf = self._buf[(purpose, ("i", high, size))]
        buf[1] -= 1
        return buf

    def signs(self, purpose, size):
        return self._block(purpose, ("s", size), lambda g: 2.0 * g.integers(0, 2, (BLOCK, size)) - 1.0)

    def sphere(self, purpose, size, d):
        def draw(g):
            z = g.standard_normal((BLOCK, size, d))
            return z / np.linalg.norm(z, axis=-1, keepdims=True)

        return self._block(purpose, ("u", size, d), draw)

    def choice(self, purpose, high, size):
        """Indices without replacement (one call per run: not buffered)."""
        return np.stack([g.choice(high, size, replace=False) for g in self.generators(purpose)])


class Oracle:
    """Exact gradients. `exact(W)` returns (grad F(W), samples it costs: n for a finite sum of n terms, else 1).
    `remember(W, G)` offers the gradient the engine computed for its metrics, so it is not computed twice."""

    backend_used = "numpy"  # the backend of the minibatch gradients (only finite sums have fused kernels)

    def __init__(self, problem):
        self.problem = problem
        self._known = (None, None)

    def remember(self, W, G):
        self._known = (W, G)

    def exact(self, W):
        G = self._known[1] if self._known[0] is W else self.problem.grad(W)
        return G, self.problem.n_samples or 1

    def draw(self, keys, purpose, size):
        raise InputError(f"problem {self.problem.name} has no stochastic oracle; use --noise TAU1,TAU2 or a finite sum")

    def grad(self, W, xi):
        raise NotImplementedError


class FiniteSumOracle(Oracle):
    """Uniform minibatches of a finite sum. With replacement (default) indices are i.i.d.; without, a batch has
    distinct indices. Two batches drawn for one step (B and B' of I-NSGD) are independent draws, so they may share
    indices -- that is what independence means here."""

    def __init__(self, problem, replace=True, backend="numpy"):
        super().__init__(problem)
        self.replace = replace
        self.backend_used = backend if backend in getattr(problem, "fused_backends", ()) else "numpy"

    def draw(self, keys, purpose, size):
        m = self.problem.n_samples
        if self.replace:
            return keys.integers(purpose, m, size)
        if size > m:
            raise InputError(f"batch must satisfy batch <= m = {m} without replacement, got {size}")
        return keys.choice(purpose, m, size)

    def grad(self, W, xi):
        return self.problem.sample_grads(W, xi, self.backend_used)


class NoiseOracle(Oracle):
    """grad f_xi(w) = (1 + tau1 s) grad F(w) + tau2 u, s = +-1 equiprobable, u uniform on the unit sphere.

    Unbiased (Assumption 3), and ||grad f_xi - grad F|| = tau1 ||grad F|| + tau2 when u is aligned:
    Assumption 4 holds with exactly these (tau1, tau2) and they cannot be lowered.
    """

    def __init__(self, problem, tau1, tau2):
        if not (tau1 >= 0 and tau2 >= 0):
            raise InputError(f"noise must satisfy tau1 >= 0 and tau2 >= 0, got {tau1}, {tau2}")
        super().__init__(problem)
        self.tau1, self.tau2 = float(tau1), float(tau2)

    def draw(self, keys, purpose, size):
        return keys.signs(purpose, size).mean(axis=1), keys.sphere(purpose, size, self.problem.dim).mean(axis=1)

    def variance(self, batch: int) -> tuple:
        """(M, M_V) with E||g_batch(w) - grad F(w)||^2 = M + M_V ||grad F(w)||^2 exactly, for every w.

        g_batch - grad F = tau1 s_bar grad F + tau2 u_bar, with s_bar the mean of `batch` signs (E s_bar^2 = 1/batch)
        and u_bar the mean of `batch` independent unit vectors uniform on the sphere (E||u_bar||^2 = 1/batch, since
        E<u_i, u_j> = 0 for i != j); s and u are independent and centred, so the cross term vanishes.
        """
        if not (isinstance(batch, int) and batch >= 1):
            raise InputError(f"batch must be an integer >= 1, got {batch!r}")
        return self.tau2**2 / batch, self.tau1**2 / batch

    def grad(self, W, xi):
        s, u = xi
        return (1.0 + self.tau1 * s)[:, None] * self.problem.grad(W) + self.tau2 * u


def make_oracle(problem, noise=None, replace=True, backend="numpy") -> Oracle:
    """The synthetic oracle when noise = (tau1, tau2) is given, minibatches for a finite sum, else exact only.
    backend: the finite sums' minibatch gradients on "numba" when the problem has a fused kernel (numerics/fused.py);
    the synthetic oracle's combination (1 + tau1 s) grad F + tau2 u is elementwise and stays in NumPy."""
    if noise is not None:
        return NoiseOracle(problem, *noise)
    if problem.n_samples is not None:
        return FiniteSumOracle(problem, replace, backend)
    return Oracle(problem)
