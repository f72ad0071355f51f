"""The import graph: verify -> theory, numerics -> core; numerics loads no SymPy; nothing imports upward or by the
old top-level names. Inside verify/, the wings are ordered: the shared base (verify/*.py) <- audit <- checks <-
experiments <- report <- cli, and no file is longer than MAX_LINES."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"insgd": ROOT / "insgd", "theory": ROOT / "theory", "numerics": ROOT / "numerics", "verify": ROOT / "verify"}
CORE = {"core", "files"}  # insgd/core.py and insgd/files.py: the standard library only, importable from every layer
ALLOWED = {  # layer -> insgd subpackages it may import (at any level of a module)
    "insgd": CORE,
    "theory": CORE | {"theory"},
    "numerics": CORE | {"numerics"},
    "verify": CORE | {"theory", "numerics", "verify"},
}


def _imports(path, module_level=False):
    tree = ast.parse(path.read_text())
    for node in tree.body if module_level else ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_imports_flow_one_way():
    bad = []
    for layer, folder in LAYERS.items():
        for path in folder.rglob("*.py"):
            for mod in _imports(path):
                top = mod.split(".")[0]
                if top in ("theory", "numerics", "verify", "tests"):
                    bad.append(f"{path.name}: imports {mod} (use insgd.{mod})")
                if top == "insgd" and mod != "insgd":
                    sub = mod.split(".")[1]
                    if sub not in ALLOWED[layer]:
                        bad.append(f"{layer}/{path.name}: imports {mod}")
            if layer == "insgd":  # the core: the standard library only at import time (mpmath lazily, in functions)
                heavy = {m for m in _imports(path, module_level=True)} & {"numpy", "sympy", "scipy", "mpmath"}
                bad += [f"insgd/{path.name}: imports {m} at module level" for m in heavy]
    assert not bad, bad


def test_numerics_engine_loads_no_sympy():
    code = "import sys, insgd.numerics.engine, insgd.numerics.problems; print('sympy' in sys.modules, 'mpmath' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_notebooks_import_only_the_package():
    for nb in (ROOT / "notebooks").glob("*.py"):
        mods = {m.split(".")[0] for m in _imports(nb)}
        assert not mods & {"tests", "theory", "numerics", "verify"}, (nb.name, mods)


def test_engine_knows_no_optimizer_by_name():
    from insgd.numerics.optimizers import OPTIMIZERS

    src = (ROOT / "numerics" / "engine.py").read_text()
    assert not [n for n in OPTIMIZERS if f'"{n}"' in src or f"'{n}'" in src]


WINGS = ["", "audit", "checks", "experiments", "report", "cli"]  # verify/*.py first: the base every wing may use
MAX_LINES = 500


def _wing(module: str):
    """The wing of an insgd.verify module name ("" for the base), or None outside verify."""
    parts = module.split(".")
    if parts[:2] != ["insgd", "verify"] or len(parts) < 3:
        return None
    return parts[2] if parts[2] in WINGS else ""


def test_verify_wings_import_downward_only():
    folder = LAYERS["verify"]
    assert sorted(p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()) == sorted(WINGS[1:])
    bad = []
    for path in folder.rglob("*.py"):
        rel = path.relative_to(folder)
        own = WINGS.index(rel.parts[0] if len(rel.parts) > 1 else "")
        for mod in _imports(path):
            wing = _wing(mod)
            if wing is not None and WINGS.index(wing) > own:
                bad.append(f"verify/{rel}: imports {mod} (wing {wing!r} is above {WINGS[own]!r})")
    assert not bad, bad


def test_no_long_files():
    long = {}
    for folder in LAYERS.values():
        for path in folder.rglob("*.py"):
            n = len(path.read_text().splitlines())
            if n > MAX_LINES:
                long[str(path.relative_to(ROOT))] = n
    assert not long, long


def test_no_import_cycles():
    """No cycle among insgd's modules through their module-level imports (a lazy import inside a function is how
    a module reaches the one above it only when called)."""
    graph = {}
    for layer, folder in LAYERS.items():
        for path in folder.rglob("*.py"):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            name = ".".join(["insgd"] + ([] if layer == "insgd" else [layer]) + parts)
            graph[name] = {m for m in _imports(path, module_level=True) if m.startswith("insgd.")}
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n) :] + [n])
            return
        if n in seen or n not in graph:
            return
        seen.add(n)
        stack.append(n)
        for m in graph[n]:
            visit(m)
        stack.pop()

    for n in graph:
        visit(n)
    assert not cycles, cycles
