"""Write each notebook's .ipynb from its jupytext percent source (notebooks/*.py), executed with outputs, so the
notebooks read without running. Run after editing a source; the tests check that the pair is in sync and execute
the sources at small sizes. The kernel runs in notebooks/ (outputs go to notebooks/outputs/, which git ignores)."""

import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1] / "notebooks"


def build(src: Path, execute: bool = True) -> None:
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    if execute:
        NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    nbformat.write(nb, src.with_suffix(".ipynb"))


if __name__ == "__main__":
    names = sys.argv[1:] or [p.name for p in sorted(ROOT.glob("[0-9]*.py"))]
    for name in names:
        print("building", name, flush=True)
        build(ROOT / name)
