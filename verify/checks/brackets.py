"""The worst case of NGD bracketed and held against Theorem 1 (`insgd pep`): a lower bound from explicit
one-dimensional functions that the auditor certifies, the upper value of verify/checks/pep.py, and Theorem 1's
derived bound after N steps at its own gamma(eps).

Lower bounds (`lower_bound_ngd`): NGD run on c |w|^p with p = rho/(rho - 1) (the quadratic at rho = 2), whose PL
constant is exact, with the largest ratio found over c; the function that gives it is then certified by the
auditor (interval arithmetic, verify/audit) to satisfy Assumption 1 (literal form) and Assumption 2 with the same
constants, globally (pairs "all") or on the interval the iterates stay in (pairs "proof"). Only a certified
function's ratio is printed as a lower bound: with pairs "all" it is a function of the class on which NGD does that
badly; with pairs "proof" it satisfies every fact the proof's relaxation uses (on the iterates' interval)."""

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from insgd.core import InputError
from insgd.theory.numbers import exact
from insgd.verify.checks.pep import GenClass, Step, default_pairs, worst_case_min_grad, worst_case_ngd
from insgd.verify.verdicts import FAIL, HOLDS, INCONCLUSIVE, PASS, all_claims, worst

# -- lower bounds: explicit functions, certified by the auditor -------------------------------------------------


def _power_run(c, p, w0, step: Step, N):
    """The method's iterates (w_0..w_N) on f(w) = c |w|^p from w0 > 0."""
    ws = [w0]
    for _ in range(N):
        w = ws[-1]
        g = c * p * abs(w) ** (p - 1) * math.copysign(1.0, w) if w != 0 else 0.0
        ws.append(w - step.scale(abs(g)) * g if g != 0 else w)
    return ws


def _literal_ok(c, p, cls, R, grid=401):
    """A dense float screen of eq. (2) for c |w|^p on [-R, R] (the auditor decides; this only ranks candidates)."""
    w = np.linspace(-R, R, grid)
    g = c * p * np.abs(w) ** (p - 1) * np.sign(w)
    lhs = np.abs(g[:, None] - g[None, :])
    rhs = cls.smooth(np.abs(g))[None, :] * np.abs(w[:, None] - w[None, :])
    return bool(np.all(lhs <= rhs * (1 + 1e-12) + 1e-15))


def lower_bound_ngd(cls: GenClass, N, step: Step, delta0, pairs="all", certify=True, time_s=60.0) -> dict:
    """The largest Delta_N / Delta_0 of NGD on c |w|^p (p = rho/(rho - 1)) over the scales c for which PL holds with
    mu (c^(rho-1) p^rho / 2 >= mu, exact for this family) and eq. (2) passes a dense screen on the region; the best
    function is then certified by the auditor, and only then is its ratio a lower bound."""
    if not 1 < cls.rho <= 2:
        return {"ratio": None, "why": f"no explicit family here for rho = {cls.rho:g} (c |w|^p needs 1 < rho <= 2)"}
    r = exact(cls.rho)  # an exponent: the simplest rational within float precision (theory/numbers.py)
    p_exact = r / (r - 1)
    p = float(p_exact)
    c_min = (2 * cls.mu / p**cls.rho) ** (1 / (cls.rho - 1))  # PL: c^(rho-1) p^rho / 2 >= mu
    best = None
    for c in c_min * np.geomspace(1.0, 1e3, 121):
        c = float(f"{c:.6g}")  # a short decimal: the auditor reads the number it spells
        if c < c_min:
            continue
        w0 = (delta0 / c) ** (1 / p)
        ws = _power_run(c, p, w0, step, N)
        R = max(abs(x) for x in ws)
        region = None if pairs == "all" else R
        if not _literal_ok(c, p, cls, R if region is not None else 8 * R):
            continue
        ratio = c * abs(ws[-1]) ** p / delta0
        if best is None or ratio > best["ratio"]:
            best = {"ratio": ratio, "c": c, "p": p, "w": ws, "region": region}
    if best is None:
        return {"ratio": None, "why": "no scale c passed the screen of eq. (2)"}
    best["function"] = f"{best['c']}*w**2" if p_exact == 2 else f"{best['c']}*Abs(w)**({p_exact})"
    best["p"] = str(p_exact)
    if certify:
        best |= certify_function(best["function"], cls, best["region"], time_s)
        if not best["certified"]:
            best["ratio_uncertified"], best["ratio"] = best["ratio"], None
    return best


def certify_function(expr, cls: GenClass, region, time_s=60.0) -> dict:
    """The auditor on f: eq. (2) with (L0, L1, alpha) and (in the PL class) PL with (rho, mu), globally (region None)
    or on [-R, R]; f* certified in either case (the auditor certifies it before any claim)."""
    from insgd.verify.audit.auditor import audit_expr_bounded

    box = None if region is None else (f"{-region:.17g}", f"{region:.17g}")
    consts = {k: repr(float(v)) for k, v in asdict(cls).items() if v is not None}
    res = audit_expr_bounded(
        expr, box=box, pl_claims=[(consts["rho"], consts["mu"])] if cls.pl else [],
        smooth_claims=[("literal", consts["L0"], consts["L1"], consts["alpha"])], time_s=time_s,
    )  # fmt: skip
    verdicts = [c["verdict"] for c in res["claims"]]
    return {
        "certified": all_claims(verdicts) == HOLDS,
        "audit": [{k: c.get(k) for k in ("kind", "form", "verdict", "evidence", "certificate")} for c in res["claims"]],
        "audit_region": "R" if region is None else f"[-{region:.6g}, {region:.6g}]",
    }


# -- against Theorem 1 -------------------------------------------------------------------------------------------


def theorem1_after(cls: GenClass, N, beta, eps, delta0) -> dict:
    """Theorem 1's step size gamma(eps) and its derived bound after N steps, Delta_N / Delta_0 <= B(N) / Delta_0."""
    import sympy as sp

    from insgd.theory.ngd import predict_ngd
    from insgd.theory.symbols import t

    pred = predict_ngd(cls.L0, cls.L1, cls.alpha, beta, cls.rho, cls.mu, eps, delta0)
    B = float(sp.N(pred.bound_derived.subs(t, N), 30))
    return {"gamma": float(pred.gamma), "regime": pred.regime, "bound_ratio": min(B / delta0, math.inf)}


def theorem_verdict(bound_ratio, upper, lower):
    """Theorem 1's derived bound after N steps against the bracket: fail when the certified function does worse than
    the bound (lower > bound: with pairs "all" a counterexample in the class; with pairs "proof", a function certified
    on the iterates' interval, so it refutes what the proof's facts can show, not the global statement), pass (not
    refuted) when the bound lies at or above the largest SDP value found, else inconclusive. The largest value found
    is not itself a bound (the search over n is not certified): a pass says no searched configuration beat the bound."""
    if lower is not None and lower > bound_ratio * (1 + 1e-9):
        return FAIL
    if upper is not None and bound_ratio >= upper:
        return PASS
    return INCONCLUSIVE


@dataclass
class PepResult:
    cls: dict
    N: int
    beta: float
    eps: float | None
    gamma: float
    delta0: float
    pairs: str
    upper: dict
    lower: dict
    theorem: dict | None
    notes: list = field(default_factory=list)
    verdict: str | None = None  # Theorem 1's bound against the bracket (with eps only)
    step: dict = field(default_factory=dict)  # the method: NGD or I-NSGD's deterministic skeleton
    measure: str = "gap"  # gap: Delta_N / Delta_0 (the PL class); min_grad: min_k ||g_k|| (the nonconvex class)

    def to_json(self):
        return asdict(self)


def pep(cls: GenClass, N=2, beta=1.0, delta0=1.0, eps=None, gamma=None, pairs=None, samples=None, seed=0,
        certify=True, k=None, delta=0.0) -> PepResult:  # fmt: skip
    """The largest value of the class's SDP found over the gradient norms (each SDP value bounds the worst case for
    its norms; the search is not certified), a lower bound (a certified explicit function) and, with eps, Theorem 1's
    derived bound after N steps at its own gamma(eps). With k: I-NSGD's
    deterministic skeleton (Step) instead of NGD, with no theorem to compare (Theorem 2 is a stochastic statement)."""
    from insgd.theory.admissibility import admissible_forms

    if not cls.pl:
        return pep_min_grad(cls, N, beta, delta0, gamma, pairs, samples, seed, certify, k, delta, eps)
    if not cls.alpha <= beta <= 1:
        raise InputError(f"beta must satisfy alpha <= beta <= 1 with alpha = {cls.alpha:g}, got {beta}")
    if not (delta0 > 0 and math.isfinite(delta0)):
        raise InputError(f"delta0 must be a finite number > 0, got {delta0}")
    theorem = None
    if eps is not None and k is not None:
        raise InputError("eps (Theorem 1's gamma and bound) applies to NGD; for I-NSGD's skeleton (k) give gamma")
    if eps is not None:
        theorem = theorem1_after(cls, N, beta, eps, delta0)
        gamma = theorem["gamma"] if gamma is None else gamma
    if gamma is None or not gamma > 0:
        raise InputError("give eps (Theorem 1's gamma(eps)) or gamma > 0")
    notes = []
    pairs = default_pairs(cls) if pairs is None else pairs
    if pairs == "all" and not admissible_forms(cls.alpha, cls.rho)["literal"]:
        notes.append(
            f"with eq. (2) on all of R^d, rho = {cls.rho:g} admits no non-constant function that attains its infimum "
            "and is unbounded above (theory/admissibility.py): the values concern the SDP of necessary conditions at "
            "N + 2 points only; --pairs proof computes what Theorem 1's proof can show"
        )
    step = Step(gamma, beta, k, delta)
    upper = worst_case_ngd(cls, N, step, delta0, pairs, samples, seed)
    lower = lower_bound_ngd(cls, N, step, delta0, pairs, certify)
    if lower.get("ratio") is not None and upper["ratio"] is not None and lower["ratio"] > upper["ratio"] * (1 + 1e-6) + 1e-9:
        notes.append(
            "the certified lower bound exceeds the largest SDP value found: the search over n missed the maximum "
            "(that value is not a bound here)"
        )
    verdict = None
    if theorem is not None:
        verdict = theorem_verdict(theorem["bound_ratio"], upper["ratio"], lower.get("ratio"))
        if verdict == FAIL:
            notes.append(f"{lower['function']} (certified) ends at Delta_N / Delta_0 = {lower['ratio']:.6g} above the bound")
    return PepResult(
        asdict(cls),
        N,
        beta,
        eps,
        gamma,
        delta0,
        pairs,
        upper,
        lower,
        theorem,
        notes,
        verdict,
        asdict(step) | {"method": step.method},
    )


def lower_bound_min_grad(cls: GenClass, N, step: Step, delta0, certify=True, time_s=60.0) -> dict:
    """The nonconvex class: the largest min_k ||g_k|| of the method on a w^2 / 2 (0 < a <= L0: eq. (2) holds with
    every L1 >= 0, f bounded below) from the start at gap delta0, over a grid of a; the best certified by the auditor."""
    best = None
    for a in cls.L0 * np.geomspace(1e-4, 1.0, 121):
        a = float(f"{a:.6g}")
        if a > cls.L0:
            continue
        ws = _power_run(a / 2, 2.0, (2 * delta0 / a) ** 0.5, step, N)
        v = min(abs(a * w) for w in ws)
        if best is None or v > best["min_grad"]:
            best = {"min_grad": v, "a": a, "w": ws, "function": f"{a}*w**2/2"}
    if certify:
        best |= certify_function(best["function"], cls, None, time_s)
        if not best["certified"]:
            best["min_grad_uncertified"], best["min_grad"] = best["min_grad"], None
    return best


def pep_min_grad(cls, N, beta, delta0, gamma, pairs, samples, seed, certify, k, delta, eps=None) -> PepResult:
    """The nonconvex class (no PL): the bracket of the worst min_k ||g_k|| after N steps (no theorem to compare)."""
    if eps is not None:
        raise InputError("eps (Theorem 1) needs the PL class: give --rho and --mu, or gamma without eps")
    if gamma is None or not gamma > 0:
        raise InputError("the nonconvex class needs gamma > 0")
    if not 0 <= beta <= 1:
        raise InputError(f"beta must satisfy 0 <= beta <= 1, got {beta}")
    if not (delta0 > 0 and math.isfinite(delta0)):
        raise InputError(f"delta0 must be a finite number > 0, got {delta0}")
    step = Step(gamma, beta, k, delta)
    pairs = default_pairs(cls) if pairs is None else pairs
    upper = worst_case_min_grad(cls, N, step, delta0, pairs, samples, seed)
    lower = lower_bound_min_grad(cls, N, step, delta0, certify)
    notes = []
    if lower.get("min_grad") is not None and upper["min_grad"] is not None and lower["min_grad"] > upper["min_grad"] * (1 + 1e-6):
        notes.append("the certified function exceeds the searched value: the search over n missed the maximum")
    method = asdict(step) | {"method": step.method}
    return PepResult(asdict(cls), N, beta, None, gamma, delta0, pairs, upper, lower, None, notes, None, method, "min_grad")


def pep_grid(L0, L1, alpha, mu, rhos, betas, N=2, delta0=1.0, eps=1e-2, samples=None, seed=0, certify=True,
             progress=None) -> list:  # fmt: skip
    """pep() at every (rho, beta) of the grid with alpha <= beta, each on its default pairs, at Theorem 1's gamma(eps)."""
    out = []
    for rho in rhos:
        for beta in betas:
            if beta < alpha:
                continue
            r = pep(GenClass(L0, L1, alpha, rho, mu), N, beta, delta0, eps, None, None, samples, seed, certify)
            out.append(r.to_json())
            if progress is not None:
                progress(len(out))
    return out


def plot_grid(rows, path=None):
    """Left, per rho over beta: the decrease 1 - Delta_N/Delta_0 that Theorem 1's derived bound guarantees (dotted)
    and the worst case's (solid: 1 - upper, what every function of the class achieves at least, by the search).
    Right: the fraction of the worst-case decrease the theorem guarantees, (1 - B)/(1 - WC), as the interval the
    bracket [lower, upper] allows (1 = the bound is exact after N steps; a certified lower bound narrows it)."""
    from insgd.verify.figures import figure, legend, save

    fig, (ax, bx) = figure(1, 2, width=10.0, height=4.0)
    for i, rho in enumerate(sorted({r["cls"]["rho"] for r in rows})):
        rs = sorted((r for r in rows if r["cls"]["rho"] == rho and r["upper"]["ratio"] is not None), key=lambda r: r["beta"])
        if not rs:
            continue
        b = np.array([r["beta"] for r in rs])
        dec_b = np.array([1 - r["theorem"]["bound_ratio"] for r in rs])
        dec_u = np.array([1 - r["upper"]["ratio"] for r in rs])
        dec_l = np.array([1 - (r["lower"].get("ratio") or r["upper"]["ratio"]) for r in rs])
        ax.plot(b, dec_u, "-o", color=f"C{i}", label=f"rho = {rho:g}: worst case")
        ax.plot(b, dec_b, ":s", color=f"C{i}", label=f"rho = {rho:g}: Theorem 1 guarantees")
        hi, lo = dec_b / dec_u, dec_b / dec_l
        bx.errorbar(b + 0.01 * i, hi, yerr=[hi - lo, 0 * hi], fmt="o", color=f"C{i}", capsize=3, label=f"rho = {rho:g}")
    ax.set(xlabel="beta", ylabel=f"1 - Delta_N / Delta_0 after N = {rows[0]['N']} steps", yscale="log")
    ax.set_title("decrease: worst case vs Theorem 1 (its gamma(eps))", fontsize=10)
    bx.axhline(1.0, color="0.5", lw=0.8)
    bx.set(xlabel="beta", ylabel="guaranteed / worst-case decrease")
    bx.set_title("how much of the worst case the bound certifies", fontsize=10)
    legend(ax)
    legend(bx)
    if path is not None:
        save(fig, path)
    return fig


# -- a registered theorem against the exact worst case of its class --------------------------------------------

SDP_TOL = 1e-7  # a bound must clear the SDP value by this (relative) to pass: the solver's tolerance, with margin


def theorem_worst_case(theorem, problem, steps=5) -> dict:
    """A registered GD theorem under L-smoothness (L1 = 0) and PL (rho = 2), its bound B(N)/Delta_0 for N = 1..steps
    at the constants the problem certifies, against the SDP of its class (the smooth interpolation conditions with PL
    at every point: necessary conditions, so the SDP value bounds the worst case from above, with no search: the
    step is fixed). The class is scale invariant, so Delta_0 = 1. A bound at or above the SDP value holds for every
    function of the class after N steps (to the solver's tolerance): pass; below it, inconclusive (the SDP's worst
    point need not extend to a function satisfying PL between the points)."""
    import sympy as sp

    from insgd.theory import symbols as S
    from insgd.verify.checks.binding import bind_constants
    from insgd.verify.checks.pep import anchor_gd_pl

    req = theorem.requires
    if not (
        theorem.algorithm == "gd"
        and theorem.measure == "gap"
        and req.get("A1.literal", {}).get("L1") == 0
        and req.get("A2", {}).get("rho") == 2
        and 0 in theorem.bound
    ):
        raise InputError(
            f"--worst-case pep covers GD theorems under L-smoothness (L1 = 0) and PL with rho = 2, with a bound on the gap; "
            f"{theorem.key} is {theorem.algorithm} under {', '.join(theorem.assumption_keys)} (for NGD: insgd pep)"
        )
    consts = bind_constants(theorem, problem, None).values
    L = next(v for k, v in consts.items() if theorem.binds[k] == ("A1.literal", "L0"))
    mu = next(v for k, v in consts.items() if theorem.binds[k] == ("A2", "mu"))
    subs = {k: sp.Rational(v) for k, v in consts.items()}
    gamma = float(sp.N(theorem.step_size.subs(subs), 30))
    rows = []
    for N in range(1, steps + 1):
        a = anchor_gd_pl(L, mu, gamma, N)
        B = float(sp.N(theorem.bound[0].subs(subs).subs({S.t: N, S.Delta0: 1}), 30))
        wc = a["solve"]["value"]
        verdict = PASS if wc is not None and B >= wc + SDP_TOL * max(1.0, abs(wc)) else INCONCLUSIVE
        rows.append({"N": N, "bound": B, "worst_case_sdp": wc, "status": a["solve"]["status"], "verdict": verdict,
                     "looseness": None if not wc else (1 - wc) / (1 - B) if B < 1 else None})  # fmt: skip
    return {
        "class": f"L-smooth with L = {L:g} and PL with mu = {mu:g} (rho = 2), from {problem.name}'s certificates",
        "gamma": gamma,
        "rows": rows,
        "verdict": worst(r["verdict"] for r in rows),
        "evidence": "B(N) lies above the SDP's value at every N; the SDP's constraints are necessary for every function "
        "of the class, so its optimum bounds the worst case: the bound holds after these N steps up to the accuracy of "
        "a floating-point SDP solve (solver tolerance 1e-8; not an exact certificate)"
        if all(r["verdict"] == PASS for r in rows)
        else "at some N the SDP's worst case exceeds B(N): not decided",
    }
