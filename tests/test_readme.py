"""The README is what the code produces: its findings are a fresh full main job's (verify/report/findings.py), its Python
example runs as written, and no committed output holds this machine's paths."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from insgd.verify.report.findings import findings, section
from insgd.verify.report.main_job import run_all

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def test_readme_python_example_runs_as_written(tmp_path):
    """The blocks that register a theorem and check it, run in a fresh interpreter (the registry is global)."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    code = "\n".join(b for b in blocks if "register(" in b or "check_theorem(" in b)
    assert "check_theorem(MINE, Quadratic(" in code, "the README's API example no longer builds a problem"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    verdict, label = out.stdout.splitlines()[0].split(" -- ")[0], out.stdout.splitlines()[-1]
    # GD at 1/L on a quadratic with L = 5, mu = 1 contracts by (1 - mu/L) per step on the gap (a classical theorem):
    # the true bound cannot be refuted; the tight family of a rho = 2 PL assumption is |w|^2.
    assert verdict == "pass" and label.startswith("power(p=2"), out.stdout


ABSOLUTE = re.compile(r"(/work/|/root/|/home/|/tmp/|/private/var/|[A-Z]:\\\\Users)")


def test_committed_notebook_outputs_hold_no_absolute_paths():
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            text = json.dumps(cell.get("outputs", []))
            hit = ABSOLUTE.search(text)
            assert hit is None, f"{nb.name}: an output holds an absolute path near {text[hit.start() - 60 : hit.end() + 60]!r}"


@pytest.mark.slow
def test_readme_findings_match_a_fresh_full_run(tmp_path, life_expectancy_csv):
    """README's findings come from `python tools/readme_findings.py` (the full main job with the DRO data); a fresh
    full run with the same seeds must give the same section, number for number. Skips without the data."""
    summary = run_all(tmp_path / "report", progress=False, data=life_expectancy_csv, backend="numpy")
    assert section(README.read_text()) == findings(summary), "README findings are stale: python tools/readme_findings.py"
