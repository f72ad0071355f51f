"""`insgd verify all`: every check on every problem it applies to; a report, a summary and figures."""

import json
import math
import re
import time

import numpy as np

from insgd.core import json_safe
from insgd.numerics.problems import Cosh, PaperExample2, Power, PowerSum, Quadratic
from insgd.theory.insgd import predict_insgd
from insgd.theory.ngd import symbolic_orders
from insgd.verify.checks.theorem1 import check, plot_check
from insgd.verify.outputs import atomic_dir, check_out_dir
from insgd.verify.progress import bar, stage
from insgd.verify.report.markdown import _label, _report, fmt_value
from insgd.verify.report.worst_cases import KIND as WORST_CASE_KIND
from insgd.verify.report.worst_cases import verdicts as worst_case_verdicts
from insgd.verify.report.worst_cases import worst_case_section
from insgd.verify.verdicts import CHECK_VERDICTS, DISAGREEMENT_CLASSES, FAIL, NOT_APPLICABLE

# (problem, beta, options): every regime of Theorem 1 on several problems with certified constants. The first
# group uses the tightest certificate (L1 = 0 on a ball: the classical smooth case); the second the certificates
# with L1 > 0 (generalized smoothness: L1 enters gamma and the descent step), in every regime, on the tight power
# family, on cosh started where ||grad f|| = 10, and on the paper's own polynomial example.
GEN = {"generalized": True}
CASES = [
    (Power(p=4.0), 0.2, {}),
    (Power(p=4.0), 2 / 3, {}),
    (Power(p=4.0), 0.9, {}),
    (Power(p=3.0, dim=2), 0.25, {}),
    (Power(p=3.0, dim=2), 0.5, {}),
    (Power(p=3.0, dim=2), 1.0, {}),
    (Power(p=6.0), 0.5, {}),
    (Power(p=6.0), 0.8, {}),
    (Power(p=6.0), 1.0, {}),
    (PowerSum(ps=(2.0, 4.0), weights=(1.0, 1.0)), 0.2, {}),
    (Cosh(), 0.0, {}),
    (Cosh(), 0.5, {}),
    (Quadratic(dim=3, cond=5.0), 0.0, {}),
    (Quadratic(dim=3, cond=5.0), 1.0, {}),
    (Power(p=4.0), 2 / 3, {**GEN, "rho": 1.0}),
    (Power(p=4.0), 2 / 3, GEN),
    (Power(p=4.0), 0.9, GEN),
    (Power(p=6.0), 0.8, GEN),
    (Power(p=6.0), 1.0, GEN),
    (Cosh(), 1.0, {**GEN, "w0": [3.0]}),
    (PaperExample2(), 2 / 3, {**GEN, "rho": 4 / 3}),
    (PaperExample2(), 2 / 3, GEN),
]
QUICK = [(Power(p=4.0), 0.2, {}), (Power(p=4.0), 2 / 3, GEN), (Power(p=4.0), 0.9, {}), (Cosh(), 0.0, {})]


def _check_case(args):
    prob, beta, opts, grid, backend = args
    return check(prob, beta, eps_grid=grid, backend=backend, **opts)


def _cost(prob, beta, opts, grid) -> float:
    """A check's expected cost, for scheduling only: its derived T at the smallest eps (inf when it cannot say)."""
    from insgd.theory.ngd import THEOREM1_DERIVED
    from insgd.verify.checks.instance import prepare

    try:
        select = {k: v for k, v in opts.items() if k in ("generalized", "rho")}
        inst = prepare(THEOREM1_DERIVED, prob, w0=opts.get("w0"), values={"beta": beta}, select=select, eps=min(grid))
        d0 = float(prob.value(np.asarray(inst.w0, float)[None])[0] - prob.fstar)
        return float(inst.T(float(min(grid)), d0))
    except Exception:  # noqa: BLE001 (a case the check itself will report on)
        return math.inf


def run_all(out="insgd-report", quick=False, force=False, progress=True, data=None, workers=None, backend=None) -> dict:
    """Every input (the output folder, the data file) is validated before the first check runs; the report is
    written into a temporary sibling folder and moved into place only when every section has succeeded."""
    check_out_dir(out, force)
    if data is not None:
        from insgd.numerics.data import load_life_expectancy

        load_life_expectancy(data)  # a bad data file is refused now, not after every other check
    from insgd.numerics import fused

    backend = fused.resolve(backend)
    with atomic_dir(out, force) as tmp:
        return _run_all(tmp, quick, progress, data, workers, backend)


def _run_all(out, quick, progress, data, workers, backend) -> dict:
    (out / "figures").mkdir()
    cases = QUICK if quick else CASES
    grid = np.geomspace(1e-2, 1e-4, 4) if quick else np.geomspace(1e-2, 1e-5, 6)
    t0 = time.perf_counter()
    results = []
    jobs = [(prob, beta, opts, grid, backend) for prob, beta, opts in cases]
    from insgd.verify.experiments.sweep import default_executor, stop_executor

    pool = None if workers == 1 else default_executor(workers)
    sections = {}
    try:
        if pool is None:
            done = map(_check_case, jobs)
        else:  # the longest first (T_derived at the smallest eps), so no long check starts last; results in order
            order = sorted(range(len(jobs)), key=lambda i: -_cost(*jobs[i][:4]))
            futs = {i: pool.submit(_check_case, jobs[i]) for i in order}
            done = (futs[i].result() for i in range(len(jobs)))
        for i, ((prob, beta, opts), res) in enumerate(
            bar(zip(cases, done, strict=True), len(cases), "[Theorem 1] checks", not progress, "checks"), 1
        ):
            label = _label(prob, beta, opts)
            fig = f"figures/check_{i:02d}_{re.sub(r'[^A-Za-z0-9.=-]+', '_', label).strip('_')}.png"  # every parameter
            plot_check(res, out / fig)
            j = res.to_json()
            j["label"], j["figure"] = label, fig
            results.append(j)
        sections["Theorem 1 checks"] = time.perf_counter() - t0
        from insgd.verify.report.paper_audit import paper_audit

        # The sections below do not depend on each other: Theorem 2, the registered theorems and the paper audit run
        # in the pool while this process runs the reproductions (each returns plain data; progress lines come from
        # here, the workers are quiet).
        later = [
            ("Theorem 2 / Lemma 2", theorem2_section, (quick,)),
            ("registered theorems", theorems_section, ()),
            ("paper audit", paper_audit, (quick, results, data)),
            ("worst cases (pep)", worst_case_section, (quick,)),
        ]
        futures = {name: pool.submit(_timed, fn, *args) for name, fn, args in later} if pool is not None else {}
        repro = _reproductions(out, quick, progress, data, backend, sections)
        got = {}
        for name, fn, args in later:
            stage(f"[{name}]" + (" (in the worker pool)" if futures else ""), not progress)
            got[name], sections[name] = futures[name].result() if futures else _timed(fn, *args)
    except BaseException:
        if pool is not None:
            stop_executor(pool)
        raise
    if pool is not None:
        pool.shutdown()
    t2, registered, audit = got["Theorem 2 / Lemma 2"], got["registered theorems"], got["paper audit"]
    worst = got["worst cases (pep)"]
    by_kind = {
        "Theorem 1 checks": [r["verdict"] for r in results],
        "Theorem 2 checks": [c["verdict"] for c in t2["checks"]],
        "Lemma 2 estimates": [x["verdict"] for x in t2["lemma2"]],
        "registered-theorem runs": [r["verdict"] for r in registered if r["verdict"] != NOT_APPLICABLE],
        WORST_CASE_KIND: worst_case_verdicts(worst),
    }
    verdicts = [v for vs in by_kind.values() for v in vs]
    summary = {
        "quick": quick,
        "backend": backend,  # the compute backend of the Theorem 1 runs and the reproductions (numerics/fused.py)
        "elapsed_s": time.perf_counter() - t0,
        "sections_s": sections,  # seconds of each section (those in the pool overlap the reproductions)
        "verdict_counts": {v: verdicts.count(v) for v in CHECK_VERDICTS},
        "verdict_counts_by_kind": {k: {v: vs.count(v) for v in CHECK_VERDICTS} for k, vs in by_kind.items()},
        "not_applicable": sum(r["verdict"] == NOT_APPLICABLE for r in registered),
        "disagreement_counts": {k: sum(r["disagreement_class"] == k for r in results) for k in DISAGREEMENT_CLASSES},
        "generalized_cases": sum(r["L1"] > 0 for r in results),
        "any_fail": FAIL in verdicts,
        "checks": results,
        "theorem1_orders_derived": {str(k): {"exponent": str(e), "log_factor": log} for k, (e, log) in symbolic_orders().items()},
        "theorem2_example": predict_insgd(1, 1, 2, 1, "2/3", 1, "1e-2", alpha_v="2/3").to_json(),
        "paper_disagreements": _disagreements(results),
        "theorem2": t2,
        "reproduce": repro,
        "paper_audit": audit,
        "registered_theorems": registered,
        "worst_cases": worst,
    }
    summary = json_safe(summary)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False))
    (out / "report.md").write_text(_report(summary))
    return summary


def _timed(fn, *args):
    """(fn(*args), seconds it took): a top-level function, so that a process pool can run it."""
    t0 = time.perf_counter()
    return fn(*args), time.perf_counter() - t0


def _reproductions(out, quick, progress, data, backend, sections) -> dict:
    """The paper's experiments (verify/experiments/reproduce.py) into out/reproduce/; DRO only with the data."""
    from insgd.verify.experiments.reproduce import reproduce

    repro = {}
    (out / "reproduce").mkdir()
    for which, kw in (("phase-retrieval", {}), ("dro", {"data": data})):
        if which == "dro" and data is None:
            continue
        n = {"seeds": 3, "tuning_seeds": 2} if quick else {}  # full: the defaults (20 evaluation, 5 tuning seeds)
        t0 = time.perf_counter()
        r = reproduce(
            which, quick=quick, out=out / "reproduce" / which, force=True, progress=progress, backend=backend, **n, **kw
        )
        sections[f"reproduction, {which}"] = time.perf_counter() - t0
        repro[which] = {
            "conclusion": r["conclusion"],
            "figure": f"reproduce/{which}/{which}.png",
            "markdown": f"reproduce/{which}/{which}.md",
        }
    return repro


T2_CASES = [
    # (problem, tau1, tau2, beta, eps, w0): quadratics (L1 = 0: h_t = 1, I-NSGD is minibatch SGD there) and
    # problems with a real L1 started where ||grad F|| is large, so that the normalization h_t > 1 acts.
    (Quadratic(dim=2), 1.0, 0.5, 0.5, 0.2, None),
    (Power(p=4.0), 0.5, 0.1, 1.0, 2.0, [4.0]),
    (Quadratic(dim=5, cond=4.0), 2.0, 1.0, 1.0, 0.3, None),
    (Cosh(), 0.5, 0.1, 1.0, 5.0, [6.0]),
    (PaperExample2(), 0.5, 0.1, 1.0, 2.0, [3.0]),
]


def theorems_section():
    """Every registered theorem with an explicit bound, on every problem of THEOREM_PROBLEMS and on the family tight
    for its assumptions; a problem that lacks a needed certificate is "not applicable", with the missing assumption."""
    from insgd.core import InputError
    from insgd.theory.theorems import REGISTRY
    from insgd.verify.checks.generic import check_theorem, worst_case

    rows = []
    for t in REGISTRY.values():
        if not (t.checkable and t.binds and 0 in t.bound):
            continue
        family = worst_case(t)
        for prob in THEOREM_PROBLEMS + ([family] if family is not None else []):
            try:
                r = check_theorem(t, prob, **_oracle_for(t, prob is family)).to_json()
            except InputError as e:
                r = {
                    "theorem": t.key,
                    "problem": prob.name,
                    "params": prob.params(),
                    "verdict": NOT_APPLICABLE,
                    "evidence": str(e),
                    "tightness": None,
                }
            r["worst_case"] = prob is family
            r["label"] = prob.label()
            rows.append(r)
    return rows


THEOREM_PROBLEMS = [Quadratic(dim=3, cond=5.0), Quadratic(dim=2, cond=100.0), Cosh(), Power(p=4.0)]


def _oracle_for(theorem, worst):
    """A stochastic theorem runs on the synthetic oracle: relative and absolute noise, batch 2; on its worst-case
    family, absolute noise only (tau1 = 0, where its bound is attained up to M / t)."""
    from insgd.numerics.optimizers import get_optimizer

    if not get_optimizer(theorem.algorithm).stochastic:
        return {}
    return {"noise": (0.0, 1.0), "batch": 1} if worst else {"noise": (0.5, 1.0), "batch": 2}


def theorem2_section(quick):
    """Theorem 2 on problems with exact (tau1, tau2); Lemma 2's failure probability; estimator bias."""
    from insgd.verify.checks.theorem2 import complexity_insgd, independence_check, lemma2_check, theorem2_check

    seeds = 16 if quick else 64
    checks = []
    for prob, tau1, tau2, beta, eps, w0 in T2_CASES[:2] if quick else T2_CASES:
        r = theorem2_check(prob, tau1, tau2, beta, eps, seeds=seeds, w0=w0)
        j = r.to_json()
        j.pop("T_hit")
        j["label"] = f"{_label(prob, beta)} tau=({tau1:g},{tau2:g}) eps={eps:g}" + (f" w0={fmt_value(w0)}" if w0 else "")
        # h_t = max{1, (4 L1 gamma)^(1/beta) (2 ||grad f_B'|| + delta)} > 1 iff ||grad f_B'|| exceeds this threshold
        j["h_threshold"] = ((4 * j["constants"]["L1"] * j["gamma"]) ** (-1 / beta) - tau2 / tau1) / 2
        checks.append(j)
    trials = 20_000 if quick else 200_000
    lemma = [
        {"tau1": t1, "tau2": t2, "dim": d, "grad_norm": g} | lemma2_check(t1, t2, d, g, trials=trials, oracle=o)
        for (t1, t2, d, g) in ((2.0, 1.0, 10, 1.0), (1.0, 0.5, 2, 3.0))
        for o in ("synthetic", "aligned")
    ]
    indep = [independence_check(batch=b, trials=50_000 if quick else 400_000) for b in (1, 8)]
    grid = [0.4, 0.28, 0.2] if quick else [0.4, 0.28, 0.2, 0.14, 0.1]
    comp = complexity_insgd(Quadratic(dim=2), 1.0, 0.5, 0.5, grid, seeds=8 if quick else 16, tuned_gamma=0.05)
    from insgd.numerics.finite_sums import PhaseRetrieval
    from insgd.verify.checks.theorem2 import noise_frontier

    pr = PhaseRetrieval(dim=20 if quick else 100, m=300 if quick else 3000)
    rng = np.random.default_rng(0)
    pts = np.concatenate([pr.argmin[None] + rng.normal(0, s, (10, pr.dim)) for s in (0.0, 0.1, 1.0, 3.0)])
    frontier = noise_frontier(pr, pts, [0.0, 1.0, 10.0, 100.0, 1000.0, 10000.0])
    return {"checks": checks, "lemma2": lemma, "independence": indep, "complexity": comp, "noise_frontier": frontier}


def _disagreements(results):
    out = []
    for r in results:
        if not r["paper_agrees"]:
            printed = [a for a in r["assertions"] if a["kind"] == "printed"]
            out.append(
                {
                    "case": r["label"],
                    "regime": r["regime"],
                    "class": r["disagreement_class"],
                    "paper_T_exponent": r["T_exponent_paper"],
                    "derived_T_exponent": r["T_exponent_derived"],
                    "derived_T_exponent_on_grid": r["T_exponent_derived_on_grid"],
                    "measured": r["T_exponent_measured"],
                    "measured_interval": r["T_exponent_interval"],
                    "tight_instance": r["tight"],
                    "printed_on_grid": printed[0]["verdict"] if printed else "no printed O(eps^-e)",
                    "what": r["disagreement"],
                }
            )
    return out
