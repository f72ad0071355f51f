"""Write the notebooks from their cell sources (run once after editing; the tests execute them)."""

from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


def write(name: str, cells: list[tuple[str, str]]) -> None:
    nb = nbf.v4.new_notebook()
    nb.cells = [nbf.v4.new_markdown_cell(src) if kind == "md" else nbf.v4.new_code_cell(src) for kind, src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(ROOT.parent)}}).execute()
    nbf.write(nb, ROOT / name)  # saved with outputs, so it reads without running


THEORY = [
    ("md", "# Theorem 1 and Theorem 2 as data\n\nWhat the paper states, what its own proof gives, and where "
           "they part. Everything below is computed by `theory/` (SymPy)."),
    ("code", "import sympy as sp\nfrom theory import symbols as S\n"
             "from theory.ngd import DERIVED, PAPER, symbolic_orders, predict_ngd\n"
             "from theory.insgd import predict_insgd, min_eps\nfrom theory.admissibility import admissible_forms"),
    ("md", "## The one-step recursion\nLemma 1 and Assumption 2 give $\\Delta_{t+1} \\le \\Delta_t - c\\gamma\\Delta_t^q$, "
           "$q = (2-\\beta)/\\rho$, with this $c$:"),
    ("code", "DERIVED.c"),
    ("md", "## Orders of T(eps), derived by SymPy limits, per regime (1: rho < 2-beta, 2: =, 3: >)"),
    ("code", "orders = symbolic_orders()\norders"),
    ("md", "The paper's regime-1 exponents are $\\beta/\\rho$ or $(2-\\rho-\\beta)/\\rho$; the derivation gives "
           "$(2-\\rho)/\\rho$, their **sum**: the paper drops the $\\epsilon$-dependence of $\\gamma$."),
    ("code", "for beta, rho in [('1/2', '1'), ('1/4', '1'), ('0', '3/2'), ('1/2', '3/2'), ('2/3', '3/2')]:\n"
             "    p = predict_ngd(1, 1, 0, beta, rho, '1/10', '1e-3', delta0=1)\n"
             "    print(f'beta={beta:>4} rho={rho:>4} regime={p.regime} paper={p.T_exponent_paper}'\n"
             "          f' derived={p.T_exponent_derived}'\n"
             "          f' log={p.T_log_factor_derived} agrees={p.paper_agrees}')"),
    ("md", "## Admissibility\nGlobally, the segment and Hessian forms force $2-\\alpha \\le \\rho \\le 2$, the literal "
           "form forces $\\rho = 2$ (proof in `theory/admissibility.py`). With $\\alpha \\le \\beta$ the sublinear "
           "regime $\\rho < 2-\\beta$ is then empty: it needs constants certified on a region."),
    ("code", "[(a, r, admissible_forms(a, r)) for a, r in [(0, 2), ('1/2', '3/2'), ('1/2', 1), (1, 1)]]"),
    ("md", "## Theorem 2\nThe bound (16), its dominant term, and the inverse: the smallest eps for a budget."),
    ("code", "p = predict_insgd(1, 1, 2, 1, '2/3', 1, '1e-2')\nprint(p.to_json()['T'], p.dominant_term, p.B, p.B_prime)\n"
             "print(min_eps(1, 1, 2, 1, '2/3', 1, iterations=10**9)[0].evalf(6))"),
]

if __name__ == "__main__":
    ROOT.mkdir(exist_ok=True)
    write("00_theory.ipynb", THEORY)
