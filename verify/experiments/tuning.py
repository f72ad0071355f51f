"""Runs of one method over seeds and instances, their metrics, and the step-size tuning on disjoint seeds
(a grid that extends itself until the best step is interior)."""

from dataclasses import dataclass

import numpy as np

from insgd.numerics.engine import run
from insgd.verify.experiments.configs import N_CHECKPOINTS, budget, rule

TUNING_SEED0 = 10_000  # tuning seeds start here; evaluation seeds are 0, 1, ...


@dataclass
class Runs:
    """The per-seed arrays of one batch of runs, across problem instances, in the order of the seeds given."""

    seeds: np.ndarray
    gap: np.ndarray  # (R, K) f - f* of each run's own instance at the checkpoints
    samples: np.ndarray  # (R, K)
    final_gap: np.ndarray  # (R,) at the true stopping step
    diverged: np.ndarray  # (R,)


def _runs(probs, opt, hp, cfg, seeds, w0, scale=None, key="gamma"):
    """Every (grid point, seed) pair of one method; seed s runs on instance s % len(probs) (one engine batch per
    instance), and the results come back in the order of the (tiled) seeds."""
    hp = dict(hp)
    seeds = np.asarray(seeds)
    if scale is not None:
        hp[key] = np.repeat(np.asarray(scale) * hp[key], len(seeds))
        seeds = np.tile(seeds, len(scale))
        w0 = np.tile(w0, (len(scale), 1))
    iters = -(-budget(cfg) // hp["batch"]) + 1  # enough steps of the smallest per-step draw to reach the budget
    inst = seeds % len(probs)
    parts = {}
    for i, prob in enumerate(probs):
        sel = np.nonzero(inst == i)[0]
        if len(sel) == 0:
            continue
        hp_i = {k: (v[sel] if isinstance(v, np.ndarray) else v) for k, v in hp.items()}
        tr = run(
            prob,
            opt,
            w0[sel],
            iters,
            seeds[sel],
            hp_i,
            n_checkpoints=N_CHECKPOINTS,
            max_samples=budget(cfg),
            backend=cfg.get("backend", "numpy"),
        )
        parts[i] = (sel, tr)
    K = next(iter(parts.values()))[1].gap.shape[1]
    out = Runs(seeds, np.empty((len(seeds), K)), np.empty((len(seeds), K)), np.empty(len(seeds)), np.zeros(len(seeds), bool))
    for sel, tr in parts.values():
        out.gap[sel], out.samples[sel], out.final_gap[sel], out.diverged[sel] = tr.gap, tr.samples, tr.final_gap, tr.diverged
    return out


def _log_gap(gap, floor):
    return np.log10(np.maximum(gap, floor))


def _area(tr, floor):
    """Mean of log10(f - f*) over the sample budget (trapezoid in samples, last value held to the budget)."""
    out = np.empty(len(tr.seeds))
    for i in range(len(tr.seeds)):
        if tr.diverged[i]:
            out[i] = np.inf
            continue
        x, y = tr.samples[i].astype(float), _log_gap(tr.gap[i], floor)
        out[i] = np.trapezoid(y, x) / max(x[-1] - x[0], 1.0)
    return out


def _finals(tr):
    """Final gaps with a diverged run as +inf (worse than any finite value)."""
    return np.where(tr.diverged | ~np.isfinite(tr.final_gap), np.inf, tr.final_gap)


def _metrics(tr, floor):
    """Per seed: final gap at the stopping step (+inf when diverged), best gap, log-gap area, diverged, curves."""
    return {
        "seeds": tr.seeds.tolist(),
        "final": _finals(tr).tolist(),
        "best": np.nanmin(np.where(np.isfinite(tr.gap), tr.gap, np.nan), axis=1).tolist(),
        "log_gap_area": _area(tr, floor).tolist(),
        "diverged": tr.diverged.tolist(),
        "curve_samples": tr.samples.tolist(),
        "curve_gap": tr.gap.tolist(),
    }


def samples_to(m, thr):
    """Per seed: the samples drawn when f - f* first fell to thr (-1: never)."""
    gap, smp = np.asarray(m["curve_gap"], float), np.asarray(m["curve_samples"], float)
    hit = gap <= thr
    return np.where(hit.any(axis=1), smp[np.arange(len(hit)), hit.argmax(axis=1)], -1).tolist()


CRITERIA = ("final", "area")  # tuning: the median final gap over the tuning seeds (default), or the mean log-gap area
K_RANGE, K_CAP = (-6, 3), (-18, 9)  # the step grid gamma x 2^k: the start, and how far it may extend


def _criterion(tr, floor, n_grid, n_seeds):
    fin = _finals(tr).reshape(n_grid, n_seeds)
    area = _area(tr, floor).reshape(n_grid, n_seeds)
    return {"final": np.median(fin, axis=1), "area": area.mean(axis=1)}


def _tune(probs, opt, hp, key, cfg, w0_tune, floor, criterion):
    """The step multiplier 2^k that minimizes the criterion on the tuning seeds (disjoint from the evaluation seeds).
    The grid starts at k = -6..3 and extends by 3 points at a time on the side where the best point lies, until the
    best point is interior or the cap k in [-18, 9] is reached (then at_edge says so)."""
    seeds = np.arange(TUNING_SEED0, TUNING_SEED0 + len(w0_tune))
    ks, crit = [], {"final": [], "area": []}

    def add(new):
        tr = _runs(probs, opt, hp, cfg, seeds, w0_tune, scale=[2.0**k for k in new], key=key)
        c = _criterion(tr, floor, len(new), len(seeds))
        for k, f, a in sorted(zip(new, c["final"], c["area"], strict=True)):
            ks.append(k)
            crit["final"].append(float(f))
            crit["area"].append(float(a))

    add(list(range(K_RANGE[0], K_RANGE[1] + 1)))
    while True:
        order = np.argsort(ks)
        ks_s = [ks[i] for i in order]
        vals = np.array([crit[criterion][i] for i in order])
        best = int(np.argmin(vals))
        if best == 0 and ks_s[0] > K_CAP[0] and np.isfinite(vals[best]):
            add(list(range(max(K_CAP[0], ks_s[0] - 3), ks_s[0])))
        elif best == len(ks_s) - 1 and ks_s[-1] < K_CAP[1] and np.isfinite(vals[best]):
            add(list(range(ks_s[-1] + 1, min(K_CAP[1], ks_s[-1] + 3) + 1)))
        else:
            break
    order = np.argsort(ks)
    ks = [ks[i] for i in order]
    crit = {c: [crit[c][i] for i in order] for c in crit}
    best = int(np.argmin(crit[criterion]))
    return {
        "grid": [2.0**k * float(hp[key]) for k in ks],
        "criterion": criterion,
        "final_median": crit["final"],
        "log_gap_area": crit["area"],
        "chosen": 2.0 ** ks[best] * float(hp[key]),
        "multiplier": 2.0 ** ks[best],
        "at_edge": best in (0, len(ks) - 1),
        "parameter": key,
    }


def _table_entry(probs, opt, hp, key, cfg, S, w0, w0_tune, floor, tune, criterion, memo=None):
    """Printed and (when tune) tuned metrics of one method under one reading; a configuration already computed
    under another reading (clipped SGD reads c the same way in threshold, floor and eq13) is reused."""
    ident = (opt, key, tuple(sorted((k, float(v)) for k, v in hp.items())))
    if memo is not None and ident in memo:
        return memo[ident]
    entry = {"optimizer": opt, "hyperparameters": dict(hp), "printed": _metrics(_runs(probs, opt, hp, cfg, S, w0), floor)}
    entry["rule"], entry["scale"] = rule(opt, hp)
    if tune:
        t = _tune(probs, opt, hp, key, cfg, w0_tune, floor, criterion)
        entry["tuning"] = t
        entry["tuned"] = _metrics(_runs(probs, opt, {**hp, key: t["chosen"]}, cfg, S, w0), floor)
    if memo is not None:
        memo[ident] = entry
    return entry
