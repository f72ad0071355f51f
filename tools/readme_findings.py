"""Regenerate README.md's "What it found so far" from a fresh full `insgd verify all` (verify/findings.py; ~3 min)."""

import tempfile
from pathlib import Path

from insgd.verify.findings import findings, replace_section
from insgd.verify.main_job import run_all

README = Path(__file__).resolve().parents[1] / "README.md"

if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_all(Path(tmp) / "report", progress=False)
    README.write_text(replace_section(README.read_text(), findings(summary)))
    print("README.md: findings regenerated")
