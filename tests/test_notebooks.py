"""Every notebook: its .ipynb is in sync with its jupytext source, and the source runs top to bottom at small sizes
(in a temporary folder, so nothing is written beside the repository), showing its figures inline."""

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1] / "notebooks"
DATA = ROOT.parents[1] / "shared" / "data" / "life_expectancy.csv"
SOURCES = sorted(ROOT.glob("[0-9]*.py"))
WITH_FIGURES = {"01_theorem1_regimes", "02_theorem2_insgd", "03_phase_retrieval", "04_dro", "08_worst_cases", "09_your_model"}


def _sources(nb):
    return [(c.cell_type, c.source.strip()) for c in nb.cells]


@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_is_paired(src):
    ipynb = src.with_suffix(".ipynb")
    assert ipynb.exists(), f"{ipynb.name} missing: run python tools/sync_notebooks.py {src.name}"
    assert _sources(jupytext.read(src)) == _sources(nbformat.read(ipynb, as_version=4)), (
        f"{ipynb.name} is out of date: run python tools/sync_notebooks.py {src.name}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("src", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_executes(src, tmp_path, monkeypatch):
    monkeypatch.setenv("INSGD_NOTEBOOK_QUICK", "1")
    if DATA.exists():  # notebook 04 runs on the real data when it is present
        monkeypatch.setenv("INSGD_LIFE_EXPECTANCY", str(DATA))
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy(src, work)
    nb = jupytext.read(work / src.name)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    if src.stem in WITH_FIGURES:
        assert any("image/png" in o.get("data", {}) for o in outputs), "no inline figure"
