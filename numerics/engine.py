"""The batched engine: R runs advance together, one NumPy operation per step; runs are data (Trace).

The engine is generic over optimizers (`insgd.numerics.optimizers`: init/update pairs) and knows none by name.
`run(...)` never prints. Metrics (f - f*, ||grad F||, samples) are recorded at geometrically spaced checkpoints
plus the last iteration; thresholds (f - f* <= eps_gap, ||grad F|| <= eps_grad) are checked at every step when
requested, and their first hitting times are recorded per run. A run stops when it meets a requested threshold (if
stop_at_threshold), exhausts its sample budget, diverges (a non-finite iterate, value or gradient: float64
overflow) or reaches iters; its final iterate, value, gradient norm and samples are those at its stopping step
(`stop_t`), and every later checkpoint holds them (finished runs are frozen by a mask).

One record, `RunSpec`, describes a run for the CLI, sweeps, traces (`Trace.config`) and tests.
"""

import sys

import numpy as np

from insgd.core import InputError
from insgd.numerics import fused
from insgd.numerics.arrays import row_norm, where_runs
from insgd.numerics.optimizers import get_optimizer
from insgd.numerics.oracles import Keys, make_oracle
from insgd.numerics.runs import Recorder, RunSpec, Trace, largest_batch, validate_run

MAX_STORED_W0 = 10_000  # numbers of w0 kept in a trace's config (a larger w0 is summarized)


def execute(spec: RunSpec, quiet=True, n_checkpoints=40, backend=None) -> Trace:
    """Run a validated RunSpec (a top-level function, so that process pools and Dask can ship it)."""
    prob, W0 = spec.build()
    return run(
        prob,
        spec.optimizer,
        W0,
        spec.iters,
        np.asarray(spec.seeds),
        spec.hp,
        noise=spec.noise,
        eps_gap=spec.eps_gap,
        eps_grad=spec.eps_grad,
        max_samples=spec.max_samples,
        stop_at_threshold=spec.stop_at_threshold,
        replace=spec.replace,
        quiet=quiet,
        n_checkpoints=n_checkpoints,
        backend=backend,
    )


def _progress(total, quiet):
    if quiet or not sys.stderr.isatty():
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, file=sys.stderr, leave=False, unit="it")


def run(
    problem,
    optimizer,
    w0,
    iters,
    seeds,
    hp=None,
    *,
    noise=None,
    eps_gap=None,
    eps_grad=None,
    max_samples=None,
    stop_at_threshold=True,
    replace=True,
    n_checkpoints=40,
    quiet=True,
    callback=None,
    backend=None,
) -> Trace:
    """Run optimizer on problem for R = len(seeds) runs from w0 (shape (R, d) or (d,)); return a Trace.

    hp: hyperparameters, each a scalar or one value per run. noise: (tau1, tau2) wraps a deterministic problem in
    the synthetic oracle. callback(t, W, active) is called at every step t (the last one included, after the runs
    that end there are marked inactive) and may return True to stop all runs (they end at step t).
    backend: "numpy" (the reference), "numba" (fused minibatch gradients of the finite sums, and their stochastic
    optimizers' whole step loop: fused.StepLoop; numerics/fused.py) or None (numba when installed); the seed gives
    the same draws on both, the numbers agree to rounding.
    """
    backend = fused.resolve(backend)
    opt = get_optimizer(optimizer) if isinstance(optimizer, str) else optimizer
    seeds, iters, W0, hp = validate_run(problem, opt, w0, iters, seeds, hp, eps_gap, eps_grad, max_samples, n_checkpoints)
    R = len(seeds)
    oracle = make_oracle(problem, noise=noise, replace=replace, backend=backend)
    if opt.stochastic and noise is None and problem.n_samples is None:
        raise InputError(
            f"optimizer {opt.name} needs a stochastic oracle: problem {problem.name} is not a finite sum; "
            "give noise (--noise TAU1,TAU2)"
        )
    keys = Keys(seeds)
    rec = Recorder(R, iters, n_checkpoints, eps_gap, eps_grad)
    is_ck, every_step = rec.is_ck, rec.every_step
    diverged, active = np.zeros(R, bool), np.ones(R, bool)
    samples = np.zeros(R, np.int64)
    loop = fused.step_loop(problem, opt, oracle, keys, hp)
    value_and_grad = problem.value_and_grad if loop is None else loop.value_and_grad
    look = every_step or callback is not None  # something looks at every step
    W, W_prev = W0, W0
    state = opt.init(W0, hp)
    cur = {"t": -1, "f": None, "n": None}  # metrics of the current iterates, and the step they belong to
    bar = _progress(iters, quiet)

    def measure(t):
        """f - f* and ||grad F|| at the current iterates (once per step); an iterate where they overflow has
        diverged: it is replaced by the previous one, which ends that run at step t - 1."""
        nonlocal W
        if cur["t"] == t:
            return
        f, G = value_and_grad(W)
        f, n = f - problem.fstar, row_norm(G)
        bad = active & ~(np.isfinite(f) & np.isfinite(n))
        if bad.any():
            W = np.where(bad[:, None], W_prev, W)
            f, G = value_and_grad(W)
            f, n = f - problem.fstar, row_norm(G)
            diverged[bad], active[bad] = True, False
            rec.finish(bad, max(t - 1, 0), f, n, prev_samples)
        oracle.remember(W, G)
        cur.update(t=t, f=f, n=n)

    def finish(mask, t):
        measure(t)
        mask = mask & active
        rec.finish(mask, t, cur["f"], cur["n"], samples)
        active[mask] = False

    prev_samples = samples
    with np.errstate(all="ignore"), fused.threads_for(oracle.backend_used, R * largest_batch(hp) * problem.dim):
        t = 0
        while True:  # t <= iters: every run finishes at t = iters
            if every_step or is_ck[t]:
                measure(t)
                rec.hits(t, cur["f"], cur["n"], active)
            done = rec.reached() if stop_at_threshold else np.zeros(R, bool)
            if max_samples is not None:
                done |= samples >= max_samples
            if t == iters:
                done[:] = True
            if (done & active).any():
                finish(done, t)
            if is_ck[t]:
                measure(t)
                rec.checkpoint(active, cur["f"], cur["n"], samples)
            if callback is not None and callback(t, W, active) and active.any():  # it sees the last iterates too
                finish(active.copy(), t)
                break
            if not active.any():
                break
            if loop is None:
                updates, new_state, cost = opt.update(W, state, t, oracle, keys, hp)
                W_new, n = W - updates, 1
            else:  # steps t .. t + n - 1 in one compiled call: up to the next checkpoint, or one if every step is looked at
                W_new, new_state, cost, n, W_last, last_samples = loop.advance(
                    W, state, samples, active, t, 1 if look else rec.next_checkpoint() - t, max_samples
                )
            blow = active & ~np.isfinite(W_new).all(axis=1)
            if blow.any():  # the step from w_t overflowed: the run ends at w_t
                finish(blow, t)
                diverged[blow] = True
            W_prev, prev_samples = (W, samples) if n == 1 else (W_last, last_samples)
            if active.all():  # fast path: no masking while every run is still going
                W, state, samples = W_new, new_state, samples + cost
            else:
                W = np.where(active[:, None], W_new, W)
                state = where_runs(active, new_state, state)
                samples = samples + np.where(active, cost, 0)
            t += n
            if bar is not None and t // 100 > (t - n) // 100:
                bar.update(min(t, iters) - bar.n)
    if bar is not None:
        bar.close()
    rec.close()
    W0_stored = (
        W0[0].tolist()
        if (W0 == W0[:1]).all() and W0.shape[1] <= MAX_STORED_W0
        else (W0.tolist() if W0.size <= MAX_STORED_W0 else None)
    )
    spec = RunSpec(
        problem=problem.name,
        optimizer=opt.name,
        iters=iters,
        seeds=tuple(int(s) for s in seeds),
        hp={k: np.asarray(v).tolist() for k, v in hp.items()},
        params=problem.params(),
        w0=W0_stored,
        noise=None if noise is None else tuple(map(float, noise)),
        eps_gap=None if eps_gap is None else np.asarray(eps_gap).tolist(),
        eps_grad=None if eps_grad is None else np.asarray(eps_grad).tolist(),
        max_samples=max_samples,
        stop_at_threshold=stop_at_threshold,
        replace=replace,
    )
    # the optimizer's per-run counters (1-D state such as I-NSGD's h_active); vectors such as momentum are not kept
    final_state = {k: v for k, v in state.items() if np.ndim(v) == 1 and len(v) == R} if isinstance(state, dict) else {}
    return Trace(
        t=rec.t,
        gap=rec.gap,
        grad_norm=rec.gnorm,
        samples=rec.samp,
        stop_t=rec.stop_t,
        hit_gap_t=rec.hit_gap,
        hit_grad_t=rec.hit_grad,
        diverged=diverged,
        w_final=W.copy(),
        seeds=seeds,
        final_gap=rec.fin_gap,
        final_grad_norm=rec.fin_grad,
        final_samples=rec.fin_samples,
        final_state=final_state,
        config=spec.to_dict(),
        backend=oracle.backend_used,
    )
