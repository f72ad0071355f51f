"""The README's findings are what a fresh quick main job produces (verify/findings.py), number for number."""

from pathlib import Path

import pytest

from insgd.verify.findings import findings, section
from insgd.verify.main_job import run_all

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.slow
def test_readme_findings_match_a_fresh_quick_run(tmp_path):
    summary = run_all(tmp_path / "report", quick=True, progress=False)
    assert section(README.read_text()) == findings(summary), "README findings are stale: python tools/readme_findings.py"
