"""The one way tests call the command line (in-process: no interpreter start per call), and the one check of the
one-line error contract (exit code 2, a single line naming the parameter, nothing on stdout, no traceback)."""

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

from insgd.verify.cli.__init__ import main


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def cli(*argv, cwd=None) -> CliResult:
    """Run `insgd ARGV...` in this process (in cwd when given) and capture its exit code and output."""
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main([str(a) for a in argv])
            except SystemExit as e:  # argparse's own errors
                rc = e.code
    finally:
        os.chdir(old)
    return CliResult(rc, out.getvalue(), err.getvalue())


def assert_one_line_error(r: CliResult, *words):
    """Bad input: exit 2, one line on stderr starting with 'insgd', containing every word; stdout empty."""
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2, (r.returncode, r.stderr[-500:])
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("insgd") and "Traceback" not in r.stderr, r.stderr
    assert r.stdout == "", r.stdout[:300]
    for w in words:
        assert w in lines[0], (w, lines[0])
