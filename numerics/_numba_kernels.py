"""The numba kernels of numerics/fused.py (imported only when the numba backend runs; needs numba).

Every sum is taken in a fixed order: within a run, samples in batch order; a dot product in four interleaved partial
sums combined as (s0 + s1) + (s2 + s3). No fastmath: the compiler may not reassociate or contract (no FMA). Each
kernel exists twice, serial and parallel over runs (prange, one thread per run): the same arithmetic per run, so the
same bits whatever the number of threads.
"""

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def _dot(a, w):
    d = a.shape[0]
    s0 = s1 = s2 = s3 = 0.0
    i = 0
    while i + 4 <= d:
        s0 += a[i] * w[i]
        s1 += a[i + 1] * w[i + 1]
        s2 += a[i + 2] * w[i + 2]
        s3 += a[i + 3] * w[i + 3]
        i += 4
    while i < d:
        s0 += a[i] * w[i]
        i += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, inline="always")
def _pr_run(A, y, w, idx_r, c, g):
    """g = (sum_k c (y_j - s^2) s a_j) / b over j = idx_r[k], s = a_j . w (finite_sums.PhaseRetrieval)."""
    d = w.shape[0]
    b = idx_r.shape[0]
    for k in range(b):
        j = idx_r[k]
        a = A[j]
        s = _dot(a, w)
        coef = (c * (y[j] - s * s)) * s
        for i in range(d):
            g[i] += coef * a[i]
    for i in range(d):
        g[i] /= b


@njit(cache=True, inline="always")
def _dro_run(X, y, v, idx_r, lam, weight, nu, smooth, g):
    """The DRO dual's minibatch gradient at v = (w, eta) (finite_sums.DRO): per sample res = y_j - x_j . w,
    u = (res^2 / 2 + reg(w) - eta) / lam, psi*'(u) = max(u + 2, 0) / 2."""
    k = X.shape[1]
    b = idx_r.shape[0]
    eta = v[k]
    reg = 0.0
    for i in range(k):
        a = np.sqrt(v[i] * v[i] + nu * nu) - nu if smooth else abs(v[i])
        reg += np.log1p(a)
    reg = weight * reg
    mean_dpsi = 0.0
    for m in range(b):
        j = idx_r[m]
        x = X[j]
        res = y[j] - _dot(x, v[:k])
        u = ((0.5 * res * res + reg) - eta) / lam
        dpsi = 0.5 * max(u + 2.0, 0.0)
        mean_dpsi += dpsi
        coef = dpsi * res
        for i in range(k):
            g[i] += coef * x[i]
    mean_dpsi /= b
    for i in range(k):
        if smooth:
            q = np.sqrt(v[i] * v[i] + nu * nu)
            rg = weight * (v[i] / q) / (1.0 + q - nu)
        else:
            rg = weight * np.sign(v[i]) / (1.0 + abs(v[i]))
        g[i] = -g[i] / b + mean_dpsi * rg
    g[k] = 1.0 - mean_dpsi


@njit(cache=True)
def phase_retrieval_serial(A, y, W, idx, c):
    G = np.zeros(W.shape)
    for r in range(W.shape[0]):
        _pr_run(A, y, W[r], idx[r], c, G[r])
    return G


@njit(cache=True, parallel=True)
def phase_retrieval_parallel(A, y, W, idx, c):
    G = np.zeros(W.shape)
    for r in prange(W.shape[0]):
        _pr_run(A, y, W[r], idx[r], c, G[r])
    return G


@njit(cache=True)
def dro_serial(X, y, V, idx, lam, weight, nu, smooth):
    G = np.zeros(V.shape)
    for r in range(V.shape[0]):
        _dro_run(X, y, V[r], idx[r], lam, weight, nu, smooth, G[r])
    return G


@njit(cache=True, parallel=True)
def dro_parallel(X, y, V, idx, lam, weight, nu, smooth):
    G = np.zeros(V.shape)
    for r in prange(V.shape[0]):
        _dro_run(X, y, V[r], idx[r], lam, weight, nu, smooth, G[r])
    return G
