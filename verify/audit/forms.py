"""The auditor's vocabulary: the symbols, claims, expression forms and the interval cover that
certifies E >= 0 on a set by bisection (each box decided by an outward-rounded enclosure of one of E's forms)."""

import contextlib
import math
import signal
import threading
import time
from dataclasses import asdict, dataclass

import mpmath
import sympy as sp

from insgd.theory.numbers import InputError
from insgd.verify.audit.intervals import Unsupported, box, ieval
from insgd.verify.audit.safe_expr import parse_expr
from insgd.verify.verdicts import UNKNOWN

W = sp.Symbol("w", real=True)
H = sp.Symbol("h", real=True)
V = sp.Symbol("v", positive=True)
U = sp.Symbol("u", positive=True)
BUDGET = 20_000  # boxes per cover
TIME_LIMIT = 60.0  # seconds per claim, and for the facts about f
SEARCH_RADIUS = 30.0  # dense refutation search |w| <= this; a geometric one reaches 1e12
NEAR = sp.Rational(1, 16)  # half-width of the neighbourhood of a minimizer treated by E / |h|^k
TAYLOR_TERMS = 3  # Taylor forms carry this many terms past the leading one, then an enclosed remainder


class TimeLimit(BaseException):  # noqa: N818 - not an Exception: `except Exception` must not swallow it
    """The time limit of a claim (or of the facts about f) ran out."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise TimeLimit inside the block after `seconds` (SIGALRM: main thread only; elsewhere the box budget and
    the deadline checks inside the covers are the only limits)."""
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def handler(signum, frame):
        raise TimeLimit()

    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # an enclosing limit keeps running after this one
    start = time.monotonic()
    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, min(seconds, outer) if outer > 0 else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer > 0:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


@dataclass
class Claim:
    kind: str  # "pl" or "smooth"
    form: str | None  # literal, segment, hessian (smooth)
    constants: dict  # exact numbers as given (JSON: floats, with the exact text in constants_exact)
    region: str
    verdict: str = UNKNOWN
    witness: list | None = None
    evidence: str = ""
    certificate: str = ""
    violation: float | None = None
    time_s: float = 0.0
    witness_exact: list | None = None

    def to_json(self):
        d = asdict(self)
        d["constants"] = {k: float(v) for k, v in self.constants.items()}
        d["constants_exact"] = {k: str(v) for k, v in self.constants.items()}
        return d


def parse(text: str):
    """A SymPy expression in w (or w0, w1, ...), from the allow-listed expression language (never evaluated)."""
    e = parse_expr(text)
    syms = sorted(e.free_symbols, key=lambda s: s.name)
    if not syms:
        raise InputError(f"expr must depend on the variable w (or w0, w1, ...), got the constant {text!r}")
    if W in syms and len(syms) > 1:
        raise InputError("expr must use either w alone or w0, w1, ... (not both)")
    return e, syms


def _fmt(x, digits=10):
    if x is None:
        return None
    if isinstance(x, sp.Basic) and x.is_Rational:
        return str(x) if len(str(x)) <= 24 else mpmath.nstr(mpmath.mpf(x.p) / x.q, digits)
    try:
        return mpmath.nstr(mpmath.mpf(sp.N(x, 30)), digits)
    except (TypeError, ValueError):
        return str(x)


def _num(x):
    """A JSON number for an exact value (None when not finite)."""
    if x is None:
        return None
    v = float(sp.N(x, 20))
    return v if math.isfinite(v) else None


def _lo(e, env):
    try:
        v = ieval(e, env)
    except (Unsupported, ZeroDivisionError, ValueError, OverflowError):
        return None
    return v


def _clean_diff(e):
    """d/dw of e, with DiracDelta terms (from Abs/sign) dropped; the caller checks they vanish where it matters."""
    d = sp.diff(e, W)
    return d.replace(lambda x: isinstance(x, sp.DiracDelta), lambda x: sp.Integer(0)) if d.has(sp.DiracDelta) else d


def _exp_forms(E):
    """Rewritings of E with the same sign in which cancellations are exact: simplified, and exponentials expanded
    and factored ((e^w - 1)^4 e^(-2w)/8 >= 0 is evident; sinh(w)^2/2 - cosh(w) + 1 is not)."""
    out = []
    if sp.count_ops(E) > 400 or any(p.exp.is_Integer and abs(p.exp) > 12 for p in E.atoms(sp.Pow)):
        return out  # expanding would blow up (cosh(w)**1000): the plain form is all we try
    with contextlib.suppress(Exception):
        s = sp.simplify(E)
        if s != E:
            out.append(s)
    if E.has(sp.exp, sp.cosh, sp.sinh, sp.tanh):
        with contextlib.suppress(Exception):
            x = sp.expand(E.rewrite(sp.exp))
            out += [x, sp.factor(x)]
    return out


def _dominant(E, var):
    """E with each polynomial sub-expression p(var) of degree n >= 1 written as var^n q(1/var): on a half-line
    [R, +inf] the leading term then dominates inside the interval evaluation (5v^3 - v^2/2 is v^3 (5 - u/2) with
    u = 1/v in [0, 1/R]) instead of giving inf - inf. Evaluate with env {var: [R, b], U: [1/b, 1/R]}."""

    def rep(x):
        if x.is_Add and x.is_polynomial(var) and x.has(var):
            n = sp.degree(x, var)
            return var**n * sp.expand(x.subs(var, 1 / U) * U**n)
        return x

    return E.replace(lambda x: x.is_Add and x.has(var) and x.is_polynomial(var), rep)


def _lead_power(E, var):
    """E / var^n for the largest power n of var among the terms of expand(E), written with U = 1/var: on [R, +inf]
    the bounded terms (sin, cos, ...) divided by var^k vanish inside the interval evaluation instead of giving
    inf - inf (3 v^2 + 4 v sin(2v) becomes 3 + 4 u sin(2v)). The same sign as E for var > 0."""
    terms = sp.Add.make_args(sp.expand(E))
    ks = []
    for t in terms:
        k = sp.sympify(t.as_powers_dict().get(var, 0))
        if not k.is_number:
            return None
        ks.append(k)
    n = max(ks)
    if n <= 0:
        return None
    return sp.Add(*[t / var**k * U ** (n - k) for t, k in zip(terms, ks, strict=True)])


def _resolve_abs(E, var, lo, hi):
    """Replace Abs(g) by g or -g where the sign of g on [lo, hi] is certified."""

    def rep(a):
        v = _lo(a.args[0], {var: box(lo, hi)})
        if v is not None and v.a >= 0:
            return a.args[0]
        if v is not None and v.b <= 0:
            return -a.args[0]
        return a

    return E.replace(lambda x: isinstance(x, sp.Abs), rep)


# -- the cover: E >= 0 on a set, by bisection over forms with the sign of E ----------------------------------


class Cover:
    """A bisection cover of [a, b] (ends exact rationals or +-oo) on which some form certifies E >= 0.

    A form is a function (a, b) -> enclosure (iv interval) of a quantity with the sign of E on [a, b]."""

    def __init__(self, deadline, budget=BUDGET):
        self.deadline, self.budget, self.boxes = deadline, budget, 0

    def run(self, forms, a, b):
        """(True, None) certified; (None, reason) not established."""
        stack = [(a, b)]
        while stack:
            lo, hi = stack.pop()
            self.boxes += 1
            if self.boxes > self.budget:
                return None, f"box budget ({self.budget}) spent"
            if time.monotonic() > self.deadline:
                raise TimeLimit()
            if any(self._ok(F, lo, hi) for F in forms):
                continue
            if hi is sp.oo:
                if lo > 10**40:
                    return None, "the tail w -> +inf is not covered"
                m = max(2 * lo, lo + 1)
                stack += [(m, hi), (lo, m)]
            elif lo is sp.S.NegativeInfinity:
                if hi < -(10**40):
                    return None, "the tail w -> -inf is not covered"
                m = min(2 * hi, hi - 1)
                stack += [(lo, m), (m, hi)]
            else:
                if hi - lo < sp.Rational(1, 10**12) * (1 + abs(lo)):
                    return None, f"no certificate near w = {float(lo):.6g}"
                m = (lo + hi) / 2
                stack += [(m, hi), (lo, m)]
        return True, None

    @staticmethod
    def _ok(F, lo, hi):
        try:
            v = F(lo, hi)
        except (Unsupported, ZeroDivisionError, ValueError, OverflowError, TypeError):
            return False
        return v is not None and v.a >= 0


def expr_form(E, var=W, sub=None):
    """A form from a SymPy expression in `var`; `sub` maps the W-box to var's interval (default: identity)."""

    def F(lo, hi):
        x = box(lo, hi) if sub is None else sub(lo, hi)
        return ieval(E, {var: x})

    return F
