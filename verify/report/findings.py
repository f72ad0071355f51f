"""The README's "What it found" section, generated from a full main-job summary (summary.json) by rules in code.

Every number and every comparative word below comes from the summary; `tools/readme_findings.py` writes the section
into README.md from a full run (never `--quick`, whose numbers are a smoke test) and `tests/test_readme.py` (slow)
fails when README.md and a fresh full summary disagree. A quick summary is refused.
"""

from insgd.verify.verdicts import CHECK_VERDICTS, CONTRADICTED, FAIL, INCONCLUSIVE, NOT_APPLICABLE, PASS

START, END = "<!-- findings:start -->", "<!-- findings:end -->"


def _g(x, n=3):
    return "-" if x is None else f"{x:.{n}g}"


def _span(xs, n=3):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    lo, hi = min(xs), max(xs)
    return _g(lo, n) if _g(lo, n) == _g(hi, n) else f"{_g(lo, n)}-{_g(hi, n)}"


def findings(s: dict) -> str:
    if s["quick"]:
        raise ValueError("README findings come from a full run: a --quick summary is a smoke test")
    from insgd.verify.report.markdown import disagreement_headline

    checks = s["checks"]
    out = []
    contradicted = [d for d in s["paper_disagreements"] if d["class"] == CONTRADICTED]
    out.append(
        f"* **Theorem 1 as printed vs derived** ({len(checks)} cases): {len(checks) - len(s['paper_disagreements'])} agree; "
        f"{disagreement_headline(s)}."
    )
    for d in contradicted:
        lo, hi = d["measured_interval"]
        out.append(
            f"  * contradicted, **{d['case']}** (regime {d['regime']}): {d['what']}. Measured exponent "
            f"[{_g(lo)}, {_g(hi)}] on a tight instance, derived {_g(d['derived_T_exponent_on_grid'])} on the same grid."
        )
    bound = [c for c in checks if c["bound_holds"] is not None]
    held = sum(bool(c["bound_holds"]) for c in bound)
    tight = [c for c in checks if c["tight"]]
    rate_pass = sum(all(a["verdict"] == PASS for a in c["assertions"] if a["kind"] == "rate") for c in tight)
    gen = [c for c in checks if c["L1"] > 0]
    gen_pass = sum(c["verdict"] == PASS for c in gen)
    out.append(
        f"* The derived bound of Theorem 1 was not refuted at any iterate in {held} of {len(bound)} runs (one run per "
        f"case, eps down to {_g(min(min(c['eps_grid']) for c in checks))}); on the tight power family the rate (q and "
        f"the T(eps) exponent) matched in {rate_pass} of {len(tight)} cases, with T_derived / T_measured = "
        f"{_span([c['looseness'] for c in tight])}. With L1 > 0 in the step size (generalized smoothness, {len(gen)} "
        f"cases in regimes {', '.join(sorted({str(c['regime']) for c in gen}))}): {gen_pass} of {len(gen)} pass."
    )
    t2 = s["theorem2"]
    rows = t2["checks"]
    hits = ", ".join(f"{c['hits_within_T']}/{c['seeds']}" for c in rows)
    out.append(
        f"* **Theorem 2** ({', '.join(c['label'] for c in rows)}): seeds within T: {hits}; T is "
        f"{_span([c['looseness'] for c in rows])} times the median hitting time; the normalization h_t > 1 acted "
        f"on {_span([c['h_active_fraction'] for c in rows], 2)} of the steps; the derived reading needs B' = "
        f"{_span([c['B_prime_derived'] for c in rows])} where the paper prints {_span([c['B_prime'] for c in rows])}."
        + _theorem2_verdicts(rows)
    )
    comp = t2["complexity"]
    if comp["exponent_measured"] is not None:
        out.append(
            f"* With Theorem 2's own parameters the median hitting time grows like eps^-{_g(comp['exponent_measured'])} "
            f"over eps in [{_g(min(r['eps'] for r in comp['theorem_parameters']))}, "
            f"{_g(max(r['eps'] for r in comp['theorem_parameters']))}], against the bound's eps^-{_g(comp['exponent_theorem'])}."
        )
    lem = t2["lemma2"]
    out.append(
        f"* **Lemma 2** is printed as a sure inequality; oracles satisfying Assumptions 3-4 violate it with "
        f"probability {_span([x['p_fail'] for x in lem])} at B = 16 tau1^2 (the derived bound allows "
        f"{_span([x['derived_bound'] for x in lem])}; derived verdicts: {', '.join(sorted({x['verdict'] for x in lem}))})."
    )
    ind = t2["independence"][0]["estimators"]
    i, sb = ind["independent (I-NSG)"], ind["same batch (NSGD)"]
    out.append(
        f"* **Independent normalization**: with sample gradients (10, 0) and (0, 1) the same-batch normalized "
        f"estimator points {_g(sb['angle_deg'])} degrees away from grad F, the independent one "
        f"{_g(i['angle_deg'], 2)} +- {_g(i['angle_se_deg'], 2)}."
    )
    fr = t2["noise_frontier"]
    pairs = ", ".join(f"tau1 = {_g(a)}: tau2 = {_g(b)}" for a, b in zip(fr["tau1"], fr["tau2"], strict=True))
    out.append(f"* Estimated (sampled, not certified) Assumption 4 constants of phase retrieval: {pairs}.")
    reg = [r for r in s.get("registered_theorems", []) if r["verdict"] != NOT_APPLICABLE]
    if reg:
        parts = []
        for key in dict.fromkeys(r["theorem"] for r in reg):  # registry order
            rs = [r for r in reg if r["theorem"] == key]
            v = {x: sum(r["verdict"] == x for r in rs) for x in CHECK_VERDICTS}
            ratio = "min_t B(t) / mean A(t)" if rs[0].get("measure") == "mean_sq_grad" else "T_bound / T_measured"
            worst = [r["tightness"] for r in rs if r["worst_case"]]
            parts.append(
                f"{key}: {v['pass']} pass, {v['inconclusive']} inconclusive, {v['fail']} fail of {len(rs)} runs, "
                f"tightness {ratio} = {_span([r['tightness'] for r in rs])}"
                + (f" (worst-case family: {_span(worst)})" if worst else "")
            )
        na = s.get("not_applicable", 0)
        out.append(
            "* **Registered theorems**: "
            + "; ".join(parts)
            + (f" ({na} more theorem-problem pairs not applicable: the problem does not certify an assumption)" if na else "")
            + "."
        )
    w = s.get("worst_cases") or {"available": False}
    if w["available"]:
        rows = []
        for r in w["checks"]:
            up, lo, B = r["upper"]["ratio"], r["lower"].get("ratio"), r["theorem"]["bound_ratio"]
            if up is None:
                continue
            frac = "n/a" if lo is None else f">= {_g((1 - B) / (1 - lo))} ({_g((1 - B) / (1 - up))} at the value found)"
            low = "no certified function" if lo is None else f"certified function {_g(lo, 6)}"
            rows.append(f"rho = {_g(r['cls']['rho'])}, beta = {_g(r['beta'])} ({r['pairs']} pairs): {low}, largest SDP "
                        f"value found {_g(up, 6)}, bound {_g(B, 6)}, {r['verdict']}; decrease certified {frac}")  # fmt: skip
        a = w["anchors"][0]["solve"]["value"]
        out.append(
            f"* **Worst cases (insgd pep)**, NGD after N = {w['N']} steps at Theorem 1's gamma(eps = {_g(w['eps'])}), "
            f"class "
            + ", ".join(f"{k} = {_g(v)}" for k, v in w["class"].items())
            + f", Delta_0 = 1 (anchor GD under PL: {a:.6f}, 8/11 = {8 / 11:.6f}): "
            + "; ".join(rows)
            + f". {w['registered']['rows'][0]['N']}..{w['registered']['rows'][-1]['N']} steps of karimi2016.theorem1 "
            f"against its class's SDP (no search): {w['registered']['verdict']}, up to the SDP solver's accuracy."
        )
    from insgd.verify.report.paper_audit import counts

    c = counts(s["paper_audit"])
    out.append(
        f"* **Paper audit**: {len(s['paper_audit'])} statements: "
        + ", ".join(f"{n} {w}" for w, n in c.items() if n)
        + " (holds: certified or proved; not refuted: tested on instances)."
    )
    for which, r in s["reproduce"].items():
        out.append(f"* **Reproduction, {which}**: {r['conclusion']['sentence']}")
    head = (
        f"Numbers from the full `insgd verify all`. The derived predictions and registered theorems give "
        f"{s['verdict_counts']['pass']} pass, {s['verdict_counts']['inconclusive']} inconclusive and "
        f'{s["verdict_counts"]["fail"]} fail; a pass is "not refuted on the instances checked", never a proof. The '
        "paper's printed statements are judged separately (disagreements and the paper audit below). Regenerate with "
        "`python tools/readme_findings.py`."
    )
    return head + "\n\n" + "\n".join(out) + "\n"


def replace_section(readme: str, body: str) -> str:
    i, j = readme.index(START) + len(START), readme.index(END)
    return readme[:i] + "\n" + body + readme[j:]


def section(readme: str) -> str:
    i, j = readme.index(START) + len(START), readme.index(END)
    return readme[i:j].strip("\n") + "\n"


def _theorem2_verdicts(rows) -> str:
    """The Theorem 2 verdicts, and why the ones outside the theorem's hypotheses are inconclusive."""
    counts = ", ".join(f"{sum(c['verdict'] == v for c in rows)} {v}" for v in (PASS, INCONCLUSIVE, FAIL))
    out = [c["label"].split(" beta=")[0] for c in rows if c.get("outside")]
    reasons = "; ".join(sorted({c["outside"].replace(" on this problem", "") for c in rows if c.get("outside")}))
    where = "there" if len(out) == 1 else "on each of them"
    why = f"; inconclusive on {', '.join(out)}: {reasons} {where}, so those runs are outside its hypotheses whatever they show"
    return f" Verdicts: {counts}{why if out else ''}."
