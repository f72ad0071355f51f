"""The numba kernels of numerics/fused.py (imported only when the numba backend runs; needs numba).

Every sum is taken in a fixed order: within a run, samples in batch order; a dot product in four interleaved partial
sums combined as (s0 + s1) + (s2 + s3); a full pass over the data (`value_grad_*`) sums each row's dot product over
the features in order and the rows in blocks of CHUNK, the blocks' sums added in order. No fastmath: the compiler may
not reassociate or contract (no FMA). Each kernel exists twice, serial and parallel (prange over runs, or over the
blocks of rows of a full pass): the same arithmetic, so the same bits whatever the number of threads.
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
def _dot4(a0, a1, a2, a3, w):
    """_dot(a_k, w) of four rows at once, each in _dot's order (the same bits): sixteen independent sums keep the
    floating-point units busy where one dot product waits on its four."""
    d = w.shape[0]
    p0 = p1 = p2 = p3 = q0 = q1 = q2 = q3 = r0 = r1 = r2 = r3 = u0 = u1 = u2 = u3 = 0.0
    i = 0
    while i + 4 <= d:
        w0, w1, w2, w3 = w[i], w[i + 1], w[i + 2], w[i + 3]
        p0, p1, p2, p3 = p0 + a0[i] * w0, p1 + a0[i + 1] * w1, p2 + a0[i + 2] * w2, p3 + a0[i + 3] * w3
        q0, q1, q2, q3 = q0 + a1[i] * w0, q1 + a1[i + 1] * w1, q2 + a1[i + 2] * w2, q3 + a1[i + 3] * w3
        r0, r1, r2, r3 = r0 + a2[i] * w0, r1 + a2[i + 1] * w1, r2 + a2[i + 2] * w2, r3 + a2[i + 3] * w3
        u0, u1, u2, u3 = u0 + a3[i] * w0, u1 + a3[i + 1] * w1, u2 + a3[i + 2] * w2, u3 + a3[i + 3] * w3
        i += 4
    while i < d:
        p0, q0, r0, u0 = p0 + a0[i] * w[i], q0 + a1[i] * w[i], r0 + a2[i] * w[i], u0 + a3[i] * w[i]
        i += 1
    return (p0 + p1) + (p2 + p3), (q0 + q1) + (q2 + q3), (r0 + r1) + (r2 + r3), (u0 + u1) + (u2 + u3)


@njit(cache=True, inline="always")
def _pr_run(A, y, w, idx_r, c, g):
    """g = (sum_k c (y_j - s^2) s a_j) / b over j = idx_r[k], s = a_j . w (finite_sums.PhaseRetrieval). Rows go four
    at a time (_dot4, and one pass over g per four rows), with every sum in the order of the one-row loop."""
    d = w.shape[0]
    b = idx_r.shape[0]
    k = 0
    while k + 4 <= b:
        j0, j1, j2, j3 = idx_r[k], idx_r[k + 1], idx_r[k + 2], idx_r[k + 3]
        a0, a1, a2, a3 = A[j0], A[j1], A[j2], A[j3]
        s0, s1, s2, s3 = _dot4(a0, a1, a2, a3, w)
        c0, c1 = (c * (y[j0] - s0 * s0)) * s0, (c * (y[j1] - s1 * s1)) * s1
        c2, c3 = (c * (y[j2] - s2 * s2)) * s2, (c * (y[j3] - s3 * s3)) * s3
        for i in range(d):
            g[i] = (((g[i] + c0 * a0[i]) + c1 * a1[i]) + c2 * a2[i]) + c3 * a3[i]
        k += 4
    while k < b:
        j = idx_r[k]
        a = A[j]
        s = _dot(a, w)
        coef = (c * (y[j] - s * s)) * s
        for i in range(d):
            g[i] += coef * a[i]
        k += 1
    for i in range(d):
        g[i] /= b


@njit(cache=True, inline="always")
def _dro_reg(v, k, weight, nu, smooth):
    """reg(w) = weight sum_i log1p(|w_i|) (smooth: |w_i| -> sqrt(w_i^2 + nu^2) - nu), w = v[:k] (finite_sums.DRO)."""
    reg = 0.0
    for i in range(k):
        a = np.sqrt(v[i] * v[i] + nu * nu) - nu if smooth else abs(v[i])
        reg += np.log1p(a)
    return weight * reg


@njit(cache=True, inline="always")
def _dro_reg_grad(x, weight, nu, smooth):
    if smooth:
        q = np.sqrt(x * x + nu * nu)
        return weight * (x / q) / (1.0 + q - nu)
    return weight * np.sign(x) / (1.0 + abs(x))


@njit(cache=True, inline="always")
def _dro_run(X, y, v, idx_r, lam, weight, nu, smooth, g):
    """The DRO dual's minibatch gradient at v = (w, eta) (finite_sums.DRO): per sample res = y_j - x_j . w,
    u = (res^2 / 2 + reg(w) - eta) / lam, psi*'(u) = max(u + 2, 0) / 2."""
    k = X.shape[1]
    b = idx_r.shape[0]
    eta = v[k]
    reg = _dro_reg(v, k, weight, nu, smooth)
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
        g[i] = -g[i] / b + mean_dpsi * _dro_reg_grad(v[i], weight, nu, smooth)
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


# -- the finite sums' full objective and gradient (fused.StepLoop.value_and_grad): pk 0 phase retrieval, prm = (c,);
# 1 DRO, prm = (lam, weight, nu, smooth). finite_sums' formulas (value_and_grad, value, grad) in their order of operations.

CHUNK = 128  # rows per block of a full pass: the block's rows and columns are read from cache for every run in turn


@njit(cache=True)
def _block(pk, X, XT, y, prm, W, j0, j1, F, D, G):
    """Rows j0 <= j < j1 of the full pass, every run r: adds sum_j coef_j x_j to G[r], and F[r], D[r] = sum_j f_j,
    sum_j psi*'(u_j) (f_j: (y_j - s_j^2)^2, or DRO's psi*(u_j)). s_j = x_j . w is summed over the features in order,
    from X^T so that the loops over rows are vectorized; each sum over rows goes in row order."""
    R, k, n = W.shape[0], X.shape[1], j1 - j0
    S = np.zeros((R, n))
    i = 0
    while i < k:  # four features at a time, read once for every run
        x0, x1, x2, x3 = XT[i, j0:j1], XT[min(i + 1, k - 1), j0:j1], XT[min(i + 2, k - 1), j0:j1], XT[min(i + 3, k - 1), j0:j1]
        for r in range(R):
            s, w = S[r], W[r]
            if i + 4 <= k:
                w0, w1, w2, w3 = w[i], w[i + 1], w[i + 2], w[i + 3]
                for j in range(n):
                    s[j] = (((s[j] + x0[j] * w0) + x1[j] * w1) + x2[j] * w2) + x3[j] * w3
            else:
                for ii in range(i, k):
                    xi, wi = XT[ii, j0:j1], w[ii]
                    for j in range(n):
                        s[j] += xi[j] * wi
        i += 4
    yb = y[j0:j1]
    for r in range(R):
        s, w, fs, ds = S[r], W[r], 0.0, 0.0
        reg = _dro_reg(w, k, prm[1], prm[2], prm[3] != 0.0) if pk == 1 else 0.0
        for j in range(n):
            if pk == 0:
                q = yb[j] - s[j] * s[j]
                fs += q * q
                s[j] = prm[0] * (q * s[j])
            else:
                res = yb[j] - s[j]
                a = np.maximum(((0.5 * res * res + reg) - w[k]) / prm[0] + 2.0, 0.0)
                fs += 0.25 * (a * a) - 1.0
                ds += 0.5 * a
                s[j] = (0.5 * a) * res
        F[r], D[r] = fs, ds
    Xb = X[j0:j1]
    j = 0
    while j < n:  # four rows at a time, read once for every run
        x0, x1, x2, x3 = Xb[j], Xb[min(j + 1, n - 1)], Xb[min(j + 2, n - 1)], Xb[min(j + 3, n - 1)]
        for r in range(R):
            g, s = G[r], S[r]
            if j + 4 <= n:
                c0, c1, c2, c3 = s[j], s[j + 1], s[j + 2], s[j + 3]
                for i in range(k):
                    g[i] = (((g[i] + c0 * x0[i]) + c1 * x1[i]) + c2 * x2[i]) + c3 * x3[i]
            else:
                for jj in range(j, n):
                    c0, x0 = s[jj], Xb[jj]
                    for i in range(k):
                        g[i] += c0 * x0[i]
        j += 4


@njit(cache=True)
def _full_end(pk, prm, W, F, D, Gb, n):
    """f and grad F per run from the blocks' partial sums, added in block order."""
    nb, R, d = Gb.shape
    f, G = np.empty(R), np.zeros((R, d))
    for r in range(R):
        fs = ds = 0.0
        for b in range(nb):
            fs += F[b, r]
            ds += D[b, r]
            for i in range(d):
                G[r, i] += Gb[b, r, i]
        if pk == 0:
            f[r] = 0.5 * (fs / n)
            for i in range(d):
                G[r, i] /= n
        else:
            k, md = d - 1, ds / n
            f[r] = prm[0] * (fs / n) + W[r, k]
            for i in range(k):
                G[r, i] = -G[r, i] / n + md * _dro_reg_grad(W[r, i], prm[1], prm[2], prm[3] != 0.0)
            G[r, k] = 1.0 - md
    return f, G


@njit(cache=True)
def value_grad_serial(pk, X, XT, y, prm, W):
    R, d, n = W.shape[0], W.shape[1], X.shape[0]
    nb = (n + CHUNK - 1) // CHUNK
    F, D, Gb = np.zeros((nb, R)), np.zeros((nb, R)), np.zeros((nb, R, d))
    for b in range(nb):
        _block(pk, X, XT, y, prm, W, b * CHUNK, min(n, (b + 1) * CHUNK), F[b], D[b], Gb[b])
    return _full_end(pk, prm, W, F, D, Gb, n)


@njit(cache=True, parallel=True)
def value_grad_parallel(pk, X, XT, y, prm, W):
    R, d, n = W.shape[0], W.shape[1], X.shape[0]
    nb = (n + CHUNK - 1) // CHUNK
    F, D, Gb = np.zeros((nb, R)), np.zeros((nb, R)), np.zeros((nb, R, d))
    for b in prange(nb):
        _block(pk, X, XT, y, prm, W, b * CHUNK, min(n, (b + 1) * CHUNK), F[b], D[b], Gb[b])
    return _full_end(pk, prm, W, F, D, Gb, n)


# -- the stochastic optimizers' step loop on the finite sums (fused.StepLoop) -------------------------------------
# kind: the optimizer (fused.KINDS); hp per run: gamma, beta, delta, clip, k, floor, momentum, lr (fused.HP). The
# updates of numerics/optimizers.py in their order of operations; norms are _dot(g, g) ** 0.5.

SGD, NSGD, CLIPPED_SGD, INSGD, NSGD_MOMENTUM, SPIDER, SPIDER_SFO = range(7)


@njit(cache=True)
def _grad(pk, X, y, prm, w, idx_r, g):
    """The minibatch gradient at w on the rows idx_r, into g: the kernels' _pr_run / _dro_run."""
    g[:] = 0.0
    if pk == 0:
        _pr_run(X, y, w, idx_r, prm[0], g)
    else:
        _dro_run(X, y, w, idx_r, prm[0], prm[1], prm[2], prm[3] != 0.0, g)


@njit(cache=True, inline="always")
def _pow_inv(n, beta):
    """numerics/arrays.pow_inv: 1 / n^beta, and 1 where n > 0 fails."""
    return n**-beta if n > 0 else 1.0


@njit(cache=True)
def _steps(kind, pk, X, y, prm, hp, t0, n, q, w, wl, m, h, i1, o1, i2, o2, vfull):
    """Steps t0 .. t0 + n - 1 of one run, in place: its iterate w, the iterate its last step started from wl (SPIDER's
    w_prev), its state m (the momentum, or SPIDER's v) and h[0] (I-NSGD's h_active). Step t draws its minibatch from
    i1 (from row o1 on, in step order; SPIDER's B) and I-NSGD's B' or SPIDER's B0 from i2 (from row o2 on);
    SPIDER-SFO's full gradient at t0 is vfull. Returns the steps taken: a step whose new iterate is not finite is not
    taken (the engine's divergence: the run ends there), and the run stops."""
    d = w.shape[0]
    g, g2, u, nw = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    gamma, beta, delta, clip, k, floor, mom, lr = hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], hp[7]
    for s in range(n):
        t = t0 + s
        hit = 0
        if kind >= SPIDER:
            if t % q == 0:
                if kind == SPIDER:
                    _grad(pk, X, y, prm, w, i2[o2], u)
                    o2 += 1
                else:
                    u[:] = vfull
            else:
                _grad(pk, X, y, prm, w, i1[o1], g)
                _grad(pk, X, y, prm, wl, i1[o1], g2)
                o1 += 1
                for i in range(d):
                    u[i] = (m[i] + g[i]) - g2[i]
            un = np.sqrt(_dot(u, u))
            scale = gamma * _pow_inv(un, beta) if kind == SPIDER else np.minimum(gamma * _pow_inv(un, 1.0), lr)
        else:
            _grad(pk, X, y, prm, w, i1[o1], u)
            o1 += 1
            if kind == NSGD_MOMENTUM and t > 0:
                for i in range(d):
                    u[i] = mom * m[i] + (1.0 - mom) * u[i]
            if kind == SGD:
                scale = gamma
            elif kind == CLIPPED_SGD:
                scale = gamma / np.maximum(1.0, (np.sqrt(_dot(u, u)) + delta) / clip)
            elif kind == INSGD:
                _grad(pk, X, y, prm, w, i2[o2], g2)
                o2 += 1
                raw = (k * (2.0 * np.sqrt(_dot(g2, g2)) + delta)) ** beta
                hit = 1 if raw > floor else 0
                scale = gamma / np.maximum(floor, raw)
            else:  # NSGD, NSGD_MOMENTUM
                scale = gamma * _pow_inv(np.sqrt(_dot(u, u)), beta)
        finite = True
        for i in range(d):
            nw[i] = w[i] - scale * u[i]
            finite &= np.isfinite(nw[i])
        if not finite:
            return s
        wl[:] = w
        w[:] = nw
        m[:] = u
        h[0] += hit
    return n


@njit(cache=True)
def steps_serial(kind, pk, X, y, prm, HP, t0, n, q, active, W, WL, M, H, I1, o1, I2, o2, VF):
    """_steps for every active run, on copies: (W, WL, M, H, and the steps taken per run)."""
    W, WL, M, H = W.copy(), WL.copy(), M.copy(), H.copy()
    done = np.zeros(W.shape[0], np.int64)
    for r in range(W.shape[0]):
        if active[r]:
            done[r] = _steps(kind, pk, X, y, prm, HP[r], t0, n, q, W[r], WL[r], M[r], H[r : r + 1], I1[r], o1, I2[r], o2, VF[r])
    return W, WL, M, H, done


@njit(cache=True, parallel=True)
def steps_parallel(kind, pk, X, y, prm, HP, t0, n, q, active, W, WL, M, H, I1, o1, I2, o2, VF):
    W, WL, M, H = W.copy(), WL.copy(), M.copy(), H.copy()
    done = np.zeros(W.shape[0], np.int64)
    for r in prange(W.shape[0]):
        if active[r]:
            done[r] = _steps(kind, pk, X, y, prm, HP[r], t0, n, q, W[r], WL[r], M[r], H[r : r + 1], I1[r], o1, I2[r], o2, VF[r])
    return W, WL, M, H, done


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
        m = 0.0  # the callback sees every step's iterates, the last ones included
        for r in range(R):
            s = 0.0
            for i in range(d):
                s += (W[r, i] - center[i]) ** 2
            m = max(m, np.sqrt(s))
        dist[t] = m
        last = t
        if not active.any():
            break
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
