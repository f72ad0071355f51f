"""Deciding claims (holds, fails, unknown) and searching for the best constants: admissible exponents,
the largest mu, the smallest L0."""

import contextlib
import time

import numpy as np
import sympy as sp
from mpmath import iv

from insgd.theory.numbers import InputError, decimal_value, parse_number
from insgd.verify.audit.forms import BUDGET, SEARCH_RADIUS, Claim, TimeLimit, W, _fmt, _num, time_limit
from insgd.verify.audit.intervals import Unsupported, box, hi_of, ieval, ipow, lo_of, point
from insgd.verify.audit.safe_expr import parse_expr
from insgd.verify.audit.witnesses import _refute_pairs, hessian_residual, pl_residual, refute
from insgd.verify.verdicts import FAILS, HOLDS, UNKNOWN

# -- the claims --------------------------------------------------------------------------------------------------


def _region_text(region):
    a, b = region
    return "R" if a is sp.S.NegativeInfinity and b is sp.oo else f"[{_fmt(a)}, {_fmt(b)}]"


def check_claim(audit, claim: Claim, region, time_s=None) -> Claim:
    t0 = time.monotonic()
    time_s = audit.time_s if time_s is None else time_s
    try:
        with time_limit(time_s):
            _check(audit, claim, region, t0 + time_s)
    except TimeLimit:
        claim.verdict = UNKNOWN
        claim.evidence = f"time limit ({time_s:g} s per claim) reached; no violation found before it"
        claim.certificate = ""
    claim.time_s = round(time.monotonic() - t0, 3)
    return claim


def _check(audit, claim, region, deadline):
    c = claim.constants
    if claim.kind == "smooth" and claim.form == "hessian" and audit.hessian_kinks:
        claim.evidence = f"f'' does not exist at w = {audit.hessian_kinks[0]}: the Hessian form does not apply"
        return
    if claim.kind == "pl" and audit.fstar_upper is None:
        claim.evidence = f"f* unknown ({audit.fstar_how}); no violation can be checked"
        return
    if claim.kind == "smooth" and claim.form in ("literal", "segment"):
        w = _refute_pairs(audit, c, region, claim.form)
        if w is not None:
            claim.verdict, claim.witness, claim.violation = FAILS, [float(x) for x in w[0]], w[1]
            claim.witness_exact = [str(x) for x in w[0]]
            claim.evidence = (
                f"|f'(w) - f'(w')| exceeds the bound at (w, w') = ({_fmt(w[0][0])}, {_fmt(w[0][1])}) "
                f"by >= {w[1]:.3g} (60-digit intervals)"
            )
            claim.certificate = "witness pair inside the region"
            return
    else:
        w = refute(audit, "pl" if claim.kind == "pl" else "smooth", c, region)
        if w is not None:
            claim.verdict, claim.witness, claim.violation = FAILS, [float(w[0])], w[1]
            claim.witness_exact = [str(w[0])]
            what = "f - f* exceeds |f'|^rho/(2 mu)" if claim.kind == "pl" else "|f''| exceeds L0 + L1 |f'|^alpha"
            claim.evidence = f"{what} at w = {_fmt(w[0])} by >= {w[1]:.3g} (60-digit intervals at the exact point)"
            claim.certificate = "witness inside the region" + (
                "" if claim.kind != "pl" or audit.fstar is not None else "; against an upper bound of f*"
            )
            return
    if audit.domain_unknown:
        claim.evidence = "no violation found; the domain of f is not certified: " + "; ".join(audit.notes)
        return
    if claim.kind == "pl":
        if not audit.fstar_certified:
            claim.evidence = f"no violation found; no certificate because {audit.fstar_how}"
            return
        E = pl_residual(audit, c["rho"], c["mu"])
        ok, how = audit.certify_nonneg(E, *region, audit.argmin, deadline, kind="pl", pl=(c["rho"], c["mu"]))
    elif claim.form == "hessian" or (claim.form == "segment" and region[0] is sp.S.NegativeInfinity and region[1] is sp.oo):
        E = hessian_residual(audit, c["L0"], c["L1"], c["alpha"])
        ok, how = audit.certify_nonneg(E, *region, [], deadline, consts=(c["L0"], c["L1"], c["alpha"]))
        if ok and claim.form == "segment":
            how = (
                "the Hessian form with the same constants, certified: " + how + "; it implies the segment form "
                "(|f'(w) - f'(w')| = |int f''| <= (L0 + L1 max_segment |f'|^alpha) |w - w'|)"
            )
    elif region[0].is_finite and region[1].is_finite:
        ok = certify_pair_form(audit, claim.form, c["L0"], c["L1"], c["alpha"], region, deadline)
        how = (
            "sufficient condition sup_hull |f''| <= L0 + L1 m^alpha on a cover of 2-D boxes"
            if ok
            else "the 2-D box cover did not close"
        )
    elif audit.hessian_kinks:
        ok, how = None, f"the literal form on an unbounded region needs f'' (it does not exist at w = {audit.hessian_kinks[0]})"
    else:  # unbounded region: sup |f''| <= L0 is sufficient for eq. (2) with every L1 >= 0 (mean value theorem)
        E = hessian_residual(audit, c["L0"], sp.Integer(0), sp.Integer(0))
        ok, how = audit.certify_nonneg(E, *region, [], deadline, consts=(c["L0"], sp.Integer(0), sp.Integer(0)))
        how = (
            f"|f''| <= L0 certified on the region ({how}); then |f'(w) - f'(w')| <= L0 |w - w'| "
            "<= (L0 + L1 |f'(w')|^alpha) |w - w'| for every L1 >= 0 (mean value theorem)"
            if ok
            else f"the sufficient condition |f''| <= L0 on the region was not certified ({how}); no other method on "
            "an unbounded region"
        )
    if ok:
        claim.verdict, claim.certificate = HOLDS, how
        claim.evidence = "certified for the exact constants given" + (
            "" if claim.kind != "pl" else f"; f* = {_fmt(audit.fstar)} certified ({audit.fstar_how})"
        )
    else:
        claim.evidence = f"no violation found by search; no certificate: {how}"


def certify_pair_form(audit, form, L0, L1, alpha, region, deadline, budget=BUDGET):
    """Literal/segment forms on a box, by the sufficient condition over 2-D boxes (w in I, w' in J):
    sup_{hull(I, J)} |f''| <= L0 + L1 m^alpha, m = inf |f'(J)| (literal) or max(inf|f'(I)|, inf|f'(J)|) (segment)."""
    a, b = region
    adf, ad2f = sp.Abs(audit.df), sp.Abs(audit.d2f)
    stack = [((a, b), (a, b))]
    n = 0
    L0i, L1i = point(L0), point(L1)
    while stack:
        (i0, i1), (j0, j1) = stack.pop()
        n += 1
        if n > budget:
            return None
        if time.monotonic() > deadline:
            raise TimeLimit()
        try:
            hull = box(min(i0, j0), max(i1, j1))
            sup = ieval(ad2f, {W: hull}).b
            m = ieval(adf, {W: box(j0, j1)}).a
            if form == "segment":
                m = max(m, ieval(adf, {W: box(i0, i1)}).a)
            rhs = (L0i + L1i * ipow(iv.mpf([m, m]), alpha)).a
        except (Unsupported, ValueError, ZeroDivisionError, OverflowError):
            return None
        if sup <= rhs:
            continue
        if max(i1 - i0, j1 - j0) < sp.Rational(1, 10**6):
            return None
        if i1 - i0 >= j1 - j0:
            mid = (i0 + i1) / 2
            stack += [((i0, mid), (j0, j1)), ((mid, i1), (j0, j1))]
        else:
            mid = (j0 + j1) / 2
            stack += [((i0, i1), (j0, mid)), ((i0, i1), (mid, j1))]
    return True


# -- admissible exponents and best constants ------------------------------------------------------------------------


def rho_range(audit):
    """Admissible rho for PL (1-D): near the minimizer f - f* ~ c|h|^k gives rho <= k/(k-1); at infinity the
    growth of |f'| against f - f* gives the lower end (limits by SymPy)."""
    if not audit.argmin or audit.fstar is None:
        return None
    if any(p not in audit.argmin and float(sp.N(audit.f.subs(W, p) - audit.fstar, 30)) > 1e-20 for p in audit.stationary):
        return {"empty": True, "why": "a non-minimizing stationary point refutes PL for every rho"}
    try:
        with time_limit(20):
            k, _ = audit.order_at(audit.argmin[0])
            hi = k / (k - 1) if k is not None and k > 1 else None
            lx = sp.Symbol("x", positive=True)
            exps = []
            for s in (1, -1):
                num = sp.log(sp.Abs(audit.df.subs(W, s * lx)))
                den = sp.log(audit.f.subs(W, s * lx) - audit.fstar)
                exps.append(sp.limit(den / num, lx, sp.oo))
            lo = max(exps) if all(r is not None and r.is_finite for r in exps) else None
    except (TimeLimit, Exception):  # noqa: BLE001
        return None
    return {
        "lo": _num(lo) if lo is not None else None,
        "hi": _num(hi) if hi is not None else None,
        "lo_exact": None if lo is None else str(lo),
        "hi_exact": None if hi is None else str(hi),
        "how": "local order k of f - f* at the minimizer (rho <= k/(k-1)); lim log(f-f*)/log|f'| at infinity",
    }


def alpha_min(audit):
    """Smallest alpha for the Hessian form globally: lim sup log|f''| / log|f'| as |w| -> oo (None if > 1)."""
    x = sp.Symbol("x", positive=True)
    try:
        with time_limit(20):
            vals = [
                sp.limit(sp.log(sp.Abs(audit.d2f.subs(W, s * x))) / sp.log(sp.Abs(audit.df.subs(W, s * x))), x, sp.oo)
                for s in (1, -1)
            ]
            a = max(vals)
            if not a.is_finite:
                return None
            if a > 1:
                return {"alpha_min": None, "why": "|f''| grows faster than |f'|: no alpha <= 1 works globally"}
            if a == 1:
                r = [sp.limit(sp.Abs(audit.d2f.subs(W, s * x)) / sp.Abs(audit.df.subs(W, s * x)), x, sp.oo) for s in (1, -1)]
                if any(not v.is_finite for v in r):
                    return {"alpha_min": None, "why": "|f''|/|f'| is unbounded: no alpha <= 1 works globally"}
    except (TimeLimit, Exception):  # noqa: BLE001
        return None
    return {"alpha_min": _num(a), "alpha_min_exact": str(a), "why": "lim log|f''| / log|f'| as |w| -> infinity"}


def _samples(audit, region):
    a, b = region
    lo = -SEARCH_RADIUS if a is sp.S.NegativeInfinity else float(a)
    hi = SEARCH_RADIUS if b is sp.oo else float(b)
    xs = [np.linspace(lo, hi, 4001)]
    for p in audit.argmin + list(audit.stationary):
        pf = float(sp.N(p))
        xs += [pf + np.geomspace(1e-7, 1, 300), pf - np.geomspace(1e-7, 1, 300)]
    if b is sp.oo:
        xs.append(np.geomspace(SEARCH_RADIUS, 1e6, 300))
    if a is sp.S.NegativeInfinity:
        xs.append(-np.geomspace(SEARCH_RADIUS, 1e6, 300))
    xs = np.concatenate(xs)
    keep = np.ones(len(xs), bool)
    if a is not sp.S.NegativeInfinity:
        keep &= xs >= lo
    if b is not sp.oo:
        keep &= xs <= hi
    return xs[keep]


def _candidates(x, direction):
    """Exact candidate constants near x, tried in order: a simple closed form near x, then x moved by growing
    margins in `direction` (-1: smaller, +1: larger), each a short decimal."""
    out = []
    for consts in ([], [sp.pi, sp.E]):
        with contextlib.suppress(Exception):
            s = sp.nsimplify(x, consts, tolerance=1e-9 * (1 + abs(x)))
            if s.is_number and s.is_real and len(str(s)) < 30 and s not in out:
                out.append(s)
    for m in (1e-6, 1e-3, 1e-2, 1e-1, 0.5):
        y = x * (1 + direction * m) if x > 0 else x + direction * m * (1 + abs(x))
        out.append(parse_number("c", f"{y:.6g}"))
    return out


def best_mu(audit, rho, region, time_s=20.0):
    """The largest mu for a given rho, as [certified valid value, upper estimate]: the upper end is a rigorous
    bound (the ratio |f'|^rho / (2(f - f*)) evaluated at a point: no mu above it can hold); the lower end is
    the largest candidate below it that the auditor certifies. None where f* is not exact."""
    if audit.fstar is None or not audit.fstar_certified:
        return None
    xs = _samples(audit, region)
    f, df = audit.num("f"), audit.num("df")
    fs = float(sp.N(audit.fstar, 30))
    with np.errstate(all="ignore"):
        gap = f(xs) - fs
        r = np.abs(df(xs)) ** float(rho) / (2 * gap)
    ok = np.isfinite(r) & (gap > 1e-12)
    if not ok.any():
        return None
    x = decimal_value(xs[ok][np.argmin(r[ok])])
    ratio = sp.Abs(audit.df) ** rho / (2 * (audit.f - audit.fstar))
    try:
        upper = hi_of(ieval(ratio, {W: point(x)}))
    except (Unsupported, ZeroDivisionError, ValueError):
        return None
    if upper is None:
        return None
    deadline = time.monotonic() + time_s
    valid = None
    try:
        with time_limit(time_s):
            for m in _candidates(float(upper), -1):
                if m <= 0 or m > upper:
                    continue
                E = pl_residual(audit, rho, m)
                if audit.certify_nonneg(E, *region, audit.argmin, deadline, kind="pl", pl=(rho, m))[0]:
                    valid = m
                    break
    except TimeLimit:
        pass
    return {
        "rho": _num(rho),
        "valid": _num(valid),
        "valid_exact": None if valid is None else str(valid),
        "upper": float(upper),
        "upper_at_w": float(x),
        "how": "upper: the ratio at a point (rigorous); valid: the largest candidate the auditor certifies",
    }


def smallest_L0(audit, L1, alpha, region, time_s=20.0):
    """The smallest L0 with |f''| <= L0 + L1 |f'|^alpha on the region, as [lower bound, certified valid value]:
    the lower end is |f''| - L1 |f'|^alpha at a point (rigorous: no smaller L0 holds); the upper end is the
    smallest candidate above it that the auditor certifies."""
    xs = _samples(audit, region)
    d2f, df = audit.num("d2f"), audit.num("df")
    with np.errstate(all="ignore"):
        g = np.abs(d2f(xs)) - float(L1) * np.abs(df(xs)) ** float(alpha)
    g = np.where(np.isfinite(g), g, -np.inf)
    i = int(np.argmax(g))
    x = decimal_value(xs[i])
    try:
        lower = lo_of(ieval(sp.Abs(audit.d2f) - L1 * sp.Abs(audit.df) ** alpha, {W: point(x)}))
    except (Unsupported, ZeroDivisionError, ValueError):
        return None
    if lower is None:
        return None
    if region[1] is sp.oo and abs(float(xs[i])) >= 0.99 * np.max(np.abs(xs)):
        return {
            "L1": _num(L1),
            "alpha": _num(alpha),
            "lower": float(lower),
            "lower_at_w": float(x),
            "valid": None,
            "valid_exact": None,
            "L0": None,
            "how": "|f''| - L1 |f'|^alpha is largest at the end of the search "
            "range (it grows): no finite L0 was found; the lower bound is rigorous",
        }
    deadline = time.monotonic() + time_s
    valid = None
    try:
        with time_limit(time_s):
            for L0 in _candidates(max(float(lower), 1e-12), 1):
                if L0 < lower:
                    continue
                E = hessian_residual(audit, L0, L1, alpha)
                if audit.certify_nonneg(E, *region, [], deadline, consts=(L0, L1, alpha))[0]:
                    valid = L0
                    break
    except TimeLimit:
        pass
    return {
        "L1": _num(L1),
        "alpha": _num(alpha),
        "lower": float(lower),
        "lower_at_w": float(x),
        "valid": _num(valid),
        "valid_exact": None if valid is None else str(valid),
        "L0": _num(valid),
        "how": "lower: at a point (rigorous); valid: the smallest candidate the auditor certifies",
    }


# -- the entry point ---------------------------------------------------------------------------------------------


def claim_number(name, x):
    """A claimed constant, exactly: a number (0.1, 2/3, 1e-3: the rational it spells) or a closed form in the safe
    expression language without variables (3*2**(2/3), sqrt(3)/2)."""
    try:
        return parse_number(name, x)
    except InputError:
        if not isinstance(x, str):
            raise
    e = parse_expr(x, name)
    if e.free_symbols or not e.is_real or not e.is_finite:
        raise InputError(f"{name} must be a real number or closed form without w, got {x!r}")
    return e


def _exact_constants(pl_claims, smooth_claims):
    pl = [(claim_number("claim-pl RHO", r), claim_number("claim-pl MU", m)) for r, m in pl_claims]
    sm = [
        (f, *(claim_number(f"claim-smooth {n}", x) for n, x in zip(("L0", "L1", "ALPHA"), rest, strict=True)))
        for f, *rest in smooth_claims
    ]
    for rho, mu in pl:
        if not (rho > 0 and mu > 0):
            raise InputError(f"claim-pl needs rho > 0 and mu > 0, got {rho}, {mu}")
    for form, L0, L1, al in sm:
        if form not in ("literal", "segment", "hessian"):
            raise InputError(f"claim-smooth FORM must be literal, segment or hessian, got {form!r}")
        if not (L0 > 0 and L1 >= 0 and 0 <= al <= 1):
            raise InputError(f"claim-smooth needs L0 > 0, L1 >= 0, 0 <= alpha <= 1, got {L0}, {L1}, {al}")
    return pl, sm
