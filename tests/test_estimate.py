"""`insgd estimate` (verify/audit/estimate.py): the envelope rule on hand-made pairs, the estimate against certified
tight constants, under-estimates refuted, the model oracles against each other, logs, and the CLI."""

import json

import numpy as np
import pytest

from insgd.core import InputError
from insgd.numerics.models import ProblemOracle
from insgd.numerics.problems import Power, Quadratic
from insgd.verify.audit.estimate import Pairs, estimate, factor, fit_envelope, refute_claim
from tests.helpers import assert_one_line_error, cli


def _trajectory(oracle, x0, steps=30, lr=0.05):
    x, xs = np.asarray(x0, float), []
    for _ in range(steps):
        xs.append(x.copy())
        g = oracle.grad(x)
        x = x - lr * g / max(1.0, np.linalg.norm(g))
    xs.append(x)
    return np.array(xs)


def test_envelope_rule_on_hand_made_pairs():
    n = np.array([0.5, 1.0, 2.0, 4.0])
    on_curve = Pairs(2.0 + 3.0 * n**0.5, n)  # pairs exactly on L0 + L1 n^alpha
    e = fit_envelope(on_curve, alpha=0.5)
    assert abs(e["L0"] - 2.0) < 1e-8 and abs(e["L1"] - 3.0) < 1e-8
    assert all(factor(r, m, e) <= 1 + 1e-12 for r, m in zip(on_curve.ratio, n, strict=True))
    flat = fit_envelope(Pairs(np.array([1.0, 3.0, 2.0]), np.array([1.0, 2.0, 3.0])), alpha=0.0)
    assert flat["L0"] == 3.0 and flat["L1"] == 0.0  # alpha = 0: one constant, the largest ratio
    grid = fit_envelope(on_curve)  # alpha fitted on the grid: the curve's own exponent has the least mean height
    assert grid["alpha"] == 0.5


@pytest.mark.parametrize(
    "prob, alpha, tight, form",
    [
        (Quadratic(dim=3, cond=5.0), 0.0, (5.0, 0.0), "literal"),
        (Quadratic(dim=5, cond=20.0), 0.0, (20.0, 0.0), "hessian"),
        (Power(p=4.0, dim=2), 2 / 3, (0.0, 3 * 4 ** (1 / 3)), "hessian"),  # ||Hess|| = L1 ||grad||^alpha exactly
        (Power(p=3.0, dim=3), 1 / 2, (0.0, 2 * 3**0.5), "hessian"),
    ],
)
def test_estimate_within_10_percent_and_underestimates_refuted(prob, alpha, tight, form):
    """On problems whose certified constants are tight (the quadratic's lambda_max; the power family's Hessian form,
    an equality), the estimate lies within 10% of them, and constants 20% below are refuted in >= 95% of seeds."""
    oracle = ProblemOracle(prob)
    X = _trajectory(oracle, np.full(prob.dim, 0.8))
    est = estimate(oracle, X, alpha=alpha, seed=3, form=form)["groups"][0]["estimate"]
    L0, L1 = tight
    if L1 == 0:
        assert abs(est["L0"] - L0) <= 0.1 * L0 and est["L1"] == 0.0
    else:
        assert abs(est["L1"] - L1) <= 0.1 * L1 and est["L0"] <= 0.1 * L1
    under = {"L0": 0.8 * L0, "L1": 0.8 * L1, "alpha": alpha}
    refuted = sum(refute_claim(oracle, X, under, K=30, seed=s, form=form)["refuted"] for s in range(20))
    assert refuted >= 19


def test_a_true_claim_is_never_refuted():
    """Sound on the other side: the quadratic's exact lambda_max (and anything above) survives every probe."""
    prob = Quadratic(dim=3, cond=5.0)
    oracle = ProblemOracle(prob)
    X = _trajectory(oracle, np.full(3, 0.8))
    for form in ("literal", "hessian"):
        for s in range(5):
            assert not refute_claim(oracle, X, {"L0": 5.0, "L1": 0.0, "alpha": 0.0}, K=30, seed=s, form=form)["refuted"]


@pytest.mark.slow
def test_torch_and_jax_oracles_agree_with_the_problem():
    torch = pytest.importorskip("torch")
    from insgd.numerics.models import TorchOracle

    prob = Quadratic(dim=3, cond=5.0)
    lam = torch.as_tensor(prob.lam)
    t = TorchOracle(lambda p: 0.5 * (lam * p["w"] ** 2).sum(), {"w": torch.ones(3)})
    x = np.array([0.3, -1.2, 2.0])
    ref = ProblemOracle(prob).value_and_grad(x)
    f, g = t.value_and_grad(x)
    assert abs(f - ref[0]) < 1e-12 and np.allclose(g, ref[1], rtol=1e-12, atol=0)
    jnp = pytest.importorskip("jax.numpy")
    from insgd.numerics.models import JaxOracle

    j = JaxOracle(lambda p: 0.5 * (jnp.asarray(prob.lam) * p["w"] ** 2).sum(), {"w": jnp.ones(3)})
    f, g = j.value_and_grad(x)
    assert abs(f - ref[0]) < 1e-12 and np.allclose(g, ref[1], rtol=1e-12, atol=0)


@pytest.mark.slow
def test_torch_groups_are_the_tensors():
    torch = pytest.importorskip("torch")
    from insgd.numerics.models import TorchOracle

    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).double()
    o = TorchOracle(lambda p: sum((v**2).sum() for v in p.values()), net)
    assert [(n, s.stop - s.start) for n, s in o.groups] == [("0.weight", 12), ("0.bias", 4), ("2.weight", 4), ("2.bias", 1)]
    assert np.allclose(o.grad(o.x0), 2 * o.x0)  # the gradient of sum p^2, tensor by tensor in the same order
    with pytest.raises(InputError, match="every tensor exactly once"):
        TorchOracle(lambda p: p["0.bias"].sum(), net, grouping={"first": ["0.weight"]})


def test_log_round_trip_and_cli(tmp_path):
    prob = Quadratic(dim=3, cond=5.0)
    oracle = ProblemOracle(prob)
    X = _trajectory(oracle, np.full(3, 0.8))
    G = np.array([oracle.grad(x) for x in X])
    path = tmp_path / "log.npz"
    np.savez(path, x=X, g=G, group_names=np.array(["a", "b"]), group_bounds=np.array([[0, 1], [1, 3]]))
    r = cli("estimate", "--log", str(path), "--alpha", "0", "--json")
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert [g["group"] for g in out["groups"]] == ["a", "b"]
    assert "no probe" in out["groups"][0]["probe"]["verdict"]  # a log has no gradients at new points
    from insgd.verify.audit.trajectories import LogOracle

    ours = estimate(LogOracle(3, [("a", slice(0, 1)), ("b", slice(1, 3))]), X, G, alpha=0.0, rounds=0)["groups"]
    assert [g["estimate"]["L0"] for g in out["groups"]] == [g["estimate"]["L0"] for g in ours]  # the CLI is the API
    # group a is the first coordinate alone: its ratio along the trajectory is exactly lambda_1 = 1
    assert abs(ours[0]["estimate"]["L0"] - 1.0) < 1e-9
    r2 = cli("estimate", "--problem", "quadratic", "--param", "dim=3", "--param", "cond=5", "--claim", "4,0,0", "--json")
    assert r2.returncode == 1 and r2.json()["groups"][0]["refuted"]  # 4 < lambda_max = 5
    r3 = cli("estimate", "--problem", "quadratic", "--param", "dim=3", "--param", "cond=5", "--claim", "5,0,0", "--json")
    assert r3.returncode == 0 and not r3.json()["groups"][0]["refuted"]


@pytest.mark.parametrize(
    "args, word",
    [
        ([], "exactly one"),
        (["--problem", "quadratic", "--demo", "mlp"], "exactly one"),
        (["--log", "nothere.npz"], "log"),
        (["--problem", "quadratic", "--alpha", "2"], "alpha"),
        (["--problem", "quadratic", "--claim", "1,2"], "claim"),
        (["--problem", "quadratic", "--radius", "-1"], "radius"),
        (["--problem", "quadratic", "--plot", "x.txt"], "plot"),
    ],
)
def test_cli_bad_input_is_one_line(args, word):
    assert_one_line_error(cli("estimate", *args), word)


def test_bad_logs_are_refused(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((3, 2)), g=np.zeros((2, 2)))
    assert_one_line_error(cli("estimate", "--log", str(bad)), "same shape")
    nan = tmp_path / "nan.npz"
    np.savez(nan, x=np.full((3, 2), np.nan), g=np.zeros((3, 2)))
    assert_one_line_error(cli("estimate", "--log", str(nan)), "finite")
    pickled = tmp_path / "obj.npz"
    np.savez(pickled, x=np.array([object()], dtype=object), g=np.zeros(1))
    assert_one_line_error(cli("estimate", "--log", str(pickled)), "log")  # never unpickled


@pytest.mark.slow
def test_demo_model_runs_and_reports_per_tensor(tmp_path):
    pytest.importorskip("torch")
    r = cli("estimate", "--demo", "mlp", "--iters", "10", "--probes", "12", "--rounds", "1", "--json")
    assert r.returncode == 0, r.stderr
    assert [g["group"] for g in r.json()["groups"]] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    out = json.loads(r.stdout)
    assert all(g["estimate"]["L0"] >= 0 and g["estimate"]["L1"] >= 0 for g in out["groups"])


@pytest.mark.slow
def test_analytic_problems_wrapped_as_torch_and_jax_models():
    """The same estimate through a framework: the quadratic as a torch model (literal form) and ||w||^4 as a JAX model
    (Hessian form, ||Hess|| = 3 4^(1/3) ||grad||^(2/3) exactly): within 10% of the tight constants."""
    torch = pytest.importorskip("torch")
    from insgd.numerics.models import TorchOracle

    lam = torch.linspace(1.0, 5.0, 3, dtype=torch.float64)
    t = TorchOracle(lambda p: 0.5 * (lam * p["w"] ** 2).sum(), {"w": torch.full((3,), 0.8)})
    X = _trajectory(t, t.x0)
    est = estimate(t, X, alpha=0.0, seed=2)["groups"][0]["estimate"]
    assert abs(est["L0"] - 5.0) <= 0.5
    jnp = pytest.importorskip("jax.numpy")
    from insgd.numerics.models import JaxOracle

    j = JaxOracle(lambda p: jnp.sum(p["w"] ** 2) ** 2, {"w": jnp.full((2,), 0.8)})
    X = _trajectory(j, j.x0)
    est = estimate(j, X, alpha=2 / 3, seed=2, form="hessian")["groups"][0]["estimate"]
    assert abs(est["L1"] - 3 * 4 ** (1 / 3)) <= 0.1 * 3 * 4 ** (1 / 3)
