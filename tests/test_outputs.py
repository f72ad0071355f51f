"""Outputs are never lost: exclusive temporary files, no replacement of what appeared meanwhile, --force only over
the toolkit's own output, symlinks planted by a neighbour followed nowhere, signals leave nothing behind."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from insgd.core import InputError
from insgd.files import MARKER, publish_file, rename_noreplace
from insgd.numerics.engine import run
from insgd.numerics.problems import Power
from insgd.verify.outputs import atomic_dir, atomic_file
from tests.helpers import cli


def test_rename_noreplace_refuses_every_kind_of_target(tmp_path):
    src = tmp_path / "src"
    src.write_text("new")
    for kind in ("file", "dir", "symlink"):
        dst = tmp_path / f"dst-{kind}"
        if kind == "file":
            dst.write_text("old")
        elif kind == "dir":
            dst.mkdir()
        else:
            dst.symlink_to(tmp_path / "nowhere")
        with pytest.raises(FileExistsError):
            rename_noreplace(src, dst)
    assert src.read_text() == "new" and (tmp_path / "dst-file").read_text() == "old"


def test_publish_file_never_replaces_what_appeared(tmp_path):
    target = tmp_path / "out.json"
    tmp = tmp_path / ".out.partial"
    tmp.write_text("mine")
    target.write_text("theirs")  # appeared while we worked
    with pytest.raises(FileExistsError):
        publish_file(tmp, target)
    assert target.read_text() == "theirs" and not tmp.exists()


def test_save_does_not_write_through_a_planted_symlink(tmp_path):
    """A neighbour plants symlinks at every name the old code used for its temporary files, and one at the target
    itself; the victims stay untouched (random exclusive temporary names; --force replaces the link, not its target)."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    tr = run(Power(p=4.0), "ngd", np.array([1.0]), 5, [0], {"gamma": 0.01, "beta": 1.0})
    for name in (".trace.npz.partial", ".trace.json.partial"):
        (tmp_path / name).symlink_to(victim)
    tr.save(tmp_path / "trace")
    assert victim.read_text() == "precious" and (tmp_path / "trace.npz").stat().st_size > 0
    link = tmp_path / "t2.json"
    link.symlink_to(victim)
    with pytest.raises(InputError, match="exists"):
        tr.save(tmp_path / "t2")
    tr.save(tmp_path / "t2", overwrite=True)
    assert victim.read_text() == "precious" and not link.is_symlink()


def test_a_folder_that_appears_during_the_run_is_not_replaced(tmp_path):
    out = tmp_path / "rep"
    with pytest.raises(InputError, match="appeared or filled"):
        with atomic_dir(out) as d:
            (d / "result").write_text("mine")
            out.mkdir()
            (out / "theirs").write_text("keep me")
    assert [p.name for p in out.iterdir()] == ["theirs"]
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # no temporary folder left behind


def test_force_replaces_only_the_toolkits_own_output(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(InputError, match="not an insgd output folder"):
        with atomic_dir(out, force=True):
            pass
    assert (out / "thesis.tex").read_text() == "years of work"
    own = tmp_path / "own"
    with atomic_dir(own) as d:
        (d / "a").write_text("1")
    assert (own / MARKER).is_file()
    with atomic_dir(own, force=True) as d:
        (d / "b").write_text("2")
    assert sorted(p.name for p in own.iterdir()) == [MARKER, "b"]


def test_concurrent_runs_on_one_out_exactly_one_wins(tmp_path):
    out = tmp_path / "rep"
    barrier = threading.Barrier(2)
    results = {}

    def job(k):
        try:
            with atomic_dir(out) as d:
                (d / "who").write_text(str(k))
                barrier.wait(timeout=10)  # both passed the up-front check and both have written
            results[k] = "won"
        except InputError as e:
            results[k] = str(e)

    threads = [threading.Thread(target=job, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v == "won" for v in results.values()) == [False, True], results
    winner = next(k for k, v in results.items() if v == "won")
    assert (out / "who").read_text() == str(winner)
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]


def test_atomic_file_refuses_a_file_that_appeared(tmp_path):
    p = tmp_path / "fig.png"
    with pytest.raises(InputError, match="appeared"):
        with atomic_file(p, suffixes=(".png",)) as t:
            t.write_bytes(b"mine")
            p.write_bytes(b"theirs")
    assert p.read_bytes() == b"theirs" and [x.name for x in tmp_path.iterdir()] == ["fig.png"]


def test_force_refuses_an_unrelated_folder_from_the_cli(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = cli("verify", "all", "--quick", "--out", str(out), "--force")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "not an insgd output folder" in r.stderr
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.slow
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)])
def test_a_signal_during_the_main_job_leaves_nothing(tmp_path, sig, code):
    out = tmp_path / "rep"
    p = subprocess.Popen(
        [sys.executable, "-m", "insgd.verify.cli", "verify", "all", "--quick", "--quiet", "--out", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # the signal goes to the process group, as from a terminal
    )
    time.sleep(6)  # inside the Theorem 1 checks, with the worker pool running
    os.killpg(p.pid, sig)
    _, err = p.communicate(timeout=60)
    assert p.returncode == code, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_signal_swallowed_by_a_finalizer_is_delivered_again():
    """Python ignores an exception raised in a weakref callback or __del__ ("Exception ignored in"): a SIGINT or
    SIGTERM arriving there must still stop the run (found by the main-job signal test: exit 0 after Ctrl-C)."""
    import gc
    import weakref

    from insgd.verify import cli as cli_module

    class Thing:
        pass

    for make in (KeyboardInterrupt, lambda: cli_module.Terminated(signal.SIGTERM)):

        def cb(_, make=make):
            raise make()

        with pytest.raises((KeyboardInterrupt, cli_module.Terminated)), cli_module._signals_raise():
            obj = Thing()
            ref = weakref.ref(obj, cb)  # noqa: F841
            del obj
            gc.collect()
            t0 = time.monotonic()
            while time.monotonic() - t0 < 5:
                pass


def test_a_run_that_loses_the_race_between_check_and_move_gets_a_conflict(tmp_path, monkeypatch):
    """Found by the concurrency test (1 run in ~10): two runs both see `out` absent, both move with no-replace; the
    loser's FileExistsError must become the one-line conflict (exit 2), never an internal error."""
    from insgd import files

    out = tmp_path / "rep"
    real = files.rename_noreplace

    def first_someone_else(src, dst):
        Path(dst).mkdir()  # another run publishes between this run's check and its move
        (Path(dst) / "theirs").write_text("x")
        return real(src, dst)

    monkeypatch.setattr(files, "rename_noreplace", first_someone_else)
    with pytest.raises(InputError, match="appeared while this run was writing"):
        with atomic_dir(out) as d:
            (d / "mine").write_text("y")
    assert [p.name for p in out.iterdir()] == ["theirs"]
    assert [p.name for p in tmp_path.iterdir()] == ["rep"]  # this run's temporary folder is gone
