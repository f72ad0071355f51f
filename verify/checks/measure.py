"""The runs a check makes (verify/checks/generic.py): one recorded run from a start (on the compiled NGD loop when
it applies, else the engine), the T(eps) grid, the half-step run of the rate step, the extra starts along the
Hessian's extreme eigendirections, and the certified-ball watch's effect on a verdict."""

import math

import numpy as np

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.numerics.optimizers import get_optimizer
from insgd.verify.checks.instance import Instance
from insgd.verify.checks.setup import MAX_ITERS, Distance
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS

DEEP_REL, DEEP_FACTOR = 1e-12, 10  # the bound is held past eps: down to 1e-12 B(0), within 10x the T(eps) iterations
DEEP_MIN = 10_000  # ... and, once the run has reached eps at t_hit, within max(10 t_hit, DEEP_MIN) iterations


def gap(problem, w):
    return float(problem.value(np.asarray(w, float)[None])[0] - problem.fstar)


def fused_ngd(inst):
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
    if fused_ngd(inst) and fused.resolve(backend) == "numba":
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


def t_grid(inst: Instance, grid, backend) -> dict:
    """T_measured (the first t with the measure <= eps) at each eps of the grid, each run with its own hyperparameters
    (the step size may depend on eps), against the record's T(eps) (the bound's own T when the record gives an order
    only); runs capped at the larger of the two (and MAX_ITERS)."""
    if inst.optimizer.stochastic:
        raise InputError(f"an eps grid needs a deterministic algorithm; {inst.optimizer.name} is stochastic")
    p, w0 = inst.problem, inst.w0
    d0 = gap(p, w0)
    claims = [inst.T(e, d0) for e in grid]
    own = [inst.T_from_bound(e, d0) for e in grid]
    T_bound = np.array([b if c is None else c for c, b in zip(claims, own, strict=True)], float)
    iters = int(min(np.ceil(np.max(np.maximum(T_bound, own))), MAX_ITERS))
    hps = [inst.hp(e) for e in grid]
    dist = Distance(p.argmin, inst.radius)
    eps = np.asarray(grid, float)
    if fused_ngd(inst) and fused.resolve(backend) == "numba":
        W0 = np.broadcast_to(np.asarray(w0, float), (len(grid), p.dim))
        fr = fused.ngd_runs(p, W0, [h["gamma"] for h in hps], hps[0]["beta"], eps, iters, p.argmin, False)
        dist.replay(fr["dist"])
        T = fr["hit"].astype(float)
        withheld = dist.withheld()
    elif inst.optimizer is get_optimizer(inst.theorem.algorithm):
        hp = {k: np.array([h[k] for h in hps]) for k in hps[0]}
        key = "eps_grad" if inst.theorem.measure == "min_grad_norm" else "eps_gap"
        tr = run(p, inst.optimizer, w0, iters, np.arange(len(grid)), hp, callback=dist, backend="numpy", **{key: eps})
        T = (tr.hit_grad_t if key == "eps_grad" else tr.hit_gap_t).astype(float)
        withheld = dist.withheld()
    else:  # a foreign optimizer is built for one learning rate: one run per eps, each watched
        runs = [trajectory(inst, h, w0, iters, e, backend, record=False) for h, e in zip(hps, eps, strict=True)]
        T = np.array([float(r["hit"]) for r in runs])
        withheld = next((r["dist"].withheld() for r in runs if r["dist"].withheld()), None)
    return {
        "eps": list(grid),
        "T_measured": T.tolist(),
        "T_bound": T_bound.tolist(),
        "iters": iters,
        "claimed": all(c is not None for c in claims),  # the record's counts held (else the bound's own T)
        "capped": bool(iters < np.max(np.maximum(T_bound, own))),
        "withheld": withheld,
    }


def halved(inst, gamma_eps, n, backend):
    """The recorded run from w0 at half the step size of eps (the rate step's second run), n iterations at most."""
    hp = inst.hp(gamma_eps)
    hp["gamma"] /= 2
    return trajectory(inst, hp, inst.w0, n, gamma_eps, backend)


def eigen_starts(problem, w0):
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


def left_ball(res, dist, fail_t=None):
    """Withhold a pass when any iterate left the certified ball, a fail when it left at or before the failing t."""
    why = dist.withheld()
    if why is None or res["verdict"] not in (FAIL, PASS):
        return res
    if res["verdict"] == FAIL and fail_t is not None and fail_t < dist.exit_t:
        return res  # every iterate up to the violation was in the ball
    res.update(verdict=INCONCLUSIVE, withheld=why, evidence=f"{why}; the {res['verdict']} would not be earned: {res['evidence']}")
    return res


def deep_horizon(B, iters):
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


def hp_text(hp):
    return ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in hp.items())


def vec_text(w):
    return "(" + ", ".join(f"{x:.6g}" for x in np.asarray(w).ravel()) + ")"
