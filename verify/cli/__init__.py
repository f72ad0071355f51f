"""The `insgd` command line. Each subcommand is a thin shell over the Python API.

Errors in user input print one line naming the parameter and the violated condition, and exit 2.
"""

import argparse
import contextlib
import os
import signal
import sys
import threading

from insgd.theory.numbers import InputError
from insgd.verify.cli.audit import add_audit
from insgd.verify.cli.check import add_check, add_check_insgd, add_lemma2, add_theorems
from insgd.verify.cli.common import _one_line, _Parser
from insgd.verify.cli.estimate import add_estimate
from insgd.verify.cli.optimizer import add_check_optimizer
from insgd.verify.cli.pep import add_pep
from insgd.verify.cli.predict import add_predict
from insgd.verify.cli.report import add_bench, add_verify
from insgd.verify.cli.run import add_problems, add_reproduce, add_run, add_sweep


def build_parser() -> argparse.ArgumentParser:

    ap = _Parser(
        prog="insgd",
        description=(
            "Check the convergence theorems of 'Independently-Normalized SGD for Generalized-Smooth "
            "Nonconvex Optimization' against mathematics and experiment. Numbers accept fractions (2/3)."
        ),
    )
    from insgd import __version__

    ap.add_argument("--version", action="version", version=f"insgd {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add_theorems(sub)
    add_predict(sub)
    add_run(sub)
    add_problems(sub)
    add_check(sub)
    add_check_insgd(sub)
    add_lemma2(sub)
    add_audit(sub)
    add_pep(sub)
    add_estimate(sub)
    add_check_optimizer(sub)
    add_reproduce(sub)
    add_verify(sub)
    add_bench(sub)
    add_sweep(sub)
    return ap


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised where the program is so that every cleanup (temporary outputs) runs as for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _terminate(signum, frame):
    raise Terminated(signum)


@contextlib.contextmanager
def _signals_raise():
    """SIGTERM and SIGHUP raise Terminated in the main thread for the duration (handlers restored afterwards)."""
    sigs = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, _terminate) for s in sigs}
    old_hook = sys.unraisablehook
    sys.unraisablehook = _redeliver
    try:
        yield
    finally:
        sys.unraisablehook = old_hook
        for s, h in old.items():
            signal.signal(s, h)


def _redeliver(u):
    """A signal's exception raised inside a finalizer or weakref callback is swallowed by Python ("Exception
    ignored in ..."), and the run would go on as if no signal had come: send the signal again from a helper thread a
    moment later, so that it is raised in the main program once the finalizer has returned. Other unraisable
    exceptions go to the default hook."""
    if isinstance(u.exc_value, Terminated | KeyboardInterrupt):
        signum = u.exc_value.signum if isinstance(u.exc_value, Terminated) else signal.SIGINT
        threading.Timer(0.02, os.kill, (os.getpid(), signum)).start()
    else:
        sys.__unraisablehook__(u)


def main(argv=None) -> int:
    """Exit codes: 0 success, 1 a check failed, 2 bad input (one line on stderr), 3 an internal error (one line;
    INSGD_DEBUG=1 shows the traceback), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP).
    Outputs are written atomically, so nothing is left half-written by any of these."""
    try:
        with _signals_raise():
            args = build_parser().parse_args(argv)
            return args.func(args)
    except Terminated as e:
        print(f"insgd: terminated by {signal.Signals(e.signum).name}; partial outputs were removed", file=sys.stderr)
        return 128 + e.signum
    except InputError as e:
        print(f"insgd: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "insgd: error: the requested sizes do not fit in memory; lower --runs, --dim, --iters or the batch", file=sys.stderr
        )
        return 2
    except KeyboardInterrupt:
        print("insgd: interrupted; partial outputs were removed", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `insgd run ... --json | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception as e:  # a bug, not bad input: say so in one line (INSGD_DEBUG=1 for the traceback)
        if os.environ.get("INSGD_DEBUG"):
            raise
        print(
            f"insgd: internal error: {type(e).__name__}: {_one_line(e)[:300]} (please report; INSGD_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 3
