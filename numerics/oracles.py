"""Stochastic oracles with a leading run axis, one random stream per run, and sample counting.

Run k draws from its own Generator seeded with seeds[k], so a run's trace depends on its seed only,
not on which other runs share the batch. Draws are taken in blocks of BLOCK steps per run to keep
the Python overhead out of the hot loop; the block size is fixed, so traces are reproducible.
"""

import numpy as np

from insgd.core import InputError

BLOCK = 64


class Streams:
    """Per-run generators with block-buffered draws, keyed by purpose ('B', 'B_prime', ...)."""

    def __init__(self, seeds):
        self.seeds = np.asarray(seeds, dtype=np.int64)
        self.gens = [np.random.default_rng(int(s)) for s in self.seeds]
        self._buf = {}

    def __len__(self):
        return len(self.gens)

    def _block(self, key, draw):
        buf = self._buf.get(key)
        if buf is None or buf[1] >= buf[0].shape[1]:
            buf = [np.stack([draw(g) for g in self.gens]), 0]
            self._buf[key] = buf
        out = buf[0][:, buf[1]]
        buf[1] += 1
        return out

    def integers(self, key, high, size):
        return self._block((key, "i", high, size), lambda g: g.integers(0, high, (BLOCK, size)))

    def signs(self, key, size):
        return self._block((key, "s", size), lambda g: 2.0 * g.integers(0, 2, (BLOCK, size)) - 1.0)

    def sphere(self, key, size, d):
        def draw(g):
            z = g.standard_normal((BLOCK, size, d))
            return z / np.linalg.norm(z, axis=-1, keepdims=True)

        return self._block((key, "u", size, d), draw)

    def choice(self, key, high, size):
        """Indices without replacement (one call per run: not buffered)."""
        return np.stack([g.choice(high, size, replace=False) for g in self.gens])


class Oracle:
    """Base: `grad(W, key, size)` returns the mean gradient of a fresh batch of `size` samples per run."""

    stochastic = True

    def prime(self, W, G):
        """Offer the exact gradient G at W (computed for the metrics); only exact oracles reuse it."""

    def __init__(self, problem, streams):
        self.problem, self.streams = problem, streams
        self.samples = np.zeros(len(streams), dtype=np.int64)

    def full(self, W):
        self.samples += self.problem.n_samples or 1
        return self.problem.grad(W)

    def grad(self, W, key, size):
        raise NotImplementedError

    def grad_pair(self, W, W_prev, key, size):
        """Gradients at W and W_prev on the same samples (for SPIDER)."""
        raise NotImplementedError


class DeterministicOracle(Oracle):
    """Exact gradients; counts n_samples per call for finite sums, 1 otherwise. Reuses a primed gradient."""

    stochastic = False

    def __init__(self, problem, streams):
        super().__init__(problem, streams)
        self._primed = (None, None)

    def prime(self, W, G):
        self._primed = (W, G)

    def grad(self, W, key=None, size=None):
        self.samples += self.problem.n_samples or 1
        return self._primed[1] if self._primed[0] is W else self.problem.grad(W)

    def grad_pair(self, W, W_prev, key=None, size=None):
        return self.grad(W), self.problem.grad(W_prev)


class FiniteSumOracle(Oracle):
    """Uniform minibatches of a finite sum. With replacement (default) indices are i.i.d.; without, a
    batch has distinct indices. Two batches drawn for one step (B and B' of I-NSGD) are independent
    draws, so they may share indices -- that is what independence means here."""

    def __init__(self, problem, streams, replace=True):
        if problem.n_samples is None:
            raise InputError(f"problem {problem.name} is not a finite sum; use --noise TAU1,TAU2 for a stochastic oracle")
        super().__init__(problem, streams)
        self.replace = replace

    def _idx(self, key, size):
        m = self.problem.n_samples
        if self.replace:
            return self.streams.integers(key, m, size)
        if size > m:
            raise InputError(f"batch must satisfy batch <= m = {m} without replacement, got {size}")
        return self.streams.choice(key, m, size)

    def grad(self, W, key, size):
        self.samples += size
        return self.problem.sample_grads(W, self._idx(key, size))

    def grad_pair(self, W, W_prev, key, size):
        idx = self._idx(key, size)
        self.samples += size
        return self.problem.sample_grads(W, idx), self.problem.sample_grads(W_prev, idx)


class NoiseOracle(Oracle):
    """grad f_xi(w) = (1 + tau1 s) grad F(w) + tau2 u, s = +-1 equiprobable, u uniform on the unit sphere.

    Unbiased (Assumption 3), and ||grad f_xi - grad F|| = tau1 ||grad F|| + tau2 when u is aligned:
    Assumption 4 holds with exactly these (tau1, tau2) and they cannot be lowered.
    """

    def __init__(self, problem, streams, tau1, tau2):
        if tau1 < 0 or tau2 < 0:
            raise InputError(f"noise must satisfy tau1 >= 0 and tau2 >= 0, got {tau1}, {tau2}")
        super().__init__(problem, streams)
        self.tau1, self.tau2 = float(tau1), float(tau2)

    def _noise(self, key, size, d):
        s = self.streams.signs(key, size).mean(axis=1)
        u = self.streams.sphere(key, size, d).mean(axis=1)
        return s, u

    def grad(self, W, key, size):
        self.samples += size
        s, u = self._noise(key, size, W.shape[1])
        return (1.0 + self.tau1 * s)[:, None] * self.problem.grad(W) + self.tau2 * u

    def grad_pair(self, W, W_prev, key, size):
        self.samples += size
        s, u = self._noise(key, size, W.shape[1])
        f = (1.0 + self.tau1 * s)[:, None]
        return f * self.problem.grad(W) + self.tau2 * u, f * self.problem.grad(W_prev) + self.tau2 * u


def make_oracle(problem, seeds, noise=None, stochastic=True, replace=True):
    streams = Streams(seeds)
    if noise is not None:
        return NoiseOracle(problem, streams, *noise)
    if stochastic and problem.n_samples is not None:
        return FiniteSumOracle(problem, streams, replace)
    return DeterministicOracle(problem, streams)
