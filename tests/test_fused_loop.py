"""The compiled step loop (numerics/fused.StepLoop, engine.run on the numba backend) against the NumPy engine.

Every stochastic optimizer, on phase retrieval and on DRO: the same stopping steps, samples, checkpoints, hits,
divergence flags and I-NSGD counters as the NumPy engine, exactly; gaps, gradient norms and final iterates within
1e-12 relative (on horizons where the runs do not amplify rounding). Runs that diverge at different steps, runs with
their own step sizes and thresholds, a run alone or among others, serial or parallel kernels: the same bits. An
unsupported configuration takes the engine's own steps, as before."""

import numpy as np
import pytest

from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.numerics.finite_sums import DRO, PhaseRetrieval
from insgd.numerics.optimizers import OPTIMIZERS, Optimizer

numba = pytest.importorskip("numba")

EXACT = ("t", "stop_t", "samples", "final_samples", "diverged", "hit_gap_t", "hit_grad_t")
CLOSE = ("gap", "grad_norm", "final_gap", "final_grad_norm", "w_final")

RUNS = [
    ("sgd", {"gamma": 0.002, "batch": 4}),
    ("nsgd", {"gamma": 0.01, "beta": 1.0, "batch": 5}),
    ("clipped_sgd", {"gamma": 0.002, "clip": 1.0, "delta": 0.5, "batch": 4}),
    ("insgd", {"gamma": 0.01, "beta": 2 / 3, "batch": 4, "batch_prime": 2, "delta": 1.0, "k": 0.5, "floor": 1.5}),
    ("insgd", {"gamma": 0.01, "beta": 0.5, "batch": 3, "batch_prime": 3, "delta": 0.5, "L1": 2.0}),
    ("nsgd_momentum", {"gamma": 0.01, "beta": 1.0, "batch": 4, "momentum": 0.5}),
    ("spider", {"gamma": 0.01, "batch": 4, "batch0": 32, "q": 5}),
    ("spider_sfo", {"gamma": 0.01, "batch": 4, "q": 7, "lr": 0.002}),
]
IDS = [f"{o}-{i}" for i, (o, _) in enumerate(RUNS)]


def _pr():
    return PhaseRetrieval(dim=10, m=200)


def _dro(n=150, k=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k))
    return DRO(X=X, y=X @ rng.normal(size=k) + rng.normal(size=n), lam=0.5)


@pytest.fixture
def calls(monkeypatch):
    """The compiled loop's calls in this test, with the steps each took."""
    taken = []
    advance = fused.StepLoop.advance

    def spy(self, *a):
        out = advance(self, *a)
        taken.append(out[3])
        return out

    monkeypatch.setattr(fused.StepLoop, "advance", spy)
    return taken


def _both(prob, opt, hp, w0, iters, **kw):
    seeds = np.arange(len(w0))
    return tuple(run(prob, opt, w0, iters, seeds, hp, backend=b, **kw) for b in ("numpy", "numba"))


def _agree(a, b, rtol=1e-12):
    """Exactly the same steps, samples, hits, flags and counters; the numbers within rtol (finite runs)."""
    assert (a.backend, b.backend) == ("numpy", "numba")
    for k in EXACT:
        assert np.array_equal(getattr(a, k), getattr(b, k)), k
    assert a.final_state.keys() == b.final_state.keys()
    for k in a.final_state:
        assert np.array_equal(a.final_state[k], b.final_state[k]), k
    ok = ~a.diverged
    worst = 0.0
    for k in CLOSE:
        x, y = getattr(a, k)[ok], getattr(b, k)[ok]
        err = np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-300), initial=0.0)
        assert err <= rtol, (k, err)
        worst = max(worst, err)
    return worst


@pytest.mark.parametrize("opt,hp", RUNS, ids=IDS)
def test_every_optimizer_agrees_on_phase_retrieval(opt, hp, calls):
    prob = _pr()
    w0 = prob.argmin + 0.4 * np.random.default_rng(1).normal(size=(5, prob.dim))
    a, b = _both(prob, opt, hp, w0, 400, max_samples=1500)
    _agree(a, b)
    assert len(calls) < int(b.stop_t.max())  # many steps per compiled call
    assert b.stop_t.min() < 400  # max_samples stopped the runs


@pytest.mark.parametrize("opt,hp", RUNS, ids=IDS)
def test_every_optimizer_agrees_on_dro(opt, hp, calls):
    prob = _dro()
    w0 = np.zeros((4, prob.dim))
    a, b = _both(prob, opt, hp, w0, 300, max_samples=1000)
    _agree(a, b)
    assert len(calls) < int(b.stop_t.max())


def test_runs_that_diverge_at_different_steps():
    """Per-run step sizes, some large enough to overflow at different steps: the same steps, flags and samples, and
    the runs that stay finite agree to 1e-12 (they share their batch with the diverging ones)."""
    prob = _pr()
    w0 = prob.argmin + np.random.default_rng(4).normal(size=(6, prob.dim))
    gammas = np.array([1e-3, 1e3, 2e-3, 1e4, 30.0, 1e-3])
    for opt, hp in (("sgd", {}), ("insgd", {"beta": 0.5, "batch_prime": 2, "k": 1e-9})):  # k: I-NSGD's floor binds
        a, b = _both(prob, opt, {"gamma": gammas, "batch": 3, **hp}, w0, 120, max_samples=300)
        assert a.diverged.tolist() == [False, True, False, True, True, False], opt
        assert len(set(a.stop_t[a.diverged].tolist())) > 1  # they stop at different steps
        _agree(a, b)


def test_an_overflow_between_checkpoints_measures_every_run():
    """The engine measures every run at a step where one overflows: a run whose f already overflows there (at a
    finite iterate) ends one step before it, earlier than alone. The loop goes back to that step and does the same."""
    prob = _pr()
    rng = np.random.default_rng(0)
    gammas = 10 ** rng.uniform(-1, 3, 6)
    gammas[0] = 1e-3
    w0 = prob.argmin + rng.normal(size=(6, prob.dim))
    a, b = _both(prob, "sgd", {"gamma": gammas, "batch": 3}, w0, 60, n_checkpoints=4)
    assert a.stop_t.tolist() == [60, 4, 4, 4, 3, 3] and a.diverged.tolist() == [False] + [True] * 5
    alone = run(prob, "sgd", w0[2], 60, [2], {"gamma": gammas[2], "batch": 3}, n_checkpoints=4, backend="numba")
    assert alone.stop_t[0] == 5  # alone, nothing measures it at step 5
    _agree(a, b)


def test_thresholds_and_per_run_values():
    """Per-run eps_gap (one run stops at once, one later, one never) and per-run step sizes: the engine looks at
    every step, and the loop takes them one at a time."""
    prob = _pr()
    w0 = prob.argmin + 0.4 * np.random.default_rng(5).normal(size=(3, prob.dim))
    hp = {"gamma": [0.01, 0.02, 0.015], "beta": [0.5, 2 / 3, 0.8], "batch": 4, "batch_prime": 2, "delta": 1.0, "k": 2.0}
    gap0 = prob.value(w0) - prob.fstar
    a, b = _both(prob, "insgd", hp, w0, 200, eps_gap=[1e9, 0.5 * gap0[1], 1e-12], eps_grad=1e-9)
    assert a.stop_t[0] == 0 and 0 < a.stop_t[1] < 200 and a.stop_t[2] == 200
    _agree(a, b)
    a, b = _both(prob, "insgd", hp, w0, 200, eps_gap=0.5 * gap0, stop_at_threshold=False)
    assert (a.hit_gap_t > 0).all() and (a.stop_t == 200).all()
    _agree(a, b)


def test_a_run_alone_or_among_others_and_on_any_thread(monkeypatch):
    """A run's iterates, metrics and counters do not depend on the runs beside it, nor on serial or parallel kernels."""
    prob = _pr()
    rng = np.random.default_rng(6)
    w0 = prob.argmin + 0.5 * rng.normal(size=(5, prob.dim))
    hp = {"gamma": [0.01, 1e4, 0.02, 0.005, 0.01], "beta": 2 / 3, "batch": 6, "batch_prime": 3, "delta": 1.0, "k": 1.0}
    seeds = [3, 1, 4, 1, 5]

    def go(rows):
        return run(
            prob,
            "insgd",
            w0[rows],
            250,
            [seeds[r] for r in rows],
            {k: np.asarray(v)[rows] if np.ndim(v) else v for k, v in hp.items()},
            max_samples=2000,
            backend="numba",
        )

    batch = go([0, 1, 2, 3, 4])
    assert batch.diverged.tolist() == [False, True, False, False, False]
    for r in (0, 2, 4):
        alone = go([r])
        for k in ("gap", "grad_norm", "w_final", "final_gap", "stop_t", "samples"):
            assert np.array_equal(getattr(alone, k)[0], getattr(batch, k)[r]), (r, k)
        assert alone.final_state["h_active"][0] == batch.final_state["h_active"][r]
    for work in (0, 1 << 60):  # every call parallel, then every call serial
        monkeypatch.setattr(fused, "PARALLEL_WORK", work)
        again = go([0, 1, 2, 3, 4])
        assert all(np.array_equal(getattr(again, k), getattr(batch, k)) for k in ("gap", "grad_norm", "w_final"))


def test_unsupported_configurations_take_the_engines_steps(calls, monkeypatch):
    """Draws without replacement, or an optimizer that is not the registered one, fall back to the engine's own
    steps: the same trace as with the compiled loop switched off."""
    prob = _pr()
    w0 = prob.argmin + 0.3 * np.random.default_rng(7).normal(size=(3, prob.dim))
    hp = {"gamma": 0.002, "batch": 4}
    mine = Optimizer("sgd", OPTIMIZERS["sgd"].init, OPTIMIZERS["sgd"].update, dict(OPTIMIZERS["sgd"].defaults), "a copy")
    cases = [("sgd", {"replace": False}), (mine, {})]
    got = [run(prob, o, w0, 60, [0, 1, 2], hp, backend="numba", **kw) for o, kw in cases]
    assert calls == []
    monkeypatch.setattr(fused, "step_loop", lambda *a: None)
    for (o, kw), tr in zip(cases, got, strict=True):
        assert tr.equals(run(prob, o, w0, 60, [0, 1, 2], hp, backend="numba", **kw)) and tr.backend == "numba"


def test_compile_time_is_reported():
    prob = _pr()
    run(prob, "sgd", np.ones(prob.dim), 5, [0], {"gamma": 1e-4}, backend="numba")
    assert {"steps_serial", "value_grad_serial"} <= set(fused.compile_seconds())


def test_one_checkpoint_means_the_start_and_the_end():
    """n_checkpoints=1 records t = 0 and t = iters (the compiled loop runs up to the next checkpoint: a schedule
    without iters once sent it past the end)."""
    from insgd.numerics.runs import checkpoints

    assert checkpoints(200, 1).tolist() == [0, 200] and checkpoints(200, 2).tolist() == [0, 1, 200]
    prob = _pr()
    W = prob.initial_point(np.random.default_rng(0), 3) * 0.05
    a, b = (run(prob, "sgd", W, 150, np.arange(3), {"gamma": 1e-3, "batch": 8}, n_checkpoints=1, backend=be)
            for be in ("numpy", "numba"))  # fmt: skip
    assert a.t.tolist() == b.t.tolist() == [0, 150]
    assert np.allclose(a.final_gap, b.final_gap, rtol=1e-12, atol=0)
