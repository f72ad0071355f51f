"""Array helpers shared by the engine, the oracles and the optimizers (one definition each)."""

import numpy as np


def row_norm(G: np.ndarray) -> np.ndarray:
    """Euclidean norm of each row of an (R, d) array: one norm per run."""
    return np.sqrt((G * G).sum(axis=1))


def pow_inv(n: np.ndarray, beta) -> np.ndarray:
    """1 / n^beta elementwise, and 1 where n = 0 (a zero gradient gives a zero step whatever beta: it multiplies g = 0)."""
    return np.power(n, -np.asarray(beta, float), out=np.ones_like(n), where=n > 0)


def where_runs(mask: np.ndarray, new, old):
    """Per run, `new` where mask else `old`, over any state: an array with a leading run axis, or a dict, list or
    tuple of such states (a pytree, as in optax). Leaves without a run axis must be equal in both and are kept."""
    if isinstance(new, dict):
        return {k: where_runs(mask, new[k], old[k]) for k in new}
    if isinstance(new, (list, tuple)):
        return type(new)(where_runs(mask, a, b) for a, b in zip(new, old, strict=True))
    new = np.asarray(new)
    if new.ndim == 0 or new.shape[0] != mask.shape[0]:
        return new
    return np.where(mask.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)
