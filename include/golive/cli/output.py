"""One output and exit-code convention for every agent: JSON on stdout, the same codes everywhere."""

from __future__ import annotations

import json
import sys
from enum import IntEnum
from typing import Any

from golive.models import VerdictStatus


class ExitCode(IntEnum):
    """What an agent's exit status means (the same for every agent)."""

    OK = 0  #: PASS, or the action was done
    FAIL = 1  #: FAIL, or the action failed (the output says why)
    USAGE = 2  #: bad command-line input: nothing was run or changed
    WARNING = 3  #: WARNING: the score is in the warning band
    SOURCE = 4  #: the git source could not be fetched
    LEDGER = 5  #: the verdict was printed but could not be recorded in the ledger
    MOVED = 6  #: the source is no longer at the commit the run's plan pinned (--commit): nothing was measured


VERDICT_EXIT: dict[VerdictStatus, ExitCode] = {VerdictStatus.PASS: ExitCode.OK, VerdictStatus.FAIL: ExitCode.FAIL,
                                               VerdictStatus.WARNING: ExitCode.WARNING}


def emit(payload: Any) -> None:
    """Print ``payload`` as JSON on stdout (indented on a terminal, one line in a pod's log)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(payload, indent=indent, default=str) + "\n")
    sys.stdout.flush()
