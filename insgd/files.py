"""Publishing outputs without losing anything (standard library only, so the engine can use it too).

* A temporary file or folder is created exclusively, with a random name, in the target's folder (`tempfile`:
  O_CREAT | O_EXCL, never a fixed name, never through a symlink).
* `publish_file(tmp, target, overwrite)` moves it into place. Without overwrite the move cannot replace anything,
  even a file that appeared while the work ran: a hard link fails if the target exists (atomic), else renameat2 with
  RENAME_NOREPLACE; FileExistsError then, and the caller discards its temporary file.
* `publish_dir(tmp, out, overwrite)` does the same for a folder. Without overwrite, rename(2) of a folder replaces
  only an empty folder and refuses a non-empty one atomically. With overwrite, only the toolkit's own previous
  output (holding the MARKER file) or an empty folder is replaced; anything else is refused (OutputConflict).
"""

import contextlib
import ctypes
import ctypes.util
import errno
import os
import shutil
import tempfile
from pathlib import Path

MARKER = ".insgd-output"  # in every folder the toolkit publishes: --force replaces only folders that hold it


class OutputConflict(Exception):
    """The target of an output cannot be taken (it appeared meanwhile, or it is not the toolkit's own)."""


def _renameat2():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        return libc.renameat2
    except (OSError, AttributeError, TypeError):
        return None


_RENAMEAT2 = _renameat2()
_AT_FDCWD, _RENAME_NOREPLACE = -100, 1


def rename_noreplace(src, dst) -> None:
    """Move src to dst atomically; FileExistsError if dst exists (a file, a folder or a symlink)."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        e = ctypes.get_errno()
        if e in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(errno.EEXIST, "exists", str(dst))
        if e not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(e, os.strerror(e), str(dst))
    if os.path.lexists(dst):  # a file system without the flag: the narrowest check-then-move there is
        raise FileExistsError(errno.EEXIST, "exists", str(dst))
    os.rename(src, dst)


def new_temp_file(target, prefix_tag="partial") -> Path:
    """An empty file created exclusively next to target, with a random name and target's suffix."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{prefix_tag}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


def new_temp_dir(out) -> Path:
    """An empty folder created exclusively next to out (random name), holding the MARKER."""
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    (tmp / MARKER).write_text("written by insgd; `--force` may replace this folder\n")
    return tmp


def publish_file(tmp, target, overwrite=False) -> None:
    """Move the finished temporary file into place (see the module docstring); removes tmp on failure."""
    tmp, target = Path(tmp), Path(target)
    try:
        if overwrite:
            os.replace(tmp, target)  # a symlink at target is replaced itself, its target untouched
            return
        try:
            os.link(tmp, target, follow_symlinks=False)
        except FileExistsError:
            raise
        except OSError:  # no hard links here: an atomic rename that refuses to replace
            rename_noreplace(tmp, target)
            return
        tmp.unlink()
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def is_own_output(path) -> bool:
    """A folder the toolkit published (it holds the MARKER), or an empty folder: what --force may replace."""
    p = Path(path)
    if p.is_symlink() or not p.is_dir():
        return False
    return (p / MARKER).is_file() or not any(p.iterdir())


def publish_dir(tmp, out, overwrite=False) -> None:
    """Move the finished temporary folder into place; on failure tmp is removed and OutputConflict raised."""
    tmp, out = Path(tmp), Path(out)
    try:
        if not os.path.lexists(out):
            rename_noreplace(tmp, out)
            return
        if not overwrite:
            try:
                os.rename(tmp, out)  # replaces an empty folder only; a non-empty one is refused atomically
            except OSError as e:
                raise OutputConflict(f"{out} appeared or filled while this run was writing; nothing was replaced") from e
            return
        if not is_own_output(out):
            raise OutputConflict(f"{out} is not an insgd output folder (no {MARKER} file); not replaced, even with --force")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "x")
        try:
            rename_noreplace(tmp, out)
        except BaseException:
            with contextlib.suppress(OSError):
                rename_noreplace(old / "x", out)  # put the previous output back
            if not os.path.lexists(old / "x"):
                shutil.rmtree(old, ignore_errors=True)
            raise  # if it could not be put back, it stays whole in the hidden .OUT.old-* sibling
        shutil.rmtree(old, ignore_errors=True)
    except FileExistsError as e:  # another run published `out` between our check and our no-replace move
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputConflict(f"{out} appeared while this run was writing; nothing was replaced") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
