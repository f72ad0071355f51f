"""A safe expression language for untrusted text (`insgd audit --expr`): nothing is ever evaluated by Python.

The text is parsed by `ast.parse` (which builds a tree and runs nothing), every node is checked against an
allow-list, and the SymPy expression is built from the tree by hand. Allowed:

* numbers: integer and decimal literals, read exactly (`4.762203155904598` is the rational it spells);
* the variable `w`, or `w0`, `w1`, ... for several variables; the constants `pi` and `E`;
* `+ - * / **`, unary `+ -`, parentheses;
* calls of FUNCTIONS with exactly their number of positional arguments.

Everything else is refused with one line naming the offending token and its column: attribute access,
subscripts, strings, lambdas, comprehensions, conditionals, comparisons, keyword arguments, calls of anything
else, `^` (write `**`). The text is limited to MAX_CHARS characters and MAX_DEPTH levels of nesting, numeric
exponents to |n| <= MAX_EXPONENT, so that parsing itself can neither hang nor exhaust memory.
"""

import ast
import re

import sympy as sp

from insgd.theory.numbers import InputError, parse_number

MAX_CHARS = 2000
MAX_DEPTH = 40
MAX_EXPONENT = 1000
MAX_DIGITS = 20_000
VARIABLE = re.compile(r"w\d{0,2}")

FUNCTIONS = {
    "exp": (sp.exp, 1),
    "log": (sp.log, 1),
    "sqrt": (sp.sqrt, 1),
    "Abs": (sp.Abs, 1),
    "abs": (sp.Abs, 1),
    "cosh": (sp.cosh, 1),
    "sinh": (sp.sinh, 1),
    "tanh": (sp.tanh, 1),
    "sin": (sp.sin, 1),
    "cos": (sp.cos, 1),
    "atan": (sp.atan, 1),
}
CONSTANTS = {"pi": sp.pi, "E": sp.E}
_BINOPS = {ast.Add: sp.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sp.Mul, ast.Div: lambda a, b: a / b}
_WHAT = {
    ast.Attribute: "attribute access",
    ast.Subscript: "subscript",
    ast.Lambda: "lambda",
    ast.IfExp: "conditional",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.ListComp: "comprehension",
    ast.SetComp: "comprehension",
    ast.DictComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.JoinedStr: "string",
    ast.NamedExpr: "assignment",
    ast.Starred: "star argument",
    ast.Await: "await",
    ast.Slice: "slice",
}


def _refuse(text, node, what, name="expr", names=None):
    col = getattr(node, "col_offset", None)
    seg = ast.get_source_segment(text, node) if hasattr(node, "lineno") else None
    where = f" at column {col + 1}" if col is not None else ""
    token = f" {seg[:40]!r}" if seg else ""
    variables = "w (or w0, w1, ...)" if names is None else ", ".join(names)
    raise InputError(
        f"{name} may not contain {what}{token}{where}; allowed: numbers, {variables}, pi, E, "
        f"+ - * / **, and {', '.join(sorted(FUNCTIONS))}"
    )


def parse_expr(text: str, name: str = "expr", names: dict | None = None) -> sp.Expr:
    """The SymPy expression of `text`, built from an allow-listed syntax tree (see the module docstring).

    names: the variables allowed instead of w, w0, w1, ... (name -> SymPy symbol), e.g. for a theorem file."""
    if not isinstance(text, str):
        raise InputError(f"{name} must be text, got {type(text).__name__}")
    if len(text) > MAX_CHARS:
        raise InputError(f"{name} must have at most {MAX_CHARS} characters, got {len(text)}")
    if not text.strip():
        raise InputError(f"{name} must not be empty")
    if "\n" in text or "\r" in text:
        raise InputError(f"{name} must be one line")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise InputError(f"{name} is not a valid expression: {e.msg} at column {e.offset}") from None
    except (ValueError, RecursionError, MemoryError):
        raise InputError(f"{name} is not a valid expression (nesting too deep or null bytes)") from None
    return _build(text.strip(), tree.body, 0, name, names)


def _build(text, node, depth, name, names=None):
    if depth > MAX_DEPTH:
        raise InputError(f"{name} is nested more than {MAX_DEPTH} levels deep")
    d = depth + 1

    def refuse(node, what):
        _refuse(text, node, what, name, names)

    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            refuse(node, "a string" if isinstance(v, (str, bytes)) else f"the constant {type(v).__name__}")
        seg = ast.get_source_segment(text, node) or repr(v)
        return parse_number(f"{name} number", seg.replace("_", ""))
    if isinstance(node, ast.Name):
        if names is None and VARIABLE.fullmatch(node.id):
            return sp.Symbol(node.id, real=True)
        if names is not None and node.id in names:
            return names[node.id]
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            refuse(node, f"the function {node.id} without a call")
        refuse(node, f"the name {node.id!r}")
    if isinstance(node, ast.UnaryOp):
        x = _build(text, node.operand, d, name, names)
        if isinstance(node.op, ast.USub):
            return -x
        if isinstance(node.op, ast.UAdd):
            return x
        refuse(node, "the operator " + type(node.op).__name__)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.BitXor):
            refuse(node, "'^' (write ** for powers)")
        # a chain a + b + c ... is left-nested in the tree: its length is not nesting, so the left operand keeps
        # the depth (the text length bounds the chain)
        chain = isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)) and isinstance(node.left, ast.BinOp)
        a, b = _build(text, node.left, depth if chain else d, name, names), _build(text, node.right, d, name, names)
        if isinstance(node.op, ast.Pow):
            return _power(text, node, a, b, name)
        op = _BINOPS.get(type(node.op))
        if op is None:
            refuse(node, "the operator " + type(node.op).__name__)
        if isinstance(node.op, ast.Div) and b.is_zero:
            raise InputError(f"{name} divides by zero at column {node.col_offset + 1}")
        return op(a, b)
    if isinstance(node, ast.Call):
        fn = node.func
        if not isinstance(fn, ast.Name) or fn.id not in FUNCTIONS:
            refuse(fn, "a call of anything but the allowed functions")
        if node.keywords:
            refuse(node, "keyword arguments")
        f, arity = FUNCTIONS[fn.id]
        if len(node.args) != arity:
            refuse(node, f"{fn.id} with {len(node.args)} arguments ({arity} expected)")
        return f(*(_build(text, a, d, name, names) for a in node.args))
    refuse(node, _WHAT.get(type(node), type(node).__name__))


def _power(text, node, base, ex, name):
    if ex.is_number:
        if not ex.is_real or abs(ex) > MAX_EXPONENT:
            raise InputError(
                f"{name} exponents must be real numbers with |n| <= {MAX_EXPONENT}, "
                f"got {ast.get_source_segment(text, node.right)!r}"
            )
        if base.is_number and base.is_zero and ex.is_negative:
            raise InputError(f"{name} divides by zero at column {node.col_offset + 1}")
        if base.is_Rational and abs(ex) * (len(str(abs(base.p))) + len(str(base.q))) > MAX_DIGITS:
            raise InputError(f"{name} has a number with more than {MAX_DIGITS} digits at column {node.col_offset + 1}")
        if base.is_number and not base.is_zero and abs(ex) * _digits(base) > MAX_DIGITS:
            # (sqrt(3)**999)**999 is 3**(5e8) once SymPy multiplies it out: refused from its size, before it is built
            raise InputError(
                f"{name} has a power of about {float(abs(ex)) * _digits(base):.3g} digits at column {node.col_offset + 1}; "
                f"at most {MAX_DIGITS} are allowed"
            )
    return sp.Pow(base, ex)


def _digits(x) -> float:
    """|log10 |x|| + 1 for a nonzero number x built by this parser (its own size is bounded by the same rule), in
    15-digit arithmetic: the number of digits x**n gains per unit of n."""
    try:
        return abs(float(sp.N(sp.log(sp.Abs(x), 10), 15))) + 1.0
    except (TypeError, ValueError, OverflowError):
        return float("inf")
