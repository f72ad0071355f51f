"""Hold NGD runs against Theorem 1, with two kinds of assertion (as PEPit separates them).

* **Bound** -- the derived bound is an upper bound: confirmed when every iterate of the run stays below it (and
  T_measured <= T_derived for every eps of the grid), refuted by the first iterate above it, which is reported.
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
from dataclasses import asdict, dataclass, replace

import numpy as np

from insgd.theory.numbers import InputError, decimal_value, exact
from insgd.verify.checks.rate import Assertion, ComplexityResult, RegimeResult, complexity_check, regime_check
from insgd.verify.checks.setup import MAX_ITERS, Setup, _predict, given_setup, tightest_setup
from insgd.verify.verdicts import (
    BY_DERIVATION,
    CONTRADICTED,
    FAIL,
    INCOMPLETE,
    INCONCLUSIVE,
    NOT_ASSESSED,
    PASS,
    all_claims,
    check_from_claim,
    rate_verdict,
    worst,
)


@dataclass
class CheckResult:
    problem: str
    params: dict
    setup: dict
    regime: RegimeResult
    complexity: ComplexityResult
    assertions: list
    paper_agrees: bool
    disagreement: str
    warnings: list
    constants_audit: dict | None = None

    @property
    def verdict(self):
        return worst(a.verdict for a in self.assertions if a.kind in ("bound", "rate"))  # printed claims are findings

    def statement(self) -> str:
        """The verdict as a sentence that names what was checked (verify.verdicts: a pass is not a proof)."""
        c, st = self.complexity, self.setup
        what = (
            f"the derived Theorem 1 on {st['problem_label']}, beta = {st['beta_exact']}, with {st['constants_source']} "
            f"constants on {st['region']}: the bound at every iterate of one run at gamma(eps = {self.regime.eps:g}), and "
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
            "problem": self.problem,
            "params": self.params,
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


def _assertions(s: Setup, r: RegimeResult, c: ComplexityResult, paper_agrees: bool) -> list:
    out = []
    if r.bound_holds is None:
        out.append(
            Assertion(
                "derived bound at every iterate",
                "bound",
                INCONCLUSIVE,
                r.withheld or f"the run was capped at {MAX_ITERS} iterations before T_derived = {r.T_derived:.3g}",
            )
        )
    elif r.bound_holds:
        out.append(
            Assertion(
                "derived bound at every iterate",
                "bound",
                PASS,
                f"not refuted on this run: Delta_t <= bound(t) at all {r.T_hit + 1} iterates up to Delta <= eps = "
                f"{r.eps:g} (t = {r.T_hit}); the bound exceeds Delta_t by up to {r.bound_ratio_max:.3g}x",
            )
        )
    else:
        v = r.first_violation
        out.append(
            Assertion(
                "derived bound at every iterate",
                "bound",
                FAIL,
                f"at t = {v['t']}: Delta_t = {v['gap']:.6g} > bound {v['bound']:.6g}",
                dict(v),
            )
        )
    if c.T_sound is None:
        out.append(
            Assertion(
                "T_measured <= T_derived",
                "bound",
                INCONCLUSIVE,
                c.withheld or "some runs were capped before reaching eps and before T_derived",
            )
        )
    else:
        out.append(
            Assertion(
                "T_measured <= T_derived",
                "bound",
                PASS if c.T_sound else FAIL,
                f"not refuted on this grid: each of the {len(c.eps)} eps in [{min(c.eps):g}, {max(c.eps):g}] reached "
                "within T_derived"
                if c.T_sound
                else "; ".join(
                    f"eps={e:g}: "
                    + (f"T_measured {tm:.0f} > T_derived {td:.3g}" if tm >= 0 else f"not reached within T_derived = {td:.3g}")
                    for e, tm, td in c.unsound
                ),
            )
        )
    if s.tight and s.source == "certified":
        lo, hi = r.q_interval
        out.append(
            Assertion(
                "rate q (tight instance)",
                "rate",
                rate_verdict(lo, hi, r.q_predicted),
                f"q predicted {r.q_predicted:.5g}, measured {r.q_measured:.5g} (extrapolated to gamma -> 0 "
                f"from gamma and gamma/2) with interval [{lo:.5g}, {hi:.5g}]; measured regime "
                f"{r.regime_measured}"
                if math.isfinite(r.q_measured)
                else f"q predicted {r.q_predicted:.5g}; not measurable: the run does not decrease",
            )
        )
        elo, ehi = c.exponent_interval
        tlo, thi = sorted((c.exponent_derived, c.exponent_derived_local))
        # On a tight instance T_measured and T_derived share their asymptotic exponent; on a finite grid the measured
        # slope is held against the span between the derived T's own slope on the grid and the asymptotic exponent.
        out.append(
            Assertion(
                "T(eps) exponent (tight instance)",
                "rate",
                rate_verdict(elo, ehi, tlo, thi),
                (
                    f"derived: {c.exponent_derived:.4g} asymptotically, {c.exponent_derived_local:.4g} on this "
                    f"grid; measured {c.exponent_measured:.4g} with interval [{elo:.4g}, {ehi:.4g}] (95% fit "
                    "interval joined with the leave-one-out slopes)" + (" (T / log(1/eps) fitted)" if c.log_factor else "")
                )
                if math.isfinite(elo) and math.isfinite(ehi) and math.isfinite(c.exponent_derived_local)
                else f"derived: {c.exponent_derived:.4g} asymptotically; measured: not measurable (too few eps of the "
                "grid reached)",
            )
        )
    else:
        why = (
            "the constants are given, not certified"
            if s.source == "given"
            else "the PL certificate is not an equality on this problem"
        )
        out.append(
            Assertion(
                "rate",
                "rate",
                NOT_ASSESSED,
                f"{why}: the bound is an upper bound whose shape need not be attained; q measured "
                f"{r.q_measured:.4g} (interval [{r.q_interval[0]:.4g}, {r.q_interval[1]:.4g}]) vs "
                f"{r.q_predicted:.4g} predicted; T exponent measured "
                + (f"{c.exponent_measured:.4g}" if np.isfinite(c.exponent_measured) else "not measurable (< 3 eps reached)")
                + f" vs derived {c.exponent_derived:.4g}",
            )
        )
    if c.exponent_paper is not None and np.isfinite(c.exponent_interval[0]):
        # An O(eps^-e) claim is asymptotic: a finite grid alone cannot refute it. It is contradicted here only when
        # the derivation puts T's order above the printed one AND, on an instance where the bound is tight (the rate
        # assertions passed: the measured slope agrees with the derived T(eps) on the same grid), the measured
        # exponent interval lies above e too.
        lo, hi = c.exponent_interval
        above = lo > c.exponent_paper
        rate_agrees = (
            bool(out) and all(a.verdict == PASS for a in out if a.kind == "rate") and s.tight and s.source == "certified"
        )
        verdict = (
            CONTRADICTED
            if above and not paper_agrees and rate_agrees
            else "consistent"
            if lo <= c.exponent_paper
            else "above on this grid (the derivation agrees with the printed order)"
            if paper_agrees
            else "above on this grid (not a tight instance: no contradiction is earned)"
        )
        out.append(
            Assertion(
                "printed T = O(eps^-e)",
                "printed",
                verdict,
                f"printed e = {c.exponent_paper:.4g}, derived {c.exponent_derived:.4g} asymptotically and "
                f"{c.exponent_derived_local:.4g} on this grid; measured exponent interval [{lo:.4g}, {hi:.4g}] on eps in "
                f"[{min(c.eps):g}, {max(c.eps):g}]" + (" (T / log(1/eps) fitted)" if c.log_factor else ""),
                {"printed_below_measured": verdict == CONTRADICTED},
            )
        )
    return out


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
    """Bound and rate checks of Theorem 1 for NGD with normalization beta on problem, with the problem's certified
    constants (generalized=True: the certificate with L1 > 0; rho: the certified mu at this rho), or with
    `constants` (dict L0, L1, alpha, rho, mu) claimed by the user, which the auditor tests. backend: "numba" runs
    the NGD loops compiled (numerics/fused.ngd_runs, the engine's loop step for step), "numpy" through the engine;
    None: numba when installed. optimizer: an engine Optimizer to hold against the theorem instead of the engine's NGD
    (numerics/foreign.py: it receives Theorem 1's gamma(eps) as its learning rate and must normalize with this beta)."""
    if constants is None:
        s = tightest_setup(problem, beta, w0, generalized=generalized, rho=rho)
    else:
        s = given_setup(problem, beta, w0=w0, **constants)
    if optimizer is not None:
        s = replace(s, optimizer=optimizer)
    if not (exact(s.alpha) <= s.beta <= 1):
        raise InputError(f"beta must satisfy alpha <= beta <= 1 with alpha = {s.alpha:g}, got {beta}")
    eps_grid = np.geomspace(1e-2, 1e-5, 5) if eps_grid is None else np.asarray(eps_grid, float)
    pred = _predict(s, float(np.min(eps_grid)))
    reg = regime_check(s, float(np.min(eps_grid)), backend)
    comp = complexity_check(s, eps_grid, backend)
    assertions = _assertions(s, reg, comp, pred.paper_agrees)
    audit = None
    if s.source == "given":
        audit = audit_given(s, audit_time_s)
        verdict = check_from_claim(audit["verdict"])
        assertions.insert(0, Assertion("given constants hold on the region", "bound", verdict, audit["evidence"], audit))
    setup = {
        "problem_label": problem.label(),
        "L0": s.L0,
        "L1": s.L1,
        "alpha": s.alpha,
        "rho": s.rho,
        "mu": s.mu,
        "region": s.region,
        "beta": float(s.beta),
        "beta_exact": str(s.beta),
        "w0": s.w0.tolist(),
        "constants_source": s.source,
        "constants_status": s.status or s.source,  # for display: how the constants were obtained
        "tight": s.tight,
    }
    return CheckResult(
        problem=problem.name,
        params=problem.params(),
        setup=setup,
        regime=reg,
        complexity=comp,
        assertions=assertions,
        paper_agrees=pred.paper_agrees,
        disagreement=pred.disagreement,
        warnings=list(pred.warnings),
        constants_audit=audit,
    )


def audit_given(s: Setup, time_s) -> dict:
    """The auditor on user-given constants, over the box the iterates stay in (literal form and PL)."""
    from insgd.verify.audit.auditor import audit_problem

    p = s.problem
    R = float(np.linalg.norm(s.w0 - p.argmin))
    c = p.argmin if p.dim == 1 else None
    box = None if c is None else (decimal_value(c[0] - R), decimal_value(c[0] + R))
    e = s.exact
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
