"""Re-run every command shown in README.md's ```console blocks and write its real output below it.

A block holds lines `$ insgd ...`; everything after a command line up to the next command or the end of the block
is that command's output, replaced here by what the command prints now (stdout, then stderr's last line for the
main job's progress-free summary). Commands run in a temporary folder (with notebooks/ linked in, for the example
theorem file), so their output files go nowhere."""

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def run(cmd: str, cwd: str) -> str:
    argv = shlex.split(cmd)
    if argv[0] == "insgd":
        argv = [sys.executable, "-m", "insgd.verify.cli", *argv[1:]]
    if "verify" in argv and "all" in argv:
        argv.append("--quiet")
    r = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    return r.stdout.rstrip("\n")


def rewrite(block: str, cwd: str, only: str = "") -> str:
    cmds = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    if only and not any(only in c for c in cmds):
        return "```console\n" + block + "```"
    out = []
    for c in cmds:
        print("running:", c, flush=True)
        out.append(f"$ {c}")
        text = run(c, cwd)
        if text:
            out.append(text)
    return "```console\n" + "\n".join(out) + "\n```"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "notebooks").symlink_to(README.parent / "notebooks")  # the example theorem file
        only = sys.argv[1] if len(sys.argv) > 1 else ""  # e.g. "predict insgd": re-run only the blocks that contain it
        text = BLOCK.sub(lambda m: rewrite(m.group(1), tmp, only), README.read_text())
    README.write_text(text)
    print("README.md: examples regenerated")
