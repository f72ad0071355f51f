"""Problems: gradients against finite differences, and every certified constant against sampled checks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import insgd.numerics.finite_sums  # noqa: F401
from insgd.core import InputError
from insgd.numerics.constants import Fails, Smooth
from insgd.numerics.problems import Cosh, PaperExample1, PaperExample2, Power, PowerSum, Quadratic, make_problem
from insgd.theory.assumptions import PL, SMOOTHNESS_FORMS

RTOL = 1e-9  # slack for floating-point rounding in the inequalities (they are exact in real arithmetic)

CERTIFIED = [
    Power(p=2.0, dim=3),
    Power(p=3.0, dim=2),
    Power(p=5.5, dim=1),
    PowerSum(ps=(2, 3, 4.5), weights=(1, 0.5, 2)),
    Quadratic(dim=3, cond=10),
    Cosh(dim=2),
    PaperExample1(),
    PaperExample2(),
]


def _points(problem, rng, n=400, scale=3.0):
    W = rng.normal(0, scale, (n, problem.dim)) * rng.choice([1e-3, 0.1, 1, 3], (n, 1))
    return W + problem.argmin


@pytest.mark.parametrize("problem", CERTIFIED, ids=lambda p: p.name)
def test_gradient_and_hessian_against_finite_differences(problem):
    rng = np.random.default_rng(1)
    W = rng.normal(0, 0.8, (20, problem.dim)) + 0.3
    h = 1e-6
    E = np.eye(problem.dim)
    fd = np.stack([(problem.value(W + h * E[i]) - problem.value(W - h * E[i])) / (2 * h) for i in range(problem.dim)], 1)
    assert np.allclose(problem.grad(W), fd, rtol=1e-5, atol=1e-6)
    fdH = np.stack([(problem.grad(W + h * E[i]) - problem.grad(W - h * E[i])) / (2 * h) for i in range(problem.dim)], 2)
    assert np.allclose(problem.hess(W), fdH, rtol=1e-5, atol=1e-5)


def _check_smooth(problem, c, W, Wp):
    """Assumption 1 in the certificate's form, through its one definition (theory.assumptions), up to rounding."""
    residual = SMOOTHNESS_FORMS[c.form].numeric()
    g, gp = problem.grad(W), problem.grad(Wp)
    const = {"L0": c.L0, "L1": c.L1, "alpha": c.alpha}
    if c.form == "hessian":
        hess = np.linalg.norm(problem.hess(W), ord=2, axis=(1, 2))
        return residual(**const, hess=hess, grad=np.linalg.norm(g, axis=1)) >= -RTOL * hess
    lhs = np.linalg.norm(g - gp, axis=1)
    r = np.linalg.norm(W - Wp, axis=1)
    if c.form == "literal":
        return residual(**const, grad_diff=lhs, grad_other=np.linalg.norm(gp, axis=1), dist=r) >= -RTOL * lhs - 1e-12
    s = np.linspace(0, 1, 65)[:, None, None]  # segment: the max over the segment, sampled densely
    seg = (1 - s) * W[None] + s * Wp[None]
    ref = np.max([np.linalg.norm(problem.grad(x), axis=1) for x in seg], axis=0)
    return residual(**const, grad_diff=lhs, grad_max=ref, dist=r) >= -RTOL * lhs - 1e-12


@pytest.mark.parametrize("problem", CERTIFIED, ids=lambda p: p.name)
def test_certified_smoothness_holds_on_samples(problem):
    rng = np.random.default_rng(2)
    radius = 1.5
    cons = problem.certify(radius=radius)
    for c in cons.smooth:
        if isinstance(c, Fails):
            continue
        W = _points(problem, rng) if c.region.is_global else _ball(problem, rng, c.region.radius)
        Wp = _points(problem, rng) if c.region.is_global else _ball(problem, rng, c.region.radius)
        if problem.name == "paper_example1" or problem.name == "cosh":
            W, Wp = np.clip(W, -5, 5), np.clip(Wp, -5, 5)
        ok = _check_smooth(problem, c, W, Wp)
        assert ok.all(), (c, W[~ok][:3], Wp[~ok][:3])


def _ball(problem, rng, R, n=400):
    U = rng.normal(size=(n, problem.dim))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    return problem.argmin + U * R * rng.uniform(0, 1, (n, 1)) ** (1 / problem.dim)


@pytest.mark.parametrize("problem", CERTIFIED, ids=lambda p: p.name)
def test_certified_pl_holds_on_samples(problem):
    rng = np.random.default_rng(3)
    for c in problem.certify(radius=1.5).pl:
        W = _points(problem, rng) if c.region.is_global else _ball(problem, rng, c.region.radius)
        if problem.name in ("paper_example1", "cosh"):
            W = np.clip(W, -5, 5)
        gap = problem.value(W) - problem.fstar
        g = np.linalg.norm(problem.grad(W), axis=1)
        for rho, mu in c.mu_at.items():
            res = PL.numeric()(rho=rho, mu=mu, grad=g, gap=gap)
            assert np.all(res >= -1e-7 * gap - 1e-13), (problem.name, rho, mu)


@pytest.mark.parametrize(
    "problem,form", [(Power(p=3.0), "literal"), (Cosh(), "literal"), (PaperExample1(), "hessian"), (PaperExample2(), "literal")]
)
def test_fails_has_a_witness(problem, form):
    # 'fails' claims: for big constants (alpha = 1), a violating point still exists (within float64 range).
    assert any(isinstance(c, Fails) and c.form == form for c in problem.certify().smooth)
    L = 5.0 if problem.name == "paper_example1" else 100.0  # f''/|f'| ~ 2|w| + 3/|w|: exceeds 5 at |w| = 10
    c = Smooth(form, L, L, 1.0)
    w = {
        "power": [[1.0], [10.0], [1e3], [1e5]],
        "cosh": [[30.0], [60.0]],
        "paper_example1": [[10.0], [20.0]],
        "paper_example2": [[10.0], [1e3]],
    }[problem.name]
    w = np.array(w)
    wp = np.broadcast_to(problem.argmin, w.shape)
    assert not _check_smooth(problem, c, w, wp).all()


def test_paper_example_facts():
    e2 = PaperExample2()
    assert e2.value(np.array([[-0.5]]))[0] == pytest.approx(-5 / 16)
    assert e2.grad(np.array([[-0.5]]))[0, 0] == 0
    # rho = 3 (the paper's claim) fails near w*: f' ~ 4u, f - f* ~ 2u^2, so 320 u^3 < 2 u^2 once u < 1/160
    w = np.array([[-0.5 + 1e-3]])
    assert np.abs(e2.grad(w)[0, 0]) ** 3 / 0.2 < e2.value(w)[0] - e2.fstar
    assert e2.pl_mu(3.0) is None and e2.pl_mu(1.0) is None and e2.pl_mu(1.5) > 0
    e1 = PaperExample1()
    assert e1.pl_mu(1.0) == pytest.approx(2.0, rel=1e-6)  # inf (1+w^2)/w = 2 at w = 1
    assert e1.pl_mu(2.0) == pytest.approx(1.0, rel=1e-6)


@given(st.floats(2.0, 8.0), st.integers(1, 4), st.floats(1e-3, 1e3))
def test_power_hessian_form_is_exact(p, d, r):
    # ||Hess|| = L1 ||grad||^alpha exactly, at any radius and direction (the family is extremal).
    prob = Power(p=p, dim=d)
    w = np.full((1, d), r / np.sqrt(d))
    c = prob.certify().smooth_for("hessian")
    H = np.linalg.norm(prob.hess(w)[0], 2)
    g = np.linalg.norm(prob.grad(w)[0])
    assert H == pytest.approx(c.L1 * g**c.alpha, rel=1e-9)


def test_bad_parameters():
    with pytest.raises(InputError, match=r"p of power must be a number in \[2, 64\]"):
        make_problem("power", p="1.5")
    with pytest.raises(InputError, match="not a parameter"):
        make_problem("power", q="3")
    with pytest.raises(InputError, match="dro needs data"):
        make_problem("dro")


@pytest.mark.parametrize("name,params", [("phase_retrieval", {"dim": 5, "m": 40}), ("dro", None)])
def test_finite_sum_gradients(name, params, tmp_path, life_expectancy_csv_or_synthetic):
    if name == "dro":
        params = {"data": str(life_expectancy_csv_or_synthetic)}
    prob = make_problem(name, **params)
    rng = np.random.default_rng(0)
    W = rng.normal(0, 0.3, (3, prob.dim))
    all_idx = np.tile(np.arange(prob.n_samples), (3, 1))
    assert np.allclose(prob.sample_grads(W, all_idx), prob.grad(W), rtol=1e-10, atol=1e-10)
    h = 1e-6
    E = np.eye(prob.dim)
    fd = np.stack([(prob.value(W + h * E[i]) - prob.value(W - h * E[i])) / (2 * h) for i in range(prob.dim)], 1)
    assert np.allclose(prob.grad(W), fd, rtol=1e-4, atol=1e-6)
    assert prob.value(prob.argmin[None])[0] == pytest.approx(prob.fstar)


GENERALIZED = [
    (Cosh(), "cosh(w) - 1", 1.0),
    (Cosh(), "cosh(w) - 1", 3.0),
    (Power(p=4.0), "w**4", 1.0),
    (PaperExample2(), None, 1.0),
]


@pytest.mark.parametrize("problem,expr,R", GENERALIZED, ids=lambda x: getattr(x, "name", str(x)))
def test_generalized_literal_certificate_holds_on_a_dense_grid_of_pairs(problem, expr, R):
    """The literal-form certificates with L1 > 0 on a ball (trapezoid on a convex f'') against every pair of a dense
    grid of the interval (an exhaustive evaluation, independent of the derivation in `literal_from_hessian`), and the
    auditor's search for a violating pair finds none (its sufficient condition sup|f''| <= L0 + L1 m^alpha is too
    strong to certify a trapezoid bound, so it may say unknown, never fails)."""
    from insgd.verify.audit.auditor import audit_expr

    c = problem.certify(radius=R).smooth_for("literal", R, generalized=True)
    assert c is not None and c.L1 > 0 and not c.region.is_global
    m = float(problem.argmin[0])
    w = np.linspace(m - R, m + R, 1501)
    g = problem.grad(w[:, None])[:, 0]
    X, XP = np.meshgrid(w, w, indexing="ij")
    G, GP = np.meshgrid(g, g, indexing="ij")
    off = X != XP
    ratio = np.abs(G - GP)[off] / np.abs(X - XP)[off]
    slack = c.L0 + c.L1 * np.abs(GP[off]) ** c.alpha - ratio
    assert slack.min() >= -1e-9 * ratio.max()
    res = audit_expr(
        expr or "w + w**2/2 + w**4",
        box=(repr(m - R), repr(m + R)),
        smooth_claims=[("literal", repr(c.L0), repr(c.L1), repr(c.alpha))],
    )
    assert res["claims"][0]["verdict"] != "fails", res["claims"][0]


def test_generalized_literal_constants_are_the_trapezoid_closed_forms():
    # hand derivation: cosh on [-R, R]: L0 = (max cosh + 1)/2, L1 = 1/2 (half the Hessian form's L1 = 1), alpha = 1
    c = Cosh().certify(radius=2.0).smooth_for("literal", 2.0, generalized=True)
    assert (c.L0, c.L1, c.alpha) == pytest.approx(((np.cosh(2.0) + 1) / 2, 0.5, 1.0))
    # |w|^4 on [-1, 1]: f'' = 12 w^2, Hessian form L1 = 3 * 4^(1/3), alpha = 2/3: L0 = 12/2, L1 = 1.5 * 4^(1/3)
    c = Power(p=4.0).certify(radius=1.0).smooth_for("literal", 1.0, generalized=True)
    assert (c.L0, c.L1, c.alpha) == pytest.approx((6.0, 1.5 * 4 ** (1 / 3), 2 / 3))
    # a concave f'' (p < 3) or several dimensions of ||w||^p: no such certificate is claimed
    assert Power(p=2.5).certify(radius=1.0).smooth_for("literal", 1.0, generalized=True) is None
    assert Power(p=4.0, dim=2).certify(radius=1.0).smooth_for("literal", 1.0, generalized=True) is None


@pytest.mark.parametrize("R,rho", [(1.0, 0.5), (3.0, 0.5), (3.0, 1.0)])
def test_cosh_pl_on_the_ball_for_rho_at_most_one(R, rho):
    """mu = sinh(R)^rho / (2 (cosh R - 1)): the ratio |sinh|^rho / (2 (cosh - 1)) is smallest at the ball's edge,
    checked on a dense grid (an independent evaluation of the infimum)."""
    pl = [c for c in Cosh().certify(radius=R).pl if not c.region.is_global][0]
    w = np.linspace(1e-4, R, 200001)
    ratio = np.sinh(w) ** rho / (2 * (np.cosh(w) - 1))
    assert pl.mu_at[rho] == pytest.approx(ratio.min(), rel=1e-9)
    assert np.argmin(ratio) == len(w) - 1


@pytest.mark.parametrize(
    "problem",
    [
        Power(p=4.0),
        Power(p=3.0),
        Power(p=2.5),
        Power(p=6.0),
        Quadratic(dim=1, cond=3.0),
        Cosh(),
        PaperExample1(),
        PaperExample2(),
    ],
    ids=lambda p: p.label(),
)
def test_formula_is_the_problem_it_names(problem):
    """Each 1-D problem's formula (the auditor's symbolic form) gives its NumPy value and gradient at sample points."""
    import sympy as sp

    from insgd.verify.audit.safe_expr import parse_expr

    e = parse_expr(problem.formula())
    (w,) = e.free_symbols
    f, df = sp.lambdify(w, e, "mpmath"), sp.lambdify(w, sp.diff(e, w), "mpmath")
    xs = np.array([-1.7, -0.6, -0.1, 0.0, 0.3, 0.9, 1.4])
    assert np.allclose([float(f(x)) for x in xs], problem.value(xs[:, None]), rtol=1e-12, atol=1e-14)
    assert np.allclose([float(df(x)) for x in xs], problem.grad(xs[:, None])[:, 0], rtol=1e-12, atol=1e-14)
    assert Power(p=4.0, dim=2).formula() is None and Quadratic(dim=3).formula() is None
