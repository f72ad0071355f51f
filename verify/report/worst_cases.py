"""The main job's worst-case section (`insgd pep`): the two anchors, Theorem 1's derived bound against the bracketed
worst case of its class at a few (rho, beta), and a registered theorem against the worst case of its class. Without
the extra insgd[pep] (cvxpy, Clarabel) the section says so and counts no verdict."""

import importlib.util

# (rho, beta) of Theorem 1 held against the worst case: the global class (rho = 2) and the proof's local reading
POINTS = [(2.0, 1.0), (2.0, 0.5), (1.5, 0.75)]
CLASS = {"L0": 1.0, "L1": 1.0, "alpha": 0.5, "mu": 0.2}
EPS, DELTA0 = 1e-2, 1.0
KIND = "worst-case (pep) checks"  # the section's name among the main job's verdict counts


def worst_case_section(quick: bool) -> dict:
    if not all(importlib.util.find_spec(m) for m in ("cvxpy", "clarabel")):
        return {"available": False, "why": "insgd[pep] is not installed (pip install -e '.[pep]')", "checks": []}
    from insgd.numerics.problems import Quadratic
    from insgd.theory.theorems import get
    from insgd.verify.checks.brackets import pep, theorem_worst_case
    from insgd.verify.checks.pep import GenClass, anchor_gd_pl, anchor_polyak

    N = 2 if quick else 3
    points = POINTS[:1] if quick else POINTS
    checks = []
    for rho, beta in points:
        cls = GenClass(CLASS["L0"], CLASS["L1"], CLASS["alpha"], rho, CLASS["mu"])
        r = pep(cls, N, beta, DELTA0, EPS, pairs=None, samples=12 if quick else None).to_json()  # pairs by rho
        checks.append(r)
    karimi = theorem_worst_case(get("karimi2016.theorem1"), Quadratic(dim=3, cond=5.0), steps=3 if quick else 5)
    return {
        "available": True,
        "anchors": [anchor_gd_pl(), anchor_polyak()],
        "class": CLASS,
        "eps": EPS,
        "N": N,
        "checks": checks,
        "registered": karimi,
    }


def verdicts(section) -> list:
    """The check verdicts of the section: Theorem 1 at each point, and the registered theorem."""
    if not section["available"]:
        return []
    return [r["verdict"] for r in section["checks"]] + [section["registered"]["verdict"]]


def markdown(section) -> str:
    if not section["available"]:
        return f"Not run: {section['why']}."
    a = section["anchors"]
    lines = [
        "Performance estimation (verify/checks/pep.py): for fixed gradient norms the worst Delta_N / Delta_0 of NGD "
        "over the class (eq. (2) squared, Lemma 1 and PL on pairs of points, a necessary description) is an SDP "
        "(Clarabel) whose value bounds the worst case from above; the largest value is then searched over the norms, "
        "so the value found is not a certified maximum (not a bound unless the search found it). An explicit function "
        "the auditor certifies with the same constants gives a lower bound.",
        "",
        f"Anchors: gradient descent under PL, Delta_1 / Delta_0 at L = 1, mu = 0.2, gamma = 1: SDP "
        f"{a[0]['solve']['value']:.6f} vs closed form {a[0]['closed_form']:.6f} (8/11); one Polyak step on "
        f"L-smooth mu-strongly convex functions, ||x_1 - x*||^2 / ||x_0 - x*||^2 at L = 1, mu = 0.1, gamma = 2/(L + mu): "
        f"SDP {a[1]['solve']['value']:.6f} vs closed form {a[1]['closed_form']:.6f}.",
        "",
        f"Theorem 1's derived bound after N = {section['N']} steps at its own gamma(eps = {section['eps']:g}), class "
        f"L0 = {section['class']['L0']:g}, L1 = {section['class']['L1']:g}, alpha = {section['class']['alpha']:g}, "
        f"mu = {section['class']['mu']:g}, Delta_0 = 1. Pairs: all = the global class; proof = only the facts the proof "
        "uses (between consecutive iterates), the reading taken for rho != 2, since with eq. (2) on all of R^d no "
        "non-constant function that attains its infimum and is unbounded above satisfies PL with rho != 2; there the "
        "certified function is certified on the iterates' interval only.",
        "",
        "| rho | beta | pairs | largest SDP value found | certified lower | bound B(N)/Delta_0 | decrease certified "
        "(of the worst case's) | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in section["checks"]:
        up, lo, B = r["upper"]["ratio"], r["lower"].get("ratio"), r["theorem"]["bound_ratio"]
        if up is None or lo is None:
            frac = "n/a (no certified function)" if up is not None else "n/a"
        else:
            frac = f">= {(1 - B) / (1 - lo):.3f} ({(1 - B) / (1 - up):.3f} at the largest value found)"
        fn = f" ({r['lower']['function']} on {r['lower']['audit_region']})" if lo is not None else ""
        lines.append(
            f"| {r['cls']['rho']:g} | {r['beta']:g} | {r['pairs']} | {_f(up)} | {_f(lo)}{fn} | {_f(B)} | {frac} | "
            f"{r['verdict']} |"
        )
    notes = sorted({n for r in section["checks"] for n in r["notes"]})
    lines += [""] + [f"Note: {n}." for n in notes] if notes else []
    k = section["registered"]
    rows = ", ".join(f"N = {w['N']}: {w['bound']:.4g} vs {_f(w['worst_case_sdp'])}" for w in k["rows"])
    lines += [
        "",
        f"karimi2016.theorem1 on {k['class']}: bound vs the SDP's upper bound on the worst case, {rows}: "
        f"{k['verdict']} ({k['evidence']}).",
    ]
    return "\n".join(lines)


def _f(x):
    return "none" if x is None else f"{x:.6g}"
