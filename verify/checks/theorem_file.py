"""A theorem as one short data file (TOML), for the command line: `insgd check --theorem-file FILE`.

Nothing in the file is executed: it is read with `tomllib`, every formula is parsed by the allow-listed expression
language of `insgd.verify.audit.safe_expr` over the symbols below, and the result is the same `Theorem` record the
registry holds (insgd.theory.records). Every field is validated, and a bad one is refused in one line naming it.

    key = "mine.gd_pl"                      # a new key (not in `insgd theorems`)
    name = "GD under L-smoothness and PL, linear rate"
    source = "my draft, Theorem 3"
    algorithm = "gd"                        # an optimizer of `insgd run --help`
    assumptions = ["L-smooth", "PL"]        # keys of insgd.theory.assumptions
    step_size = "1/L"
    measure = "gap"                         # gap | min_grad_norm | mean_sq_grad
    bound = "(1 - mu/L)**t * Delta0"        # B(t): in t, Delta0 and the bound constants
    T = "log(Delta0/eps) / -log(1 - mu/L)"  # T(eps) (gap and min_grad_norm)
    [binds]                                 # constant = "ASSUMPTION.FIELD" of a certificate
    L = "A1.literal.L0"
    mu = "A2.mu"
    [requires]                              # values the certificates must have
    "A1.literal" = { L1 = 0 }
    "A2" = { rho = 2 }

Certificate fields: A1.literal / A1.segment / A1.hessian: L0, L1, alpha; A2: mu; variance: M, M_V (from the
synthetic oracle, --noise). Optional: reading, promise, statement, hyperparameters (name = formula).
"""

import tomllib
from pathlib import Path

import sympy as sp

from insgd.core import InputError
from insgd.numerics.optimizers import get_optimizer
from insgd.theory import assumptions as A
from insgd.theory import symbols as S
from insgd.theory.records import MEASURES, Case, Theorem
from insgd.verify.audit.safe_expr import parse_expr

MAX_BYTES = 64 * 1024
CONSTANTS = {
    "L": S.L,
    "L0": S.L0,
    "L1": S.L1,
    "alpha": S.alpha,
    "mu": S.mu,
    "rho": S.rho,
    "M": S.M,
    "M_V": S.M_V,
}
FIELDS = {"A1.literal": ("L0", "L1", "alpha"), "A1.segment": ("L0", "L1", "alpha"), "A1.hessian": ("L0", "L1", "alpha")}
FIELDS |= {"A2": ("mu", "rho"), "variance": ("M", "M_V")}
REQUIRED = ("key", "name", "source", "algorithm", "assumptions", "step_size", "bound", "binds")
OPTIONAL = ("measure", "T", "requires", "hyperparameters", "reading", "promise", "statement")


MAX_NESTING = 16  # a theorem file needs 2 levels; the TOML parser recurses per level


def _max_nesting(text: str) -> int:
    """An upper bound on the nesting of [ and { outside strings and comments (the parser is never asked to recurse
    deeper than this allows)."""
    depth = best = 0
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            j = text.find("\n", i)
            i = len(text) if j < 0 else j
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return best


def load(path) -> Theorem:
    """The Theorem record of a theorem file; InputError (one line, naming the field) for anything wrong."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"theorem-file must be an existing file, got {str(path)!r}")
    if p.stat().st_size > MAX_BYTES:
        raise InputError(f"theorem-file must be at most {MAX_BYTES // 1024} KiB, got {p.stat().st_size} bytes")
    text = p.read_text(encoding="utf-8", errors="replace")
    depth = _max_nesting(text)
    if depth > MAX_NESTING:
        raise InputError(f"theorem-file {p.name} nests arrays or tables {depth} levels deep; at most {MAX_NESTING} are read")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"theorem-file {p.name} is not valid TOML: {' '.join(str(e).split())}") from None
    return from_dict(data, p.name)


def from_dict(data: dict, where: str = "theorem-file") -> Theorem:
    unknown = sorted(set(data) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; fields are {', '.join(REQUIRED + OPTIONAL)}")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise InputError(f"{where}: field {missing[0]!r} is required")
    for k in ("key", "name", "source", "algorithm", "step_size", "bound", "measure", "T", "reading", "promise", "statement"):
        if k in data and not isinstance(data[k], str):
            raise InputError(f"{where}: {k} must be text, got {type(data[k]).__name__}")
    from insgd.theory.theorems import REGISTRY

    if data["key"] in REGISTRY:
        raise InputError(f"{where}: key {data['key']!r} is already registered; choose a new one")
    get_optimizer(data["algorithm"])  # refuses an unknown optimizer in one line
    measure = data.get("measure", "gap")
    if measure not in MEASURES:
        raise InputError(f"{where}: measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    keys = data["assumptions"]
    if not (isinstance(keys, list) and keys and all(isinstance(k, str) for k in keys)):
        raise InputError(f"{where}: assumptions must be a non-empty list of keys")
    for k in keys:
        if k not in A.BY_KEY:
            raise InputError(f"{where}: assumption must be one of {', '.join(A.BY_KEY)}, got {k!r}")

    binds = _binds(data["binds"], where)
    requires = _requires(data.get("requires", {}), where)
    consts = {k: v for k, v in CONSTANTS.items() if v in binds}  # a formula may use the bound constants only
    step = _formula(data["step_size"], "step_size", consts, where)
    bound = _formula(data["bound"], "bound", consts | {"t": S.t, "Delta0": S.Delta0}, where)
    cases = {}
    if "T" in data:
        cases = {0: (Case(sp.true, _formula(data["T"], "T", consts | {"eps": S.eps, "Delta0": S.Delta0}, where), "exact"),)}
    elif measure != "mean_sq_grad":
        raise InputError(f"{where}: T (T(eps)) is required for measure {measure}")
    hps = data.get("hyperparameters", {})
    if not isinstance(hps, dict):
        raise InputError(f"{where}: hyperparameters must be a table of name = formula")
    hyper = {k: _formula(v, f"hyperparameters.{k}", consts, where) for k, v in hps.items()}
    return Theorem(
        key=data["key"],
        name=data["name"],
        source=data["source"],
        reading=data.get("reading", "printed"),
        assumptions=tuple(A.BY_KEY[k] for k in keys),
        algorithm=data["algorithm"],
        step_size=step,
        bound={0: bound},
        cases=cases,
        measure=measure,
        promise=data.get("promise", ""),
        statement=data.get("statement", ""),
        binds=binds,
        requires=requires,
        hyperparameters=hyper,
    )


def _binds(table, where):
    if not isinstance(table, dict) or not table:
        raise InputError(f'{where}: binds must be a table of constant = "ASSUMPTION.FIELD"')
    out = {}
    for name, target in table.items():
        if name not in CONSTANTS:
            raise InputError(f"{where}: binds: constant must be one of {', '.join(CONSTANTS)}, got {name!r}")
        if not isinstance(target, str) or "." not in target:
            raise InputError(f'{where}: binds.{name} must be "ASSUMPTION.FIELD", got {target!r}')
        akey, fld = target.rsplit(".", 1)
        if akey not in FIELDS or fld not in FIELDS[akey]:
            options = "; ".join(f"{a}: {', '.join(f)}" for a, f in FIELDS.items())
            raise InputError(f"{where}: binds.{name} must name a certificate field ({options}), got {target!r}")
        out[CONSTANTS[name]] = (akey, fld)
    return out


def _requires(table, where):
    if not isinstance(table, dict):
        raise InputError(f"{where}: requires must be a table of ASSUMPTION = {{ FIELD = number }}")
    out = {}
    for akey, need in table.items():
        if akey not in FIELDS or not isinstance(need, dict):
            raise InputError(f"{where}: requires: assumption must be one of {', '.join(FIELDS)} with a table, got {akey!r}")
        for fld, v in need.items():
            if fld not in FIELDS[akey] or isinstance(v, bool) or not isinstance(v, (int, float)):
                raise InputError(f"{where}: requires.{akey}.{fld} must be a number for a field of {akey}, got {v!r}")
        out[akey] = {fld: float(v) for fld, v in need.items()}
    return out


def _formula(text, field, names, where):
    if not isinstance(text, str):
        raise InputError(f"{where}: {field} must be a formula (text), got {type(text).__name__}")
    return parse_expr(text, f"{where}: {field}", names)
