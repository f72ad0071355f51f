"""The numba backend (numerics/fused.py) against the NumPy reference and against a plain per-sample loop.

Per call: within 1e-12 relative (normwise) of NumPy, and serial and parallel kernels bit-identical. Per run: the
same stopping steps, hits, divergence flags and sample counts, finals within 1e-12 relative, on every stochastic
optimizer over both finite sums, on horizons where the dynamics contract (a chaotic run amplifies any rounding
difference, so there only the distribution is comparable: see the closing note of the backend issue)."""

import numpy as np
import pytest

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.engine import Trace, run
from insgd.numerics.finite_sums import DRO, PhaseRetrieval

numba = pytest.importorskip("numba")


def _pr_loop(prob, w, idx):
    """Per sample, straight from the formula grad f_r = -2 gf (y_r - s_r^2) s_r a_r (independent of both paths)."""
    g = np.zeros_like(w)
    for j in idx:
        s = float(prob.A[j] @ w)
        g += -2.0 * prob._gf * (prob.y[j] - s * s) * s * prob.A[j]
    return g / len(idx)


def _dro_loop(prob, v, idx):
    w, eta = v[:-1], v[-1]
    a = np.sqrt(w * w + prob.nu**2) - prob.nu if prob.reg == "smooth" else np.abs(w)
    reg = prob.reg_weight * np.log1p(a).sum()
    if prob.reg == "smooth":
        q = np.sqrt(w * w + prob.nu**2)
        rg = prob.reg_weight * (w / q) / (1 + q - prob.nu)
    else:
        rg = prob.reg_weight * np.sign(w) / (1 + np.abs(w))
    gw, geta = np.zeros_like(w), 0.0
    for j in idx:
        res = prob.y[j] - prob.X[j] @ w
        dpsi = 0.5 * max((0.5 * res * res + reg - eta) / prob.lam + 2.0, 0.0)
        gw += -dpsi * res * prob.X[j] + dpsi * rg
        geta += 1.0 - dpsi
    return np.append(gw, geta) / len(idx)


def _dro(reg="smooth", n=150, k=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    return DRO(X=X, y=X @ rng.normal(size=k) + rng.normal(size=n), lam=0.5, reg=reg)


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize("dim,b,R", [(1, 1, 1), (3, 5, 4), (7, 64, 3), (100, 64, 40)])
@pytest.mark.parametrize("variant", ["paper", "code"])
def test_phase_retrieval_kernel_agrees(dim, b, R, variant):
    prob = PhaseRetrieval(dim=dim, m=300, variant=variant)
    rng = np.random.default_rng(dim + b)
    W, idx = rng.normal(1.0, 2.0, (R, dim)), rng.integers(0, 300, (R, b))
    G = prob.sample_grads(W, idx, "numba")
    assert _rel(G, prob.sample_grads(W, idx)) <= 1e-12
    ref = np.stack([_pr_loop(prob, W[r], idx[r]) for r in range(R)])
    assert _rel(G, ref) <= 1e-12


@pytest.mark.parametrize("reg", ["smooth", "exact"])
def test_dro_kernel_agrees(reg):
    prob = _dro(reg)
    rng = np.random.default_rng(1)
    V, idx = rng.normal(size=(6, prob.dim)), rng.integers(0, prob.n_samples, (6, 9))
    V[0, :3] = 0.0  # the exact regularizer's kink: subgradient 0 on both paths
    G = prob.sample_grads(V, idx, "numba")
    assert _rel(G, prob.sample_grads(V, idx)) <= 1e-12
    assert _rel(G, np.stack([_dro_loop(prob, V[r], idx[r]) for r in range(6)])) <= 1e-12


def test_threads_do_not_change_the_bits():
    from insgd.numerics import _numba_kernels as nk

    prob = PhaseRetrieval(dim=13, m=200)
    rng = np.random.default_rng(2)
    W, idx = rng.normal(size=(50, 13)), rng.integers(0, 200, (50, 17))
    a = nk.phase_retrieval_serial(prob.A, prob.y, W, idx, -2.0)
    b = nk.phase_retrieval_parallel(prob.A, prob.y, W, idx, -2.0)
    assert np.array_equal(a, b)
    # a non-contiguous index view (the engine's draw buffers are column slices) gives the same numbers
    wide = np.repeat(idx, 2, axis=1)[:, ::2]
    assert np.array_equal(nk.phase_retrieval_serial(prob.A, prob.y, W, wide, -2.0), a)


RUNS = [
    ("sgd", {"gamma": 0.002, "batch": 4}),
    ("nsgd", {"gamma": 0.01, "beta": 1.0, "batch": 4}),
    ("clipped_sgd", {"gamma": 0.002, "clip": 1.0, "batch": 4}),
    ("insgd", {"gamma": 0.01, "beta": 2 / 3, "batch": 4, "batch_prime": 2, "delta": 1.0, "k": 0.5}),
    ("nsgd_momentum", {"gamma": 0.01, "beta": 1.0, "batch": 4, "momentum": 0.5}),
    ("spider", {"gamma": 0.01, "batch": 4, "batch0": 32, "q": 5}),
    ("spider_sfo", {"gamma": 0.01, "batch": 4, "q": 5, "lr": 0.002}),
]


def _both(prob, opt, hp, w0, iters, **kw):
    a = run(prob, opt, w0, iters, np.arange(len(w0)), hp, backend="numpy", **kw)
    b = run(prob, opt, w0, iters, np.arange(len(w0)), hp, backend="numba", **kw)
    return a, b


def _same_run(a: Trace, b: Trace):
    assert a.backend == "numpy" and b.backend == "numba"
    for k in ("stop_t", "hit_gap_t", "hit_grad_t", "diverged", "final_samples", "samples"):
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    ok = ~a.diverged
    for k in ("final_gap", "final_grad_norm"):
        x, y = getattr(a, k)[ok], getattr(b, k)[ok]
        assert np.all(np.abs(x - y) <= 1e-12 * np.maximum(np.abs(x), 1e-300)), (k, np.max(np.abs(x - y) / np.abs(x)))


@pytest.mark.parametrize("opt,hp", RUNS, ids=[o for o, _ in RUNS])
def test_runs_agree_on_phase_retrieval(opt, hp):
    prob = PhaseRetrieval(dim=6, m=200)
    w0 = prob.argmin + 0.3 * np.random.default_rng(3).normal(size=(5, 6))  # near the minimizer: the runs contract
    a, b = _both(prob, opt, hp, w0, 300, eps_gap=prob.fstar * 1e-3 + 1e-6, stop_at_threshold=False)
    _same_run(a, b)


@pytest.mark.parametrize("opt,hp", RUNS[:4], ids=[o for o, _ in RUNS[:4]])
def test_runs_agree_on_dro(opt, hp):
    prob = _dro()
    a, b = _both(prob, opt, hp, np.zeros((4, prob.dim)), 300, max_samples=900)
    _same_run(a, b)


def test_diverged_runs_agree():
    prob = PhaseRetrieval(dim=6, m=200)
    w0 = prob.argmin + np.random.default_rng(4).normal(size=(4, 6))
    gammas = np.array([1e-3, 1e3, 1e-3, 1e4])  # the large steps blow up within a few steps
    a, b = _both(prob, "sgd", {"gamma": gammas, "batch": 2}, w0, 60)
    assert a.diverged.tolist() == [False, True, False, True]
    _same_run(a, b)


def test_backend_selection_and_refusals(monkeypatch, tmp_path):
    assert fused.resolve(None) == "numba" and fused.resolve("numpy") == "numpy"
    with pytest.raises(InputError, match="backend must be one of numpy, numba"):
        fused.resolve("cuda")
    monkeypatch.setattr(fused, "available", lambda: False)
    assert fused.resolve(None) == "numpy"
    with pytest.raises(InputError, match=r"insgd\[fast\]"):
        fused.resolve("numba")
    monkeypatch.undo()
    # a problem without a fused kernel runs on NumPy and says so; a saved trace keeps its backend
    from insgd.numerics.problems import Quadratic

    tr = run(Quadratic(dim=2), "sgd", np.ones(2), 5, [0], {"gamma": 0.1}, noise=(0.1, 0.1), backend="numba")
    assert tr.backend == "numpy"
    tr = run(PhaseRetrieval(dim=3, m=20), "sgd", np.ones(3), 5, [0], {"gamma": 1e-3}, backend="numba")
    tr.save(tmp_path / "t")
    assert Trace.load(tmp_path / "t").backend == "numba" and tr.to_json()["backend"] == "numba"


def test_cli_backend_option():
    from tests.helpers import assert_one_line_error, cli

    r = cli(
        "run", "--problem", "phase_retrieval", "--param", "dim=4", "--param", "m=50", "--optimizer", "sgd",
        "--opt", "gamma=0.001", "--iters", "20", "--seed", "0", "--backend", "numba",
    )  # fmt: skip
    assert r.returncode == 0 and "(backend numba)" in r.stdout
    assert_one_line_error(cli("run", "--problem", "power", "--optimizer", "gd", "--seed", "0", "--backend", "gpu"), "--backend")
