"""Outputs that are never half-written: paths validated before any work, results written into a temporary
sibling and renamed into place at the end, nothing replaced without `force`.

* `check_out_dir(out, force)` / `check_out_file(path, force, suffixes)`: refuse up front (InputError, one line)
  a path whose parent is missing, not a folder or not writable, a directory where a file is wanted, an unknown
  image suffix, or an existing target without force.
* `atomic_dir(out, force)`: a context manager yielding a temporary sibling directory; on success it replaces
  `out` (rename), on any error or Ctrl-C it is removed, so a failed run leaves nothing that blocks a rerun.
* `atomic_file(path, force)`: the same for one file (write to a temporary sibling, then `os.replace`).
"""

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from insgd.core import InputError

IMAGE_SUFFIXES = (".png", ".pdf", ".svg")


def _parent_ok(name: str, path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise InputError(f"{name} {str(path)!r}: the folder {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise InputError(f"{name} {str(path)!r}: {str(parent)!r} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{name} {str(path)!r}: the folder {str(parent)!r} is not writable")


def check_out_dir(out, force=False, name="out") -> Path:
    """Validate an output directory before any work; returns it as an absolute Path."""
    if out is None or not str(out).strip():
        raise InputError(f"{name} must be a non-empty path")
    out = Path(out).expanduser().absolute()
    _parent_ok(name, out)
    if out.exists():
        if not out.is_dir():
            raise InputError(f"{name} {str(out)!r} exists and is not a folder")
        if any(out.iterdir()) and not force:
            raise InputError(f"{name} {str(out)!r} is not empty; pass --force to replace it")
        if not os.access(out, os.W_OK | os.X_OK):
            raise InputError(f"{name} {str(out)!r} is not writable")
    return out


def check_out_file(path, force=False, name="path", suffixes=None) -> Path:
    """Validate an output file path before any work (parent, suffix, no overwrite without force)."""
    if path is None or not str(path).strip():
        raise InputError(f"{name} must be a non-empty path")
    p = Path(path).expanduser().absolute()
    if suffixes is not None and p.suffix.lower() not in suffixes:
        raise InputError(f"{name} {str(path)!r} must end in one of {', '.join(suffixes)}")
    _parent_ok(name, p)
    if p.is_dir():
        raise InputError(f"{name} {str(path)!r} is a folder, not a file")
    if p.exists() and not force:
        raise InputError(f"{name} {str(path)!r} exists; pass --force to replace it")
    return p


@contextlib.contextmanager
def atomic_dir(out, force=False, name="out"):
    """Yield a fresh temporary sibling of `out`; move it into place when the block succeeds."""
    out = check_out_dir(out, force, name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "x")
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path, force=False, name="path", suffixes=None):
    """Yield a temporary sibling path with the same suffix; replace `path` with it when the block succeeds."""
    p = check_out_file(path, force, name, suffixes)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.stem}.partial-", suffix=p.suffix, dir=p.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
