"""Each optimizer's step against the formula computed by hand (independently of the engine's code).

The synthetic oracle with tau1 = tau2 = 0 returns exact gradients, so every step is a closed form of the previous
iterate; on the quadratic 1/2 sum lam_i w_i^2 the gradient is lam * w.
"""

import numpy as np
import pytest

from insgd.numerics.engine import run
from insgd.numerics.problems import Quadratic

Q = Quadratic(dim=2, cond=4.0)  # lam = (1, 4)
W0 = np.array([1.5, -0.8])


def grad(w):
    return Q.lam * w


def iterate(opt, hp, steps, noise=(0.0, 0.0), seed=0):
    """w_1 .. w_steps of one run (each a separate run of the engine with the same seed: runs are deterministic)."""
    return [run(Q, opt, W0, k, [seed], hp, noise=noise).w_final[0] for k in range(1, steps + 1)]


def test_insgd_step_by_hand():
    gamma, beta, k, delta = 0.1, 0.5, 0.8, 0.3
    ws = iterate("insgd", {"gamma": gamma, "beta": beta, "k": k, "delta": delta}, 4)
    w, active = W0, 0
    for got in ws:
        g = grad(w)
        raw = k * (2 * np.linalg.norm(g) + delta)
        active += raw > 1
        w = w - gamma / max(1.0, raw) ** beta * g
        assert np.allclose(got, w, rtol=1e-14, atol=0)
    tr = run(Q, "insgd", W0, 4, [0], {"gamma": gamma, "beta": beta, "k": k, "delta": delta}, noise=(0.0, 0.0))
    assert tr.final_state["h_active"][0] == active and active > 0


def test_insgd_k_from_L1_as_printed():
    gamma, beta, L1 = 0.05, 2 / 3, 3.0
    (got,) = iterate("insgd", {"gamma": gamma, "beta": beta, "L1": L1}, 1)
    k = (4 * L1 * gamma) ** (1 / beta)  # eq. (13): h = max{1, (4 L1 gamma)^(1/beta) (2||g'|| + delta)}
    h = max(1.0, k * 2 * np.linalg.norm(grad(W0)))
    assert np.allclose(got, W0 - gamma / h**beta * grad(W0), rtol=1e-14, atol=0)


@pytest.mark.parametrize("clip,delta", [(0.5, 0.0), (0.5, 2.0), (100.0, 0.0)])
def test_clipped_sgd_step_by_hand(clip, delta):
    gamma = 0.2
    ws = iterate("clipped_sgd", {"gamma": gamma, "clip": clip, "delta": delta}, 3)
    w = W0
    for got in ws:
        g = grad(w)
        n = np.linalg.norm(g)
        w = w - min(gamma, gamma * clip / (n + delta)) * g  # min(1, c/(||g|| + delta)) gamma g
        assert np.allclose(got, w, rtol=1e-14, atol=0)


def test_momentum_step_by_hand():
    gamma, beta, mom = 0.1, 1.0, 0.7
    ws = iterate("nsgd_momentum", {"gamma": gamma, "beta": beta, "momentum": mom}, 4)
    w, m = W0, None
    for got in ws:
        g = grad(w)
        m = g if m is None else mom * m + (1 - mom) * g
        w = w - gamma * m / np.linalg.norm(m) ** beta
        assert np.allclose(got, w, rtol=1e-13, atol=0)


def test_spider_reuses_one_sample_at_both_points():
    # tau1 = 0, tau2 > 0: g_xi(w) = grad F(w) + tau2 u_xi. The difference g_S(w_t) - g_S(w_{t-1}) on one sample S
    # is exact, so v_1 - grad F(w_1) = v_0 - grad F(w_0): the estimator's error is carried, not redrawn.
    gamma, q = 0.05, 3
    hp = {"gamma": gamma, "beta": 0.0, "batch": 1, "batch0": 1, "q": q}
    w1, w2, w3, w4 = iterate("spider", hp, 4, noise=(0.0, 0.5))
    v0 = (W0 - w1) / gamma  # beta = 0: w_1 = w_0 - gamma v_0
    err = v0 - grad(W0)
    assert 0 < np.linalg.norm(err) <= 0.5 + 1e-12  # a real draw, within tau2
    v1 = grad(w1) + err
    assert np.allclose(w2, w1 - gamma * v1, rtol=1e-13, atol=1e-15)
    v2 = grad(w2) + err
    assert np.allclose(w3, w2 - gamma * v2, rtol=1e-13, atol=1e-15)
    v3 = (w3 - w4) / gamma  # t = 3 = q: a fresh batch0 draw, so a new error
    assert not np.allclose(v3 - grad(w3), err)


def test_sgd_and_nsgd_steps_by_hand():
    ws = iterate("nsgd", {"gamma": 0.1, "beta": 0.5}, 3)
    w = W0
    for got in ws:
        g = grad(w)
        w = w - 0.1 * g / np.linalg.norm(g) ** 0.5
        assert np.allclose(got, w, rtol=1e-14, atol=0)
    (got,) = iterate("sgd", {"gamma": 0.1}, 1)
    assert np.allclose(got, W0 - 0.1 * grad(W0), rtol=1e-15, atol=0)


def test_insgd_batches_are_independent_draws():
    # tau1 > 0, tau2 = 0: g_xi = (1 + tau1 s) grad F with s = +-1, and h = k 2 (1 + tau1 s') ||grad F|| > 1 here, so
    # the step's length over gamma ||grad F|| / (2 k ||grad F||) is (1 + tau1 s)/(1 + tau1 s') in {1, 3, 1/3}.
    # If B' reused B's draw (s' = s) the ratio would always be 1; independent draws give 1, 3, 1/3 with
    # probabilities 1/2, 1/4, 1/4.
    R, k = 400, 10.0
    tr = run(Q, "insgd", W0, 1, np.arange(R), {"gamma": 0.01, "beta": 1.0, "k": k}, noise=(0.5, 0.0))
    n = np.linalg.norm(grad(W0))
    ratio = np.linalg.norm(W0 - tr.w_final, axis=1) / (0.01 * n / (2 * k * n))
    vals = np.array([1.0, 3.0, 1 / 3])
    which = np.argmin(np.abs(ratio[:, None] - vals[None]), axis=1)
    assert np.allclose(ratio, vals[which], rtol=1e-12)
    freq = np.bincount(which, minlength=3) / R
    # binomial standard deviations at R = 400: 0.025 (p = 1/2), 0.022 (p = 1/4); the bands are 6 of them
    assert abs(freq[0] - 0.5) < 0.15 and abs(freq[1] - 0.25) < 0.13 and abs(freq[2] - 0.25) < 0.13


def test_spider_sfo_full_gradient_steps_by_hand():
    """SPIDER-SFO with q = 1 takes the full gradient every step (n samples each) and moves by
    min(gamma/||g||, lr) g: checked by hand for two steps, in both regimes of the min."""
    from insgd.numerics.engine import run
    from insgd.numerics.finite_sums import PhaseRetrieval

    pr = PhaseRetrieval(dim=5, m=30)
    w = np.ones(5) * 0.7
    for gamma, lr in ((0.05, 10.0), (0.05, 1e-5)):
        tr = run(pr, "spider_sfo", w, 2, [0], {"gamma": gamma, "q": 1, "lr": lr, "batch": 3}, n_checkpoints=3)
        x = w.copy()
        for _ in range(2):
            g = pr.grad(x[None])[0]
            x = x - min(gamma / np.linalg.norm(g), lr) * g
        assert np.allclose(tr.w_final[0], x, rtol=1e-12) and tr.final_samples[0] == 2 * 30


def test_insgd_refuses_k_beside_L1():
    """eq. (13) sets k from L1; given both, one would be ignored silently: refused, naming both."""
    from insgd.core import InputError
    from insgd.numerics.optimizers import get_optimizer

    with pytest.raises(InputError, match="opt k and opt L1 cannot both be given"):
        get_optimizer("insgd").hyperparameters(2, {"gamma": 0.1, "beta": 0.5, "k": 2.0, "L1": 1.0})
    assert "k" in get_optimizer("insgd").hyperparameters(2, {"gamma": 0.1, "beta": 0.5, "k": 2.0})
