"""The console of the command line (rich), one place for its settings.

In a pipe or a log file (a scheduled job, CI) rich lays tables out for 80 columns and cuts what
does not fit with "…" — a number like 1,450,417.3 came out as "1,450,41…". Not on a terminal, and
with no ``COLUMNS`` in the environment, the console is :data:`WIDE` columns wide instead, so the
numbers of the summary, diff, uncertainty and targets tables are printed whole.
"""

from __future__ import annotations

import os
import sys

__all__ = ["console", "WIDE"]

WIDE = 200


def console(stderr: bool = False, soft_wrap: bool = True):
    """A rich Console on stdout (or stderr) without highlighting; wide when not on a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    wide = not (hasattr(stream, "isatty") and stream.isatty()) and "COLUMNS" not in os.environ
    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap, width=WIDE if wide else None)
