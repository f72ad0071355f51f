"""Check any registered theorem with an explicit bound on any problem whose certificates satisfy its assumptions.

A theorem record (insgd.theory.records.Theorem) says which certificates give its constants (`binds`, `requires`),
which optimizer it runs with which step size, what its bound B(t) bounds (`measure`) and its T(eps) (`cases[0]`).
This module binds the constants from the problem's certificates, and from the oracle's for a variance assumption
(refusing in one line, naming the missing assumption, when they are not there), runs the algorithm, and holds the
runs against the bound:

* ``gap`` and ``min_grad_norm`` (deterministic promises): every iterate is held against B(t); an iterate above it
  refutes the theorem on that problem, and the run that shows it is returned. The tightness ratio is
  T_bound / T_measured (>= 1 when the bound holds).
* ``mean_sq_grad`` (a promise in expectation): `seeds` independent runs give, at each t of a geometric grid, the
  mean of A(t) = (1/t) sum_{k<t} ||grad F(x_k)||^2. The theorem is refuted only when a distribution-free lower
  confidence bound on E[A(t)] exceeds B(t) (`lower_confidence_bound`: Hoeffding and empirical Bernstein for
  min(A, c) in [0, c], c = 1.5 B(t) fixed by the theorem before any run, E min(A, c) <= E A), at level delta split
  over the grid (Bonferroni). It passes when
  the Student-t upper confidence bound is below B(t) at every t of the grid (a statistical statement, not a proof);
  otherwise it is inconclusive. The tightness ratio is min_t B(t) / mean A(t).

Constants certified only on a ball are used for deterministic promises, whose proofs use the assumptions between
consecutive iterates: the verdict then concerns the statement with its assumptions on that ball, and is withheld
(inconclusive) when an iterate leaves it. A promise in expectation needs global certificates.
"""

import math

import numpy as np
import sympy as sp

from insgd.core import InputError
from insgd.numerics.constants import Smooth
from insgd.numerics.engine import run
from insgd.numerics.optimizers import get_optimizer
from insgd.numerics.runs import memory_limit
from insgd.theory import symbols as S
from insgd.theory.numbers import binary_value
from insgd.verify.checks.setup import FLOAT_REL, Distance
from insgd.verify.verdicts import FAIL, INCONCLUSIVE, PASS, bound_verdict, pointwise_verdict

MAX_ITERS = 1_000_000
DEFAULT_EPS = {"gap": 1e-6, "min_grad_norm": 1e-2}
DEEP_REL, DEEP_FACTOR = 1e-12, 10  # the bound is held past eps: down to 1e-12 B(0), within 10x the T(eps) iterations
DEEP_MIN = 10_000  # ... and, once the run has reached eps at t_hit, within max(10 t_hit, DEEP_MIN) iterations
STOCHASTIC_SEEDS, STOCHASTIC_ITERS, STOCHASTIC_DELTA, GRID_POINTS = 256, 1000, 1e-3, 12
TRUNCATE = 1.5  # the lower confidence bound truncates A(t) at TRUNCATE * B(t), fixed before any run


def bind_constants(theorem, problem, radius, variance=None):
    """The theorem's constants from the problem's certificates on the ball of this radius around the minimizer (or
    globally; radius None: global certificates only), and from the oracle's variance certificate `variance` =
    (M, M_V) for the bounded-variance assumption."""
    cons = problem.certify(radius=radius)

    def covers(region):
        return region.is_global or (radius is not None and (region.radius or 0) >= radius)

    where = "globally" if radius is None else f"on the ball of radius {radius:g}"
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
                and covers(c.region)
                and all(math.isclose(getattr(c, k), v, abs_tol=0) for k, v in need.items())
            ]
            if not cands:
                raise InputError(
                    f"theorem {theorem.key} needs {what} (Assumption 1, {form} form); problem {problem.name} "
                    f"does not certify it {where}"
                )
            values[sym] = float(getattr(min(cands, key=lambda c: c.L0 + c.L1), fld))
        elif akey == "A2":
            rho = need.get("rho")
            mus = [c.mu_at[r] for c in cons.pl if covers(c.region) for r in c.mu_at if rho is None or math.isclose(r, rho)]
            if not mus:
                raise InputError(
                    f"theorem {theorem.key} needs {what} (the PL inequality); problem {problem.name} does not certify it {where}"
                )
            values[sym] = float(max(mus))
        elif akey == "variance":
            if variance is None:
                raise InputError(
                    f"theorem {theorem.key} needs a stochastic oracle with a certified variance bound (bounded "
                    f"variance); give the synthetic oracle's noise (--noise TAU1,TAU2) for problem {problem.name}"
                )
            M, M_V = variance
            for k, v in need.items():
                if not math.isclose({"M": M, "M_V": M_V}[k], v, abs_tol=0):
                    raise InputError(f"theorem {theorem.key} needs {what}; the oracle has M = {M:g}, M_V = {M_V:g}")
            values[sym] = {"M": M, "M_V": M_V}[fld]
        else:
            raise InputError(f"theorem {theorem.key}: no certificate maps to assumption {akey}")
    return values


def check_theorem(theorem, problem, eps=None, w0=None, noise=None, batch=1, seeds=None, iters=None, delta=None,
                  optimizer=None):  # fmt: skip
    """Run the theorem's algorithm with its step size on problem and hold the runs against its bound.

    eps: the target of T(eps) for deterministic measures (default per measure). noise = (tau1, tau2), batch: the
    synthetic oracle, for stochastic theorems. seeds, iters, delta: runs, horizon and confidence level of an
    expectation check. optimizer: an engine Optimizer to run instead of the theorem's algorithm (a foreign
    implementation held against the theorem: numerics/foreign.py); it receives the theorem's step size as gamma."""
    if not theorem.checkable:
        raise InputError(f"theorem {theorem.key} is not checkable: {' '.join(theorem.notes)}")
    if 0 not in theorem.bound:
        raise InputError(f"theorem {theorem.key} has no explicit bound B(t) to check (bound[0])")
    opt = get_optimizer(theorem.algorithm) if optimizer is None else optimizer
    if opt.stochastic and noise is None and problem.n_samples is None:
        raise InputError(f"theorem {theorem.key} runs {opt.name}, a stochastic method: give --noise TAU1,TAU2")
    user_w0 = w0 is not None
    w0 = np.full(problem.dim, 1.0 / math.sqrt(problem.dim)) + problem.argmin if w0 is None else np.asarray(w0, float)
    R0 = float(np.linalg.norm(w0 - problem.argmin))
    variance = None
    if noise is not None:
        from insgd.numerics.oracles import NoiseOracle

        variance = NoiseOracle(problem, *noise).variance(batch)
    # Global certificates when the problem has them; else those of the ball the run starts in, for a deterministic
    # promise only: its proof uses the assumptions between consecutive iterates, so the verdict stands when every
    # iterate stays in the ball (checked after the run). A promise in expectation covers every path of the oracle,
    # and any path may leave a ball: it needs global certificates.
    try:
        consts, radius = bind_constants(theorem, problem, None, variance), None
    except InputError as e:
        if theorem.measure == "mean_sq_grad":
            raise InputError(f"{e} (a promise in expectation covers every path, so its assumptions must hold globally)") from None
        consts, radius = bind_constants(theorem, problem, R0, variance), R0
    # the exact value of each float the engine uses (not the simplest nearby rational: a certified L of
    # 1.0000000000000002 read as 1 would make the bound (1 - mu/L)^t vanish while the run uses the true L)
    subs = {k: binary_value(v) for k, v in consts.items()}
    for c in theorem.conditions:
        if c.decide(subs) is False:
            raise InputError(f"theorem {theorem.key}: condition {c.text} fails with {consts}")
    d0 = float(problem.value(w0[None])[0] - problem.fstar)
    hp = {"gamma": _positive_real(theorem, "step_size", theorem.step_size, subs, consts)}
    hp |= {k: _positive_real(theorem, k, v, subs, consts, positive=False) for k, v in theorem.hyperparameters.items()}
    if opt.stochastic:
        hp["batch"] = batch
    out = {
        "theorem": theorem.key,
        "optimizer": opt.name,
        "problem": problem.name,
        "params": problem.params(),
        "measure": theorem.measure,
        "constants": {str(k): v for k, v in consts.items()},
        "hyperparameters": hp,
        "noise": None if noise is None else list(noise),
        "w0": w0.tolist(),
        "delta0": d0,
        "region": "global" if radius is None else f"ball of radius {radius:.6g} around the minimizer",
    }
    vals = {**subs, S.Delta0: sp.Float(d0, 30)}
    if theorem.measure == "mean_sq_grad":
        return out | _expectation_check(theorem, opt, problem, vals, hp, w0, noise, seeds, iters, delta, radius)
    # A deterministic promise is universal over starting points too: besides the default start, the runs start
    # along the slowest and the fastest eigendirection of the Hessian at the minimizer (at the same distance, so in
    # the same certified ball), where a rate stated slightly too fast shows first. A start given by the user is
    # the only one.
    starts = [w0] + ([] if user_w0 else _eigen_starts(problem, w0, R0))
    runs = []
    for w in starts:
        dw = float(problem.value(w[None])[0] - problem.fstar)
        r = _deterministic_check(theorem, opt, problem, {**subs, S.Delta0: sp.Float(dw, 30)}, hp, w, noise, eps, radius)
        runs.append(({"w0": w.tolist(), "delta0": dw}, r))
        if r["verdict"] == FAIL:
            break
    shown = next((x for x in runs if x[1]["verdict"] == FAIL), None) or next(
        (x for x in runs if x[1]["verdict"] == INCONCLUSIVE), runs[0]
    )
    res = dict(shown[1])
    res["starts"] = len(runs)
    if res["verdict"] == PASS and len(runs) > 1:
        res["evidence"] += (
            f"; also not refuted from {len(runs) - 1} other start(s) along the Hessian's extreme eigendirections at the "
            "minimizer (same distance)"
        )
    return out | shown[0] | res


def _positive_real(theorem, name, expr, subs, consts, positive=True) -> float:
    """A step size or hyperparameter of the theorem at the certified constants: a finite real (positive for the step
    size) that float64 can hold, else InputError naming the field and the constants (e.g. sqrt(-L), 1/(L - 5) at 5)."""
    v = sp.sympify(expr).subs(subs)
    try:
        x = complex(sp.N(v, 30))
    except (TypeError, ValueError, OverflowError):
        x = complex("nan")
    ok = x.imag == 0 and math.isfinite(x.real) and (x.real > 0 if positive else True)
    if not ok:
        want = "a positive real within float64 range" if positive else "a real within float64 range"
        shown = ", ".join(f"{k} = {v:g}" for k, v in consts.items())
        raise InputError(f"theorem {theorem.key}: {name} = {sp.sstr(v)[:80]} at {shown}: it must be {want}")
    return x.real


def _eigen_starts(problem, w0, R0):
    """w* + R0 v for the eigenvectors v of the smallest and largest eigenvalue of the Hessian at the minimizer (none
    when the problem has no Hessian), without repeating w0."""
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
    if dist.exit_t is None or res["verdict"] not in (FAIL, PASS):
        return res
    if res["verdict"] == FAIL and fail_t is not None and fail_t < dist.exit_t:
        return res  # every iterate up to the violation was in the ball
    res.update(
        verdict=INCONCLUSIVE,
        evidence=f"an iterate left the ball of radius {dist.radius:.6g} on which the constants are certified (at "
        f"t = {dist.exit_t}, max ||w_t - w*|| = {dist.max:.6g}); the {res['verdict']} would not be earned: "
        f"{res['evidence']}",
    )
    return res


def _bound_fn(theorem, vals):
    B = sp.lambdify(S.t, theorem.bound[0].subs(vals), "numpy")

    def f(t):
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(B(np.asarray(t, float)), float), np.shape(t))

    return f


def _deterministic_check(theorem, opt, problem, vals, hp, w0, noise, eps, radius):
    """The bound at every iterate, past the target eps: a claim "measured <= B(t) for every t" is held against the
    run until B(t) falls to DEEP_REL * B(0), the measure to DEEP_REL of its start, or DEEP_FACTOR x the iterations
    the run took to reach eps (at least DEEP_MIN; at most DEEP_FACTOR x T(eps) and MAX_ITERS), so a rate slightly
    too fast is not passed because the run stopped at eps before the slow mode dominated; T(eps) is held against
    the first t the run reached eps."""
    eps = DEFAULT_EPS[theorem.measure] if eps is None else eps
    if 0 not in theorem.cases:
        raise InputError(f"theorem {theorem.key} has no T(eps) (cases[0]) to check")
    B = _bound_fn(theorem, vals)
    T_bound = _first_below(B, eps, theorem.cases[0][0].T, {**vals, S.eps: eps})
    iters = int(min(T_bound + 1, MAX_ITERS)) if math.isfinite(T_bound) else MAX_ITERS
    on_grad = theorem.measure == "min_grad_norm"
    # where the run first reaches eps (a run stopped there; the T(eps) claim needs no more), so that a loose bound
    # (T_bound thousands of times t_hit) is not held over millions of iterations after eps
    first = run(problem, opt, w0, iters, [0], hp, noise=noise, n_checkpoints=1,
                **{"eps_grad" if on_grad else "eps_gap": eps})  # fmt: skip
    t_hit = int(first.hit_grad_t[0] if on_grad else first.hit_gap_t[0])
    deep = _deep_horizon(B, iters)
    if t_hit >= 0:
        deep = min(deep, max(DEEP_FACTOR * t_hit, DEEP_MIN, t_hit + 1))
    start = problem.value_and_grad(np.asarray(w0, float)[None])
    m0 = float(np.linalg.norm(start[1][0])) if on_grad else float(start[0][0] - problem.fstar)
    floor = DEEP_REL * m0 if math.isfinite(m0) and m0 > 0 else None  # below it float64 no longer resolves the measure
    tr = run(
        problem,
        opt,
        w0,
        deep,
        [0],
        hp,
        noise=noise,
        eps_gap=None if on_grad else floor,
        eps_grad=floor if on_grad else None,
        n_checkpoints=deep + 1,
        callback=(dist := Distance(problem.argmin, radius)),
    )
    stop = int(tr.stop_t[0])
    t = tr.t[: stop + 1].astype(float)
    measured = np.minimum.accumulate(tr.grad_norm[0, : stop + 1]) if on_grad else tr.gap[0, : stop + 1]
    bound = B(t)
    above = measured > bound * (1 + FLOAT_REL) + 1e-300
    reached = np.nonzero(measured <= eps)[0]
    hit = int(t[reached[0]]) if len(reached) else -1
    what = "min_{k<=t} ||grad f(x_k)||" if on_grad else "Delta_t"
    res = {
        "eps": eps,
        "T_bound": T_bound,
        "T_measured": hit if hit >= 0 else None,
        "tightness": (T_bound / hit) if hit > 0 else None,
        "iterations_run": stop,
        "measured_last": float(measured[-1]),
    }
    fail_t = None
    verdict = bound_verdict(bool(above.any()), hit >= 0, math.isfinite(T_bound) and stop >= math.ceil(T_bound))
    if above.any():
        i = int(np.argmax(above))
        fail_t = int(t[i])
        res.update(
            verdict=verdict,
            evidence=f"refuted by a run: at t = {int(t[i])}, {what} = {measured[i]:.6g} > bound {bound[i]:.6g} "
            f"({opt.name} with {_hp_text(hp)}, w0 = {_vec_text(w0)})",
            witness_run={
                "t": t[: i + 1].tolist()[-20:],
                "measured": measured[: i + 1].tolist()[-20:],
                "bound": bound[: i + 1].tolist()[-20:],
            },
        )
    elif verdict == FAIL:
        res.update(verdict=verdict, evidence=f"refuted by a run: {what} = {measured[-1]:.6g} > eps = {eps:g} at T = {stop}")
    elif verdict == INCONCLUSIVE:
        res.update(verdict=verdict, evidence=f"capped at {MAX_ITERS} iterations before T_bound = {T_bound:.3g}")
    else:
        res.update(
            verdict=verdict,
            evidence=f"not refuted on this run: {what} <= B(t) at all {stop + 1} iterates (t = 0..{stop}, down to "
            f"{what} = {measured[-1]:.3g}, past eps); eps = {eps:g} reached at t = {hit} <= T_bound = {T_bound:.4g} "
            f"(tightness T_bound / T_measured = {T_bound / max(hit, 1):.3g})",
        )
    return _left_ball(res, dist, fail_t if above.any() else None)


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


def _expectation_check(theorem, opt, problem, vals, hp, w0, noise, seeds, iters, delta, radius):
    # radius is None here (a promise in expectation binds global certificates only); the watch stays for safety
    from scipy.stats import t as student

    R = STOCHASTIC_SEEDS if seeds is None else int(seeds)
    K = STOCHASTIC_ITERS if iters is None else int(iters)
    delta = STOCHASTIC_DELTA if delta is None else float(delta)
    if R < 2:
        raise InputError(f"seeds must be >= 2 for a check in expectation, got {R}")
    if K < 1:
        raise InputError(f"iters must be >= 1, got {K}")
    need = 6 * 8 * R * (K + 1)  # the trace's per-step arrays and their working copies
    if need > memory_limit():
        raise InputError(
            f"seeds x iters must fit in memory: {R} x {K} needs ~{need / 2**30:.3g} GiB, the limit here is "
            f"{memory_limit() / 2**30:.3g} GiB; lower --seeds or --iters"
        )
    dist = Distance(problem.argmin, radius)
    tr = run(
        problem,
        opt,
        w0,
        K,
        np.arange(R),
        hp,
        noise=noise,
        stop_at_threshold=False,
        n_checkpoints=K + 1,
        callback=dist,
    )
    g2 = tr.grad_norm[:, :K] ** 2  # ||grad F(x_k)||^2, k = 0..K-1 (every step is a checkpoint)
    g2 = np.where(np.isfinite(g2), g2, np.inf)
    grid = np.unique(np.geomspace(1, K, GRID_POINTS).round().astype(int))
    A = np.cumsum(g2, axis=1)[:, grid - 1] / grid  # (R, len(grid)): A(t) per run
    Bt = _bound_fn(theorem, vals)(grid.astype(float))
    level = delta / len(grid)
    with np.errstate(invalid="ignore"):
        lcb = lower_confidence_bound(A, TRUNCATE * Bt, level)
        mean, sd = A.mean(axis=0), A.std(axis=0, ddof=1)
        ucb = mean + student.ppf(1 - level, R - 1) * sd / math.sqrt(R)
    ratio = np.where(mean > 0, Bt / mean, np.inf)
    j = int(np.argmin(ratio))
    res = {
        "runs": R,
        "iterations_run": K,
        "delta": delta,
        "grid": grid.tolist(),
        "mean": mean.tolist(),
        "lcb": lcb.tolist(),
        "ucb": ucb.tolist(),
        "bound": Bt.tolist(),
        "tightness": float(ratio[j]) if math.isfinite(ratio[j]) else None,
        "T_bound": None,
        "T_measured": None,
    }
    where = f"{opt.name} with {_hp_text(hp)}, noise {noise}, w0 = {_vec_text(w0)}, seeds 0..{R - 1}"
    bad = lcb > Bt * (1 + FLOAT_REL)
    # fail when a lower bound exceeds B(t) beyond float rounding, pass only when every upper bound is at most B(t)
    verdict = pointwise_verdict(lcb / (1 + FLOAT_REL), ucb, Bt)
    if verdict == FAIL:
        i = int(np.argmax(bad))
        res.update(
            verdict=verdict,
            evidence=f"refuted by {R} runs: at t = {grid[i]}, E[A(t)] >= {lcb[i]:.6g} (distribution-free lower bound, "
            f"confidence 1 - {delta:g} over the grid; sample mean {mean[i]:.6g}) > bound {Bt[i]:.6g} ({where})",
            witness_run={"t": grid[: i + 1].tolist(), "mean": mean[: i + 1].tolist(), "bound": Bt[: i + 1].tolist()},
        )
    elif verdict == PASS:
        res.update(
            verdict=verdict,
            evidence=f"at all {len(grid)} t of the grid 1..{K}, the Student-t upper confidence bound of E[A(t)] "
            f"(level {delta:g}) is below B(t) ({R} runs; a statistical statement); tightness min_t B(t) / mean A(t) "
            f"= {ratio[j]:.3g} at t = {grid[j]}",
        )
    else:
        undecided = ucb > Bt
        i = int(np.argmax(undecided))
        res.update(
            verdict=verdict,
            evidence=f"at {int(undecided.sum())} of the {len(grid)} t of the grid the bound B(t) lies inside the "
            f"confidence interval of E[A(t)]: first at t = {grid[i]}, B = {Bt[i]:.6g} within [{lcb[i]:.6g}, "
            f"{ucb[i]:.6g}] (sample mean {mean[i]:.6g}); more runs (--seeds) narrow it. Tightness min_t B(t) / "
            f"mean A(t) = {ratio[j]:.3g}",
        )
    return _left_ball(res, dist)


def lower_confidence_bound(A, c, level):
    """A lower bound on E[A] (per column of A, rows i.i.d., A >= 0) that holds with probability >= 1 - level for
    every distribution: E[A] >= E[min(A, c)], and min(A, c)/c lies in [0, 1], where Hoeffding's inequality and the
    empirical Bernstein bound (Maurer and Pontil 2009, Theorem 4: E Z >= mean - sqrt(2 V ln(2/d) / n)
    - 7 ln(2/d) / (3 (n - 1)) for Z in [0, 1], V the sample variance) each hold at level / 2; the larger of the two is
    taken (both hold at once with probability >= 1 - level). c must not depend on A."""
    n = A.shape[0]
    Z = np.minimum(A, c) / c
    d = level / 2
    mean = Z.mean(axis=0)
    hoeffding = mean - math.sqrt(math.log(1 / d) / (2 * n))
    bernstein = mean - np.sqrt(2 * Z.var(axis=0, ddof=1) * math.log(2 / d) / n) - 7 * math.log(2 / d) / (3 * (n - 1))
    return c * np.maximum(hoeffding, bernstein)


def _hp_text(hp):
    return ", ".join(f"{k} = {v:.6g}" if isinstance(v, float) else f"{k} = {v}" for k, v in hp.items())


def _vec_text(w):
    return "(" + ", ".join(f"{x:.6g}" for x in np.asarray(w).ravel()) + ")"


def _first_below(B, eps, T_expr, vals):
    """The smallest integer t >= 0 with B(t) <= eps: from the closed form T(eps) (which may degenerate, e.g. a
    contraction factor 0), corrected by evaluating the bound itself."""
    # the closed form in float64, its symbols as arguments (substituting floats into SymPy would evaluate a tower
    # such as exp(exp(exp(1/eps))) in arbitrary precision, for minutes); it only seeds the search
    syms = sorted(T_expr.free_symbols, key=lambda x: x.name)
    try:
        with np.errstate(all="ignore"):
            args = [complex(sp.N(vals[x], 17)) if x in vals else float("nan") for x in syms]
            guess = complex(sp.lambdify(syms, T_expr, "numpy")(*[a.real if a.imag == 0 else a for a in args]))
        t0 = max(0, math.ceil(guess.real)) if guess.imag == 0 and math.isfinite(guess.real) and guess.real < 1e15 else 0
    except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError, NameError):
        t0 = 0
    for _ in range(10_000):
        if float(B(float(t0))) > eps:
            t0 += 1
        elif t0 > 0 and float(B(float(t0 - 1))) <= eps:
            t0 -= 1
        else:
            return t0
    return math.inf


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
