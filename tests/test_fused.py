"""The numba backend (numerics/fused.py) against the NumPy reference and against a plain per-sample loop.

Per call: within 1e-12 relative (normwise) of NumPy, and serial and parallel kernels bit-identical. Per run: the
same stopping steps, hits, divergence flags and sample counts, finals within 1e-12 relative, on every stochastic
optimizer over both finite sums, on horizons where the dynamics contract (a chaotic run amplifies any rounding
difference, so there only the distribution is comparable: see the closing note of the backend issue)."""

import numpy as np
import pytest

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.numerics.finite_sums import DRO, PhaseRetrieval
from insgd.numerics.problems import Cosh, PaperExample1, PaperExample2, Power, PowerSum, Quadratic
from insgd.numerics.runs import Trace

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


NGD_CASES = [
    (Power(p=6.0), [1.0], 1e-4, 0.8, 1e-3),
    (Power(p=3.0, dim=2), [0.7, 0.7], 1e-3, 0.5, 1e-4),
    (Quadratic(dim=3, cond=5.0), [0.5, 0.5, 0.5], 0.05, 1.0, 1e-6),
    (Cosh(), [3.0], 0.01, 1.0, 1e-5),
    (PowerSum(), [1.0, 1.0], 1e-3, 0.2, 1e-4),
    (PaperExample1(), [0.5], 1e-3, 0.5, 1e-5),
    (PaperExample2(), [0.5], 1e-3, 2 / 3, 1e-5),
    (Cosh(), [0.5], 1e3, 0.0, 1e-9),  # a step that overflows: the run ends diverged at its last finite iterate
]


@pytest.mark.parametrize("prob,w0,gamma,beta,eps", NGD_CASES, ids=[c[0].label() + f" gamma={c[2]:g}" for c in NGD_CASES])
def test_compiled_ngd_loop_is_the_engines(prob, w0, gamma, beta, eps):
    """numerics/fused.ngd_runs against numerics/engine.run (NGD, stop at eps, every iterate recorded, distances as
    the engine's callback sees them): the same stops, hits and divergence, every gap within 1e-12 relative."""
    from insgd.verify.checks.setup import Distance

    W0, iters = np.array([w0]), 20_000
    dist = Distance(prob.argmin, 0.9)
    tr = run(prob, "ngd", W0, iters, [0], {"gamma": gamma, "beta": beta}, eps_gap=eps, n_checkpoints=iters + 1,
             callback=dist, backend="numpy")  # fmt: skip
    fr = fused.ngd_runs(prob, W0, gamma, beta, eps, iters, prob.argmin, True)
    stop = int(tr.stop_t[0])
    assert (stop, tr.hit_gap_t[0], tr.diverged[0]) == (fr["stop"][0], fr["hit"][0], fr["diverged"][0])
    a, b = tr.gap[0, : stop + 1], fr["gap"][0, : stop + 1]
    assert np.all(np.abs(a - b) <= 1e-12 * np.abs(a) + 1e-300)
    # the iterate to 1e-12 of the start's scale (near the minimizer w ~ 0, a relative comparison would test rounding)
    assert np.allclose(tr.w_final[0], fr["W"][0], rtol=1e-12, atol=1e-12 * np.max(np.abs(w0)))
    again = Distance(prob.argmin, 0.9)
    again.replay(fr["dist"])
    assert again.exit_t == dist.exit_t and np.isclose(again.max, dist.max, rtol=1e-12)


def _same_check(a: dict, b: dict, path=""):
    """Two Theorem 1 check results (JSON): equal words, counts and verdicts; numbers within 1e-6 relative (a
    difference of two fitted slopes, such as the q extrapolation's bias, amplifies rounding)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same_check(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same_check(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert (np.isnan(a) and np.isnan(b)) or abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1e-300), (path, a, b)
    else:
        assert a == b, (path, a, b)


@pytest.mark.parametrize(
    "prob,beta,opts",
    [
        (Power(p=4.0), 0.2, {}),
        (Cosh(), 0.5, {}),
        pytest.param(PaperExample2(), "2/3", {"generalized": True}, marks=pytest.mark.slow),
    ],
    ids=["power p=4", "cosh", "paper_example2 L1>0"],
)
def test_theorem1_check_is_the_same_on_both_backends(prob, beta, opts):
    from insgd.verify.checks.theorem1 import check

    grid = np.geomspace(1e-2, 1e-4, 3)
    a = check(prob, beta, eps_grid=grid, backend="numpy", **opts).to_json()
    b = check(prob, beta, eps_grid=grid, backend="numba", **opts).to_json()
    _same_check(a, b)


def test_a_sweep_compiles_once_per_worker(tmp_path):
    """Each worker process compiles (or loads from the disk cache) the kernels on its first finite-sum run, once: a
    serial sweep of two finite-sum configs in a fresh interpreter reports one run that did."""
    import json
    import subprocess
    import sys

    cfg = {"problem": "phase_retrieval", "optimizer": "sgd", "iters": 5, "seeds": 1, "params": {"dim": 3, "m": 20}}
    path = tmp_path / "configs.json"
    path.write_text(json.dumps([{**cfg, "hp": {"gamma": 1e-4}}, {**cfg, "hp": {"gamma": 2e-4}}]))
    argv = ["-m", "insgd.verify.cli", "sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"]
    r = subprocess.run([sys.executable, *argv, "--quiet"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "(backend numba; 1 run(s) compiled or loaded kernels" in r.stdout, r.stdout
