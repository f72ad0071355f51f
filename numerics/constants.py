"""Certified constants as data: what each problem guarantees, for which form, on which region.

The floats serve the engine. Where a constant is a closed form (2/3, 3 * 4^(1/3)), its float is only the nearest
double, which read exactly (as the auditor reads every number) may be just on the wrong side; `exact` then holds
the closed form as text in the auditor's expression language, and the auditor certifies that."""

import math
from dataclasses import asdict, dataclass, field

from insgd.core import parse_fraction


def frac(x) -> str:
    """A problem's parameter as exact text: the rational its shortest repr spells (4.0 -> '4', 2.5 -> '5/2'), as the
    auditor reads the problem's formula (insgd.core.parse_fraction; theory/numbers.py lists the rules)."""
    return str(parse_fraction("parameter", x))


@dataclass(frozen=True)
class Region:
    """Where a certificate holds: all of R^d (radius None) or the ball ||w - center|| <= radius."""

    radius: float | None = None
    center: str = "minimizer"

    def __str__(self):
        return "global" if self.radius is None else f"ball(radius={self.radius:g} around the {self.center})"

    @property
    def is_global(self):
        return self.radius is None


GLOBAL = Region()


def _covers(region, radius) -> bool:
    """region covers the ball of this radius around the minimizer (radius None: only a global region does)."""
    return region.is_global or (radius is not None and (region.radius or 0) >= radius)


@dataclass(frozen=True)
class Smooth:
    """Assumption 1 in one form holds with (L0, L1, alpha) on region. L0 = 0 means any L0 > 0 works."""

    form: str
    L0: float
    L1: float
    alpha: float
    region: Region = GLOBAL
    how: str = ""
    exact: tuple | None = None  # (L0, L1, alpha) as exact expressions (text) where the floats round a closed form


@dataclass(frozen=True)
class Fails:
    """The assumption fails on region, with the reason (and a witness where one is simple)."""

    form: str
    region: Region = GLOBAL
    why: str = ""


@dataclass(frozen=True)
class PL:
    """Assumption 2 holds for rho in [rho_lo, rho_hi]; best_mu(rho) gives the largest mu (may be numeric)."""

    rho_lo: float
    rho_hi: float
    region: Region = GLOBAL
    how: str = ""
    mu_at: dict = field(default_factory=dict)  # rho -> best mu, for the rhos the problem can certify
    exact: dict = field(default_factory=dict)  # text of rho -> text of mu, exact, where the floats round closed forms
    tight: bool = False  # equality ||grad f||^rho / (2 mu) = f - f* everywhere: Theorem 1's rate is attained here


@dataclass(frozen=True)
class Constants:
    smooth: tuple = ()
    pl: tuple = ()
    status: str = "certified"  # or "estimated" (numerical, not a proof)
    note: str = ""

    def smooth_for(self, form: str, region_radius=None, generalized=False, need=None):
        """The tightest certificate for form whose region covers a ball of region_radius (None: global only): the
        smallest alpha, then the smallest L0 + L1. generalized=True considers only certificates with L1 > 0; need:
        field values the certificate must have (e.g. {"L1": 0.0}). The one selection rule of every checker."""
        need = need or {}
        cands = [
            c
            for c in self.smooth
            if isinstance(c, Smooth)
            and c.form == form
            and _covers(c.region, region_radius)
            and (c.L1 > 0 or not generalized)
            and all(math.isclose(getattr(c, k), v, abs_tol=0) for k, v in need.items())
        ]
        return min(cands, key=lambda c: (c.alpha, c.L0 + c.L1), default=None)

    def pl_for(self, region_radius=None, rho=None):
        """(certificate, rho, mu) of Assumption 2 whose region covers a ball of region_radius: at this rho the largest
        mu; rho None: the largest certified rho (the local geometry at the minimizer decides Theorem 1's regime; a
        global certificate first on ties), then its largest mu. None when there is none."""
        pairs = [(c, r) for c in self.pl if _covers(c.region, region_radius) for r in c.mu_at]
        if rho is not None:
            pairs = [(c, r) for c, r in pairs if math.isclose(r, float(rho), rel_tol=1e-12)]
        if not pairs:
            return None
        if rho is None:
            c, r = max(pairs, key=lambda x: (x[1], x[0].region.is_global, x[0].mu_at[x[1]]))
        else:
            c, r = max(pairs, key=lambda x: x[0].mu_at[x[1]])
        return c, r, c.mu_at[r]

    def to_json(self):
        def enc(x):
            d = asdict(x)
            d["kind"] = type(x).__name__
            d["region"] = str(x.region)
            if "mu_at" in d:
                d["mu_at"] = {str(k): v for k, v in d["mu_at"].items()}
            return d

        return {
            "status": self.status,
            "note": self.note,
            "smooth": [enc(c) for c in self.smooth],
            "pl": [enc(c) for c in self.pl],
        }
