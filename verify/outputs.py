"""Outputs that are never half-written: paths validated before any work, results written into a temporary
sibling and renamed into place at the end, nothing replaced without `force`.

* `check_out_dir(out, force)` / `check_out_file(path, force, suffixes)`: refuse up front (InputError, one line)
  a path whose parent is missing, not a folder or not writable, a directory where a file is wanted, an unknown
  image suffix, or an existing target without force.
* `atomic_dir(out, force)`: a context manager yielding a temporary sibling directory; on success it is moved into
  place (never over a folder that filled meanwhile; with force, only over the toolkit's own output), on any error,
  Ctrl-C or SIGTERM it is removed, so a failed run leaves nothing that blocks a rerun.
* `atomic_file(path, force)`: the same for one file (insgd.files: exclusive temporary file, no-replace publish).
"""

import contextlib
import os
from pathlib import Path

from insgd.core import InputError
from insgd.files import MARKER, OutputConflict, is_own_output, new_temp_dir, new_temp_file, publish_dir, publish_file

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
        if force and not is_own_output(out):
            raise InputError(
                f"{name} {str(out)!r} is not an insgd output folder (no {MARKER} file); --force replaces only the "
                "toolkit's own outputs: choose another --out"
            )
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
    """Yield a fresh temporary sibling of `out` (created exclusively, holding the MARKER); move it into place when
    the block succeeds, never over anything that is not the toolkit's own output (insgd.files.publish_dir)."""
    out = check_out_dir(out, force, name)
    tmp = new_temp_dir(out)
    try:
        yield tmp
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        publish_dir(tmp, out, overwrite=force)
    except OutputConflict as e:
        raise InputError(f"{name}: {e}; this run's results were discarded") from None


@contextlib.contextmanager
def atomic_file(path, force=False, name="path", suffixes=None):
    """Yield a temporary sibling path (created exclusively, random name, same suffix); move it into place when the
    block succeeds, without replacing a file that appeared meanwhile unless force (insgd.files.publish_file)."""
    p = check_out_file(path, force, name, suffixes)
    tmp = new_temp_file(p)
    try:
        yield tmp
        publish_file(tmp, p, overwrite=force)
    except FileExistsError:
        raise InputError(f"{name} {str(path)!r} appeared while this run was writing; not replaced (pass --force)") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
