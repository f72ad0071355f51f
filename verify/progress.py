"""Progress on stderr for everything that takes more than a second or two.

On a terminal: a tqdm bar with an ETA. Not on a terminal (a log, CI): one line per stage. With quiet: nothing.
Results never go to stderr, so progress never mixes with `--json` output."""

import sys


def stage(desc: str, quiet: bool = False) -> None:
    """One line announcing a stage (always when not quiet: bars are per item, stages are few)."""
    if not quiet:
        print(desc, file=sys.stderr, flush=True)


def bar(iterable, total=None, desc="", quiet=False, unit="it"):
    """Iterate with a progress bar on a terminal; on a pipe, one line for the stage; quiet: silent."""
    if quiet:
        return iterable
    if not sys.stderr.isatty():
        stage(f"{desc} ({total} {unit})" if total is not None else desc)
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)
