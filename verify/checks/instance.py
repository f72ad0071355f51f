"""A theorem record at a problem's constants: everything a run of its algorithm and a verdict on it need.

`prepare` binds the record's constants (verify/checks/binding.py: from certificates by the one policy, or as a user
gives them), takes the record's free symbols from the caller (e.g. beta), refuses a condition that fails, and decides
the regime exactly. The resulting `Instance` evaluates the record's formulas per eps: the hyperparameters (the step
size may depend on eps, as Theorem 1's gamma(eps) does), the bound B(t), the iteration count T(eps), a parameter
(Theorem 1's q), and the asymptotic order of T(eps). Formulas are substituted exactly (theory/numbers.py rules) and
evaluated in float64 only at the end.
"""

import functools
import math
from dataclasses import dataclass

import numpy as np
import sympy as sp

from insgd.numerics.constants import Region
from insgd.numerics.optimizers import get_optimizer
from insgd.theory import symbols as S
from insgd.theory.asymptotics import order_in_inverse_eps, small_eps_form
from insgd.theory.numbers import InputError, binary_value, exact, parse_number
from insgd.theory.records import STOCHASTIC_MEASURES
from insgd.verify.checks.binding import EXPONENT_FIELDS, bind_constants

RUN_SYMBOLS = (S.t, S.T, S.eps, S.Delta0)  # the symbols a run supplies; every other one is bound or given
DIGITS = 60  # the precision of scales in evaluated formulas (1 + 2^-52 needs 17; T up to 10^40 rounds exactly)
INTEGER_HYPERPARAMETERS = ("batch", "batch_prime", "batch0")  # rounded up to integers >= 1 (a larger batch only helps)


@functools.lru_cache(maxsize=256)
def _exact_eps(eps):
    return exact(eps)


def free_symbols(theorem) -> list:
    """The symbols of the theorem's step size, bound, T(eps), conditions and regimes that neither the certificates
    (binds), the parameters nor a run supply: the caller gives their values (e.g. beta, NGD's normalization)."""
    exprs = [theorem.step_size, *theorem.bound.values(), *theorem.hyperparameters.values(), *theorem.parameters.values()]
    exprs += [c.T for cs in theorem.cases.values() for c in cs] + [rel for _, rel in theorem.regimes.values()]
    exprs += [c.relation for c in theorem.conditions if c.relation is not None]
    syms = set().union(*(sp.sympify(e).free_symbols for e in exprs))
    return sorted(
        (x for x in syms if x not in theorem.binds and x not in RUN_SYMBOLS and x.name not in theorem.parameters),
        key=lambda x: x.name,
    )


def resolve(theorem, expr, vals):
    """expr with the theorem's parameters (by name: Theorem 1's q and a, which may use each other) and then vals
    substituted."""
    expr = sp.sympify(expr)
    for _ in range(8):
        params = {x: theorem.parameters[x.name] for x in expr.free_symbols if x.name in theorem.parameters}
        if not params:
            break
        expr = expr.subs(params)
    return expr.subs(vals)


def _values(theorem, values) -> dict:
    """The caller's values for the theorem's free symbols, read exactly as typed; refuses a missing or unknown one."""
    free = {x.name: x for x in free_symbols(theorem)}
    values = dict(values or {})
    for k in values:
        if k not in free:
            raise InputError(
                f"theorem {theorem.key}: {k} is not a free symbol of the theorem (free: {', '.join(free) or 'none'})"
            )
    missing = [k for k in free if k not in values]
    if missing:
        raise InputError(f"theorem {theorem.key} needs a value for {', '.join(missing)} (values={{'{missing[0]}': ...}})")
    return {free[k]: _typed(k, v) for k, v in values.items()}


def _typed(name, v):
    """A value the caller typed: text and ints as they spell, floats as the simplest rational within their precision
    (theory/numbers.exact); InputError names it."""
    return exact(v) if isinstance(v, float) else parse_number(name, v)


def _given_constants(theorem, constants) -> dict:
    """Constants a user claims (name -> number or text), read exactly as typed, for every symbol the record binds."""
    by_name = {str(sym): sym for sym in theorem.binds}
    unknown = [k for k in constants if k not in by_name]
    if unknown:
        raise InputError(
            f"theorem {theorem.key}: {unknown[0]} is not a constant of the theorem (constants: {', '.join(by_name)})"
        )
    missing = [k for k in by_name if k not in constants]
    if missing:
        raise InputError(f"theorem {theorem.key}: given constants must name every bound constant; missing {missing[0]}")
    return {by_name[k]: _typed(k, v) for k, v in constants.items()}


@dataclass(frozen=True, kw_only=True)
class Instance:
    theorem: object  # the record
    problem: object
    optimizer: object  # an engine Optimizer
    w0: np.ndarray
    radius: float | None  # the certificates hold on the ball of this radius around the minimizer (None: globally)
    constants: dict  # symbol -> exact value: the bound constants and the caller's values
    shown: dict  # name -> float, as reports show them
    source: str  # "certified" or "given"
    tight: bool  # the PL certificate is an equality (the power family): a derived rate is attained
    status: str  # how the problem obtained its constants
    regime: int
    noise: tuple | None = None
    batch: int = 1
    w0_given: bool = False  # the caller chose w0 (then it is the only start of a deterministic check)
    foreign: bool = False  # the optimizer is the caller's, not the record's algorithm: it gets the hyperparameters it declares
    notes: tuple = ()  # what the constants' choice gave up (another form of Assumption 1, a floored L1)
    form: str = ""  # the form of Assumption 1 the constants come from

    @property
    def region(self) -> str:
        return str(Region(radius=self.radius))

    def at(self, eps) -> dict:
        return self.constants if eps is None else {**self.constants, S.eps: _exact_eps(eps)}

    def formula(self, expr, eps=None):
        """expr with the parameters and constants substituted (once per instance), then eps (read exactly), for
        evaluation: exponents and the caller's values stay exact, scales enter as DIGITS-digit floats (exact rational
        powers of binary rationals would make SymPy factor huge integers; decisions use `at`, which is exact)."""
        cache = self.__dict__.setdefault("_formulas", {})
        key = sp.srepr(expr)
        if key not in cache:
            exponents = {s for s, (_, f) in self.theorem.binds.items() if f in EXPONENT_FIELDS}
            vals = {
                k: v if k in exponents or k not in self.theorem.binds else sp.Float(v, DIGITS) for k, v in self.constants.items()
            }
            cache[key] = resolve(self.theorem, expr, vals)
        return cache[key] if eps is None else cache[key].subs(S.eps, _exact_eps(eps))

    def hp(self, eps=None, T=None) -> dict:
        """The optimizer's hyperparameters at this eps (and horizon T, for a step size that uses it): the step size
        (positive) and the record's others (batch sizes rounded up to integers >= 1; without one in the record, a
        stochastic method takes the caller's batch)."""
        extra = {} if T is None else {S.T: T}
        hp = {"gamma": self._real("step_size", self.theorem.step_size, eps, True, extra)}
        for k, v in self.theorem.hyperparameters.items():
            if self.foreign and k not in self.optimizer.defaults:
                continue  # the caller's optimizer applies it itself (prepare notes it)
            if k in INTEGER_HYPERPARAMETERS:
                hp[k] = max(1, int(sp.ceiling(self.formula(v, eps).subs(extra))))
            else:
                hp[k] = self._real(k, v, eps, False, extra)
        if self.optimizer.stochastic and "batch" not in hp:
            hp["batch"] = self.batch
        return hp

    def count(self, eps, d0) -> int:
        """The record's T(eps) as a finite iteration count (a promise in probability runs exactly that many steps);
        InputError when the record gives none."""
        T = self.T(eps, d0)
        if T is None or not math.isfinite(T):
            raise InputError(f"theorem {self.theorem.key}: T(eps) at eps = {eps:g} is {T}, not a finite iteration count")
        return int(T)

    def parameter(self, name, eps=None) -> float:
        return self._real(name, self.theorem.parameters[name], eps, False)

    def _lambdified(self, expr):
        """expr as a float64 function of (t, eps, Delta_0) at these constants: the record's formula is compiled once
        per process with the constants as arguments (`compiled`), and called with their float values (a tower in eps
        is never evaluated in arbitrary precision; float64 rounding is far below FLOAT_REL)."""
        fn, syms = compiled(self.theorem, sp.sympify(expr))
        args = [float(self.constants[x]) for x in syms]
        return lambda t, eps, d0: fn(t, eps, d0, *args)

    def bound(self, eps, d0):
        """B(t) of the regime at this eps and Delta_0 = d0, as a vectorized float function of t."""
        B = self._lambdified(self.theorem.bound[self.regime])
        e = np.nan if eps is None else float(eps)

        def f(t):
            with np.errstate(all="ignore"):
                return np.broadcast_to(np.asarray(B(np.asarray(t, float), e, d0), float), np.shape(t))

        return f

    def T(self, eps, d0):
        """The record's T(eps) as an iteration count, the claim a check holds: the ceiling of the case's T for kind
        "exact" (>= 0) and ">=" (>= 1, the smallest T the statement allows); inf when it is not a finite real; None
        for an order only ("O", "Omega"), which promises no count. Rounded exactly: in float64 when far from an
        integer, else with enough digits."""
        case, g = self._closed_form(eps, d0)
        if case.kind not in ("exact", ">="):
            return None
        lo = 1 if case.kind == ">=" else 0
        if not (g.imag == 0 and not math.isnan(g.real)):
            return None  # not a real number here: the record promises no count at these constants
        if g.real == math.inf or g.real >= 1e15:
            return math.inf if g.real == math.inf else float(math.ceil(g.real))  # beyond any run: rounding is moot
        if abs(g.real - round(g.real)) > 1e-6:
            return max(lo, math.ceil(g.real))
        # near an integer: the exact expression with enough digits decides the ceiling
        expr = self.formula(case.T, eps).subs(S.Delta0, binary_value(d0))
        return max(lo, int(sp.ceiling(sp.N(expr, DIGITS))))

    def T_from_bound(self, eps, d0) -> float:
        """The bound's own T: the smallest integer t >= 0 with B(t) <= eps (inf when the search does not end), the
        record's T(eps) seeding the search. A run held up to it sees the whole promise."""
        return first_below(self.bound(eps, d0), eps, self._closed_form(eps, d0)[1])

    def _closed_form(self, eps, d0):
        """(case, T): the regime's case at eps and its T(eps) at Delta_0 = d0 in float64 (complex nan when it is not a
        number there)."""
        if self.regime not in self.theorem.cases:
            raise InputError(f"theorem {self.theorem.key} has no T(eps) in regime {self.regime} to check")
        case = self.theorem.case(self.regime, self.at(eps))[1]
        try:
            with np.errstate(all="ignore"):
                return case, complex(self._lambdified(case.T)(0.0, float(eps), d0))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError, AttributeError, NameError):
            return case, complex("nan")

    def order(self):
        """(e, log_factor): T(eps) = Theta(eps^-e log(1/eps)^k) as eps -> 0 at these constants (instance.order_of)."""
        return order_of(self.theorem, self.regime, tuple(sorted((str(k), v) for k, v in self.constants.items())))

    def _real(self, name, expr, eps, positive, extra=None) -> float:
        """A formula at these constants: a finite real (positive for the step size) that float64 can hold, else
        InputError naming it and the constants (e.g. sqrt(-L), 1/(L - 5) at 5)."""
        v = self.formula(expr, eps).subs(extra or {})
        try:
            x = complex(sp.N(v, 30))
        except (TypeError, ValueError, OverflowError):
            x = complex("nan")
        if not (x.imag == 0 and math.isfinite(x.real) and (x.real > 0 if positive else True)):
            want = "a positive real within float64 range" if positive else "a real within float64 range"
            shown = ", ".join(f"{k} = {v:g}" for k, v in self.shown.items())
            v = resolve(self.theorem, expr, self.at(eps)).subs(extra or {})  # shown exactly (sqrt(-1) is I)
            raise InputError(f"theorem {self.theorem.key}: {name} = {sp.sstr(v)[:80]} at {shown}: it must be {want}")
        return x.real


@functools.lru_cache(maxsize=256)
def compiled(theorem, expr):
    """(f, symbols): the record's formula (its parameters resolved) lambdified once, f(t, eps, Delta_0, *constants)
    with the constants in the order of `symbols`."""
    expr = resolve(theorem, expr, {})
    syms = sorted((x for x in expr.free_symbols if x not in (S.t, S.eps, S.Delta0)), key=lambda x: x.name)
    return sp.lambdify((S.t, S.eps, S.Delta0, *syms), expr, "numpy"), tuple(syms)


@functools.lru_cache(maxsize=64)
def order_of(theorem, regime, constants):
    """The asymptotic order of the regime's T(eps) at the constants (name -> exact value), eps -> 0 with Delta_0
    fixed: SymPy's limits (theory/asymptotics.py), after each Max / Min is replaced by its dominant argument."""
    names = dict(constants)
    syms = {x: names[x.name] for x in free_symbols(theorem) + list(theorem.binds) if x.name in names}
    return order_in_inverse_eps(small_eps_form(resolve(theorem, theorem.case(regime, syms)[1].T, syms)))


def default_start(problem) -> np.ndarray:
    """Where a check starts by default: at distance 1 from the minimizer, along (1, ..., 1)."""
    return np.full(problem.dim, 1.0 / math.sqrt(problem.dim)) + problem.argmin


def prepare(
    theorem, problem, *, w0=None, values=None, optimizer=None, noise=None, batch=1, select=None, constants=None, eps=None
) -> Instance:
    """The theorem at the problem's constants. select: options of the certificate choice ({"generalized": True}:
    Assumption 1 with L1 > 0; {"rho": r}: the certified mu at this rho); constants: the bound constants as a user
    claims them (name -> value), used instead of certificates (a check then says so, and asks the auditor). eps:
    where the conditions are decided (they may involve eps, as Theorem 1's theta < 2 does)."""
    given = _values(theorem, values)
    opt = get_optimizer(theorem.algorithm) if optimizer is None else optimizer
    if opt.stochastic and noise is None and problem.n_samples is None:
        raise InputError(f"theorem {theorem.key} runs {opt.name}, a stochastic method: give --noise TAU1,TAU2")
    w0_given = w0 is not None
    foreign = optimizer is not None
    w0 = default_start(problem) if w0 is None else np.asarray(w0, float)
    R0 = float(np.linalg.norm(w0 - problem.argmin))
    variance = None
    if noise is not None:
        from insgd.numerics.oracles import NoiseOracle

        variance = NoiseOracle(problem, *noise).variance(batch)
    if constants is not None:
        exact_consts = _given_constants(theorem, constants)
        radius, tight, status, source, notes, form = R0, False, "given", "given", (), ""
    else:
        # A promise in expectation covers every path of the oracle, and any path may leave a ball: it needs global
        # certificates. A deterministic promise's proof uses the assumptions between consecutive iterates: the
        # tightest certificates covering the ball the run starts in (global ones included) serve, and every iterate
        # is watched (a verdict is withheld when one leaves the ball).
        radius = None if theorem.measure in STOCHASTIC_MEASURES else R0
        try:
            b = bind_constants(theorem, problem, radius, variance, noise, **(select or {}))
        except InputError as e:
            if radius is None:
                raise InputError(
                    f"{e} (a promise over the oracle's paths covers every path, so its assumptions must hold globally)"
                ) from None
            raise
        exact_consts, radius, tight, status, source = b.exact, b.radius, b.tight, b.status, "certified"
        notes, form = b.notes, b.form
    shown = {str(k): float(v) for k, v in {**exact_consts, **given}.items()}
    vals = {**exact_consts, **given}
    at = vals if eps is None else {**vals, S.eps: exact(eps)}
    for c in theorem.conditions:
        if c.relation is not None and resolve(theorem, c.relation, at) == sp.false:
            raise InputError(f"theorem {theorem.key}: condition {c.text} fails with {shown}")
    if foreign:
        own = [k for k in theorem.hyperparameters if k not in opt.defaults]
        notes = (*notes, *([f"{opt.name} receives the step size as gamma; it must itself apply "
                            + ", ".join(f"{k} = {sp.sstr(resolve(theorem, theorem.hyperparameters[k], at))}" for k in own)]
                           if own else []))  # fmt: skip
    try:
        regime = theorem.regime(at)
    except ValueError as e:  # the record's regime relations do not decide at these values
        raise InputError(f"theorem {theorem.key}: {e}") from None
    return Instance(
        theorem=theorem,
        problem=problem,
        optimizer=opt,
        w0=w0,
        radius=radius,
        constants=vals,
        shown=shown,
        source=source,
        tight=tight,
        status=status,
        regime=regime,
        noise=noise,
        batch=batch,
        notes=notes,
        form=form,
        w0_given=w0_given,
        foreign=foreign,
    )


def first_below(B, eps, guess=math.nan):
    """The smallest integer t >= 0 with B(t) <= eps: from a guess (the closed form T(eps), which may degenerate, e.g.
    a contraction factor 0, or be nan), corrected by evaluating the bound itself."""
    g = complex(guess)
    t0 = max(0, math.ceil(g.real)) if g.imag == 0 and math.isfinite(g.real) and g.real < 1e15 else 0
    for _ in range(10_000):
        if not float(B(float(t0))) <= eps:  # NaN is never below eps
            t0 += 1
        elif t0 > 0 and float(B(float(t0 - 1))) <= eps:
            t0 -= 1
        else:
            return t0
    return math.inf
