"""Engine: exact trajectories, determinism, batching, oracles, stopping rules, overflow, traces as data."""

import json

import numpy as np
import pytest

import insgd.numerics.finite_sums  # noqa: F401
from insgd.core import InputError
from insgd.numerics.engine import run
from insgd.numerics.oracles import Keys, NoiseOracle
from insgd.numerics.problems import Cosh, Power, Quadratic, make_problem
from insgd.numerics.runs import Trace

BATCH_SHAPE_RTOL = 1e-9  # einsum/BLAS may sum in another order for another batch shape; 200 steps amplify 1 ulp


def test_ngd_closed_form_on_power():
    # f = |w|^p, beta with (p-1)(1-beta) = 1: |w_{t+1}| = |w_t| (1 - gamma p^(1-beta)) exactly.
    for p, beta in ((3.0, 0.5), (5.0, 0.75), (2.0, 0.0)):
        gamma = 0.05
        tr = run(Power(p=p), "ngd", [2.0], 50, [0], {"gamma": gamma, "beta": beta})
        expected = (2.0 * (1 - gamma * p ** (1 - beta)) ** tr.t) ** p
        assert np.allclose(tr.gap[0], expected, rtol=1e-12)


def test_ngd_beta1_moves_by_gamma_on_a_sphere():
    # beta = 1 on ||w||^2: w_{t+1} = w_t - gamma w_t/||w_t||: the radius drops by exactly gamma per step.
    w0 = np.array([3.0, 4.0])
    tr = run(Power(p=2.0, dim=2), "ngd", w0, 40, [0], {"gamma": 0.1, "beta": 1.0}, n_checkpoints=100)
    assert np.allclose(np.sqrt(tr.gap[0]), 5.0 - 0.1 * tr.t, atol=1e-12)


def test_gd_on_quadratic():
    q = Quadratic(dim=3, cond=4)
    w0 = np.array([1.0, -2.0, 0.5])
    tr = run(q, "gd", w0, 30, [0], {"gamma": 0.2})
    T = tr.t[-1]
    w_T = w0 * (1 - 0.2 * q.lam) ** T
    assert np.allclose(tr.w_final[0], w_T, rtol=1e-12)


def test_per_run_hyperparameters_match_single_runs():
    prob = Power(p=4.0)
    gammas = np.array([1e-3, 1e-2, 5e-2])
    batch = run(prob, "ngd", [1.5], 300, [0, 1, 2], {"gamma": gammas, "beta": [0.5, 0.7, 1.0]})
    for k in range(3):
        single = run(prob, "ngd", [1.5], 300, [k], {"gamma": gammas[k], "beta": [0.5, 0.7, 1.0][k]})
        assert np.array_equal(batch.gap[k], single.gap[0])


@pytest.mark.parametrize(
    "opt,hp",
    [
        ("insgd", {"gamma": 0.01, "beta": 0.5, "batch": 8, "batch_prime": 2, "k": 0.1, "delta": 1.0}),
        ("spider", {"gamma": 0.01, "batch": 4, "batch0": 32, "q": 5}),
        ("nsgd_momentum", {"gamma": 0.01, "batch": 8}),
        ("clipped_sgd", {"gamma": 0.01, "batch": 8, "clip": 5.0}),
    ],
)
def test_same_seed_same_trace_regardless_of_batch(opt, hp):
    prob = make_problem("phase_retrieval", dim=5, m=60)
    w0 = np.full(5, 0.5)
    a = run(prob, opt, w0, 200, [7, 8, 9], hp)
    b = run(prob, opt, w0, 200, [7, 8, 9], hp)
    assert a.equals(b)
    c = run(prob, opt, w0, 200, [8], hp)  # run 1 of the batch, alone: the same random draws, so the same
    # trajectory up to the summation order NumPy picks for a different batch shape (last-bit differences)
    assert np.allclose(a.gap[1], c.gap[0], rtol=BATCH_SHAPE_RTOL)
    assert np.allclose(a.w_final[1], c.w_final[0], rtol=BATCH_SHAPE_RTOL)
    d = run(prob, opt, w0, 200, [10, 11, 12], hp)
    assert not np.array_equal(a.gap, d.gap)


def test_noise_oracle_is_unbiased_and_tight():
    prob = Quadratic(dim=3)
    W = np.tile([[1.0, -2.0, 0.5]], (4000, 1))
    o = NoiseOracle(prob, tau1=0.5, tau2=0.3)
    g = o.grad(W, o.draw(Keys(np.arange(4000)), "B", 1))
    G = prob.grad(W[:1])[0]
    err = np.linalg.norm(g - G, axis=1)
    bound = 0.5 * np.linalg.norm(G) + 0.3
    assert np.all(err <= bound * (1 + 1e-12))  # Assumption 4 holds surely
    assert err.max() > 0.98 * bound  # and tightly: the constants cannot be lowered
    assert np.allclose(g.mean(axis=0), G, atol=4 * (bound / np.sqrt(4000)))  # unbiased (4-sigma)


def test_sample_counting():
    prob = make_problem("phase_retrieval", dim=4, m=50)
    tr = run(prob, "insgd", np.ones(4), 10, [0, 1], {"gamma": 1e-3, "beta": 1.0, "batch": 6, "batch_prime": 3, "k": 1.0})
    assert np.all(tr.samples[:, -1] == 10 * (6 + 3))
    tr = run(prob, "ngd", np.ones(4), 10, [0], {"gamma": 1e-3})
    assert tr.samples[0, -1] == 10 * 50  # a full gradient costs m samples
    tr = run(prob, "spider", np.ones(4), 10, [0], {"gamma": 1e-3, "batch": 2, "batch0": 20, "q": 5})
    assert tr.samples[0, -1] == 2 * 20 + 8 * 2


def test_thresholds_and_stopping():
    prob = Power(p=2.0)
    tr = run(prob, "gd", [1.0], 1000, [0, 1], {"gamma": [0.1, 0.2]}, eps_gap=1e-6)
    # gap_t = (1 - 2 gamma)^(2t): first t with gap <= 1e-6
    for k, g in enumerate((0.1, 0.2)):
        first = int(np.ceil(np.log(1e-6) / (2 * np.log(1 - 2 * g))))
        assert tr.hit_gap_t[k] == first and tr.stop_t[k] == first
    assert tr.t[-1] == 1000 and tr.gap[0, -1] <= 1e-6
    tr = run(prob, "gd", [1.0], 1000, [0], {"gamma": 0.1}, eps_grad=1e-3, stop_at_threshold=False)
    assert tr.hit_grad_t[0] > 0 and tr.stop_t[0] == 1000
    pr = make_problem("phase_retrieval", dim=4, m=50)
    tr = run(pr, "sgd", np.ones(4), 1000, [0], {"gamma": 1e-4, "batch": 10}, max_samples=95)
    assert tr.stop_t[0] == 10 and tr.samples[0, -1] == 100


def test_overflow_is_reported_not_propagated():
    tr = run(Cosh(), "gd", [[5.0], [0.5]], 200, [0, 1], {"gamma": [50.0, 0.1]})
    assert tr.diverged.tolist() == [True, False]
    assert np.all(np.isfinite(tr.gap)) and np.all(np.isfinite(tr.w_final))
    assert json.dumps(tr.to_json(), allow_nan=False)


def test_save_load_roundtrip(tmp_path):
    tr = run(Power(p=3.0), "ngd", [1.0], 100, [0, 1], {"gamma": 0.01, "beta": 0.5})
    tr.save(tmp_path / "a")
    back = Trace.load(tmp_path / "a")
    assert back.equals(tr)
    with pytest.raises(InputError, match="exists"):
        tr.save(tmp_path / "a")
    tr.save(tmp_path / "a", overwrite=True)


def test_bad_inputs():
    with pytest.raises(InputError, match="gamma"):
        run(Power(), "ngd", [1.0], 10, [0], {"gamma": -1})
    with pytest.raises(InputError, match="optimizer"):
        run(Power(), "adam", [1.0], 10, [0], {"gamma": 1})
    with pytest.raises(InputError, match="w0"):
        run(Power(), "ngd", [1.0, 2.0], 10, [0], {"gamma": 1})
    with pytest.raises(InputError, match="beta"):
        run(Power(), "ngd", [1.0], 10, [0], {"gamma": 1, "beta": 2})
    with pytest.raises(InputError, match="beta"):
        run(Power(), "insgd", [1.0], 10, [0], {"gamma": 1, "beta": 0})
    with pytest.raises(InputError, match="batch"):
        run(make_problem("phase_retrieval", dim=3, m=20), "sgd", np.ones(3), 10, [0], {"gamma": 1, "batch": 0})


def test_final_values_are_those_at_the_stopping_step_whatever_iters():
    # A run stopped by its sample budget between two checkpoints: its final gap, iterate and samples are the ones at
    # the stopping step (recomputed here from w_final), and do not depend on the iteration cap or the checkpoints.
    pr = make_problem("phase_retrieval", dim=4, m=50)
    a = run(pr, "sgd", np.ones(4), 1000, [0, 1], {"gamma": 1e-3, "batch": 10}, max_samples=95, n_checkpoints=7)
    b = run(pr, "sgd", np.ones(4), 5000, [0, 1], {"gamma": 1e-3, "batch": 10}, max_samples=95, n_checkpoints=40)
    assert a.stop_t.tolist() == b.stop_t.tolist() == [10, 10] and a.final_samples.tolist() == [100, 100]
    assert np.array_equal(a.final_gap, b.final_gap) and np.array_equal(a.w_final, b.w_final)
    assert np.allclose(a.final_gap, pr.value(a.w_final) - pr.fstar, rtol=1e-12)
    assert np.array_equal(a.gap[:, -1], a.final_gap)  # the later checkpoints hold the final values


def test_memory_check_counts_the_checkpoints():
    """A run recording every step keeps (runs x iters) metrics: refused before any allocation when they cannot fit
    (2000 runs x 1e7 checkpoints x 4 arrays x 8 bytes = 640 GB), while 40 checkpoints of the same run would fit."""
    from insgd.numerics.runs import check_size, estimate_bytes, memory_limit

    prob = Quadratic(dim=1)
    assert estimate_bytes(2000, 1, 10**7, n_checkpoints=41) < memory_limit()
    check_size("this run", prob, 2000, 10**7)  # default 40 checkpoints: fits
    with pytest.raises(InputError, match="memory"):
        run(prob, "gd", [1.0], 10**7, range(2000), {"gamma": 0.1}, n_checkpoints=10**7 + 1)


def test_callback_true_stops_every_run_at_that_step():
    prob = Quadratic(dim=2, cond=2.0)
    seen = []

    def cb(t, W, active):
        seen.append(t)
        return t == 7

    tr = run(prob, "gd", np.ones(2), 100, [0, 1, 2], {"gamma": [0.1, 0.2, 0.3]}, callback=cb)
    alone = run(prob, "gd", np.ones(2), 7, [0, 1, 2], {"gamma": [0.1, 0.2, 0.3]})
    assert seen == list(range(8)) and tr.stop_t.tolist() == [7, 7, 7]
    assert np.array_equal(tr.w_final, alone.w_final) and np.array_equal(tr.final_gap, alone.final_gap)


def test_a_stopped_run_is_frozen_state_included():
    """Runs of a batch stop at different steps (per-run eps); each stopped run's iterate, optimizer state and sample
    count equal those of its seed run alone for exactly its stop_t steps, while the others go on."""
    pr = make_problem("phase_retrieval", dim=4, m=60)
    hp = {"gamma": 0.05, "beta": 0.5, "batch": 4, "batch_prime": 2, "delta": 1.0, "k": 2.0}
    w0 = np.full((3, 4), 0.8)
    eps = [1e9, 0.5, 1e-12]  # run 0 stops at once, run 1 later, run 2 never
    tr = run(pr, "insgd", w0, 300, [5, 6, 7], hp, eps_gap=eps)
    assert tr.stop_t[0] == 0 and 0 < tr.stop_t[1] < 300 and tr.stop_t[2] == 300
    for r in range(3):
        alone = run(pr, "insgd", w0[r], int(tr.stop_t[r]), [5 + r], hp)
        assert np.array_equal(alone.w_final[0], tr.w_final[r])
        assert alone.final_samples[0] == tr.final_samples[r]
        assert alone.final_state["h_active"][0] == tr.final_state["h_active"][r]


def test_a_diverged_run_records_its_last_finite_step():
    """A step that overflows ends the run at the iterate before it: stop_t, the final gap and the samples are those
    of that step (as a run of the same seed stopped there), and the other runs are unaffected."""
    pr = make_problem("phase_retrieval", dim=4, m=60)
    w0 = np.full((2, 4), 0.8)
    tr = run(pr, "sgd", w0, 200, [3, 4], {"gamma": [1e-3, 1e6], "batch": 5})
    assert tr.diverged.tolist() == [False, True] and tr.stop_t[1] < 200
    alone = run(pr, "sgd", w0[1], int(tr.stop_t[1]), [4], {"gamma": 1e6, "batch": 5})
    assert np.array_equal(tr.w_final[1], alone.w_final[0])
    # f at the checkpoint is a BLAS product over all runs: its rounding may depend on how many runs share it
    assert np.isfinite(tr.final_gap[1]) and np.isclose(tr.final_gap[1], alone.final_gap[0], rtol=1e-12, atol=0)
    assert tr.final_samples[1] == alone.final_samples[0] == 5 * tr.stop_t[1]
    ok = run(pr, "sgd", w0[0], 200, [3], {"gamma": 1e-3, "batch": 5})
    assert np.array_equal(ok.w_final[0], tr.w_final[0])


def test_the_recorder_keeps_hits_finals_and_frozen_checkpoints():
    """numerics/runs.Recorder on hand-made metrics: two runs, checkpoints at every step of 3; run 0 meets eps_gap
    at t = 1 and stops there, run 1 goes on; run 0's later checkpoints hold its final values."""
    from insgd.numerics.runs import Recorder

    rec = Recorder(2, 3, 40, eps_gap=0.5)
    assert list(rec.t) == [0, 1, 2, 3] and rec.every_step
    active = np.array([True, True])
    metrics = {0: ([1.0, 2.0], [3.0, 4.0]), 1: ([0.4, 1.5], [2.0, 3.5]), 2: ([0.1, 1.0], [1.0, 3.0]), 3: ([0.1, 0.3], [1.0, 2.0])}
    for t in range(4):
        f, n = (np.array(x) for x in metrics[t])
        samples = np.array([t, t])
        rec.hits(t, f, n, active)
        done = rec.reached() | (t == 3)
        rec.finish(done & active, t, f, n, samples)
        active = active & ~done
        rec.checkpoint(active, f, n, samples)
    rec.close()
    assert list(rec.hit_gap) == [1, 3] and list(rec.stop_t) == [1, 3]
    assert list(rec.gap[0]) == [1.0, 0.4, 0.4, 0.4] and list(rec.gap[1]) == [2.0, 1.5, 1.0, 0.3]
    assert list(rec.samp[0]) == [0, 1, 1, 1] and list(rec.fin_grad) == [2.0, 2.0]


@pytest.mark.parametrize(
    "kwargs,word",
    [
        ({"iters": 2.5}, "iters"),
        ({"iters": -1}, "iters"),
        ({"w0": [1.0, 2.0]}, "w0 must have shape"),
        ({"w0": [float("nan")]}, "w0 must be finite"),
        ({"eps_gap": 0.0}, "eps_gap must be > 0"),
        ({"max_samples": 0}, "max_samples"),
        ({"hp": {"gamma": -1.0}}, "gamma"),
    ],
)
def test_one_validation_function_refuses_bad_runs(kwargs, word):
    from insgd.numerics.optimizers import get_optimizer
    from insgd.numerics.problems import Power
    from insgd.numerics.runs import validate_run

    args = {"w0": [1.0], "iters": 10, "seeds": [0], "hp": {"gamma": 0.1}} | kwargs
    with pytest.raises(InputError, match=word):
        validate_run(Power(p=4.0), get_optimizer("gd"), args["w0"], args["iters"], args["seeds"], args["hp"],
                     kwargs.get("eps_gap"), None, kwargs.get("max_samples"))  # fmt: skip
