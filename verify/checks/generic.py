"""The one checker: any registered theorem with an explicit bound, on any problem whose certificates satisfy its
assumptions (Theorem 1 and the literature's records here; Theorem 2's promise in probability in theorem2.py, which
prepares its instance the same way).

A theorem record (insgd.theory.records.Theorem) says which certificates give its constants (`binds`, `requires`),
which optimizer it runs with which step size, what its bound B(t) bounds (`measure`) and how far (`horizon`), its
regimes and, per regime, its bound and T(eps) (`bound`, `cases`; key 0 for a single regime), and the definitions
its formulas use (`parameters`, e.g. Theorem 1's q and a). verify/checks/instance.py binds the constants (one
selection policy, or the user's constants), takes the free symbols from the caller (`values`, e.g. beta), decides
the conditions and the regime exactly. Then this module runs the algorithm and holds the runs against the bound:

* ``gap`` and ``min_grad_norm`` (deterministic promises): every iterate is held against B(t), up to the horizon
  (horizon "every t": past eps, until B(t) falls to DEEP_REL B(0); "until eps": up to the first t the measure reaches
  eps); an iterate above it refutes the theorem on that problem, and the run that shows it is returned. Runs start
  at w0 and along the Hessian's extreme eigendirections. With an eps grid, T_measured <= T(eps) at every eps.
* ``mean_sq_grad`` (a promise in expectation): verify/checks/expectation.py.
* ``rate=True`` adds the rate on a tight instance (verify/checks/rate.py): where the constants are certified and the
  PL certificate is an equality, the measured exponent of T(eps) against the record's T(eps), and, for a record
  whose bound solves Delta_{t+1} <= Delta_t - a Delta_t^q (it names q among its parameters), the measured q.
  Elsewhere the rate is "not assessed": a loose upper bound need not have the measured shape.

A bound stated up to constants (bound_kind "O") cannot be refuted by a run and is refused. Constants certified on
a ball serve deterministic promises only, whose proofs use the assumptions between consecutive iterates: a verdict
is withheld (inconclusive) when an iterate leaves the ball. Every check returns a verify.checks.result.Check.
"""

import math

import numpy as np
import sympy as sp

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.numerics.optimizers import get_optimizer
from insgd.verify.checks import rate as R
from insgd.verify.checks.expectation import expectation_check, lower_confidence_bound  # noqa: F401 (public)
from insgd.verify.checks.instance import Instance, free_symbols, prepare, resolve  # noqa: F401 (public)
from insgd.verify.checks.probability import hit_probability_check
from insgd.verify.checks.result import Assertion, Check
from insgd.verify.checks.setup import FLOAT_REL, Distance
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS, bound_verdict

MAX_ITERS = 2_000_000  # iteration cap of one run; when it binds before T(eps) the verdict is inconclusive
DEFAULT_EPS = {"gap": 1e-6, "min_grad_norm": 1e-2}
DEEP_REL, DEEP_FACTOR = 1e-12, 10  # the bound is held past eps: down to 1e-12 B(0), within 10x the T(eps) iterations
DEEP_MIN = 10_000  # ... and, once the run has reached eps at t_hit, within max(10 t_hit, DEEP_MIN) iterations


def check_theorem(
    theorem,
    problem,
    eps=None,
    w0=None,
    noise=None,
    batch=1,
    seeds=None,
    iters=None,
    delta=None,
    optimizer=None,
    values=None,
    eps_grid=None,
    rate=False,
    select=None,
    constants=None,
    backend=None,
) -> Check:
    """Run the theorem's algorithm with its step size on problem and hold the runs against its bound.

    eps: the target of T(eps) for deterministic measures (default per measure; the step size may depend on it, as
    Theorem 1's gamma(eps) does); eps_grid: several targets (the bound is held at the smallest, T(eps) at each).
    noise = (tau1, tau2), batch: the synthetic oracle, for stochastic theorems. seeds, iters, delta: runs, horizon
    and confidence level of an expectation check. optimizer: an engine Optimizer to run instead of the theorem's
    algorithm (a foreign implementation held against the theorem: numerics/foreign.py); it receives the theorem's
    step size as gamma. values: the theorem's free symbols by name (e.g. {"beta": "1/2"} for Theorem 1). rate: add
    the rate on a tight instance. select: certificate choice ({"generalized": True}, {"rho": r}); constants: the
    bound constants as the user claims them (name -> value). backend: "numba" or "numpy" for NGD's runs."""
    if not theorem.checkable:
        raise InputError(f"theorem {theorem.key} is not checkable: {' '.join(theorem.notes)}")
    if theorem.bound_kind != "upper bound":
        raise InputError(
            f"theorem {theorem.key} states its bound up to constants ({theorem.bound_kind}): no run can refute it; "
            "check a reading with an explicit bound (e.g. its derived reading)"
        )
    if not theorem.bound and theorem.measure != "hit_probability":
        raise InputError(f"theorem {theorem.key} has no explicit bound B(t) to check")
    if theorem.measure == "hit_probability" and eps is None:
        raise InputError(f"theorem {theorem.key}: give eps (a promise in probability; its T grows like a power of 1/eps)")
    if eps_grid is not None and eps is not None:
        raise InputError("eps and eps_grid must not be given together")
    grid = sorted(
        (float(e) for e in (eps_grid if eps_grid is not None else [eps or DEFAULT_EPS.get(theorem.measure, 0)])), reverse=True
    )
    if theorem.measure != "mean_sq_grad" and not (grid and all(math.isfinite(e) and e > 0 for e in grid)):
        raise InputError(f"eps must be finite and > 0, got {grid}")
    inst = prepare(
        theorem,
        problem,
        w0=w0,
        values=values,
        optimizer=optimizer,
        noise=noise,
        batch=batch,
        select=select,
        constants=constants,
        eps=None if theorem.measure == "mean_sq_grad" else grid[-1],
    )
    if theorem.measure != "hit_probability" and inst.regime not in theorem.bound:
        raise InputError(f"theorem {theorem.key} has no explicit bound B(t) in regime {inst.regime}")
    details = {
        "optimizer": inst.optimizer.name,
        "measure": theorem.measure,
        "horizon": theorem.horizon,
        "regime": inst.regime or None,
        "regime_name": theorem.regimes[inst.regime][0] if theorem.regimes else None,
        "noise": None if noise is None else list(noise),
        "w0": inst.w0.tolist(),
        "delta0": _gap(problem, inst.w0),
        "region": inst.region,
        "constants_source": inst.source,
        "constants_status": inst.status,
        "tight": inst.tight,
        "form": inst.form,
    }
    check = Check(
        theorem=theorem.key,
        problem=problem.name,
        params=problem.params(),
        constants=inst.shown,
        details=details,
        warnings=list(inst.notes),
    )
    if theorem.measure == "hit_probability":
        budget = MAX_ITERS if iters is None else int(iters)
        res = hit_probability_check(inst, grid[-1], 64 if seeds is None else seeds, budget, details["delta0"])
        if note := res.pop("budget_note"):
            check.warnings.append(note)
        _assert(check, "promise in probability", _unproved(inst, grid[-1], res), theorem)
        return check
    if theorem.measure == "mean_sq_grad":
        hp = inst.hp()
        res, dist = expectation_check(
            inst.bound(None, details["delta0"]),
            inst.optimizer,
            problem,
            hp,
            inst.w0,
            noise,
            seeds,
            iters,
            delta,
            inst.radius,
            f"{inst.optimizer.name} with {_hp_text(hp)}, noise {noise}, w0 = {_vec_text(inst.w0)}",
        )
        _assert(check, "bound on the grid", _left_ball(res, dist), theorem)
        details["hyperparameters"] = hp
        return check
    bound_run = _bound_check(inst, grid[-1], backend, check)
    check.raw["trajectory"] = bound_run["trajectory"]
    if len(grid) > 1 or rate:
        hits = _t_grid(inst, grid, backend)
        check.assertions.append(R.t_grid_assertion(theorem.reading, hits))
        details["t_grid"] = hits
    if rate:
        halved = lambda g, n: _halved(inst, g, n, backend)  # noqa: E731
        check.assertions.extend(R.rate_assertions(inst, bound_run, details["t_grid"], halved))
        check.raw["rate"], check.raw["fit"] = bound_run["rate"], details["t_grid"].pop("fit")
        details["rate"] = {k: v for k, v in bound_run["rate"].items() if k != "sampled"}
    return check


def _bound_check(inst: Instance, eps, backend, check) -> dict:
    """The bound at every iterate from each start (w0, then the Hessian's extreme eigendirections at the same
    distance: a rate stated slightly too fast shows first there; a start given by the user is the only one)."""
    starts = [inst.w0] + ([] if inst.w0_given else _eigen_starts(inst.problem, inst.w0))
    runs = []
    for w in starts:
        r = _bound_run(inst, eps, w, backend)
        runs.append(r)
        if r["verdict"] == FAIL:
            break
    pick = next((x for x in runs if x["verdict"] == FAIL), None) or next(
        (x for x in runs if x["verdict"] == INCONCLUSIVE), runs[0]
    )
    res = {k: v for k, v in pick.items() if k not in ("trajectory",)}
    res["starts"] = len(runs)
    if res["verdict"] == PASS and len(runs) > 1:
        res["evidence"] += (
            f"; also not refuted from {len(runs) - 1} other start(s) along the Hessian's extreme eigendirections at the "
            "minimizer (same distance)"
        )
    check.details.update({k: v for k, v in res.items() if k not in ("verdict", "evidence", "witness_run")})
    _assert(check, "bound at every iterate", res, inst.theorem)
    return runs[0]  # the run from w0: the rate step measures on it


def _unproved(inst, eps, res):
    """A printed statement whose own proof (the derived reading of the registry's pair) needs a condition that fails
    at these constants: its pass is withheld (inconclusive, the condition named); a fail stands (the printed
    statement does not state the condition)."""
    from insgd.theory.theorems import PAIRS, REGISTRY

    derived = next((REGISTRY[b] for a, b in PAIRS if a == inst.theorem.key), None)
    if derived is None or res["verdict"] != PASS:
        return res
    stated = {sp.srepr(c.relation) for c in inst.theorem.conditions if c.relation is not None}
    failing = [
        c.text
        for c in derived.conditions
        if c.relation is not None
        and sp.srepr(c.relation) not in stated
        and resolve(derived, c.relation, inst.at(eps)) == sp.false
    ]
    if failing:
        res.update(
            verdict=INCONCLUSIVE,
            precondition=f"the proof's precondition {', '.join(failing)} fails here",
            evidence=f"the proof's precondition {', '.join(failing)} fails here "
            f"({', '.join(f'{k} = {v:.4g}' for k, v in inst.shown.items())}): the derived "
            f"{derived.name.split(',')[0]} promises nothing here; {res['evidence']}",
        )
    return res


def _assert(check, what, res, theorem):
    witness = res.pop("witness_run", None)
    name = f"{theorem.reading} {what}"
    check.assertions.append(Assertion(name, "bound", res.pop("verdict"), res.pop("evidence"), witness or {}))
    check.details.update(res | ({"witness_run": witness} if witness else {}))


def _gap(problem, w):
    return float(problem.value(np.asarray(w, float)[None])[0] - problem.fstar)


def _fused_ngd(inst):
    """Whether NGD's runs may use the compiled loop (numerics/fused.ngd_runs: the engine's loop, step for step): the
    engine's own NGD on the gap, exact gradients, a problem with a kernel."""
    return (
        inst.optimizer is get_optimizer("ngd")
        and inst.theorem.measure == "gap"
        and inst.noise is None
        and inst.problem.fused_kind() is not None
    )


def trajectory(inst: Instance, hp, w0, iters, stop, backend, record=True) -> dict:
    """One run from w0 with hyperparameters hp, stopped at the first measure <= stop (None: never): every iterate
    (t, measure) when record, the first hit, the last step, and the distance watch of the certified ball."""
    p, dist = inst.problem, Distance(inst.problem.argmin, inst.radius)
    on_grad = inst.theorem.measure == "min_grad_norm"
    if _fused_ngd(inst) and fused.resolve(backend) == "numba":
        fr = fused.ngd_runs(
            p, np.asarray(w0, float)[None], [hp["gamma"]], hp["beta"], [-1.0 if stop is None else stop], iters, p.argmin, record
        )
        if fr is not None:
            dist.replay(fr["dist"])
            n = int(fr["stop"][0])
            return {
                "t": np.arange(n + 1),
                "measured": fr["gap"][0, : n + 1] if record else None,
                "hit": int(fr["hit"][0]),
                "stop": n,
                "dist": dist,
            }
    key = "eps_grad" if on_grad else "eps_gap"
    tr = run(
        p,
        inst.optimizer,
        w0,
        iters,
        [0],
        hp,
        noise=inst.noise,
        n_checkpoints=iters + 1 if record else 1,
        callback=dist,
        backend="numpy" if inst.optimizer.name == "ngd" else backend,
        **{key: stop},
    )
    n = int(tr.stop_t[0])
    measured = None
    if record:
        measured = np.minimum.accumulate(tr.grad_norm[0, : n + 1]) if on_grad else tr.gap[0, : n + 1]
    return {
        "t": tr.t[: n + 1],
        "measured": measured,
        "hit": int((tr.hit_grad_t if on_grad else tr.hit_gap_t)[0]),
        "stop": n,
        "dist": dist,
    }


def _bound_run(inst: Instance, eps, w0, backend) -> dict:
    """The bound at every iterate of one run, up to the record's horizon: "until eps", to the first t with the
    measure <= eps; "every t", past eps until B(t) falls to DEEP_REL * B(0), the measure to DEEP_REL of its start, or
    DEEP_FACTOR x the iterations the run took to reach eps (at least DEEP_MIN; at most DEEP_FACTOR x T(eps) and
    MAX_ITERS), so a rate slightly too fast is not passed because the run stopped at eps before the slow mode
    dominated. T(eps) is held against the first t the run reached eps."""
    theorem, p = inst.theorem, inst.problem
    d0 = _gap(p, w0)
    hp = inst.hp(eps)
    B = inst.bound(eps, d0)
    T_bound = inst.T(eps, d0)
    iters = int(min(T_bound + 1, MAX_ITERS)) if math.isfinite(T_bound) else MAX_ITERS
    on_grad = theorem.measure == "min_grad_norm"
    until_eps = theorem.horizon == "until eps"
    if until_eps:
        tr = trajectory(inst, hp, w0, iters, eps, backend)
    else:
        # where the run first reaches eps, so that a loose bound (T_bound thousands of times t_hit) is not held over
        # millions of iterations after eps; then the recorded run, past eps
        t_hit = trajectory(inst, hp, w0, iters, eps, backend, record=False)["hit"]
        deep = _deep_horizon(B, iters)
        if t_hit >= 0:
            deep = min(deep, max(DEEP_FACTOR * t_hit, DEEP_MIN, t_hit + 1))
        vg = p.value_and_grad(np.asarray(w0, float)[None])
        m0 = float(np.linalg.norm(vg[1][0])) if on_grad else float(vg[0][0] - p.fstar)
        floor = DEEP_REL * m0 if math.isfinite(m0) and m0 > 0 else None  # below it float64 no longer resolves it
        tr = trajectory(inst, hp, w0, deep, floor, backend)
    t, measured, stop = tr["t"].astype(float), tr["measured"], tr["stop"]
    bound = B(t)
    above = measured > bound * (1 + FLOAT_REL) + 1e-300
    reached = np.nonzero(measured <= eps)[0]
    hit = int(t[reached[0]]) if len(reached) else -1
    what = "min_{k<=t} ||grad f(x_k)||" if on_grad else "Delta_t"
    before = measured > eps
    res = {
        "eps": eps,
        "hyperparameters": hp,
        "T_bound": T_bound,
        "T_measured": hit if hit >= 0 else None,
        "tightness": (T_bound / hit) if hit > 0 else None,
        "iterations_run": stop,
        "measured_last": float(measured[-1]),
        "bound_ratio_max": float(np.max(bound[before] / np.maximum(measured[before], 1e-300))) if before.any() else 1.0,
        "trajectory": {"t": t, "measured": measured, "bound": bound, "hit": hit},
    }
    verdict = bound_verdict(bool(above.any()), hit >= 0, math.isfinite(T_bound) and stop >= math.ceil(T_bound))
    fail_t = None
    if above.any():
        i = int(np.argmax(above))
        fail_t = int(t[i])
        res.update(
            verdict=verdict,
            evidence=f"refuted by a run: at t = {fail_t}, {what} = {measured[i]:.6g} > bound {bound[i]:.6g} "
            f"({inst.optimizer.name} with {_hp_text(hp)}, w0 = {_vec_text(w0)})",
            witness_run={
                "t": t[: i + 1].tolist()[-20:],
                "measured": measured[: i + 1].tolist()[-20:],
                "bound": bound[: i + 1].tolist()[-20:],
            },
            first_violation={"t": fail_t, "measured": float(measured[i]), "bound": float(bound[i])},
        )
    elif verdict == FAIL:
        res.update(
            verdict=verdict,
            evidence=f"refuted by a run: {what} = {measured[-1]:.6g} > eps = {eps:g} at T = {stop} >= T_bound = {T_bound:.6g}",
            first_violation={"t": stop, "measured": float(measured[-1]), "bound": eps, "what": "not reached within T(eps)"},
        )
    elif verdict == INCONCLUSIVE:
        res.update(verdict=verdict, evidence=f"capped at {MAX_ITERS} iterations before T_bound = {T_bound:.3g}")
    else:
        res.update(
            verdict=verdict,
            evidence=f"not refuted on this run: {what} <= B(t) at all {stop + 1} iterates (t = 0..{stop}, down to "
            f"{what} = {measured[-1]:.3g}, " + ("where the promise ends" if until_eps else "past eps") + f"); eps = "
            f"{eps:g} reached at t = {hit} <= T_bound = {T_bound:.4g} (tightness T_bound / T_measured = "
            f"{T_bound / max(hit, 1):.3g}); the bound exceeds {what} by up to {res['bound_ratio_max']:.3g}x before eps",
        )
    return _left_ball(res, tr["dist"], fail_t)


def _t_grid(inst: Instance, grid, backend) -> dict:
    """T_measured (the first t with the measure <= eps) at each eps of the grid, each run with its own hyperparameters
    (the step size may depend on eps), against T(eps); runs capped at max T(eps) (and MAX_ITERS)."""
    if inst.optimizer.stochastic:
        raise InputError(f"an eps grid needs a deterministic algorithm; {inst.optimizer.name} is stochastic")
    p, w0 = inst.problem, inst.w0
    d0 = _gap(p, w0)
    T_bound = np.array([inst.T(e, d0) for e in grid], float)
    iters = int(min(np.ceil(np.max(T_bound)), MAX_ITERS))
    hps = [inst.hp(e) for e in grid]
    dist = Distance(p.argmin, inst.radius)
    eps = np.asarray(grid, float)
    if _fused_ngd(inst) and fused.resolve(backend) == "numba":
        W0 = np.broadcast_to(np.asarray(w0, float), (len(grid), p.dim))
        fr = fused.ngd_runs(p, W0, [h["gamma"] for h in hps], hps[0]["beta"], eps, iters, p.argmin, False)
        dist.replay(fr["dist"])
        T = fr["hit"].astype(float)
    elif inst.optimizer is get_optimizer(inst.theorem.algorithm):
        hp = {k: np.array([h[k] for h in hps]) for k in hps[0]}
        key = "eps_grad" if inst.theorem.measure == "min_grad_norm" else "eps_gap"
        tr = run(p, inst.optimizer, w0, iters, np.arange(len(grid)), hp, callback=dist, backend="numpy", **{key: eps})
        T = (tr.hit_grad_t if key == "eps_grad" else tr.hit_gap_t).astype(float)
    else:  # a foreign optimizer is built for one learning rate: one run per eps
        T = np.array(
            [float(trajectory(inst, h, w0, iters, e, backend, record=False)["hit"]) for h, e in zip(hps, eps, strict=True)]
        )
    return {
        "eps": list(grid),
        "T_measured": T.tolist(),
        "T_bound": T_bound.tolist(),
        "capped": bool(iters < np.ceil(np.max(T_bound))),
        "withheld": dist.withheld(),
    }


def _halved(inst, gamma_eps, n, backend):
    """The recorded run from w0 at half the step size of eps (the rate step's second run), n iterations at most."""
    hp = inst.hp(gamma_eps)
    hp["gamma"] /= 2
    return trajectory(inst, hp, inst.w0, n, gamma_eps, backend)


def _eigen_starts(problem, w0):
    """w* + R0 v for the eigenvectors v of the smallest and largest eigenvalue of the Hessian at the minimizer (none
    when the problem has no Hessian), R0 = ||w0 - w*||, without repeating w0."""
    R0 = float(np.linalg.norm(w0 - problem.argmin))
    try:
        H = np.asarray(problem.hess(problem.argmin[None])[0], float)
    except NotImplementedError:
        return []
    if not np.all(np.isfinite(H)):
        return []
    _, V = np.linalg.eigh((H + H.T) / 2)
    out = []
    for v in (V[:, 0], V[:, -1]):
        w = problem.argmin + R0 * v
        if not any(np.allclose(w, x) for x in [w0, *out]):
            out.append(w)
    return out


def _left_ball(res, dist, fail_t=None):
    """Withhold a pass when any iterate left the certified ball, a fail when it left at or before the failing t."""
    why = dist.withheld()
    if why is None or res["verdict"] not in (FAIL, PASS):
        return res
    if res["verdict"] == FAIL and fail_t is not None and fail_t < dist.exit_t:
        return res  # every iterate up to the violation was in the ball
    res.update(verdict=INCONCLUSIVE, withheld=why, evidence=f"{why}; the {res['verdict']} would not be earned: {res['evidence']}")
    return res


def _deep_horizon(B, iters):
    """Iterations for the bound check: the first t with B(t) <= DEEP_REL * B(0), between iters (what T(eps) needs)
    and min(DEEP_FACTOR * iters, MAX_ITERS)."""
    cap = int(min(max(DEEP_FACTOR * iters, iters), MAX_ITERS))
    b0 = float(B(0.0))
    if not (math.isfinite(b0) and b0 > 0):
        return iters
    t = iters
    while t < cap and float(B(float(t))) > DEEP_REL * b0:
        t = min(cap, 2 * t + 1)
    return max(iters, t)


def _hp_text(hp):
    return ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in hp.items())


def _vec_text(w):
    return "(" + ", ".join(f"{x:.6g}" for x in np.asarray(w).ravel()) + ")"


def worst_case(theorem):
    """The problem family on which the theorem's assumptions are tight, or None:

    * a PL-type assumption with rho: f = |w|^p with p = rho/(rho - 1) at its certified best constants;
    * the expected mean squared gradient of SGD under L-smoothness and bounded variance: the isotropic quadratic
      f = (L/2)||w||^2 with additive noise (tau1 = 0), on which, at step 1/L, E[A(t)] = B(t) - M/t exactly
      (w_1 = -g_0/L is pure noise: E||grad F(w_k)||^2 = M for k >= 1, and ||grad F(w_0)||^2 = 2 L Delta_0)."""
    from insgd.numerics.problems import Power, Quadratic

    if theorem.measure == "mean_sq_grad":
        return Quadratic(dim=3, cond=1.0)
    rho = theorem.requires.get("A2", {}).get("rho")
    if rho is None or rho <= 1:
        return None
    return Power(p=rho / (rho - 1))
