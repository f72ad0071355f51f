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

import numpy as np

from insgd.core import InputError, json_safe
from insgd.numerics import fused
from insgd.verify.experiments.configs import (
    READINGS,
    baselines,
    budget,
    dro_config,
    estimate_L1,
    estimate_local_L,
    methods,
    phase_retrieval_config,
)
from insgd.verify.experiments.tuning import CRITERIA, TUNING_SEED0, _metrics, _runs, _table_entry, samples_to
from insgd.verify.fits import holm, median_interval, paired_comparison
from insgd.verify.outputs import atomic_dir, check_out_dir
from insgd.verify.progress import bar, stage

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
        f"Choices: readings {', '.join(res['readings'])} (formulas in verify/experiments/reproduce.py and the README); c = "
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
