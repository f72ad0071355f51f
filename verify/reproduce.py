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

* **Equal tuning.** Every method x reading gets the same relative grid around its printed step size, gamma x 2^k,
  k = -6..3 (for eq13 the grid is over L1, since gamma cancels once h > 1), chosen on tuning seeds disjoint from the
  evaluation seeds by one criterion: the mean area under log10(f - f*) over the sample budget (lower is better; a
  diverged run counts as +inf). Printed and tuned results are both reported; a choice at the edge of the grid is
  flagged.
* **Equal budgets.** Every run may draw the samples I-NSGD draws in `iters` iterations (B' included).
* **Metrics** per method x reading x {printed, tuned}: final gap at the true last iterate (the engine's stopping
  step), best gap, samples to reach three gap thresholds, the log-gap area, median and spread over evaluation
  seeds, diverged seeds. The conclusion is generated from the table by `conclusion()`.
* Other choices, each a parameter stated in the outputs: N(.,.) as variance or standard deviation (`scale`), the
  public scripts' halved gradient (`variant="code"`), the DRO feature pipeline, and its regularizer (`reg`: the
  smoothed one with nu = 1e-3, or the exact one by subgradient).
"""

import json

import numpy as np

from insgd.core import InputError, json_safe
from insgd.numerics.engine import run
from insgd.verify.outputs import atomic_dir, check_out_dir
from insgd.verify.progress import bar, stage

READINGS = ("literal", "threshold", "floor", "eq13", "code")
GRID = tuple(2.0**k for k in range(-6, 4))
TUNING_SEED0 = 10_000  # tuning seeds start here; evaluation seeds are 0, 1, ...
N_CHECKPOINTS = 80


def phase_retrieval_config(quick, scale="variance", variant="paper"):
    from insgd.numerics.finite_sums import PhaseRetrieval

    prob = PhaseRetrieval(dim=20 if quick else 100, m=300 if quick else 3000, data_seed=0, scale=scale, variant=variant)
    return prob, {
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
    return prob, {
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
        "fstar_how": "estimated: the best of several long L-BFGS runs on the full objective (numerics/finite_sums.py)",
    }


def budget(cfg):
    """Every method may draw the samples I-NSGD draws in cfg['iters'] iterations (B' included)."""
    return cfg["iters"] * (cfg["batch"] + cfg["batch_prime"])


def estimate_L1(prob, cfg, seed=0, n=64):
    """An ESTIMATE (not a certificate) of L1 in ||Hess F|| <= L1 (1 + ||grad F||^alpha), alpha as the paper states:
    the largest ratio of a finite-difference local smoothness ||grad F(w + h u) - grad F(w)|| / h (random unit u,
    h = 1e-4) to 1 + ||grad F(w)||^alpha over n initial points and n points near the estimated minimizer."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([cfg["w0"](rng, n), prob.argmin + rng.normal(0, 0.3, (n, prob.dim))])
    G = prob.grad(W)
    U = rng.normal(size=W.shape)
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    h = 1e-4
    L = np.linalg.norm(prob.grad(W + h * U) - G, axis=1) / h
    return float(np.max(L / (1 + np.linalg.norm(G, axis=1) ** cfg["alpha"])))


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


def baselines(cfg):
    """The methods that do not use c (one row each, independent of the reading)."""
    B, g = cfg["batch"], cfg["gammas"]
    return [
        ("SGD", "sgd", {"gamma": g["sgd"], "batch": B}, "gamma"),
        ("normalized SGD", "nsgd", {"gamma": g["nsgd"], "beta": 1.0, "batch": B}, "gamma"),
        ("NSGD + momentum", "nsgd_momentum", {"gamma": g["momentum"], "batch": B, "momentum": 0.9}, "gamma"),
        ("SPIDER", "spider", {"gamma": g["spider"], "batch": B, "batch0": 10 * B, "q": 20}, "gamma"),
    ]


def _runs(prob, opt, hp, cfg, seeds, w0, scale=None, key="gamma"):
    """One batch: every (grid point, seed) pair of one method; returns the trace."""
    S = len(seeds)
    hp = dict(hp)
    if scale is not None:
        hp[key] = np.repeat(np.asarray(scale) * hp[key], S)
        seeds = np.tile(seeds, len(scale))
        w0 = np.tile(w0, (len(scale), 1))
    iters = -(-budget(cfg) // hp["batch"]) + 1  # enough steps of the smallest per-step draw to reach the budget
    return run(prob, opt, w0, iters, seeds, hp, n_checkpoints=N_CHECKPOINTS, max_samples=budget(cfg))


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


def _metrics(tr, thresholds, floor):
    """Per seed: final gap at the stopping step, best gap, samples to each threshold, log-gap area, diverged."""
    reach = []
    for thr in thresholds:
        hit = tr.gap <= thr
        first = np.where(hit.any(axis=1), tr.samples[np.arange(len(hit)), hit.argmax(axis=1)], -1)
        reach.append(first.tolist())
    return {
        "final": tr.final_gap.tolist(),
        "best": np.nanmin(np.where(np.isfinite(tr.gap), tr.gap, np.nan), axis=1).tolist(),
        "samples_to": {f"{thr:.3g}": r for thr, r in zip(thresholds, reach, strict=True)},
        "log_gap_area": _area(tr, floor).tolist(),
        "diverged": tr.diverged.tolist(),
        "curve_samples": tr.samples.tolist(),
        "curve_gap": tr.gap.tolist(),
    }


def _tune(prob, opt, hp, key, cfg, w0_tune, floor):
    seeds = np.arange(TUNING_SEED0, TUNING_SEED0 + len(w0_tune))
    tr = _runs(prob, opt, hp, cfg, seeds, w0_tune, scale=GRID, key=key)
    area = _area(tr, floor).reshape(len(GRID), len(seeds)).mean(axis=1)
    best = int(np.argmin(area))
    return {
        "grid": [g * float(hp[key]) for g in GRID],
        "criterion": area.tolist(),
        "chosen": GRID[best] * float(hp[key]),
        "multiplier": GRID[best],
        "at_edge": best in (0, len(GRID) - 1),
        "parameter": key,
    }


def _table_entry(prob, opt, hp, key, cfg, S, w0, w0_tune, thresholds, floor, tune, memo=None):
    """Printed and (when tune) tuned metrics of one method under one reading; a configuration already computed
    under another reading (clipped SGD reads c the same way in threshold, floor and eq13) is reused."""
    ident = (opt, key, tuple(sorted((k, float(v)) for k, v in hp.items())))
    if memo is not None and ident in memo:
        return memo[ident]
    entry = _compute_entry(prob, opt, hp, key, cfg, S, w0, w0_tune, thresholds, floor, tune)
    if memo is not None:
        memo[ident] = entry
    return entry


def _compute_entry(prob, opt, hp, key, cfg, S, w0, w0_tune, thresholds, floor, tune):
    printed = _metrics(_runs(prob, opt, hp, cfg, S, w0), thresholds, floor)
    entry = {"optimizer": opt, "hyperparameters": {k: v for k, v in hp.items()}, "printed": printed}
    if tune:
        t = _tune(prob, opt, hp, key, cfg, w0_tune, floor)
        entry["tuning"] = t
        entry["tuned"] = _metrics(_runs(prob, opt, {**hp, key: t["chosen"]}, cfg, S, w0), thresholds, floor)
    return entry


def reproduce(
    which,
    seeds=5,
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
    tuning_seeds=2,
    progress=True,
):
    if seeds < 1:
        raise InputError(f"seeds must be >= 1, got {seeds}")
    if which not in ("phase-retrieval", "dro"):
        raise InputError(f"experiment must be phase-retrieval or dro, got {which!r}")
    readings = tuple(readings)
    bad = [r for r in readings if r not in READINGS]
    if bad or not readings:
        raise InputError(f"readings must be a non-empty list among {', '.join(READINGS)}, got {bad[0] if bad else 'none'!r}")
    if reg not in ("smooth", "exact"):
        raise InputError(f"reg must be 'smooth' or 'exact', got {reg!r}")
    check_out_dir(out, force)  # refuse a bad output folder before any work
    if which == "phase-retrieval":
        prob, cfg = phase_retrieval_config(quick, scale, variant)
    else:
        prob, cfg = dro_config(quick, data, pipeline, reg)
    with atomic_dir(out, force) as tmp:
        return _reproduce(which, prob, cfg, seeds, quick, tmp, progress, readings, tune, tuning_seeds)


def _reproduce(which, prob, cfg, seeds, quick, out, progress, readings, tune, tuning_seeds):
    S = np.arange(seeds)
    w0 = np.concatenate([cfg["w0"](np.random.default_rng(int(s)), 1) for s in S])
    w0_tune = np.concatenate([cfg["w0"](np.random.default_rng(TUNING_SEED0 + i), 1) for i in range(tuning_seeds)])
    gap0 = float(np.median(prob.value(w0) - prob.fstar))
    thresholds = [gap0 * f for f in (1e-1, 1e-2, 1e-3)]
    floor = 1e-12 * max(abs(prob.fstar), 1.0)  # f* is estimated: gaps below this are not resolved
    L1_est = estimate_L1(prob, cfg)
    jobs = [(label, "all readings", opt, hp, key) for label, opt, hp, key in baselines(cfg)]
    jobs += [(label, r, opt, hp, key) for r in readings for label, opt, hp, key in methods(cfg, r, L1_est)]
    table, memo = {}, {}
    desc = f"[{which}] methods x readings" + (f" ({len(GRID)} steps x {tuning_seeds} tuning seeds each)" if tune else "")
    for label, reading, opt, hp, key in bar(jobs, len(jobs), desc, not progress, "runs"):
        table.setdefault(label, {})[reading] = _table_entry(
            prob, opt, hp, key, cfg, S, w0, w0_tune, thresholds, floor, tune, memo
        )
    ins_hp = methods(cfg, "literal", L1_est)[1][2]
    stage(f"[{which}] I-NSGD over beta and over B' (printed hyperparameters, literal reading)", not progress)
    beta_panel = {
        f"beta={b:.3g}": _metrics(_runs(prob, "insgd", {**ins_hp, "beta": b}, cfg, S, w0), thresholds, floor)
        for b in cfg["betas"]
    }
    bp_panel = {
        f"B'={bp}": _metrics(_runs(prob, "insgd", {**ins_hp, "batch_prime": bp}, cfg, S, w0), thresholds, floor)
        for bp in cfg["batch_primes"]
    }
    res = {
        "experiment": which,
        "quick": quick,
        "seeds": S.tolist(),
        "tuning_seeds": list(range(TUNING_SEED0, TUNING_SEED0 + tuning_seeds)),
        "fstar": prob.fstar,
        "fstar_how": cfg["fstar_how"],
        "budget": budget(cfg),
        "thresholds": thresholds,
        "L1_estimate": L1_est,
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


def _median(xs):
    xs = [x for x in xs if x is not None and np.isfinite(x)]
    return float(np.median(xs)) if xs else float("inf")


def _to_target(m, thr_key):
    hits = [s for s in m["samples_to"][thr_key] if s >= 0]
    return float(np.median(hits)) if len(hits) > len(m["samples_to"][thr_key]) / 2 else float("inf")


def conclusion(res) -> dict:
    """Rules over the table (never typed): per reading and per setting (printed, tuned), which method ends lowest
    (median final gap) and which reaches the middle threshold first (median samples, counting a method only if
    most seeds reach it); then one sentence per question."""
    thr = f"{res['thresholds'][1]:.3g}"
    out = {"by_reading": {}}
    for reading in res["readings"]:
        out["by_reading"][reading] = {}
        for setting in ("printed", "tuned"):
            rows = {}
            for label, by in res["table"].items():
                e = by.get(reading, by.get("all readings"))
                if e is None or setting not in e:
                    continue
                m = e[setting]
                rows[label] = {
                    "final": _median(m["final"]),
                    "to_target": _to_target(m, thr),
                    "diverged": int(np.sum(m["diverged"])),
                }
            if not rows:
                continue
            lowest = min(rows, key=lambda k: (rows[k]["diverged"] > 0, rows[k]["final"]))
            fastest = min(rows, key=lambda k: rows[k]["to_target"])
            out["by_reading"][reading][setting] = {"lowest_final": lowest, "fastest_to_target": fastest, "rows": rows}
    sentences = []
    for setting in ("printed", "tuned"):
        wins_low = [r for r, d in out["by_reading"].items() if setting in d and d[setting]["lowest_final"] == "I-NSGD"]
        wins_fast = [r for r, d in out["by_reading"].items() if setting in d and d[setting]["fastest_to_target"] == "I-NSGD"]
        if not any(setting in d for d in out["by_reading"].values()):
            continue
        sentences.append(
            f"With {'the printed' if setting == 'printed' else 'equally tuned'} hyperparameters, I-NSGD has the lowest "
            "median final gap "
            f"under {len(wins_low)} of {len(out['by_reading'])} readings ({', '.join(wins_low) or 'none'}) and reaches "
            f"f - f* <= {thr} first under {len(wins_fast)} ({', '.join(wins_fast) or 'none'})."
        )
    edges = [f"{lab} ({r})" for lab, by in res["table"].items() for r, e in by.items() if e.get("tuning", {}).get("at_edge")]
    if edges:
        sentences.append("Tuned at the edge of the grid (the best step may lie outside it): " + ", ".join(edges) + ".")
    beta = {k: _median(v["final"]) for k, v in res["panels"]["beta"].items()}
    bp = {k: _median(v["final"]) for k, v in res["panels"]["batch_prime"].items()}
    best_beta, best_bp = min(beta, key=beta.get), min(bp, key=bp.get)
    sentences.append(
        f"Over beta (printed setting), {best_beta} has the lowest median final gap (the paper uses beta = 2/3); over B', "
        f"{best_bp}."
    )
    out["best_beta"], out["best_batch_prime"] = best_beta, best_bp
    n = len(res["seeds"])
    caveat = (
        f"Medians over {n} evaluation seed{'s' if n != 1 else ''}{' of a quick (smoke-test) run' if res['quick'] else ''}, "
        "with no significance test: a difference smaller than the seed-to-seed spread (see the table) may be noise."
    )
    out["sentence"] = caveat + " " + " ".join(sentences)
    return out


def _summary_markdown(res):
    cfg = res["config"]
    thr = [f"{t:.3g}" for t in res["thresholds"]]
    lines = [
        f"# Reproduction: {res['experiment']} ({'quick' if res['quick'] else 'full'}, {len(res['seeds'])} "
        f"evaluation seeds, {len(res['tuning_seeds'])} tuning seeds)",
        "",
        f"Budget {res['budget']} samples per run (B' included). f* = {res['fstar']:.6g} ({res['fstar_how']}). "
        f"Gaps f - f*; medians over seeds [min, max]; samples to f - f* <= {thr[1]}. L1 for reading eq13: "
        f"{res['L1_estimate']:.4g} (ESTIMATED, see estimate_L1).",
        "",
        "| method | reading | setting | step / L1 | final gap | best gap | samples to target | log-gap area | diverged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, by in res["table"].items():
        for reading, e in by.items():
            for setting in ("printed", "tuned"):
                if setting not in e:
                    continue
                m = e[setting]
                key = e.get("tuning", {}).get("parameter", "gamma")
                val = e["tuning"]["chosen"] if setting == "tuned" else e["hyperparameters"].get(key)
                edge = " (edge)" if setting == "tuned" and e["tuning"]["at_edge"] else ""
                fin = [x for x in m["final"] if np.isfinite(x)]
                span = f" [{min(fin):.3g}, {max(fin):.3g}]" if fin else ""
                lines.append(
                    f"| {label} | {reading} | {setting} | {key} = {val:.3g}{edge} | {_median(m['final']):.3g}"
                    f"{span} | {_median(m['best']):.3g} | {_to_target(m, thr[1]):.3g} | "
                    f"{_median(m['log_gap_area']):.3g} | {int(np.sum(m['diverged']))} |"
                )
    lines += [
        "",
        "**Conclusion (computed):** " + res["conclusion"]["sentence"],
        "",
        f"Choices: readings {', '.join(res['readings'])} (see verify/reproduce.py); c = {cfg['clip']:g}, delta = "
        f"{cfg['delta']:g}, B = {cfg['batch']}, B' = {cfg['batch_prime']}, beta = {cfg['beta']:.3g}"
        + (f"; N(.,.) as {cfg['scale']}; variant {cfg['variant']}" if "scale" in cfg else "")
        + (f"; features {cfg['pipeline']}; regularizer {cfg['reg']}" if "reg" in cfg else "")
        + ".",
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
    colors = {}

    def draw(ax, label, m, style):
        x = np.median(np.array(m["curve_samples"], float), axis=0)
        y = np.maximum(np.array(m["curve_gap"], float), 1e-300)
        c = colors.setdefault(label, f"C{len(colors) % 10}")
        ax.plot(x, np.nanmedian(y, axis=0), style, color=c, label=f"{label} ({'tuned' if style == '--' else 'printed'})")
        ax.fill_between(x, np.nanmin(y, axis=0), np.nanmax(y, axis=0), color=c, alpha=0.12)

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
        f"{res['experiment']}: f - f* with f* = {res['fstar']:.6g} ({res['fstar_how']}); median and min-max over "
        f"{len(res['seeds'])} seeds; solid printed, dashed tuned",
        fontsize=10,
    )
    save(fig, path)
