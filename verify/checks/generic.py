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
from insgd.verify.checks import rate as R
from insgd.verify.checks.expectation import expectation_check, lower_confidence_bound  # noqa: F401 (public)
from insgd.verify.checks.instance import Instance, free_symbols, prepare, resolve  # noqa: F401 (public)
from insgd.verify.checks.measure import (
    DEEP_FACTOR,
    DEEP_MIN,
    DEEP_REL,
    deep_horizon,
    eigen_starts,
    gap,
    halved,
    hp_text,
    left_ball,
    t_grid,
    trajectory,
    vec_text,
)
from insgd.verify.checks.probability import hit_probability_check
from insgd.verify.checks.result import Assertion, Check
from insgd.verify.checks.setup import FLOAT_REL, MAX_ITERS
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS, bound_verdict

DEFAULT_EPS = {"gap": 1e-6, "min_grad_norm": 1e-2}


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
        (float(e) for e in (eps_grid if eps_grid is not None else [DEFAULT_EPS.get(theorem.measure, 0) if eps is None else eps])),
        reverse=True,
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
        "delta0": gap(problem, inst.w0),
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
        res, dist = hit_probability_check(inst, grid[-1], 64 if seeds is None else seeds, budget, details["delta0"])
        if note := res.pop("budget_note"):
            check.warnings.append(note)
        _assert(check, "promise in probability", _outside(inst, _unproved(inst, grid[-1], left_ball(res, dist))), theorem)
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
            f"{inst.optimizer.name} with {hp_text(hp)}, noise {noise}, w0 = {vec_text(inst.w0)}",
        )
        _assert(check, "bound on the grid", left_ball(res, dist), theorem)
        details["hyperparameters"] = hp
        return check
    bound_run = _bound_check(inst, grid[-1], backend, check)
    check.raw["trajectory"] = bound_run["trajectory"]
    if len(grid) > 1 or rate:
        hits = t_grid(inst, grid, backend)
        check.assertions.append(R.t_grid_assertion(R.T_label(theorem, hits["claimed"]), hits))
        details["t_grid"] = hits
    if rate:
        half_run = lambda g, n: halved(inst, g, n, backend)  # noqa: E731
        check.assertions.extend(R.rate_assertions(inst, bound_run, details["t_grid"], half_run))
        check.raw["rate"], check.raw["fit"] = bound_run["rate"], details["t_grid"].pop("fit")
        details["rate"] = {k: v for k, v in bound_run["rate"].items() if k != "sampled"}
    return check


def _bound_check(inst: Instance, eps, backend, check) -> dict:
    """The bound at every iterate from each start (w0, then the Hessian's extreme eigendirections at the same
    distance: a rate stated slightly too fast shows first there; a start given by the user is the only one)."""
    starts = [inst.w0] + ([] if inst.w0_given else eigen_starts(inst.problem, inst.w0))
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
    _assert(check, "bound at every iterate", res, inst.theorem)
    return runs[0]  # the run from w0: the rate step measures on it


def _outside(inst, res):
    """Constants from another form of Assumption 1 than the record states (a caller's fallback, binding.py): the
    theorem's hypothesis is not certified on this problem (or certified to fail), so its runs neither support nor
    refute it (a pass or a fail is withheld, the runs' outcome kept in the evidence)."""
    from insgd.numerics.constants import Fails

    stated = sorted({a.split(".", 1)[1] for a, _ in inst.theorem.binds.values() if a.startswith("A1.")})
    if not inst.form or inst.form in stated or res["verdict"] not in (PASS, FAIL):
        return res
    smooth = inst.problem.certify(radius=inst.radius).smooth
    fails = any(isinstance(c, Fails) and c.form in stated and c.region.is_global for c in smooth)
    why = f"Assumption 1 in the {', '.join(stated)} form, which the theorem states, is " + (
        "certified to fail globally on this problem" if fails else "not certified on this problem"
    )
    res.update(
        verdict=INCONCLUSIVE,
        outside=why,
        evidence=f"outside the theorem's hypotheses: {why} (the runs used {inst.form}-form constants), so the runs "
        f"neither support nor refute it; they showed: {res['evidence']}",
    )
    return res


def _unproved(inst, eps, res):
    """A printed statement whose own proof (the derived reading of the registry's pair) needs a condition that fails
    at these constants: its pass is withheld (inconclusive, the condition named); a fail stands (the printed
    statement does not state the condition)."""
    from insgd.theory.records import unstated_conditions
    from insgd.theory.theorems import PAIRS, REGISTRY

    derived = next((REGISTRY[b] for a, b in PAIRS if a == inst.theorem.key), None)
    if derived is None or res["verdict"] != PASS:
        return res
    failing = [
        c.text
        for c in unstated_conditions(inst.theorem, derived)
        if c.relation is not None and resolve(derived, c.relation, inst.at(eps)) == sp.false
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


def _bound_run(inst: Instance, eps, w0, backend) -> dict:
    """The bound at every iterate of one run, up to the record's horizon: "until eps", to the first t with the
    measure <= eps; "every t", past eps until B(t) falls to DEEP_REL * B(0), the measure to DEEP_REL of its start, or
    DEEP_FACTOR x the iterations the run took to reach eps (at least DEEP_MIN; at most DEEP_FACTOR x T(eps) and
    MAX_ITERS), so a rate slightly too fast is not passed because the run stopped at eps before the slow mode
    dominated. The record's T(eps) (an "exact" or ">=" count) is held against the first t the run reached eps; for a
    record whose T is an order only, the bound's own T is (the bound implies it). A NaN bound decides nothing."""
    theorem, p = inst.theorem, inst.problem
    d0 = gap(p, w0)
    hp = inst.hp(eps)
    B = inst.bound(eps, d0)
    T_claim, T_b = inst.T(eps, d0), inst.T_from_bound(eps, d0)
    T_used = T_b if T_claim is None else T_claim
    reach = max(T_used, T_b)  # a run long enough for the T claim and for the whole bound down to eps
    iters = int(min(reach + 1, MAX_ITERS)) if math.isfinite(reach) else MAX_ITERS
    on_grad = theorem.measure == "min_grad_norm"
    until_eps = theorem.horizon == "until eps"
    if until_eps:
        tr = trajectory(inst, hp, w0, iters, eps, backend)
    else:
        # where the run first reaches eps, so that a loose bound (T_bound thousands of times t_hit) is not held over
        # millions of iterations after eps; then the recorded run, past eps
        t_hit = trajectory(inst, hp, w0, iters, eps, backend, record=False)["hit"]
        deep = deep_horizon(B, iters)
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
    T_name = R.T_label(theorem, T_claim is not None)
    res = {
        "eps": eps,
        "start": np.asarray(w0, float).tolist(),
        "start_delta0": d0,
        "hyperparameters": hp,
        "T_bound": T_used,
        "T_claim": T_claim,
        "T_from_bound": T_b,
        "T_measured": hit if hit >= 0 else None,
        "tightness": (T_used / hit) if hit > 0 else None,
        "iterations_run": stop,
        "measured_last": float(measured[-1]),
        "bound_ratio_max": float(np.max(bound[before] / np.maximum(measured[before], 1e-300))) if before.any() else 1.0,
        "trajectory": {"t": t, "measured": measured, "bound": bound, "hit": hit},
        "withheld": tr["dist"].withheld(),
    }
    in_time = 0 <= hit <= T_used
    verdict = bound_verdict(bool(above.any()), in_time, math.isfinite(T_used) and stop >= T_used)
    run_text = f"({inst.optimizer.name} with {hp_text(hp)}, w0 = {vec_text(w0)})"
    fail_t = None
    if above.any():
        i = int(np.argmax(above))
        fail_t = int(t[i])
        res.update(
            verdict=verdict,
            evidence=f"refuted by a run: at t = {fail_t}, {what} = {measured[i]:.6g} > bound {bound[i]:.6g} {run_text}",
            witness_run={
                "t": t[: i + 1].tolist()[-20:],
                "measured": measured[: i + 1].tolist()[-20:],
                "bound": bound[: i + 1].tolist()[-20:],
            },
            first_violation={"t": fail_t, "measured": float(measured[i]), "bound": float(bound[i])},
        )
    elif np.isnan(bound).any():
        i = int(np.argmax(np.isnan(bound)))
        res.update(
            verdict=INCONCLUSIVE,
            evidence=f"the bound is not a real number at t = {int(t[i])} (NaN): it decides nothing there {run_text}",
        )
    elif verdict == FAIL:
        late = f"first reached at t = {hit}" if hit >= 0 else f"not reached by t = {stop}"
        res.update(
            verdict=verdict,
            evidence=f"refuted by a run: {what} <= eps = {eps:g} {late} > {T_name} = {T_used:.6g} {run_text}",
            first_violation={"t": stop, "measured": float(measured[-1]), "bound": eps, "what": f"not reached within {T_name}"},
        )
    elif verdict == INCONCLUSIVE:
        why = (
            f"capped at {MAX_ITERS} iterations"
            if stop >= MAX_ITERS
            else f"the run stopped at t = {stop} ({what} = {measured[-1]:.3g}, the depth float64 resolves)"
        )
        res.update(verdict=verdict, evidence=f"{why} before eps = {eps:g} was reached and before {T_name} = {T_used:.3g}")
    else:
        res.update(
            verdict=verdict,
            evidence=f"not refuted on this run: {what} <= B(t) at all {stop + 1} iterates (t = 0..{stop}, down to "
            f"{what} = {measured[-1]:.3g}, " + ("where the promise ends" if until_eps else "past eps") + f"); eps = "
            f"{eps:g} reached at t = {hit} <= {T_name} = {T_used:.4g} (tightness {T_name} / T_measured = "
            f"{T_used / max(hit, 1):.3g}); the bound exceeds {what} by up to {res['bound_ratio_max']:.3g}x before eps",
        )
    return left_ball(res, tr["dist"], fail_t)


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
