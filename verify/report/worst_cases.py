"""The main job's worst-case section (`insgd pep`): the two anchors, Theorem 1's derived bound against the bracketed
worst case of its class at a few (rho, beta), and a registered theorem against the worst case of its class. Without
the extra insgd[pep] (cvxpy, Clarabel) the section says so and counts no verdict."""

import importlib.util

# (rho, beta) of Theorem 1 held against the worst case: the global class (rho = 2) and the proof's local reading
POINTS = [(2.0, 1.0), (2.0, 0.5), (1.5, 0.75)]
CLASS = {"L0": 1.0, "L1": 1.0, "alpha": 0.5, "mu": 0.2}
EPS, DELTA0 = 1e-2, 1.0


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
        r = pep(cls, N, beta, DELTA0, EPS, samples=12 if quick else None).to_json()
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
        "(Clarabel); the worst case is searched over the norms (an upper value, not a certified maximum) and "
        "bracketed from below by an explicit function the auditor certifies in the class with the same constants.",
        "",
        f"Anchors: GD under PL (L = 1, mu = 0.2, gamma = 1) SDP {a[0]['solve']['value']:.6f} vs closed form "
        f"{a[0]['closed_form']:.6f} (8/11); one Polyak step SDP {a[1]['solve']['value']:.6f} vs closed form "
        f"{a[1]['closed_form']:.6f}.",
        "",
        f"Theorem 1's derived bound after N = {section['N']} steps at its own gamma(eps = {section['eps']:g}), class "
        f"L0 = {section['class']['L0']:g}, L1 = {section['class']['L1']:g}, alpha = {section['class']['alpha']:g}, "
        f"mu = {section['class']['mu']:g}, Delta_0 = 1 (pairs: all = the global class; proof = only what the proof "
        "uses, since with eq. (2) globally rho != 2 admits no non-constant function):",
        "",
        "| rho | beta | pairs | worst case (upper) | certified lower | bound B(N)/Delta_0 | guaranteed / worst-case "
        "decrease | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in section["checks"]:
        up, lo, B = r["upper"]["ratio"], r["lower"].get("ratio"), r["theorem"]["bound_ratio"]
        frac = "-" if up is None else f"{(1 - B) / (1 - (lo if lo is not None else up)):.3f} to {(1 - B) / (1 - up):.3f}"
        lines.append(
            f"| {r['cls']['rho']:g} | {r['beta']:g} | {r['pairs']} | {_f(up)} | {_f(lo)} "
            f"{'(' + r['lower']['function'] + ')' if lo is not None else ''} | {_f(B)} | {frac} | {r['verdict']} |"
        )
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
