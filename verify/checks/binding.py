"""How a theorem's constants come from a problem's certificates: one selection policy and one reading rule for every
checker (the generic one, Theorem 1's setups, the worst-case brackets).

Selection (numerics.constants.Constants.smooth_for and pl_for, the one definition). For Assumption 1 in a form,
the tightest certificate that covers the region and has the values the theorem requires: the smallest alpha, then
the smallest L0 + L1; every constant of that assumption is read from this one certificate. For Assumption 2, at a
required rho the largest certified mu; with rho free, the largest certified rho and its largest mu, so that rho and
mu always come from one pair.

Reading. The constants are floats the engine uses. Exponents (alpha, rho) are read as the simplest rational within
float precision (a certified 4/3 is 4/3, so that regime boundaries such as rho = 2 - beta decide exactly), and so
is the oracle's noise (tau1, tau2), which the user typed; every other constant as its exact binary value (a
certified L = 1 + 2^-52 stays 1 + 2^-52; theory/numbers.py).
"""

import math
from dataclasses import dataclass

from insgd.theory.numbers import InputError, binary_value, exact

EXPONENT_FIELDS = ("alpha", "rho")


@dataclass(frozen=True)
class Binding:
    values: dict  # symbol -> float, as the engine uses them
    exact: dict  # symbol -> exact SymPy number, by the reading rule
    radius: float | None  # the smallest region the chosen certificates share: a ball's radius, None when global
    tight: bool  # the chosen PL certificate is an equality (the power family)
    status: str  # how the problem obtained its constants (Constants.status)
    notes: tuple = ()  # what the choice had to give up (another form, a floored L1), for the check's warnings
    form: str = ""  # the form of Assumption 1 the constants come from


def _smooth(theorem, cons, form, radius, need, generalized, forms, floor, notes):
    """The certificate of Assumption 1 (form) by the policy, with the caller's fallbacks: other forms in order
    (noted), then, when L1 > 0 was asked and floor is given, the form's tightest certificate with L0 and L1 floored
    at floor (L0 = 0 or L1 = 0 certifies every positive value; noted). None when nothing fits."""
    for f in (form, *forms):
        c = cons.smooth_for(f, radius, generalized=generalized, need=need)
        if c is not None:
            if f != form:
                notes.append(
                    f"Assumption 1 in the {f} form{' (L1 > 0)' if generalized else ''}: the {form} form the theorem "
                    "states has no such certificate here, so the proof's descent step needs the max of ||grad F|| over "
                    "each step"
                )
            L0 = c.L0 if c.L0 > 0 or not floor else floor  # L0 = 0 certifies every L0 > 0
            if L0 != c.L0:
                notes.append(f"L0 = 0 is certified (every L0 > 0 holds): L0 is floored at {floor:g}")
            return f, {"L0": L0, "L1": c.L1, "alpha": c.alpha}, c.region
    c = cons.smooth_for(form, radius, need=need) if generalized and floor else None
    if c is None:
        return None
    notes.append(
        f"no certificate with L1 > 0: L1 is floored at {floor:g}"
        + (f" (and L0 = 0 at {floor:g})" if c.L0 <= 0 else "")
        + ", so the normalization is inert (h_t = 1 for I-NSGD, which then runs as minibatch SGD)"
    )
    return form, {"L0": c.L0 if c.L0 > 0 else floor, "L1": max(c.L1, floor), "alpha": c.alpha}, c.region


def bind_constants(theorem, problem, radius, variance=None, noise=None, generalized=False, rho=None, forms=(), floor=None):
    """The theorem's constants from the problem's certificates covering the ball of this radius around the
    minimizer (None: global certificates only), from the oracle's (tau1, tau2) `noise` and its variance certificate
    `variance` = (M, M_V). The caller's choices: generalized (Assumption 1 with L1 > 0), rho (Assumption 2 at this rho;
    a rho the record requires wins), forms (other forms of Assumption 1 accepted in order) and floor (L1 floored when
    no L1 > 0 certificate exists). Refuses in one line, naming the missing assumption."""
    cons = problem.certify(radius=radius)
    where = "globally" if radius is None else f"on the ball of radius {radius:g}"
    chosen, regions, tight, notes, form = {}, [], False, [], ""  # assumption key -> {field: value}, one certificate each
    for akey in dict.fromkeys(a for a, _ in theorem.binds.values()):
        need = theorem.requires.get(akey, {})
        what = akey + (f" with {', '.join(f'{k} = {v:g}' for k, v in need.items())}" if need else "")
        if akey.startswith("A1."):
            pick = _smooth(theorem, cons, akey.split(".", 1)[1], radius, need, generalized, forms, floor, notes)
            if pick is None:
                what += " and L1 > 0" if generalized else ""
                raise InputError(
                    f"theorem {theorem.key} needs {what} (Assumption 1, {akey.split('.', 1)[1]} form); problem "
                    f"{problem.name} does not certify it {where}"
                )
            form, chosen[akey] = pick[0], pick[1]
            regions.append(pick[2])
        elif akey == "A2":
            at = need.get("rho", rho)
            pick = cons.pl_for(radius, at)
            if pick is None:
                what += "" if at is None or "rho" in need else f" at rho = {at:g}"
                raise InputError(
                    f"theorem {theorem.key} needs {what} (the PL inequality); problem {problem.name} does not certify it {where}"
                )
            chosen[akey] = {"rho": pick[1], "mu": pick[2]}
            regions.append(pick[0].region)
            tight = bool(pick[0].tight)
        elif akey in ("variance", "noise"):
            source = variance if akey == "variance" else noise
            if source is None:
                raise InputError(
                    f"theorem {theorem.key} needs a stochastic oracle with certified noise ({akey}); give the synthetic "
                    f"oracle's noise (--noise TAU1,TAU2) for problem {problem.name}"
                )
            chosen[akey] = dict(zip(("M", "M_V") if akey == "variance" else ("tau1", "tau2"), source, strict=True))
            for k, v in need.items():
                if not math.isclose(chosen[akey][k], v, abs_tol=0):
                    have = ", ".join(f"{k} = {v:g}" for k, v in chosen[akey].items())
                    raise InputError(f"theorem {theorem.key} needs {what}; the oracle has {have}")
        else:
            raise InputError(f"theorem {theorem.key}: no certificate maps to assumption {akey}")
    values = {sym: float(chosen[akey][fld]) for sym, (akey, fld) in theorem.binds.items()}
    radii = [r.radius for r in regions if not r.is_global]

    def read(sym, v):  # exponents and the noise the user typed: the rational they spell; computed scales: exactly
        akey, fld = theorem.binds[sym]
        return exact(v) if fld in EXPONENT_FIELDS or akey == "noise" else binary_value(v)

    return Binding(
        values=values,
        exact={s: read(s, v) for s, v in values.items()},
        radius=min(radii) if radii else None,
        tight=tight,
        status=cons.status,
        notes=tuple(notes),
        form=form,
    )
