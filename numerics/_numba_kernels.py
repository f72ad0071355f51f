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


# -- deterministic NGD on the analytic problems (numerics/fused.py: ngd_runs) -------------------------------------
# kind: 0 power ||w||^p, 1 quadratic sum lam_i w_i^2 / 2, 2 cosh sum (cosh w_i - 1), 3 power_sum sum c_i |w_i|^p_i,
# 4 paper_example1, 5 paper_example2: numerics/problems.py's formulas in the same order of operations (NumPy squares
# by a multiplication and takes other powers from pow(), as here).


@njit(cache=True)
def _value_grad(kind, p, v1, v2, w, g):
    d = w.shape[0]
    if kind == 0:
        s = 0.0
        for i in range(d):
            s += w[i] * w[i]
        r = np.sqrt(s)
        c = p * r ** (p - 2)
        for i in range(d):
            g[i] = c * w[i]
        return r**p
    if kind == 1:
        s = 0.0
        for i in range(d):
            s += v1[i] * w[i] * w[i]
            g[i] = v1[i] * w[i]
        return 0.5 * s
    if kind == 2:
        s = 0.0
        for i in range(d):
            s += np.cosh(w[i]) - 1
            g[i] = np.sinh(w[i])
        return s
    if kind == 3:
        s = 0.0
        for i in range(d):
            a = abs(w[i])
            s += v2[i] * a ** v1[i]
            g[i] = v2[i] * v1[i] * a ** (v1[i] - 1) * np.sign(w[i])
        return s
    x = w[0]
    x2 = x * x
    if kind == 4:
        g[0] = x * np.exp(x2) * (1 + x2)
        return 0.5 * x2 * np.expm1(x2) + 0.5 * x2
    g[0] = 1 + x + 4 * x**3.0
    return x + 0.5 * x2 + x**4.0


@njit(cache=True)
def _measure(kind, p, v1, v2, fstar, W, G, f, n):
    R, d = W.shape
    for r in range(R):
        f[r] = _value_grad(kind, p, v1, v2, W[r], G[r]) - fstar
        s = 0.0
        for i in range(d):
            s += G[r, i] * G[r, i]
        n[r] = np.sqrt(s)


@njit(cache=True)
def ngd_loop(kind, p, v1, v2, fstar, W0, gamma, beta, eps, iters, center, record):
    """numerics/engine.run for optimizer "ngd" with eps_gap per run (stop at the first hit) and no noise, step for
    step: the same measurements, hits, stops and divergence handling; every iterate's gap when record; and at each t
    the engine's callback would see, the largest ||w_t - center|| over the runs."""
    R, d = W0.shape
    W = W0.copy()
    W_prev = W0.copy()
    G = np.empty((R, d))
    f = np.empty(R)
    n = np.empty(R)
    gap = np.full((R, iters + 1 if record else 1), np.nan)
    hit = np.full(R, -1, np.int64)
    stop = np.zeros(R, np.int64)
    diverged = np.zeros(R, np.bool_)
    active = np.ones(R, np.bool_)
    fin = np.full(R, np.nan)
    dist = np.full(iters + 1, np.nan)
    last = -1
    for t in range(iters + 1):
        _measure(kind, p, v1, v2, fstar, W, G, f, n)
        newly = np.zeros(R, np.bool_)
        for r in range(R):
            if active[r] and not (np.isfinite(f[r]) and np.isfinite(n[r])):
                newly[r] = True
        if newly.any():  # an iterate where f or grad F overflow: the run ends at the previous one
            for r in range(R):
                if newly[r]:
                    W[r] = W_prev[r]
            _measure(kind, p, v1, v2, fstar, W, G, f, n)
            for r in range(R):
                if newly[r]:
                    diverged[r] = True
                    active[r] = False
                    stop[r] = max(t - 1, 0)
                    fin[r] = f[r]
        for r in range(R):
            if active[r] and hit[r] < 0 and f[r] <= eps[r]:
                hit[r] = t
        for r in range(R):
            if active[r] and (hit[r] >= 0 or t == iters):
                stop[r] = t
                fin[r] = f[r]
                active[r] = False
        if record:
            for r in range(R):
                gap[r, t] = f[r] if active[r] else fin[r]
        if not active.any():
            break
        m = 0.0
        for r in range(R):
            s = 0.0
            for i in range(d):
                s += (W[r, i] - center[i]) ** 2
            m = max(m, np.sqrt(s))
        dist[t] = m
        last = t
        for r in range(R):
            if not active[r]:
                continue
            scale = gamma[r] * (n[r] ** -beta if n[r] > 0 else 1.0)
            ok = True
            for i in range(d):
                if not np.isfinite(W[r, i] - scale * G[r, i]):
                    ok = False
            if not ok:  # the step from w_t overflowed: the run ends at w_t
                stop[r] = t
                fin[r] = f[r]
                active[r] = False
                diverged[r] = True
                continue
            for i in range(d):
                W_prev[r, i] = W[r, i]
                W[r, i] = W[r, i] - scale * G[r, i]
    return gap, hit, stop, diverged, fin, W, dist[: last + 1]
