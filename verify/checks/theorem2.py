"""Theorem 2 and Lemma 2, measured: I-NSGD's hitting times, Lemma 2's failure probability, and the bias of
normalized estimators with and without an independent normalizing batch.

Probabilities are estimated from many seeds, each with a 95% Clopper-Pearson interval.
"""

from dataclasses import asdict, dataclass, field

import numpy as np
import sympy as sp

from insgd.numerics.engine import run
from insgd.theory import symbols as S
from insgd.theory.insgd import LEMMA2_CHEBYSHEV, LEMMA2_PINELIS, T_order, predict_insgd
from insgd.theory.numbers import InputError, binary_value, exact
from insgd.verify.checks.instance import default_start
from insgd.verify.checks.probability import clopper_pearson  # noqa: F401 (public)
from insgd.verify.checks.result import Check
from insgd.verify.checks.setup import L1_FLOOR
from insgd.verify.progress import bar
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS, interval_verdict

DEFAULT_BUDGET = 200_000  # iterations a Theorem 2 check may run per seed; reported when it binds


@dataclass(kw_only=True)
class Theorem2Result(Check):
    """Theorem 2's check: the one checker's Check (its assertion: the printed promise P(hit within T) >= 1/2), with
    the prediction it used and the hitting times it measured."""

    tau1: float
    tau2: float
    beta: float
    eps: float
    seeds: int
    T: object
    gamma: float
    B: int
    B_prime: int
    delta: float
    budget: int
    hits_within_T: int
    not_finished: int
    fraction_within_T: float
    fraction_ci: tuple
    T_hit: list = field(repr=False)
    h_active_fraction: float = 0.0  # fraction of I-NSGD steps (all seeds) with h_t > 1: the normalization acted
    B_prime_derived: int = 0
    precondition: str | None = None  # a precondition of the derived theorem that fails here (then: inconclusive)
    outside: str | None = None  # the theorem's hypothesis that is not certified here (then: inconclusive)
    theorem: str = "theorem2.printed"

    @property
    def T_hit_median(self):
        h = np.array([x for x in self.T_hit if x >= 0], float)
        return float(np.median(h)) if len(h) > self.seeds / 2 else None

    def statement(self) -> str:
        """The verdict as a sentence naming what was checked (verify.verdicts)."""
        lo, hi = self.fraction_ci
        what = (
            f"{self.hits_within_T}/{self.seeds} seeds of I-NSGD on {self.problem} with the synthetic oracle (tau1 = "
            f"{self.tau1:g}, tau2 = {self.tau2:g}), beta = {self.beta:g}, reached ||grad F|| <= {self.eps:g} within "
            f"T = {self.T} (95% Clopper-Pearson [{lo:.3g}, {hi:.3g}] against the claimed probability 1/2)"
        )
        if self.outside and self.verdict == INCONCLUSIVE:
            return (
                f"inconclusive: outside the theorem's hypotheses ({self.outside}): the runs neither support nor refute "
                f"it ({what})"
            )
        if self.precondition and self.verdict == INCONCLUSIVE:
            return f"inconclusive: {self.precondition}; the derived Theorem 2 promises nothing here ({what})"
        return {
            PASS: f"not refuted (a statistical statement): {what}",
            FAIL: f"refuted: {what}",
        }.get(self.verdict, f"inconclusive: {what}" + ("; runs were cut by the budget" if self.not_finished else ""))

    def to_json(self):
        d = asdict(self)
        d.pop("raw"), d.pop("details")
        hits = np.array([x for x in self.T_hit if x >= 0], float)
        d.update(
            T=self.T if isinstance(self.T, int) else str(self.T),
            fraction_ci=list(self.fraction_ci),
            T_hit_median=self.T_hit_median,
            verdict=self.verdict,
            statement=self.statement(),
            T_hit_quantiles={q: float(np.quantile(hits, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9)} if len(hits) else {},
            looseness=None if self.T_hit_median in (None, 0) else float(self.T) / self.T_hit_median,
        )
        return d


def theorem2_prediction(c, tau1, tau2, beta, d0, eps):
    """Theorem 2's prediction with the computed constants (certified L0, L1 in c; d0 = f(w0) - f*) bound as the exact
    floats the runs use, and the user's values and the exponents as the simplest rationals within float precision
    (theory/numbers.py: 1 + 2^-52 stays 1 + 2^-52, 2/3 as a float is 2/3)."""
    return predict_insgd(
        *(binary_value(c[k]) for k in ("L0", "L1")),
        *(exact(x) for x in (tau1, tau2, beta)),
        binary_value(d0),
        exact(eps),
        alpha_v=exact(c["alpha"]),
    )


def theorem2_check(
    problem, tau1, tau2, beta, eps, seeds=64, budget=DEFAULT_BUDGET, w0=None, seed0=0, quiet=True
) -> Theorem2Result:
    """Theorem 2 as printed through the one checker (generic.check_theorem, measure hit_probability): I-NSGD with
    its gamma, B, B', delta and clipping (4 L1 gamma)^(1/beta) on problem wrapped in the synthetic oracle with (tau1,
    tau2); each run stops at its first ||grad F|| <= eps, or at min(T, budget). Assumption 1's constants: the literal
    form with L1 > 0 (so that h_t can exceed 1), else the segment and Hessian forms (said in a warning), else L1
    floored (the normalization is then inert: h_active_fraction says so); global certificates only (the oracle's
    paths may leave any ball). quiet is accepted for compatibility (the runs show no progress)."""
    from insgd.theory.insgd import THEOREM2_PRINTED
    from insgd.verify.checks.generic import check_theorem

    if not 0 < beta <= 1:
        raise InputError(f"beta must satisfy 0 < beta <= 1, got {beta}")
    res = check_theorem(
        THEOREM2_PRINTED,
        problem,
        eps=eps,
        w0=w0,
        noise=(tau1, tau2),
        values={"beta": beta},
        seeds=np.arange(seed0, seed0 + seeds),
        iters=budget,
        select={"generalized": True, "forms": ("segment", "hessian"), "floor": L1_FLOOR},
    )
    d, c = res.details, res.constants
    cons = {"L0": c["L_0"], "L1": c["L_1"], "alpha": c["alpha"], "form": d["form"], "region": d["region"]}
    pred = theorem2_prediction(cons, tau1, tau2, beta, d["delta0"], eps)
    hp = d["hyperparameters"]
    return Theorem2Result(
        problem=problem.name,
        params=problem.params(),
        tau1=tau1,
        tau2=tau2,
        beta=beta,
        eps=eps,
        seeds=seeds,
        constants={**cons, "delta0": d["delta0"], "constants_status": d["constants_status"]},
        T=d["T"],
        gamma=hp["gamma"],
        B=hp["batch"],
        B_prime=hp["batch_prime"],
        delta=hp["delta"],
        budget=d["budget"],
        hits_within_T=d["hits_within_T"],
        not_finished=d["not_finished"],
        fraction_within_T=d["fraction_within_T"],
        fraction_ci=d["fraction_ci"],
        T_hit=d["T_hit"],
        warnings=list(res.warnings) + list(pred.warnings),
        h_active_fraction=d["h_active_fraction"],
        B_prime_derived=pred.B_prime_derived,
        precondition=d.get("precondition"),
        outside=d.get("outside"),
        assertions=res.assertions,
    )


MAX_LEMMA2_DRAWS = 2 * 10**8  # random draws: about half a minute on one core
MAX_LEMMA2_BATCH = 10**6


def lemma2_check(tau1, tau2, dim, grad_norm, trials=10_000, seed=0, oracle="synthetic", quiet=True):
    """Monte Carlo of P(||grad f_B(w)|| < ||grad F(w)||/2 - tau2/(2 tau1)) with B = ceil(16 tau1^2).

    oracle='synthetic': grad f_xi = (1 + tau1 s) grad F + tau2 u (s = +-1, u uniform on the sphere);
    oracle='aligned': the same with u = s grad F/||grad F|| (the noise that shrinks the norm most).
    Both satisfy Assumptions 3 and 4 with exactly (tau1, tau2). The paper states (15) as a sure inequality;
    Chebyshev gives failure probability <= 4 tau1^2 / B (= 1/4 at B = 16 tau1^2).
    """
    for name, v in (("tau1", tau1), ("tau2", tau2), ("grad-norm", grad_norm)):
        if not v > 0:
            raise InputError(f"{name} must be > 0, got {v}")
    if dim < 1 or trials < 1:
        raise InputError(f"dim and trials must be >= 1, got dim={dim}, trials={trials}")
    if oracle not in ("synthetic", "aligned"):
        raise InputError(f"oracle must be 'synthetic' or 'aligned', got {oracle!r}")
    if 16 * tau1**2 > MAX_LEMMA2_BATCH:
        raise InputError(f"tau1 must satisfy B = 16 tau1^2 <= {MAX_LEMMA2_BATCH:.0e} (tau1 <= 250), got tau1 = {tau1:g}")
    B = max(1, int(np.ceil(16 * tau1**2)))
    if B * dim * trials > MAX_LEMMA2_DRAWS:
        raise InputError(
            f"lemma2 needs trials x B x dim = {B * dim * trials:.3g} random draws (B = 16 tau1^2 = {B}); "
            f"the limit is {MAX_LEMMA2_DRAWS:.0e} (about half a minute): lower --trials, --tau1 or --dim"
        )
    G = np.zeros(dim)
    G[0] = grad_norm
    rng = np.random.default_rng(seed)
    fails = 0
    chunk = max(1, min(trials, 2_000_000 // (B * dim)))
    starts = range(0, trials, chunk)
    for done in bar(starts, len(starts), "[lemma2] Monte Carlo chunks", quiet, "chunks"):
        n = min(chunk, trials - done)
        s = rng.choice([-1.0, 1.0], size=(n, B))
        if oracle == "synthetic":
            u = rng.standard_normal((n, B, dim))
            u /= np.linalg.norm(u, axis=2, keepdims=True)
        else:
            u = s[:, :, None] * (G / grad_norm)
        gB = (1 + tau1 * s.mean(axis=1))[:, None] * G + tau2 * u.mean(axis=1)
        fails += int(np.sum(np.linalg.norm(gB, axis=1) < grad_norm / 2 - tau2 / (2 * tau1)))
    ci = clopper_pearson(fails, trials)
    bound = float(sp.Min(LEMMA2_CHEBYSHEV, LEMMA2_PINELIS).subs({S.tau1: exact(tau1), S.B_prime: B}))  # at the B drawn
    return {
        "p_fail": fails / trials,
        "p_fail_ci": list(ci),
        "B": B,
        "trials": trials,
        "failures": fails,
        "chebyshev_bound": min(1.0, 4 * tau1**2 / B),
        "derived_bound": bound,
        "paper_states": 0.0,
        "oracle": oracle,
        "paper_refuted": fails > 0,
        "verdict": interval_verdict(*ci, bound, at_least=False),  # pass only if the whole interval is below
        "verdict_rule": "derived reading, P(fail) <= min(4 tau1^2/B, 2 exp(-B/(8 tau1^2))): pass if the 95% interval "
        "lies below it, fail if it lies above, inconclusive if it straddles; the printed reading (it never fails) is "
        "refuted by any failure",
    }


def independence_check(grads=((10.0, 0.0), (0.0, 1.0)), beta=1.0, batch=1, trials=200_000, seed=0):
    """Bias of E[grad f_B / ||grad f_B'||^beta] against grad F / ||grad F||^beta (eqs. 11-12, Figure 1).

    The stochastic gradients at a point are the rows of `grads` (a finite sum; batches drawn uniformly with
    replacement). With B' independent of B (I-NSG) the mean estimator is exactly proportional to grad F; with
    B' = B (NSGD) it is not when the sample gradients differ in norm and direction. Reported per estimator:
    the angle (degrees) between its Monte Carlo mean and grad F, with a standard error, and its scale
    relative to ||grad F||^(1 - beta).
    """
    grads = np.asarray(grads, float)
    if grads.ndim != 2 or len(grads) < 2:
        raise InputError("grads must be at least two sample gradients (rows)")
    rng = np.random.default_rng(seed)
    G = grads.mean(axis=0)
    norm = np.linalg.norm
    g = grads[rng.integers(0, len(grads), (trials, batch))].mean(axis=1)
    gp = grads[rng.integers(0, len(grads), (trials, batch))].mean(axis=1)
    out = {}
    for name, den in (("independent (I-NSG)", norm(gp, axis=1)), ("same batch (NSGD)", norm(g, axis=1))):
        x = g / np.maximum(den, 1e-300)[:, None] ** beta
        est, se = x.mean(axis=0), x.std(axis=0) / np.sqrt(trials)
        cos = est @ G / (norm(est) * norm(G))
        out[name] = {
            "angle_deg": float(np.degrees(np.arccos(np.clip(cos, -1, 1)))),
            "angle_se_deg": float(np.degrees(norm(se) / norm(est))),
            "scale": float(norm(est) / norm(G) ** (1 - beta)),
        }
    return {"grads": grads.tolist(), "beta": beta, "batch": batch, "trials": trials, "grad_F": G.tolist(), "estimators": out}


def complexity_insgd(problem, tau1, tau2, beta, eps_grid, seeds=16, budget=DEFAULT_BUDGET, tuned_gamma=None):
    """Median T_hit(eps) with the theorem's parameters (and with a fixed tuned gamma), fitted exponent."""
    from insgd.verify.fits import ols

    rows = []
    for e in eps_grid:
        r = theorem2_check(problem, tau1, tau2, beta, float(e), seeds=seeds, budget=budget)
        rows.append({"eps": float(e), "T": float(r.T), "median_T_hit": r.T_hit_median, "fraction": r.fraction_within_T})
    ok = [x for x in rows if x["median_T_hit"]]
    fit = ols(np.log([1 / x["eps"] for x in ok]), np.log([x["median_T_hit"] for x in ok])) if len(ok) >= 3 else None
    out = {
        "theorem_parameters": rows,
        "exponent_measured": None if fit is None else fit.slope,
        "exponent_ci": None if fit is None else list(fit.ci),
        "exponent_theorem": float(T_order()[0]),
    }
    if tuned_gamma is not None:
        w0 = default_start(problem)
        tuned = []
        for e in eps_grid:
            tr = run(
                problem,
                "insgd",
                w0,
                budget,
                np.arange(seeds),
                {"gamma": tuned_gamma, "beta": beta, "batch": 1, "batch_prime": 1, "delta": tau2 / tau1, "k": 1.0},
                noise=(tau1, tau2),
                eps_grad=float(e),
            )
            h = tr.hit_grad_t[tr.hit_grad_t >= 0]
            tuned.append({"eps": float(e), "median_T_hit": float(np.median(h)) if len(h) > seeds / 2 else None})
        out["tuned"] = {"gamma": tuned_gamma, "rows": tuned}
    return out


def noise_frontier(problem, points, tau1_grid):
    """ESTIMATED (not certified) Assumption 4 constants of a finite sum: for each tau1, the smallest tau2 with
    ||grad f_r(w) - grad F(w)|| <= tau1 ||grad F(w)|| + tau2 at every sampled point w and every sample r, i.e.
    tau2(tau1) = max_{w, r} (||grad f_r(w) - grad F(w)|| - tau1 ||grad F(w)||). Only a lower estimate of the
    true frontier: unsampled points can need more."""
    if problem.n_samples is None:
        raise InputError(f"problem {problem.name} is not a finite sum")
    W = np.atleast_2d(np.asarray(points, float))
    G = problem.grad(W)
    m = problem.n_samples
    errs, gn = [], np.linalg.norm(G, axis=1)
    for k in range(len(W)):
        per = problem.sample_grads(np.repeat(W[k : k + 1], m, axis=0), np.arange(m)[:, None])
        errs.append(np.linalg.norm(per - G[k], axis=1))
    E = np.array(errs)  # (points, m)
    tau1_grid = np.asarray(tau1_grid, float)
    tau2 = np.array([float(np.max(E - t1 * gn[:, None])) for t1 in tau1_grid])
    return {
        "tau1": tau1_grid.tolist(),
        "tau2": np.maximum(tau2, 0.0).tolist(),
        "points": len(W),
        "samples": m,
        "label": "estimated from sampled points, not certified",
    }
