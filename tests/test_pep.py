"""`insgd pep` (verify/checks/pep.py, brackets.py): anchors against closed forms computed here, the fixed-norm SDP
against an independent construction, the law that every function of the class is a feasible point of its SDP, the
bracket lower <= upper, solver statuses that never become numbers, and the CLI."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

cp = pytest.importorskip("cvxpy")
pytest.importorskip("clarabel")

from insgd.verify.checks import pep  # noqa: E402
from insgd.verify.checks.brackets import lower_bound_ngd, theorem_verdict  # noqa: E402
from tests.helpers import assert_one_line_error, cli  # noqa: E402


def test_anchor_gd_under_pl_is_8_over_11():
    """PEPit's gradient descent under PL (L = 1, mu = 0.2, gamma = 1): 8/11 (Abbaszadehpeivasti et al. 2023, Thm 3:
    ((mu (1 - L gamma) + sqrt((L - m)(m - mu)(2 - L gamma) mu gamma + (L - m)^2)) / (L - m + mu))^2 with m = -L, which
    at these values is (0 + sqrt(4 - 0.48))^2 / 2.2^2 = 3.52 / 4.84 = 8/11)."""
    a = pep.anchor_gd_pl(L=1.0, mu=0.2, gamma=1.0, N=1)
    assert a["solve"]["status"] == "optimal"
    assert abs(a["solve"]["value"] - 8 / 11) <= 1e-3
    b = pep.anchor_gd_pl(L=1.0, mu=0.2, gamma=1.0, N=2)  # the bound is a contraction per step: (8/11)^2
    assert abs(b["solve"]["value"] - (8 / 11) ** 2) <= 1e-3


def test_anchor_polyak_step_matches_its_closed_form():
    L, mu = 1.0, 0.1
    gamma = 2 / (L + mu)
    want = (gamma * L - 1) * (1 - gamma * mu) / (gamma * (L + mu) - 1)  # Barre, Taylor, d'Aspremont 2020, Prop. 1
    a = pep.anchor_polyak(L, mu, gamma)
    assert a["solve"]["status"] == "optimal" and abs(a["solve"]["value"] - want) <= 1e-3


def _direct_sdp(L0, L1, alpha, rho, mu, norms, gamma, beta, delta0, pairs):
    """The fixed-norm NGD SDP written out directly (vectors and values, no parameters): an independent construction."""
    N, m = len(norms) - 1, len(norms) + 1
    G, F = cp.Variable((m, m), PSD=True), cp.Variable(N + 1)
    e = np.eye(m)
    xs, gs, fs, x = [np.zeros(m)], [np.zeros(m)], [0], e[0]
    for k in range(N + 1):
        xs.append(x)
        gs.append(e[k + 1])
        fs.append(F[k])
        x = x - gamma * norms[k] ** -beta * e[k + 1]
    nn = [0.0, *norms]
    cons = [F[0] == delta0]
    for k in range(N + 1):
        cons += [gs[k + 1] @ G @ gs[k + 1] == norms[k] ** 2, F[k] <= norms[k] ** rho / (2 * mu), F[k] >= 0]
    pts = range(N + 2)
    todo = [(i, j) for i in pts for j in pts if i != j] if pairs == "all" else [(k, k + 1) for k in range(1, N + 1)]
    todo += [(j, i) for i, j in todo] if pairs == "proof" else []
    for i, j in todo:
        dx, dg, c = xs[i] - xs[j], gs[i] - gs[j], L0 + L1 * nn[j] ** alpha
        cons.append(dg @ G @ dg <= c**2 * (dx @ G @ dx))
        cons.append(fs[i] <= fs[j] + gs[j] @ G @ dx + c / 2 * (dx @ G @ dx))
    prob = cp.Problem(cp.Maximize(F[N]), cons)
    prob.solve(solver="CLARABEL")
    return prob.status, prob.value


@pytest.mark.parametrize("pairs", ["all", "proof"])
def test_fixed_norm_sdp_agrees_with_a_direct_construction(pairs):
    cls = pep.GenClass(1.0, 1.0, 0.5, 1.5, 0.2)
    for norms in ([0.7, 0.69, 0.7], [1.0, 0.95, 0.9]):
        ours = pep.ngd_fixed_norms(cls, norms, pep.Step(0.05, 0.75), 1.0, pairs)
        status, value = _direct_sdp(1.0, 1.0, 0.5, 1.5, 0.2, norms, 0.05, 0.75, 1.0, pairs)
        assert ours.status == status
        if ours.ok:
            assert abs(ours.value - value) <= 1e-6 * max(1.0, abs(value))


@settings(max_examples=12, deadline=None)
@given(
    a=st.floats(0.2, 1.0),
    delta0=st.floats(0.1, 10.0),
    gamma=st.floats(1e-3, 0.5),
    beta=st.floats(0.5, 1.0),
    N=st.integers(1, 3),
)
def test_every_function_of_the_class_is_a_feasible_point(a, delta0, gamma, beta, N):
    """The SDP's inequalities are necessary: NGD on f = a w^2 / 2 (eq. 2 with L0 >= a, PL with rho = 2 and mu <= a)
    gives a feasible point at its own gradient norms, so the SDP value is at least its Delta_N."""
    cls = pep.GenClass(1.0, 0.5, 0.5, 2.0, 0.2)
    w = [math.sqrt(2 * delta0 / a)]
    for _ in range(N):
        g = a * w[-1]
        w.append(w[-1] - gamma * g / abs(g) ** beta)
    norms = [abs(a * x) for x in w]
    if min(norms) < 1e-9:
        return
    s = pep.ngd_fixed_norms(cls, norms, pep.Step(gamma, beta), delta0, "all")
    if s.status != "optimal":  # a solve the solver could not finish gives no number (never a wrong one)
        assert s.value is None
        return
    assert s.value >= a * w[-1] ** 2 / 2 - 1e-6 * delta0


def test_a_failed_solve_gives_no_number():
    cls = pep.GenClass(1.0, 1.0, 0.5, 2.0, 0.2)
    s = pep.ngd_fixed_norms(cls, [0.1, 0.1], pep.Step(0.1, 1.0), 1.0)  # PL at x_0 needs n_0 >= sqrt(2 mu delta0) = 0.632
    assert s.status == "infeasible" and s.value is None and not s.ok


@pytest.mark.slow
def test_bracket_lower_at_most_upper_and_the_lower_function_is_certified():
    cls = pep.GenClass(1.0, 1.0, 0.5, 2.0, 0.2)
    up = pep.worst_case_ngd(cls, 2, pep.Step(0.2, 1.0), 1.0, samples=15)
    lo = lower_bound_ngd(cls, 2, pep.Step(0.2, 1.0), 1.0, time_s=30)
    assert lo["certified"] and all(c["verdict"] == "holds" for c in lo["audit"])
    assert lo["ratio"] <= up["ratio"] + 1e-7
    # the lower bound is what NGD really does on the certified function, recomputed here
    c = lo["c"]
    w = math.sqrt(1.0 / c)
    for _ in range(2):
        w -= 0.2 * np.sign(w)  # beta = 1: unit-length normalized steps
    assert abs(c * w**2 - lo["ratio"]) <= 1e-12


def test_theorem_verdict_on_hand_made_brackets():
    assert theorem_verdict(0.99, upper=0.98, lower=0.97) == "pass"
    assert theorem_verdict(0.975, upper=0.98, lower=0.97) == "inconclusive"
    assert theorem_verdict(0.96, upper=0.98, lower=0.97) == "fail"  # a certified function is worse than the bound
    assert theorem_verdict(0.99, upper=None, lower=None) == "inconclusive"


def test_cli_anchors():
    r = cli("pep", "--anchors", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert abs(out[0]["solve"]["value"] - 8 / 11) <= 1e-3 and out[1]["solve"]["status"] == "optimal"


@pytest.mark.parametrize(
    "args, word",
    [
        (["--L0", "1", "--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--rho", "2", "--beta", "0.4", "--gamma", "0.1"], "beta"),
        (["--L0", "1", "--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--rho", "2", "--beta", "1"], "eps"),
        (["--L0", "-1", "--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--rho", "2", "--beta", "1", "--gamma", "1"], "L0"),
        (["--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--rho", "2", "--beta", "1", "--gamma", "1"], "L0"),
        (["--N", "9"], "N"),
        (["--L0", "1", "--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--grid-rho", "2", "--eps", "1e-2"], "grid"),
    ],
)
def test_cli_bad_input_is_one_line(args, word):
    assert_one_line_error(cli("pep", *args), word)


@pytest.mark.slow
def test_cli_grid_writes_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "g"
    args = ["pep", "--L0", "1", "--L1", "1", "--alpha", "0.5", "--mu", "0.2", "--grid-rho", "2", "--grid-beta", "1"]
    args += ["--eps", "1e-2", "--N", "1", "--samples", "6", "--out", str(out), "--json"]
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert (out / "pep.json").exists() and (out / "pep.png").exists()
    assert rows[0]["verdict"] in ("pass", "inconclusive", "fail") and rows[0]["theorem"]["regime"] == 3
    again = cli(*args)
    assert again.returncode == 2 and "force" in again.stderr


def test_a_registered_theorem_against_the_worst_case_of_its_class():
    """Karimi et al.'s (1 - mu/L)^N lies above the SDP's worst case at every N (the SDP at mu/L = 0.2, step 1/L, is
    8/11 per step, below 0.8); a rate one notch too fast, (1 - 2 mu/L)^N = 0.6 < 8/11, must never pass."""
    from insgd.numerics.problems import Quadratic
    from insgd.theory.theorems import get
    from insgd.verify.checks.brackets import theorem_worst_case
    from insgd.verify.checks.theorem_file import from_dict

    prob = Quadratic(dim=3, cond=5.0)
    ok = theorem_worst_case(get("karimi2016.theorem1"), prob, steps=3)
    assert ok["verdict"] == "pass" and [r["verdict"] for r in ok["rows"]] == ["pass"] * 3
    assert abs(ok["rows"][0]["worst_case_sdp"] - 8 / 11) <= 1e-6
    fast = from_dict(
        {
            "key": "test.fast",
            "name": "too fast",
            "source": "a test",
            "algorithm": "gd",
            "assumptions": ["L-smooth", "PL"],
            "step_size": "1/L",
            "bound": "(1 - 2*mu/L)**t * Delta0",
            "T": "log(Delta0/eps) / -log(1 - 2*mu/L)",
            "binds": {"L": "A1.literal.L0", "mu": "A2.mu"},
            "requires": {"A1.literal": {"L1": 0}, "A2": {"rho": 2}},
        }
    )
    bad = theorem_worst_case(fast, prob, steps=2)
    assert bad["verdict"] == "inconclusive" and all(r["verdict"] != "pass" for r in bad["rows"])


def test_cli_worst_case_pep_is_refused_outside_its_class():
    r = cli("check", "--theorem", "bottou2018.theorem4_8", "--problem", "quadratic", "--noise", "0,1", "--worst-case", "pep")
    assert_one_line_error(r, "worst-case pep")


@pytest.mark.slow
def test_insgd_skeleton_steps_and_bracket():
    """I-NSGD's deterministic skeleton: the step is gamma / max(1, k (2 n + delta))^beta (below the threshold it is
    plain GD with step gamma); its bracket holds lower <= upper."""
    s = pep.Step(0.1, 0.5, k=2.0, delta=0.5)
    assert s.method == "insgd" and pep.Step(0.1, 0.5).method == "ngd"
    assert abs(s.scale(0.1) - 0.1 / 1.4**0.5) < 1e-15  # k (2 n + delta) = 2 (0.2 + 0.5) = 1.4 > 1
    assert abs(s.scale(1.0) - 0.1 / 5.0**0.5) < 1e-15  # 2 (2 + 0.5) = 5
    assert pep.Step(0.1, 0.5, k=0.5, delta=0.0).scale(0.2) == 0.1  # k (2 n) = 0.2 < 1: no normalization
    from insgd.verify.checks.brackets import pep as run_pep

    cls = pep.GenClass(1.0, 1.0, 0.5, 2.0, 0.2)
    r = run_pep(cls, N=1, beta=0.5, gamma=0.2, samples=8, k=2.0, delta=0.5).to_json()
    assert r["step"]["method"] == "insgd" and r["verdict"] is None  # no theorem to compare
    assert r["lower"]["ratio"] <= r["upper"]["ratio"] + 1e-7


@pytest.mark.slow
def test_nonconvex_min_gradient_matches_the_descent_lemma_at_one_step():
    """Without PL, one GD step (L1 = 0, gamma = 1/2, L = 1) from f_0 - f* = 1. Two necessary conditions bind: Lemma 1
    along the step, f_1 - f* <= 1 - gamma (1 - L gamma / 2) ||g_0||^2 = 1 - 3/8 ||g_0||^2, and Lemma 1 from x_1 to
    x_1 - g_1 / L with f >= f*, f_1 - f* >= ||g_1||^2 / (2 L). With ||g_0|| = ||g_1|| = x: x^2 / 2 <= 1 - 3 x^2 / 8,
    so min_k ||g_k|| <= sqrt(8/7); the SDP reaches that value, and the certified quadratic stays below it."""
    from insgd.verify.checks.brackets import pep as run_pep

    cls = pep.GenClass(1.0, 0.0, 0.0, None, None)
    r = run_pep(cls, N=1, beta=0.0, gamma=0.5, samples=20).to_json()
    assert r["measure"] == "min_grad" and r["verdict"] is None
    assert abs(r["upper"]["min_grad"] - math.sqrt(8 / 7)) <= 1e-4
    assert r["lower"]["certified"] and r["lower"]["min_grad"] <= r["upper"]["min_grad"]


@pytest.mark.parametrize("cls", [pep.GenClass(1.0, 1.0, 0.5, 2.0, 0.2), pep.GenClass(2.0, 0.5, 1.0, None, None)])
def test_the_largest_gradient_norm_at_a_gap(cls):
    """n_max solves n^2 = 2 (L0 + L1 n^alpha) gap: checked by substitution, and the quadratic L0 w^2 / 2 (a member)
    has exactly sqrt(2 L0 gap) <= n_max."""
    for gap in (0.1, 1.0, 7.0):
        n = pep.n_max(cls, gap)
        assert abs(n * n - 2 * cls.smooth(n) * gap) <= 1e-9 * n * n
        assert math.sqrt(2 * cls.L0 * gap) <= n


def test_cli_nonconvex_class_needs_both_or_neither_pl_constant():
    base = ["pep", "--L0", "1", "--L1", "1", "--alpha", "0.5", "--beta", "1", "--gamma", "0.3"]
    assert_one_line_error(cli(*base, "--rho", "2"), "--mu")
    assert_one_line_error(cli(*base[:-2], "--eps", "1e-2"), "gamma")  # eps (Theorem 1) needs the PL class


@pytest.mark.slow
def test_cli_text_output_against_theorem1():
    r = cli("pep", "--L0", "1", "--L1", "1", "--alpha", "1/2", "--mu", "1/5", "--rho", "2", "--beta", "1", "--eps", "1e-2",
            "--N", "1", "--samples", "4")  # fmt: skip
    assert r.returncode == 0, r.stderr
    for words in ("largest SDP value", "not a certified maximum", "certified lower", "decrease certified", "verdict"):
        assert words in r.stdout
    assert "nan" not in r.stdout.lower()
