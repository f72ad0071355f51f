"""Check any registered deterministic theorem on any problem whose certified constants satisfy its assumptions.

A theorem record (insgd.theory.records.Theorem) says which certificates give its constants (`binds`, `requires`),
which optimizer it runs with which step size, and its bound Delta_t <= B(t) (`bound[0]`) and T(eps) (`cases[0]`).
This module binds the constants from the problem's certificates (refusing in one line, naming the missing
assumption, when they are not there), runs the algorithm, and holds every iterate against the bound: an iterate above
it refutes the theorem on that problem, and the run that shows it is returned. It also reports the tightness ratio
T_bound / T_measured, and runs the family on which the theorem's assumptions are tight (`worst_case`).
"""

import math

import numpy as np
import sympy as sp

from insgd.core import InputError
from insgd.numerics.constants import Smooth
from insgd.numerics.engine import run
from insgd.theory import symbols as S
from insgd.verify.checks import FLOAT_REL

MAX_ITERS = 1_000_000


def bind_constants(theorem, problem, radius):
    """The theorem's constants from the problem's certificates on the ball of this radius (or globally)."""
    cons = problem.certify(radius=radius)
    values = {}
    for sym, (akey, fld) in theorem.binds.items():
        need = theorem.requires.get(akey, {})
        what = f"{akey}" + (f" with {', '.join(f'{k} = {v:g}' for k, v in need.items())}" if need else "")
        if akey.startswith("A1."):
            form = akey.split(".", 1)[1]
            cands = [
                c
                for c in cons.smooth
                if isinstance(c, Smooth)
                and c.form == form
                and (c.region.is_global or c.region.radius >= radius)
                and all(math.isclose(getattr(c, k), v, abs_tol=0) for k, v in need.items())
            ]
            if not cands:
                raise InputError(
                    f"theorem {theorem.key} needs {what} (Assumption 1, {form} form); problem {problem.name} "
                    f"does not certify it on the ball of radius {radius:g}"
                )
            values[sym] = float(getattr(min(cands, key=lambda c: c.L0 + c.L1), fld))
        elif akey == "A2":
            rho = need.get("rho")
            mus = [
                c.mu_at[r]
                for c in cons.pl
                if c.region.is_global or (c.region.radius or 0) >= radius
                for r in c.mu_at
                if rho is None or math.isclose(r, rho)
            ]
            if not mus:
                raise InputError(
                    f"theorem {theorem.key} needs {what} (the PL inequality); problem {problem.name} does not "
                    f"certify it on the ball of radius {radius:g}"
                )
            values[sym] = float(max(mus))
        else:
            raise InputError(f"theorem {theorem.key}: no certificate maps to assumption {akey}")
    return values


def check_theorem(theorem, problem, eps=1e-6, w0=None):
    """Run the theorem's algorithm with its step size on problem and hold every iterate against its bound."""
    if not theorem.checkable:
        raise InputError(f"theorem {theorem.key} is not checkable: {' '.join(theorem.notes)}")
    if 0 not in theorem.bound or 0 not in theorem.cases:
        raise InputError(f"theorem {theorem.key} has no explicit bound Delta_t <= B(t) to check (bound[0], cases[0])")
    w0 = np.full(problem.dim, 1.0 / math.sqrt(problem.dim)) + problem.argmin if w0 is None else np.asarray(w0, float)
    R = float(np.linalg.norm(w0 - problem.argmin))
    consts = bind_constants(theorem, problem, R)
    subs = {k: sp.nsimplify(v, rational=True) for k, v in consts.items()}
    for c in theorem.conditions:
        if c.decide(subs) is False:
            raise InputError(f"theorem {theorem.key}: condition {c.text} fails with {consts}")
    d0 = float(problem.value(w0[None])[0] - problem.fstar)
    vals = {**subs, S.Delta0: sp.Float(d0, 30), S.eps: sp.Float(eps, 30)}
    B = sp.lambdify(S.t, theorem.bound[0].subs(vals), "numpy")
    T_bound = _first_below(B, eps, theorem.cases[0][0].T.subs(vals))
    iters = int(min(T_bound + 1, MAX_ITERS)) if math.isfinite(T_bound) else MAX_ITERS
    hp = {"gamma": float(theorem.step_size.subs(subs)), **{k: float(v.subs(subs)) for k, v in theorem.hyperparameters.items()}}
    tr = run(problem, theorem.algorithm, w0, iters, [0], hp, eps_gap=eps, n_checkpoints=iters + 1)
    stop = int(tr.stop_t[0])
    t, gap = tr.t[: stop + 1].astype(float), tr.gap[0, : stop + 1]
    with np.errstate(all="ignore"):
        bound = np.broadcast_to(np.asarray(B(t), float), t.shape)
    above = gap > bound * (1 + FLOAT_REL) + 1e-300
    hit = int(tr.hit_gap_t[0])
    out = {
        "theorem": theorem.key,
        "problem": problem.name,
        "params": problem.params(),
        "constants": {str(k): v for k, v in consts.items()},
        "hyperparameters": hp,
        "delta0": d0,
        "eps": eps,
        "T_bound": T_bound,
        "T_measured": hit if hit >= 0 else None,
        "tightness": (T_bound / hit) if hit > 0 else None,
        "iterations_run": stop,
    }
    if above.any():
        i = int(np.argmax(above))
        out.update(
            verdict="fail",
            evidence=f"refuted by a run: at t = {int(t[i])}, Delta_t = {gap[i]:.6g} > bound "
            f"{bound[i]:.6g} ({theorem.algorithm} with {hp}, w0 = {w0.tolist()})",
            witness_run={
                "t": t[: i + 1].tolist()[-20:],
                "gap": gap[: i + 1].tolist()[-20:],
                "bound": bound[: i + 1].tolist()[-20:],
            },
        )
    elif hit < 0 and iters >= math.ceil(T_bound):
        out.update(verdict="fail", evidence=f"refuted by a run: Delta_T = {gap[-1]:.6g} > eps = {eps:g} at T = {stop}")
    elif hit < 0:
        out.update(verdict="inconclusive", evidence=f"capped at {MAX_ITERS} iterations before T_bound = {T_bound:.3g}")
    else:
        out.update(
            verdict="pass",
            evidence=f"Delta_t <= B(t) at all {stop + 1} iterates; eps = {eps:g} reached at t = {hit} "
            f"<= T_bound = {T_bound:.4g} (tightness T_bound / T_measured = {T_bound / max(hit, 1):.3g})",
        )
    return out


def _first_below(B, eps, T_closed):
    """The smallest integer t >= 0 with B(t) <= eps: from the closed form T(eps) (which may degenerate, e.g. a
    contraction factor 0), corrected by evaluating the bound itself."""
    try:
        t0 = max(0, math.ceil(float(T_closed))) if T_closed.is_finite else 0
    except (TypeError, ValueError, OverflowError):
        t0 = 0
    with np.errstate(all="ignore"):
        for _ in range(10_000):
            if float(B(float(t0))) > eps:
                t0 += 1
            elif t0 > 0 and float(B(float(t0 - 1))) <= eps:
                t0 -= 1
            else:
                return t0
    return math.inf


def worst_case(theorem):
    """The problem family on which the theorem's assumptions are tight: for a PL-type assumption with rho,
    f = |w|^p with p = rho/(rho - 1) at its certified best constants."""
    from insgd.numerics.problems import Power

    rho = theorem.requires.get("A2", {}).get("rho")
    if rho is None or rho <= 1:
        return None
    return Power(p=rho / (rho - 1))
