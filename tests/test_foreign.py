"""Optimizers across libraries (numerics/foreign.py, insgd check-optimizer): optax and torch.optim run in the engine
agree with the engine's own GD; a planted bug is caught; I-NSGD's optax and torch adapters match the engine step
for step; the CLI."""

import numpy as np
import pytest

from insgd.numerics.engine import run
from insgd.numerics.problems import Quadratic
from insgd.theory.theorems import get
from insgd.verify.checks.generic import check_theorem
from tests.helpers import assert_one_line_error, cli

KARIMI = "karimi2016.theorem1"


def _gd_reference(prob, w0, gamma, steps):
    w = np.asarray(w0, float)
    for _ in range(steps):
        w = w - gamma * prob.grad(w[None])[0]
    return w


@pytest.mark.slow
def test_optax_and_torch_gd_match_the_engine():
    optax = pytest.importorskip("optax")
    torch = pytest.importorskip("torch")
    from insgd.numerics.foreign import optax_optimizer, torch_optimizer

    prob = Quadratic(dim=3, cond=5.0)
    w0 = np.array([[1.0, -2.0, 0.5], [0.3, 0.3, -1.0]])
    ref = run(prob, "gd", w0, 25, [0, 1], {"gamma": 0.1})
    for opt in (
        optax_optimizer(lambda lr: optax.sgd(lr), "optax.sgd"),
        torch_optimizer(lambda p, lr: torch.optim.SGD(p, lr=lr), "torch.SGD"),
    ):
        tr = run(prob, opt, w0, 25, [0, 1], {"gamma": 0.1})
        assert np.allclose(tr.w_final, ref.w_final, rtol=1e-12, atol=1e-15)
        assert np.allclose(tr.w_final[0], _gd_reference(prob, w0[0], 0.1, 25), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("lib", ["torch", pytest.param("optax", marks=pytest.mark.slow)])
def test_a_planted_bug_is_caught_and_the_correct_optimizer_passes(lib):
    from insgd.numerics.foreign import optax_optimizer, torch_optimizer

    mod = pytest.importorskip(lib)
    if lib == "optax":
        make = lambda factor: optax_optimizer(lambda lr: mod.sgd(factor * lr), f"optax.sgd x{factor}")  # noqa: E731
    else:
        make = lambda factor: torch_optimizer(lambda p, lr: mod.optim.SGD(p, lr=factor * lr), f"SGD x{factor}")  # noqa: E731
    th, prob = get(KARIMI), Quadratic(dim=3, cond=5.0)
    assert check_theorem(th, prob, optimizer=make(1))["verdict"] == "pass"
    # the bug: a learning rate doubled (an off-by-factor a user could ship)
    bad = check_theorem(th, prob, optimizer=make(2))
    assert bad["verdict"] == "fail" and "at t = " in bad["evidence"]


def _insgd_engine_steps(prob, w0, hp, steps, seed):
    """The engine's I-NSGD iterates (every step recorded) and the minibatches it drew (the same keys replayed)."""
    from insgd.numerics.oracles import Keys

    xs = []
    run(prob, "insgd", w0, steps, [seed], hp, callback=lambda t, W, a: xs.append(W[0].copy()) and False)
    keys = Keys([seed])
    draws = [(keys.integers("B", prob.m, hp["batch"]), keys.integers("B_prime", prob.m, hp["batch_prime"])) for _ in range(steps)]
    return np.array(xs), draws


@pytest.mark.parametrize("lib", [pytest.param("optax", marks=pytest.mark.slow), "torch"])
def test_insgd_adapters_match_the_engine_step_for_step(lib):
    from insgd.numerics.finite_sums import PhaseRetrieval
    from insgd.numerics.foreign import insgd_optax, insgd_reference_step, insgd_torch

    pytest.importorskip("optax" if lib == "optax" else "torch")
    prob = PhaseRetrieval(dim=10, m=200, data_seed=1)
    hp = {"gamma": 0.05, "beta": 2 / 3, "batch": 8, "batch_prime": 4, "delta": 0.0, "k": 0.2}  # acts while ||g|| > 2.5
    w0 = prob.initial_point(np.random.default_rng(0), 1)[0] * 0.3
    xs, draws = _insgd_engine_steps(prob, w0, hp, 30, seed=7)
    w, acted = w0.copy(), []
    if lib == "optax":
        import jax.numpy as jnp

        tx = insgd_optax(hp["gamma"], hp["beta"], hp["k"], hp["delta"])
        state = tx.init(jnp.asarray(w))
    else:
        import torch

        p = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
        opt = insgd_torch()([p], lr=hp["gamma"], beta=hp["beta"], k=hp["k"], delta=hp["delta"])
    for t, (iB, iBp) in enumerate(draws[: len(xs) - 1]):
        assert np.allclose(w, xs[t], rtol=1e-10, atol=1e-14), t
        g, gp = prob.sample_grads(w[None], iB)[0], prob.sample_grads(w[None], iBp)[0]
        ref, ref_acted = insgd_reference_step(w, g, gp, hp["gamma"], hp["beta"], hp["k"], hp["delta"])
        if lib == "optax":
            u, state = tx.update(jnp.asarray(g), state, jnp.asarray(w), second_grad=jnp.asarray(gp))
            w = w + np.asarray(u)
            acted.append(bool(state.acted))
            assert abs(float(state.second_grad_norm) - np.linalg.norm(gp)) <= 1e-12 * np.linalg.norm(gp)
        else:
            p.grad = torch.as_tensor(g)
            opt.step(second_grads=[torch.as_tensor(gp)])
            w = p.detach().numpy().copy()
            acted.append(opt.last["acted"])
        assert np.allclose(w, ref, rtol=1e-10, atol=1e-14)
        assert acted[-1] == ref_acted
    assert any(acted) and not all(acted)  # the normalization acted on some steps and not on others here


@pytest.mark.slow
def test_cli_check_optimizer():
    pytest.importorskip("optax")
    r = cli("check-optimizer", "--optax", "sgd", "--ci", "--json")
    assert r.returncode == 0, r.stderr
    assert [x["verdict"] for x in r.json()] == ["pass", "pass"]


@pytest.mark.parametrize(
    "args, word",
    [
        ([], "exactly one"),
        (["--optax", "os.system"], "optax"),
        (["--torch", "__import__"], "torch"),
        (["--optax", "sgd", "--kw", "momentum=abc"], "momentum"),
        (["--optax", "sgd", "--theorem", "nope"], "theorem"),
    ],
)
def test_cli_check_optimizer_bad_input(args, word):
    assert_one_line_error(cli("check-optimizer", *args), word)


@pytest.mark.slow
def test_workers_are_spawned_once_jax_is_loaded():
    """A process that imported JAX spawns its workers (a forked child of JAX's thread pools may deadlock), and the
    auditor's bounded worker still answers there."""
    import subprocess
    import sys

    pytest.importorskip("jax")
    code = (
        "from insgd.core import process_context as c; a = c().get_start_method(); import jax; b = c().get_start_method(); "
        "from insgd.verify.audit.auditor import audit_expr_bounded as f; "
        "r = f('w**2/2', pl_claims=[('2', '1/2')], time_s=60); print(a, b, r['claims'][0]['verdict'])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["fork", "spawn", "holds"]


def _torch_ngd(sign=1.0):
    """A user's NGD as a torch optimizer (w <- w - sign lr g / ||g||^beta); sign -1 is an ascent bug."""
    torch = pytest.importorskip("torch")

    class NGD(torch.optim.Optimizer):
        def __init__(self, params, lr, beta):
            super().__init__(params, {"lr": lr, "beta": beta})

        @torch.no_grad()
        def step(self):
            for g in self.param_groups:
                for p in g["params"]:
                    p.add_(p.grad, alpha=-sign * g["lr"] / float(p.grad.norm()) ** g["beta"])

    return NGD


@pytest.mark.slow
def test_theorem1_holds_a_foreign_ngd():
    """Theorem 1's check runs a user's NGD (given Theorem 1's gamma(eps) as its learning rate): a correct one passes
    every assertion on the tight power family; an ascent bug never passes (its iterates leave the certified ball at
    once, so the check withholds the verdict instead of using constants where they are not certified)."""
    from insgd.numerics.foreign import torch_optimizer
    from insgd.numerics.problems import Power
    from insgd.verify.checks.theorem1 import check

    grid = [1e-2, 1e-3, 1e-4]
    good = check(Power(p=4.0), 2 / 3, eps_grid=grid, optimizer=torch_optimizer(lambda p, lr: _torch_ngd()(p, lr, 2 / 3)))
    assert good.verdict == "pass" and all(a.verdict == "pass" for a in good.assertions if a.kind in ("bound", "rate"))
    bad = check(Power(p=4.0), 2 / 3, eps_grid=grid, optimizer=torch_optimizer(lambda p, lr: _torch_ngd(-1.0)(p, lr, 2 / 3)))
    assert bad.verdict != "pass" and "nan" not in " ".join(a.evidence for a in bad.assertions)
