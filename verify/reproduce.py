"""`insgd reproduce`: the paper's Section 4 experiments (Figure 2: phase retrieval; Figure 3: DRO) on equal terms.

* **Readings.** The paper prints one clipping constant c (45 for phase retrieval, 60 for DRO) "for both clipped SGD
  and I-NSGD". Each reading of c is a named option, applied to every method that uses it:

  | reading | clipped SGD step | I-NSGD step |
  |---|---|---|
  | literal | gamma min(1, c/(||g|| + delta)) g | gamma g / h^beta, h = max{1, c (2||g'|| + delta)} (k = c in eq. 13) |
  | threshold | gamma g / max{c, ||g|| + delta} | gamma g / max{c, 2||g'|| + delta}^beta |
  | floor | as threshold | gamma g / max{c, (2||g'|| + delta)^beta} |
  | eq13 | as threshold | eq. (13) exactly, k = (4 L1 gamma)^(1/beta), L1 ESTIMATED on the problem (see `estimate_L1`) |
  | code | gamma g / max{c^2, ||g|| + delta} | gamma g / max{c^2, 2||g'|| + delta}^beta (the public scripts square c) |

* **Distinct methods, counted once.** Each configuration's update rule is split into a structure and a step scale
  (`rule`): clipped SGD reads c the same way under threshold, floor and eq13 (one run, reused), and I-NSGD's literal
  and eq13 readings differ only by the step size when the floor never binds (c delta >= 1): once tuned they are one
  method, and the conclusion counts such a group once.
* **Equal tuning.** Every method x reading gets the same relative grid around its printed step size, gamma x 2^k
  (for eq13 the grid is over L1, since gamma cancels once h > 1), starting at k = -6..3 and extended by 3 points on
  the side of the best point until it is interior (cap k = -18..9), chosen on 5 tuning seeds disjoint from the
  evaluation seeds by one criterion: the median final gap over the tuning seeds (default; a diverged run counts as
  +inf), or the mean area under log10(f - f*) over the sample budget (`criterion="area"`); both are reported.
* **Equal budgets.** Every run may draw the samples I-NSGD draws in `iters` iterations (B' included).
* **Statistics.** 20 evaluation seeds (phase retrieval: on 3 problem instances, seed s on instance s % 3). Per
  method x reading x {printed, tuned}: the final gap at the true last iterate (the engine's stopping step; diverged:
  +inf), its median with a distribution-free 95% interval, diverged seeds, samples to 10x and 2x the lowest median
  final gap; I-NSGD against every other method by paired Wilcoxon signed-rank tests on the log final gaps (same
  seeds, same starts, same instances), Holm-adjusted. The conclusion (`conclusion()`) says "significantly lowest",
  "significantly beaten" or "tie", never more than the tests support.
* Other choices, each a parameter stated in the outputs: N(.,.) as variance or standard deviation (`scale`), the
  public scripts' halved gradient (`variant="code"`), the DRO feature pipeline, and its regularizer (`reg`: the
  smoothed one with nu = 1e-3, or the exact one by subgradient).
"""

import json
from dataclasses import dataclass

import numpy as np

from insgd.core import InputError, json_safe
from insgd.numerics import fused
from insgd.numerics.engine import run
from insgd.verify.fits import holm, median_interval, paired_comparison
from insgd.verify.outputs import atomic_dir, check_out_dir
from insgd.verify.progress import bar, stage

READINGS = ("literal", "threshold", "floor", "eq13", "code")
TUNING_SEED0 = 10_000  # tuning seeds start here; evaluation seeds are 0, 1, ...
N_CHECKPOINTS = 80


INSTANCES = 3  # phase retrieval: independent problem instances (signal, measurements, noise); seed s uses s % 3


def phase_retrieval_config(quick, scale="variance", variant="paper", instances=INSTANCES):
    from insgd.numerics.finite_sums import PhaseRetrieval

    probs = [
        PhaseRetrieval(dim=20 if quick else 100, m=300 if quick else 3000, data_seed=i, scale=scale, variant=variant)
        for i in range(instances)
    ]
    prob = probs[0]
    return probs, {
        "name": "phase_retrieval",
        "iters": 150 if quick else 1500,
        "batch": 64,
        "batch_prime": 8,
        "delta": 15.0,
        "clip": 45.0,
        "beta": 2 / 3,
        "alpha": 2 / 3,
        "gammas": {"sgd": 5e-5, "nsgd": 0.25, "clipped": 0.25, "insgd": 0.5, "momentum": 0.25, "spider": 0.25},
        "betas": [1.0, 4 / 5, 7 / 10, 2 / 3, 13 / 20],
        "batch_primes": [4, 8, 16, 32, 64],
        "w0": lambda rng, R: prob.initial_point(rng, R),
        "scale": scale,
        "variant": variant,
        "fstar_how": "estimated: the best of several long L-BFGS runs on the full objective (numerics/finite_sums.py)",
        "instances": instances,
    }


def dro_config(quick, data, pipeline="leakfree", reg="smooth"):
    from insgd.numerics.data import load_life_expectancy
    from insgd.numerics.finite_sums import DRO

    if data is None:
        raise InputError(
            "data must be given: download the WHO life-expectancy CSV (Kaggle, "
            "kumarajarshi/life-expectancy-who, file 'Life Expectancy Data.csv') and pass --data PATH"
        )
    X, y = load_life_expectancy(data, pipeline=pipeline)
    if quick:
        X, y = X[:400], y[:400]
    prob = DRO(X=X, y=y, lam=0.01, reg=reg, pipeline=pipeline)
    return [prob], {
        "name": "dro",
        "iters": 150 if quick else 1500,
        "batch": 128,
        "batch_prime": 16,
        "delta": 45.0,
        "clip": 60.0,
        "beta": 2 / 3,
        "alpha": 1.0,
        "gammas": {"sgd": 4e-5, "nsgd": 5e-2, "clipped": 0.18, "insgd": 0.28, "momentum": 5e-2, "spider": 5e-2},
        "betas": [1.0, 4 / 5, 7 / 10, 2 / 3],
        "batch_primes": [16, 32, 64, 128],
        "w0": lambda rng, R: prob.initial_point(rng, R),
        "pipeline": pipeline,
        "reg": reg if reg == "exact" else "smooth (nu = 1e-3)",
        "smoothing_bound": prob.smoothing_bound(),
        "fstar_how": "estimated: the best of several long L-BFGS runs on the full objective (numerics/finite_sums.py)",
        "instances": 1,
    }


def budget(cfg):
    """Every method may draw the samples I-NSGD draws in cfg['iters'] iterations (B' included)."""
    return cfg["iters"] * (cfg["batch"] + cfg["batch_prime"])


def hessian_norms(prob, W, seed=0, power_steps=12, h=1e-4):
    """||Hess F(w)|| at each row of W, ESTIMATED by power iteration on finite-difference Hessian-vector products
    (grad F(w + h u) - grad F(w)) / h, 12 steps from a random direction (one random direction under-estimates it)."""
    rng = np.random.default_rng(seed)
    G = prob.grad(W)
    U = rng.normal(size=W.shape)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    L = np.zeros(len(W))
    for _ in range(power_steps):
        HU = (prob.grad(W + h * U) - G) / h
        L = np.linalg.norm(HU, axis=1)
        U = HU / np.maximum(L, 1e-300)[:, None]
    return L, np.linalg.norm(G, axis=1)


def estimate_L1(prob, cfg, seed=0, n=32):
    """An ESTIMATE (not a certificate) of L1 in ||Hess F|| <= L1 (1 + ||grad F||^alpha), alpha as the paper states:
    the largest ||Hess F(w)|| / (1 + ||grad F(w)||^alpha) (hessian_norms) over n initial points and n points near
    the estimated minimizer."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([cfg["w0"](rng, n), prob.argmin + rng.normal(0, 0.3, (n, prob.dim))])
    H, G = hessian_norms(prob, W, seed)
    return float(np.max(H / (1 + G ** cfg["alpha"])))


def estimate_local_L(prob, seed=0, n=32):
    """An ESTIMATE of the smoothness constant near the minimizer (SPIDER-SFO's L): the largest ||Hess F|| over n
    points within 0.3 of the estimated minimizer in each coordinate (hessian_norms)."""
    rng = np.random.default_rng(seed)
    return float(np.max(hessian_norms(prob, prob.argmin + rng.normal(0, 0.3, (n, prob.dim)), seed)[0]))


def rule(opt, hp):
    """The update rule of a configuration, split into its structure and its step scale, so that readings that
    differ only by the step size (which tuning explores) are recognized as one method:
    clipped SGD: gamma clip g / max{clip, ||g|| + delta} -> structure (clip, delta, B), scale gamma clip;
    I-NSGD: gamma g / max{floor, (k (2||g'|| + delta))^beta} = (gamma/k^beta) g / max{floor/k^beta, (2||g'|| + delta)^beta}
    -> structure (beta, delta, B, B', threshold floor/k^beta, or none when it never binds: floor <= (k delta)^beta),
    scale gamma/k^beta (with k = (4 L1 gamma)^(1/beta), gamma/k^beta = 1/(4 L1)); others: all hyperparameters but
    gamma, scale gamma."""
    h = {k: float(v) for k, v in hp.items()}
    if opt == "clipped_sgd":
        return ("clipped_sgd", h["clip"], h["delta"], h["batch"]), h["gamma"] * h["clip"]
    if opt == "insgd":
        beta = h["beta"]
        k = (4 * h["L1"] * h["gamma"]) ** (1 / beta) if "L1" in h else h["k"]
        thr = h["floor"] / k**beta
        binds = thr > h["delta"] ** beta * (1 + 1e-12)
        return ("insgd", beta, h["delta"], h["batch"], h["batch_prime"], round(thr, 12) if binds else None), h["gamma"] / k**beta
    return (opt, *sorted((k, v) for k, v in h.items() if k != "gamma")), h.get("gamma")


def methods(cfg, reading, L1_est):
    """(label, optimizer, hyperparameters, the name of the tuned hyperparameter) for one reading of c."""
    B, Bp, d, c, beta, g = cfg["batch"], cfg["batch_prime"], cfg["delta"], cfg["clip"], cfg["beta"], cfg["gammas"]
    if reading == "literal":
        clip = {"gamma": g["clipped"], "clip": c}
        ins = {"k": c, "floor": 1.0}
    elif reading in ("threshold", "floor", "eq13"):
        clip = {"gamma": g["clipped"] / c, "clip": c}
        ins = {"threshold": {"k": 1.0, "floor": c**beta}, "floor": {"k": 1.0, "floor": c}, "eq13": {"L1": L1_est, "floor": 1.0}}[
            reading
        ]
    elif reading == "code":
        clip = {"gamma": g["clipped"] / c**2, "clip": c**2}
        ins = {"k": 1.0, "floor": c ** (2 * beta)}
    else:
        raise InputError(f"readings must be among {', '.join(READINGS)}, got {reading!r}")
    return [
        ("clipped SGD", "clipped_sgd", {**clip, "batch": B, "delta": d}, "gamma"),
        (
            "I-NSGD",
            "insgd",
            {"gamma": g["insgd"], "beta": beta, "batch": B, "batch_prime": Bp, "delta": d, **ins},
            "L1" if reading == "eq13" else "gamma",
        ),
    ]


def baselines(cfg, n_samples, local_L):
    """The methods that do not use c (one row each, independent of the reading). SPIDER-SFO in its finite-sum form
    (Fang et al. 2018, Algorithm 1 with n0 = 1): the full gradient every q = ceil(sqrt(n)) steps, recursive
    corrections on batches of ceil(sqrt(n)) samples, step min(gamma/||v||, 1/(2 L)) with L the local smoothness
    estimated near the minimizer (estimate_local_L); gamma (tuned) starts at the paper's SPIDER step."""
    B, g = cfg["batch"], cfg["gammas"]
    root = int(np.ceil(np.sqrt(n_samples)))
    return [
        ("SGD", "sgd", {"gamma": g["sgd"], "batch": B}, "gamma"),
        ("normalized SGD", "nsgd", {"gamma": g["nsgd"], "beta": 1.0, "batch": B}, "gamma"),
        ("NSGD + momentum", "nsgd_momentum", {"gamma": g["momentum"], "batch": B, "momentum": 0.9}, "gamma"),
        ("SPIDER-SFO", "spider_sfo", {"gamma": g["spider"], "batch": root, "q": root, "lr": 1 / (2 * local_L)}, "gamma"),
    ]


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


SEEDS, TUNING_SEEDS = 20, 5  # evaluation and tuning seeds of a full run


def reproduce(
    which,
    seeds=SEEDS,
    quick=False,
    out="insgd-reproduce",
    data=None,
    force=False,
    scale="variance",
    variant="paper",
    readings=READINGS,
    pipeline="leakfree",
    reg="smooth",
    tune=True,
    tuning_seeds=TUNING_SEEDS,
    criterion="final",
    progress=True,
    backend=None,
):
    """backend: the engine's compute backend for every run (numerics/fused.py; None: numba when installed)."""
    backend = fused.resolve(backend)
    if seeds < 1:
        raise InputError(f"seeds must be >= 1, got {seeds}")
    if tuning_seeds < 1:
        raise InputError(f"tuning-seeds must be >= 1, got {tuning_seeds}")
    if which not in ("phase-retrieval", "dro"):
        raise InputError(f"experiment must be phase-retrieval or dro, got {which!r}")
    readings = tuple(readings)
    bad = [r for r in readings if r not in READINGS]
    if bad or not readings:
        raise InputError(f"readings must be a non-empty list among {', '.join(READINGS)}, got {bad[0] if bad else 'none'!r}")
    if reg not in ("smooth", "exact"):
        raise InputError(f"reg must be 'smooth' or 'exact', got {reg!r}")
    if criterion not in CRITERIA:
        raise InputError(f"criterion must be one of {', '.join(CRITERIA)}, got {criterion!r}")
    check_out_dir(out, force)  # refuse a bad output folder before any work
    if which == "phase-retrieval":
        probs, cfg = phase_retrieval_config(quick, scale, variant)
    else:
        probs, cfg = dro_config(quick, data, pipeline, reg)
    cfg["backend"] = backend
    with atomic_dir(out, force) as tmp:
        return _reproduce(which, probs, cfg, seeds, quick, tmp, progress, readings, tune, tuning_seeds, criterion)


def _reproduce(which, probs, cfg, seeds, quick, out, progress, readings, tune, tuning_seeds, criterion):
    S = np.arange(seeds)
    w0 = np.concatenate([cfg["w0"](np.random.default_rng(int(s)), 1) for s in S])
    w0_tune = np.concatenate([cfg["w0"](np.random.default_rng(TUNING_SEED0 + i), 1) for i in range(tuning_seeds)])
    gap0 = float(
        np.median(
            [probs[int(s) % len(probs)].value(w0[i : i + 1])[0] - probs[int(s) % len(probs)].fstar for i, s in enumerate(S)]
        )
    )
    floor = 1e-12 * max(max(abs(p.fstar) for p in probs), 1.0)  # f* is estimated: gaps below this are not resolved
    L1_est = estimate_L1(probs[0], cfg)
    local_L = estimate_local_L(probs[0])
    jobs = [(label, "all readings", opt, hp, key) for label, opt, hp, key in baselines(cfg, probs[0].n_samples, local_L)]
    jobs += [(label, r, opt, hp, key) for r in readings for label, opt, hp, key in methods(cfg, r, L1_est)]
    table, memo = {}, {}
    desc = f"[{which}] methods x readings" + (f" (step grids x {tuning_seeds} tuning seeds each)" if tune else "")
    for label, reading, opt, hp, key in bar(jobs, len(jobs), desc, not progress, "runs"):
        table.setdefault(label, {})[reading] = _table_entry(
            probs, opt, hp, key, cfg, S, w0, w0_tune, floor, tune, criterion, memo
        )
    ins_hp = methods(cfg, "literal", L1_est)[1][2]
    stage(f"[{which}] I-NSGD over beta and over B' (printed hyperparameters, literal reading)", not progress)
    beta_panel = {
        f"beta={b:.3g}": _metrics(_runs(probs, "insgd", {**ins_hp, "beta": b}, cfg, S, w0), floor) for b in cfg["betas"]
    }
    bp_panel = {
        f"B'={bp}": _metrics(_runs(probs, "insgd", {**ins_hp, "batch_prime": bp}, cfg, S, w0), floor)
        for bp in cfg["batch_primes"]
    }
    res = {
        "experiment": which,
        "quick": quick,
        "seeds": S.tolist(),
        "tuning_seeds": list(range(TUNING_SEED0, TUNING_SEED0 + tuning_seeds)),
        "instances": len(probs),
        "fstar": [p.fstar for p in probs],
        "fstar_how": cfg["fstar_how"],
        "budget": budget(cfg),
        "gap0": gap0,
        "L1_estimate": L1_est,
        "L1_how": "ESTIMATED: power iteration on finite-difference Hessian-vector products (estimate_L1)",
        "local_L_estimate": local_L,
        "criterion": criterion,
        "config": {k: v for k, v in cfg.items() if k != "w0"},
        "readings": list(readings),
        "table": table,
        "panels": {"beta": beta_panel, "batch_prime": bp_panel},
    }
    res["conclusion"] = conclusion(res)
    res["summary"] = _summary_markdown(res)
    _plot(res, out / f"{which}.png")
    (out / f"{which}.json").write_text(json.dumps(json_safe(_strip_curves(res)), indent=2, allow_nan=False))
    (out / f"{which}.md").write_text(res["summary"])
    return res


def _strip_curves(res):
    """The JSON file: every number of the table, without the per-checkpoint curves (those are in the figure)."""

    def strip(m):
        return {k: v for k, v in m.items() if not k.startswith("curve_")}

    table = {
        lab: {
            r: {**e, "printed": strip(e["printed"]), **({"tuned": strip(e["tuned"])} if "tuned" in e else {})}
            for r, e in rows.items()
        }
        for lab, rows in res["table"].items()
    }
    panels = {p: {k: strip(v) for k, v in d.items()} for p, d in res["panels"].items()}
    first = res["readings"][0]
    results = {  # the keys of earlier versions: final / best / diverged per method (printed, first reading) and panel
        "methods": {
            lab: {k: by.get(first, by.get("all readings"))["printed"][k] for k in ("final", "best", "diverged")}
            for lab, by in res["table"].items()
        },
        **{p: {k: {x: v[x] for x in ("final", "best", "diverged")} for k, v in d.items()} for p, d in res["panels"].items()},
    }
    tuning = {lab: {r: e["tuning"] for r, e in by.items() if "tuning" in e} for lab, by in res["table"].items()}
    return {
        **{k: v for k, v in res.items() if k not in ("table", "panels", "summary")},
        "table": table,
        "panels": panels,
        "results": results,
        "tuning": tuning,
        "summary": res["summary"],
    }


ALPHA = 0.05  # family-wise level of the paired comparisons (Holm within each reading and setting)


def _median(xs):
    xs = np.asarray([x for x in xs if x is not None], float)
    return float(np.median(xs)) if len(xs) else float("inf")


def _entry(res, label, reading):
    by = res["table"][label]
    return by.get(reading, by.get("all readings"))


def _to(m, thr):
    """Median samples to reach thr over seeds, counting a method only if most seeds reach it (else inf)."""
    hits = [x for x in samples_to(m, thr) if x >= 0]
    return float(np.median(hits)) if len(hits) > len(m["final"]) / 2 else float("inf")


def _compare(res, reading, setting):
    """Per method: median final gap with a distribution-free 95% interval, diverged seeds; I-NSGD against every
    other method by a paired Wilcoxon signed-rank test on log final gaps (same seeds), Holm-adjusted; samples to
    10x and 2x the lowest median final gap."""
    rows = {}
    for label in res["table"]:
        e = _entry(res, label, reading)
        if e is None or setting not in e:
            continue
        m = e[setting]
        fin = np.asarray(m["final"], float)
        rows[label] = {"median": float(np.median(fin)), "ci": list(median_interval(fin)), "diverged": int(np.sum(m["diverged"]))}
    if "I-NSGD" not in rows:
        return None
    best = min(rows, key=lambda k: rows[k]["median"])
    ref = rows[best]["median"]
    for label in rows:
        m = _entry(res, label, reading)[setting]
        rows[label]["to_10x_best"] = _to(m, 10 * ref) if np.isfinite(ref) else float("inf")
        rows[label]["to_2x_best"] = _to(m, 2 * ref) if np.isfinite(ref) else float("inf")
    mine = _entry(res, "I-NSGD", reading)[setting]["final"]
    others = [k for k in rows if k != "I-NSGD"]
    comps = {k: paired_comparison(mine, _entry(res, k, reading)[setting]["final"]) for k in others}
    for (k, c), p in zip(comps.items(), holm([c["p"] for c in comps.values()]), strict=True):
        c["p_holm"] = p
        rows[k]["vs_insgd"] = c
    lower = [k for k, c in comps.items() if c["p_holm"] < ALPHA and c["median_log10_ratio"] < 0]
    higher = [k for k, c in comps.items() if c["p_holm"] < ALPHA and c["median_log10_ratio"] > 0]
    status = "lowest" if others and len(lower) == len(others) else "beaten" if higher else "tie"
    return {"rows": rows, "lowest_median": best, "insgd": status, "insgd_beaten_by": higher}


def conclusion(res) -> dict:
    """Rules over the table (never typed): per reading and setting, whether I-NSGD's final gap is significantly the
    lowest (paired tests against every other method, Holm-adjusted, level 0.05), significantly beaten by some
    method, or tied; readings whose I-NSGD update rule differs only by the step size are one method once tuned and
    are counted once; tuned steps that diverge on evaluation seeds and tuning at the grid's cap are reported."""
    readings = res["readings"]
    groups = {}
    for r in readings:
        groups.setdefault(repr(_entry(res, "I-NSGD", r)["rule"]), []).append(r)
    out = {"by_reading": {}, "insgd_rule_groups": list(groups.values())}
    for reading in readings:
        out["by_reading"][reading] = {s: c for s in ("printed", "tuned") if (c := _compare(res, reading, s)) is not None}
    n = len(res["seeds"])
    sentences = [
        f"Final gaps over {n} evaluation seed{'s' if n != 1 else ''}"
        + (f" on {res['instances']} problem instances" if res.get("instances", 1) > 1 else "")
        + (" of a quick (smoke-test) run" if res["quick"] else "")
        + f"; I-NSGD against every other method by paired Wilcoxon tests (Holm, level {ALPHA:g}); 'tie' when no "
        "difference is significant."
    ]
    merged = [g for g in groups.values() if len(g) > 1]
    if merged:
        sentences.append(
            "Readings whose I-NSGD update rules are one family up to the step scale: "
            + "; ".join(" = ".join(g) for g in merged)
            + " (each tuned on its own step grid, so their tuned numbers differ; counted once in the tuned tally when "
            "their verdicts agree, as mixed when not)."
        )
    for setting in ("printed", "tuned"):
        units = [[r] for r in readings] if setting == "printed" else list(groups.values())
        status = []
        for unit in units:
            st = {out["by_reading"][r][setting]["insgd"] for r in unit if setting in out["by_reading"][r]}
            if st:
                status.append((unit, st.pop() if len(st) == 1 else "mixed"))
        if not status:
            continue
        count = {k: [" = ".join(u) for u, s_ in status if s_ == k] for k in ("lowest", "beaten", "tie", "mixed")}
        beaters = sorted(
            {b for r in readings if setting in out["by_reading"][r] for b in out["by_reading"][r][setting]["insgd_beaten_by"]}
        )
        what = "readings" if setting == "printed" else "distinct tuned methods"
        sentences.append(
            f"With {'the printed' if setting == 'printed' else 'equally tuned'} hyperparameters ({len(status)} {what}), "
            f"I-NSGD is significantly lowest under {len(count['lowest'])} ({', '.join(count['lowest']) or 'none'}), "
            f"significantly beaten under {len(count['beaten'])} ({', '.join(count['beaten']) or 'none'}"
            + (f"; by {', '.join(beaters)}" if beaters else "")
            + f"), tied under {len(count['tie'])}"
            + (f", mixed under {len(count['mixed'])}" if count["mixed"] else "")
            + "."
        )
    for setting, what in (("printed", "Printed hyperparameters"), ("tuned", "Tuned steps")):
        div = [
            f"{lab} ({r}, {int(np.sum(e[setting]['diverged']))}/{n})"
            for lab, by in res["table"].items()
            for r, e in by.items()
            if setting in e and np.any(e[setting]["diverged"])
        ]
        if div:  # a diverged run's final gap is huge: a comparison it wins or loses says only that it diverged
            sentences.append(f"{what} that diverged on evaluation seeds: " + ", ".join(div) + ".")
    edges = [f"{lab} ({r})" for lab, by in res["table"].items() for r, e in by.items() if e.get("tuning", {}).get("at_edge")]
    if edges:
        sentences.append("Tuned at the capped edge of the step grid (2^-18..2^9 x printed): " + ", ".join(edges) + ".")
    beta = {k: _median(v["final"]) for k, v in res["panels"]["beta"].items()}
    bp = {k: _median(v["final"]) for k, v in res["panels"]["batch_prime"].items()}
    best_beta, best_bp = min(beta, key=beta.get), min(bp, key=bp.get)
    sentences.append(
        f"Over beta (printed setting, literal reading), {best_beta} has the lowest median final gap (the paper uses "
        f"beta = 2/3); over B', {best_bp} (medians only, neither tested)."
    )
    out["best_beta"], out["best_batch_prime"] = best_beta, best_bp
    out["sentence"] = " ".join(sentences)
    return out


def _g(x, n=3):
    if x is None:
        return "-"
    return ("inf" if x > 0 else "-inf") if isinstance(x, float) and np.isinf(x) else f"{x:.{n}g}"


def _summary_markdown(res):
    cfg = res["config"]
    lines = [
        f"# Reproduction: {res['experiment']} ({'quick' if res['quick'] else 'full'}, {len(res['seeds'])} "
        f"evaluation seeds, {len(res['tuning_seeds'])} tuning seeds, {res['instances']} problem instance(s))",
        "",
        f"Budget {res['budget']} samples per run (B' included). f* = {', '.join(_g(f, 6) for f in res['fstar'])} "
        f"({res['fstar_how']}). Final gap f - f* at the true last iterate (diverged: inf); median with a "
        "distribution-free 95% interval over seeds. Tuning: the step multiplier 2^k minimizing the "
        f"{'median final gap' if res['criterion'] == 'final' else 'mean log-gap area'} over the tuning seeds (both "
        f"criteria are in the JSON), k from -6..3 extended until interior or the cap -18..9. L1 for reading eq13: "
        f"{res['L1_estimate']:.4g} ({res['L1_how']}). p: paired Wilcoxon of I-NSGD against the method, Holm-adjusted "
        "within the reading and setting; samples to 10x / 2x the lowest median final gap of that reading and setting.",
        "",
        "| method | reading | setting | step / L1 | median final gap [95% CI] | diverged | to 10x best | to 2x best | "
        "I-NSGD vs it: log10 ratio, p |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for reading in res["readings"]:
        for setting in ("printed", "tuned"):
            c = res["conclusion"]["by_reading"][reading].get(setting)
            if c is None:
                continue
            for label, row in c["rows"].items():
                e = _entry(res, label, reading)
                key = e.get("tuning", {}).get("parameter", "gamma")
                val = e["tuning"]["chosen"] if setting == "tuned" else e["hyperparameters"].get(key)
                edge = " (cap)" if setting == "tuned" and e["tuning"]["at_edge"] else ""
                vs = row.get("vs_insgd")
                lines.append(
                    f"| {label} | {reading} | {setting} | {key} = {_g(val)}{edge} | {_g(row['median'])} "
                    f"[{_g(row['ci'][0])}, {_g(row['ci'][1])}] | {row['diverged']} | {_g(row['to_10x_best'])} | "
                    f"{_g(row['to_2x_best'])} | "
                    + ("-" if vs is None else f"{vs['median_log10_ratio']:+.2f}, p = {vs['p_holm']:.2g}")
                    + " |"
                )
    lines += [
        "",
        "**Conclusion (computed):** " + res["conclusion"]["sentence"],
        "",
        f"Choices: readings {', '.join(res['readings'])} (formulas in verify/reproduce.py and the README); c = "
        f"{cfg['clip']:g}, delta = {cfg['delta']:g}, B = {cfg['batch']}, B' = {cfg['batch_prime']}, beta = {cfg['beta']:.3g}"
        + (f"; N(.,.) as {cfg['scale']}; variant {cfg['variant']}" if "scale" in cfg else "")
        + (f"; features {cfg['pipeline']}; regularizer {cfg['reg']}" if "reg" in cfg else "")
        + ".",
    ]
    if cfg.get("smoothing_bound"):
        lines += [
            "",
            f"Smoothing: the smoothed regularizer lowers the optimal value by at most {cfg['smoothing_bound']:.3g} "
            "(0 <= f*_exact - f*_smooth, DRO.smoothing_bound): final gaps of that size or below do not separate the "
            "methods on the exact objective (--reg exact runs it).",
        ]
    return "\n".join(lines) + "\n"


def _plot(res, path):
    """One panel per reading (f - f* against samples, log scale, median and min-max over seeds, printed solid and
    tuned dashed), then I-NSGD over beta and over B'."""
    from insgd.verify.figures import figure, legend, save

    panels = [
        ("reading: " + r, {lab: by.get(r, by.get("all readings")) for lab, by in res["table"].items()}) for r in res["readings"]
    ]
    n = len(panels) + 2
    cols = 3
    rows = (n + cols - 1) // cols
    fig, axes = figure(rows, cols, width=5.2 * cols, height=4.0 * rows, squeeze=False)
    axes = axes.ravel()
    colors, lims = {}, {}

    def draw(ax, label, m, style):
        """Median and min-max over the seeds that did not diverge (a diverged run is marked in the label, never
        drawn: its values would set the axis to 1e200 and flatten every other curve)."""
        ok = ~np.asarray(m["diverged"], bool)
        c = colors.setdefault(label, f"C{len(colors) % 10}")
        n_div = int((~ok).sum())
        lab = f"{label} ({'tuned' if style == '--' else 'printed'})" + (f", {n_div} diverged" if n_div else "")
        if not ok.any():
            ax.plot([], [], style, color=c, label=lab + " (all)")
            return
        x = np.median(np.array(m["curve_samples"], float)[ok], axis=0)
        y = np.array(m["curve_gap"], float)[ok]
        y = np.where(np.isfinite(y) & (y > 0), y, np.nan)
        ax.plot(x, np.nanmedian(y, axis=0), style, color=c, label=lab)
        ax.fill_between(x, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=c, alpha=0.12)
        finite = y[np.isfinite(y)]
        if finite.size:
            lims.setdefault(ax, []).extend([float(finite.min()), float(np.nanmax(y[:, 0]))])

    for ax, (title, entries) in zip(axes, panels, strict=False):
        for label, e in entries.items():
            if e is None:
                continue
            draw(ax, label, e["printed"], "-")
            if "tuned" in e:
                draw(ax, label, e["tuned"], "--")
        ax.set(yscale="log", xlabel="samples drawn (B' included)", ylabel="f - f*", title=title)
    for ax, (name, panel) in zip(
        axes[len(panels) :],
        (("I-NSGD over beta", res["panels"]["beta"]), ("I-NSGD over B'", res["panels"]["batch_prime"])),
        strict=False,
    ):
        for label, m in panel.items():
            draw(ax, label, m, "-")
        ax.set(yscale="log", xlabel="samples drawn (B' included)", ylabel="f - f*", title=name + " (printed, literal)")
        legend(ax)
    for ax, v in lims.items():  # from the non-diverged curves: the smallest gap reached to the largest start
        ax.set_ylim(max(min(v) / 2, 1e-300), max(v) * 2)
    for ax in axes[n:]:
        ax.set_visible(False)
    # one legend for every reading panel (same colors and styles everywhere), where it hides no curve
    handles, labels = axes[0].get_legend_handles_labels()
    pairs = sorted(zip(labels, handles, strict=True))
    if n < len(axes):
        spare = axes[n]
        spare.set_visible(True)
        spare.axis("off")
        spare.legend([h for _, h in pairs], [lab for lab, _ in pairs], loc="center", fontsize=10, title="methods")
    else:
        fig.legend([h for _, h in pairs], [lab for lab, _ in pairs], loc="outside lower center", ncols=4, fontsize=9)
    fig.suptitle(
        f"{res['experiment']}: f - f* (f* {res['fstar_how'].split(':')[0]}); median and min-max over the non-diverged of "
        f"{len(res['seeds'])} seeds ({res['instances']} instance(s)); solid printed, dashed tuned",
        fontsize=10,
    )
    save(fig, path)
