"""Theorem 1 through the one checker (verify/checks/generic.py, with the rate step), and what is particular to it:
the printed statement's order held against the measurement, the auditor on given constants, and its figure.

The checker makes two kinds of assertion (as PEPit separates them):

* **Bound** -- the derived bound is an upper bound: not refuted when every iterate of the run stays below it up to
  the first Delta_t <= eps (the derivation's horizon) and T_measured <= T_derived for every eps of the grid,
  refuted by the first iterate above it, which is reported.
* **Rate** -- the measured q and T(eps) exponent are compared with the predicted ones only where the bound is
  tight by construction: the problem's PL certificate is an equality (``PL.tight``, the power family) and the
  constants are its certified ones. Elsewhere the looseness is reported without a verdict on the rate.

The printed statement's O(eps^-e) is an upper bound up to constants: a measured exponent whose confidence interval
lies above e refutes it; anything else is consistent with it.

Tolerances, each named: FLOAT_REL (float64 evaluation of iterates and of the bound); the q interval (OLS 95%
intervals of runs at gamma and gamma/2, extrapolated to gamma -> 0 and widened by the extrapolation's size); the
exponent interval (OLS 95% interval joined with the leave-one-out slopes over the eps grid).
"""

import math
from dataclasses import asdict, dataclass

import numpy as np

from insgd.theory.numbers import InputError, decimal_value, exact
from insgd.verify.checks.rate import ComplexityResult, RegimeResult
from insgd.verify.checks.result import Assertion, Check
from insgd.verify.verdicts import (
    BY_DERIVATION,
    CONTRADICTED,
    FAIL,
    INCOMPLETE,
    INCONCLUSIVE,
    PASS,
    all_claims,
    check_from_claim,
)


@dataclass(kw_only=True)
class CheckResult(Check):
    """Theorem 1's check: a Check (constants = the setup) with the measured regime and T(eps) grid."""

    regime: RegimeResult
    complexity: ComplexityResult
    paper_agrees: bool
    disagreement: str
    constants_audit: dict | None = None
    theorem: str = "theorem1.derived"

    @property
    def setup(self) -> dict:
        return self.constants

    def statement(self) -> str:
        """The verdict as a sentence that names what was checked (verify.verdicts: a pass is not a proof)."""
        c, st = self.complexity, self.setup
        what = (
            f"the derived Theorem 1 on {st['problem_label']}, beta = {st['beta_exact']}, with {st['constants_source']} "
            f"constants on {st['region']}: the bound at every iterate up to eps = {self.regime.eps:g} (runs at gamma(eps) "
            f"from {self.details.get('starts', 1)} start(s)), and "
            f"T_measured <= T_derived for each of {len(c.eps)} eps in [{min(c.eps):g}, {max(c.eps):g}]"
        )
        return {PASS: f"not refuted: {what}", FAIL: f"refuted: {what}"}.get(self.verdict, f"inconclusive: {what}")

    @property
    def disagreement_class(self):
        """How the printed T(eps) stands (verify.verdicts): None when it agrees with the derivation."""
        if self.paper_agrees:
            return None
        printed = [a for a in self.assertions if a.kind == "printed"]
        if self.complexity.exponent_paper is None:
            return INCOMPLETE
        return CONTRADICTED if printed and printed[0].verdict == CONTRADICTED else BY_DERIVATION

    def to_json(self):
        r, c = self.regime, self.complexity
        looseness = [a / b for a, b in zip(c.T_derived, c.T_measured, strict=True) if b > 0]
        return {
            "theorem": self.theorem,
            "problem": self.problem,
            "params": self.params,
            "constants": self.setup,
            **self.setup,
            "regime": r.regime_predicted,
            "regime_measured": r.regime_measured,
            "q_predicted": r.q_predicted,
            "q_measured": r.q_measured,
            "q_interval": list(r.q_interval),
            "q_fit_ci": list(r.q_fit_ci),
            "q_bias_estimate": r.q_bias,
            "bound_holds": r.bound_holds,
            "first_violation": r.first_violation,
            "bound_ratio_max": r.bound_ratio_max,
            "T_exponent_derived": c.exponent_derived,
            "T_exponent_derived_on_grid": c.exponent_derived_local,
            "T_exponent_paper": c.exponent_paper,
            "T_exponent_measured": c.exponent_measured,
            "T_exponent_ci": list(c.exponent_ci),
            "T_exponent_interval": list(c.exponent_interval),
            "T_log_factor": c.log_factor,
            "eps_grid": c.eps,
            "T_measured": c.T_measured,
            "T_derived": c.T_derived,
            "T_sound": c.T_sound,
            "capped": c.capped,
            "looseness": max(looseness) if looseness else None,
            "assertions": [asdict(a) for a in self.assertions],
            "paper_agrees": self.paper_agrees,
            "disagreement": self.disagreement,
            "disagreement_class": self.disagreement_class,
            "constants_audit": self.constants_audit,
            "verdict": self.verdict,
            "statement": self.statement(),
            "warnings": self.warnings,
        }


def _printed(s, c: ComplexityResult, pred, assertions) -> Assertion | None:
    """The printed O(eps^-e) against the measured exponent. An O claim is asymptotic: a finite grid alone cannot
    refute it. It is contradicted here only when the derivation puts T's order above the printed one AND, on an
    instance where the bound is tight (the rate assertions passed: the measured slope agrees with the derived T(eps)
    on the same grid), the measured exponent interval lies above e too."""
    if c.exponent_paper is None or not np.isfinite(c.exponent_interval[0]):
        return None
    lo, hi = c.exponent_interval
    above = lo > c.exponent_paper
    rates = [a for a in assertions if a.kind == "rate"]
    rate_agrees = bool(rates) and all(a.verdict == PASS for a in rates) and s["tight"] and s["constants_source"] == "certified"
    verdict = (
        CONTRADICTED
        if above and not pred.paper_agrees and rate_agrees
        else "consistent"
        if lo <= c.exponent_paper
        else "above on this grid (the derivation agrees with the printed order)"
        if pred.paper_agrees
        else "above on this grid (not a tight instance: no contradiction is earned)"
    )
    return Assertion(
        "printed T = O(eps^-e)",
        "printed",
        verdict,
        f"printed e = {c.exponent_paper:.4g}, derived {c.exponent_derived:.4g} asymptotically and "
        f"{c.exponent_derived_local:.4g} on this grid; measured exponent interval [{lo:.4g}, {hi:.4g}] on eps in "
        f"[{min(c.eps):g}, {max(c.eps):g}]" + (" (T / log(1/eps) fitted)" if c.log_factor else ""),
        {"printed_below_measured": verdict == CONTRADICTED},
    )


GIVEN_NAMES = {"L0": "L_0", "L1": "L_1", "alpha": "alpha", "rho": "rho", "mu": "mu"}  # API name -> record symbol


def check(
    problem,
    beta,
    eps_grid=None,
    w0=None,
    constants=None,
    audit_time_s=20,
    generalized=False,
    rho=None,
    backend=None,
    optimizer=None,
) -> CheckResult:
    """Theorem 1 (derived) through the one checker (generic.check_theorem with the rate step), for NGD with
    normalization beta on problem, with the problem's certified constants (generalized=True: the certificate with
    L1 > 0; rho: the certified mu at this rho), or with `constants` (dict L0, L1, alpha, rho, mu) claimed by the user,
    which the auditor tests; and the printed statement's order against the measured exponent. backend: "numba" runs
    the NGD loops compiled (numerics/fused.ngd_runs, the engine's loop step for step), "numpy" through the engine;
    None: numba when installed. optimizer: an engine Optimizer to hold against the theorem instead of the engine's NGD
    (numerics/foreign.py: it receives Theorem 1's gamma(eps) as its learning rate and must normalize with this beta)."""
    from insgd.theory.ngd import THEOREM1_DERIVED
    from insgd.verify.checks.generic import check_theorem

    beta = exact(beta)
    eps_grid = np.geomspace(1e-2, 1e-5, 5) if eps_grid is None else np.asarray(eps_grid, float)
    given = None if constants is None else {GIVEN_NAMES[k]: v for k, v in constants.items()}
    if given is not None and not exact(constants["alpha"]) <= beta <= 1:
        raise InputError(f"beta must satisfy alpha <= beta <= 1 with alpha = {constants['alpha']}, got {beta}")
    res = check_theorem(
        THEOREM1_DERIVED,
        problem,
        w0=w0,
        values={"beta": beta},
        eps_grid=eps_grid,
        rate=True,
        constants=given,
        select={"generalized": generalized, "rho": rho},
        backend=backend,
        optimizer=optimizer,
    )
    d = res.details
    s = setup_view(problem, res, beta)
    pred = _predict_from(s, float(np.min(eps_grid)))
    regime, comp = _regime_result(res, pred), _complexity_result(res, pred)
    assertions = list(res.assertions)
    if (printed := _printed(s, comp, pred, assertions)) is not None:
        assertions.append(printed)
    audit = None
    if given is not None:
        audit = audit_given(problem, np.asarray(d["w0"]), constants, audit_time_s)
        verdict = check_from_claim(audit["verdict"])
        assertions.insert(0, Assertion("given constants hold on the region", "bound", verdict, audit["evidence"], audit))
    return CheckResult(
        problem=problem.name,
        params=problem.params(),
        constants=s,
        regime=regime,
        complexity=comp,
        assertions=assertions,
        paper_agrees=pred.paper_agrees,
        disagreement=pred.disagreement,
        warnings=list(pred.warnings),
        constants_audit=audit,
        details=d,
    )


def setup_view(problem, res, beta) -> dict:
    """The constants of a Theorem 1 check as its JSON shows them (one row of the report's table)."""
    c, d = res.constants, res.details
    status = d["constants_status"] or d["constants_source"]
    return {
        "problem_label": problem.label(),
        "L0": c["L_0"],
        "L1": c["L_1"],
        "alpha": c["alpha"],
        "rho": c["rho"],
        "mu": c["mu"],
        "region": d["region"],
        "beta": float(beta),
        "beta_exact": str(beta),
        "w0": d["w0"],
        "constants_source": d["constants_source"],
        "constants_status": status,
        "tight": d["tight"],
    }


def _predict_from(s: dict, eps):
    """predict_ngd at the check's constants, for the printed statement's orders, the disagreement and the warnings
    (the runs' T and bound come from the record, through the checker): exponents as the simplest rationals within
    float precision, scales as their exact binary values (verify/checks/binding.py)."""
    from insgd.theory.ngd import predict_ngd
    from insgd.theory.numbers import binary_value

    return predict_ngd(
        binary_value(s["L0"]),
        binary_value(s["L1"]),
        exact(s["alpha"]),
        exact(s["beta_exact"]),
        exact(s["rho"]),
        binary_value(s["mu"]),
        exact(eps),
    )


def _regime_result(res, pred) -> RegimeResult:
    d = res.details
    rate, tr = res.raw.get("rate", {}), res.raw["trajectory"]
    bound = next(a for a in res.assertions if a.name.endswith("bound at every iterate"))
    fv = d.get("first_violation")
    sub = rate.get("sampled", np.arange(len(tr["t"]))[:400])
    return RegimeResult(
        regime_predicted=d["regime"],
        regime_measured=rate.get("regime_measured", "not measurable"),
        q_predicted=rate.get("q_predicted", float(pred.q)),
        q_measured=rate.get("q_measured", math.nan),
        q_interval=rate.get("q_interval", (math.nan, math.nan)),
        q_fit_ci=rate.get("q_fit_ci", (math.nan, math.nan)),
        q_bias=rate.get("q_bias", math.nan),
        bound_holds={PASS: True, FAIL: False}.get(bound.verdict),
        first_violation=None
        if fv is None
        else {"t": fv["t"], "gap": fv["measured"], "bound": fv["bound"]}
        | ({"what": "Delta_T > eps at T = T_derived"} if "what" in fv else {}),
        bound_ratio_max=d["bound_ratio_max"],
        T_derived=float(d["T_bound"]),
        T_hit=tr["hit"],
        budget_binds=bound.verdict == INCONCLUSIVE and not d.get("withheld"),
        eps=d["eps"],
        withheld=d.get("withheld"),
        t=np.asarray(tr["t"])[sub].tolist(),
        gap=np.asarray(tr["measured"])[sub].tolist(),
        bound=np.asarray(tr["bound"])[sub].tolist(),
    )


def _complexity_result(res, pred) -> ComplexityResult:
    h = res.details["t_grid"]
    return ComplexityResult(
        eps=h["eps"],
        T_measured=h["T_measured"],
        T_derived=h["T_bound"],
        exponent_measured=h["exponent_measured"],
        exponent_ci=h["exponent_ci"],
        exponent_interval=h["exponent_interval"],
        exponent_derived=h["exponent_derived"],
        exponent_derived_local=h["exponent_derived_local"],
        exponent_paper=None if pred.T_exponent_paper is None else float(pred.T_exponent_paper),
        log_factor=h["log_factor"],
        T_sound=h["T_sound"],
        capped=h["capped"],
        fit=res.raw["fit"],
        unsound=h["unsound"],
        withheld=h["withheld"],
    )


def audit_given(p, w0, constants, time_s) -> dict:
    """The auditor on user-given constants (L0, L1, alpha, rho, mu, as typed), over the box the iterates stay in
    (literal form and PL)."""
    from insgd.verify.audit.auditor import audit_problem

    R = float(np.linalg.norm(np.asarray(w0, float) - p.argmin))
    c = p.argmin if p.dim == 1 else None
    box = None if c is None else (decimal_value(c[0] - R), decimal_value(c[0] + R))
    e = {k: str(v) for k, v in constants.items()}
    res = audit_problem(
        p, box=box, pl_claims=[(e["rho"], e["mu"])], smooth_claims=[("literal", e["L0"], e["L1"], e["alpha"])], time_s=time_s
    )
    claims = res["claims"]
    verdicts = [cl["verdict"] for cl in claims]
    verdict = all_claims(verdicts)
    evidence = "; ".join(
        f"{cl['kind']}{'/' + cl['form'] if cl.get('form') else ''}: {cl['verdict']}"
        + (f" (witness {cl['witness']})" if cl.get("witness") else "")
        for cl in claims
    )
    return {"verdict": verdict, "evidence": evidence, "region": res.get("region", str(box))}


def plot_check(res: CheckResult, path):
    """Two panels: Delta_t with the derived bound in the coordinates where the regime's law is a line (log-log
    sublinear, semilog linear, Delta^(1-q) finite time), and T(eps) with the derived and printed slopes."""
    from insgd.verify.figures import figure, legend, save

    r, c = res.regime, res.complexity
    fig, ax = figure(1, 2, width=12, height=4.3)
    t = np.array(r.t, float)
    gap, b = np.array(r.gap), np.array(r.bound)
    q = r.q_predicted
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in res.params.items())
    beta = res.setup["beta_exact"]
    if r.regime_predicted == 1:
        ax[0].loglog(np.maximum(t, 1), gap, label="measured $\\Delta_t$")
        ax[0].loglog(np.maximum(t, 1)[b > 0], b[b > 0], "--", label=f"derived bound (slope -1/(q-1) = {-1 / (q - 1):.3g})")
        ax[0].set_xlabel("t (log scale)")
        ylabel = "$f(w_t) - f^*$ (log scale)"
    elif r.regime_predicted == 2:
        ax[0].semilogy(t, gap, label="measured $\\Delta_t$")
        ax[0].semilogy(t[b > 0], b[b > 0], "--", label="derived bound $(1-a)^t \\Delta_0$")
        ax[0].set_xlabel("t")
        ylabel = "$f(w_t) - f^*$ (log scale)"
    else:
        ax[0].plot(t, gap ** (1 - q), label="measured $\\Delta_t^{1-q}$")
        ax[0].plot(t[b > 0], b[b > 0] ** (1 - q), "--", label="derived bound$^{1-q}$ (a straight line)")
        ax[0].set_xlabel("t")
        ylabel = f"$\\Delta_t^{{1-q}}$, q = {q:.3g}"
    ax[0].set(
        ylabel=ylabel, title=f"{res.problem}({params}), beta={beta}: regime {r.regime_predicted} (measured {r.regime_measured})"
    )
    legend(ax[0])
    e = np.array(c.eps)
    T = np.array(c.T_measured, float)
    ok = T > 0
    # the coordinates of the fit: with a log factor, T / log(1/eps) against 1/eps, where eps^-e log(1/eps) is a line
    div = np.log(1 / e) if c.log_factor else np.ones_like(e)
    ylabel = "T(eps) / log(1/eps)" if c.log_factor else "T(eps)"
    ax[1].loglog(1 / e[ok], T[ok] / div[ok], "o-", label=f"measured (slope {c.exponent_measured:.3g})")
    ax[1].loglog(
        1 / e, np.array(c.T_derived) / div, "s--", label=f"derived T(eps) (slope on grid {c.exponent_derived_local:.3g})"
    )
    if c.exponent_paper is not None and ok.any():
        ref = T[ok][-1] / div[ok][-1]
        ax[1].loglog(
            1 / e[ok], ref * (e[ok] / e[ok][-1]) ** (-c.exponent_paper), "-.", label=f"printed slope {c.exponent_paper:.3g}"
        )
    note = "" if c.exponent_paper is not None else "\n(the printed statement gives no O(eps^-e): no printed line)"
    ax[1].set(xlabel="1/eps", ylabel=ylabel, title=f"T(eps): verdict {res.verdict}{note}")
    legend(ax[1])
    save(fig, path)
