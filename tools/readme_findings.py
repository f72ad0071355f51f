"""Regenerate README.md's findings from a fresh full `insgd verify all` with the DRO data, on the reference backend
(verify/report/findings.py; a few minutes), or
from the summary.json of such a run: `python tools/readme_findings.py --summary insgd-report/summary.json`.
The data path: $INSGD_LIFE_EXPECTANCY or ../shared/data/life_expectancy.csv."""

import os
import sys
import tempfile
from pathlib import Path

from insgd.verify.report.findings import findings, replace_section
from insgd.verify.report.main_job import run_all

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DATA = Path(os.environ.get("INSGD_LIFE_EXPECTANCY", ROOT.parent / "shared" / "data" / "life_expectancy.csv"))

if __name__ == "__main__":
    if sys.argv[1:2] == ["--summary"]:  # reuse a full run's summary.json (insgd verify all --data ...)
        import json

        summary = json.loads(Path(sys.argv[2]).read_text())
        if "dro" not in summary["reproduce"]:
            sys.exit("the README's findings include the DRO reproduction: that run had no --data")
        if summary.get("backend", "numpy") != "numpy":
            sys.exit("the README's findings come from the reference backend: run insgd verify all --backend numpy")
    else:
        if not DATA.exists():
            sys.exit(f"the README's findings include the DRO reproduction: data not found at {DATA}")
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_all(Path(tmp) / "report", progress=False, data=DATA, backend="numpy")
    README.write_text(replace_section(README.read_text(), findings(summary)))
    print("README.md: findings regenerated")
