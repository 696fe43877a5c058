"""Does a target's test suite report its own outcomes truthfully? golive's witness of its pytest run.

The target's suite runs in its own interpreter with its own ``conftest.py``, which can rewrite what
pytest reports: a ``pytest_runtest_makereport`` wrapper that turns failures into passes, a
``pytest_sessionfinish`` that forces exit status 0, a JUnit file overwritten at exit. golive loads its
witness plugin first (``-p golive_witness``, from a directory only it is in, before any conftest), and
the plugin records each test phase as pytest's own report maker produced it (``golive_witness.py``).

``check`` cross-checks three channels the suite does not control together: the witness's record, the
JUnit XML pytest wrote, and the raw exit status of the process. A suite whose record is missing, whose
failed tests are not failures in the JUnit report, whose failures end in exit status 0, or whose
collected tests never ran, rewrites its own outcomes. In-process code can always reach further (it
runs with the witness's privileges); the check makes the plain rewrites fail instead of pass.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

PLUGIN_SOURCE = Path(__file__).resolve().parents[2] / "data" / "pytest" / "golive_witness.py"
PLUGIN = "golive_witness"
#: The words the criteria's reason starts with.
TAMPERED = "the suite rewrites its own outcomes"


def install(into: Path) -> Path:
    """Copy the witness plugin into a directory of its own under ``into``; the directory to put on
    ``PYTHONPATH`` (``-p golive_witness`` imports it from there)."""
    directory = into / "golive-witness"
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PLUGIN_SOURCE, directory / f"{PLUGIN}.py")
    return directory


def junit_key(nodeid: str) -> tuple[str, str]:
    """The ``(classname, name)`` pytest's junitxml plugin writes for ``nodeid`` (``mangle_test_address``)."""
    path, *names = nodeid.split("::")
    path = path.removesuffix(".py").replace("/", ".")
    parts = [path, *names]
    return ".".join(parts[:-1]), parts[-1]


@dataclass
class Witnessed:
    """What the witness saw, and what does not add up."""

    started: bool = False
    finished: bool = False
    collected: int | None = None
    ran: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    dropped: int = 0
    bypassed: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def read(path: Path) -> Witnessed:
    """Parse the witness file (a missing or unreadable file is a witness that never started)."""
    seen = Witnessed()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return seen
    deselected = 0
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            seen.problems.append("the witness's record holds lines the witness did not write")
            continue
        event = record.get("event")
        if event == "start":
            seen.started = True
        elif event == "finish":
            seen.finished = True
        elif event == "collected":
            seen.collected = int(record.get("n", 0))
        elif event == "deselected":
            deselected += int(record.get("n", 0))
        elif event == "bypassed":
            seen.bypassed.add(str(record.get("nodeid")))
        elif event == "modified":
            seen.dropped += max(0, int(record.get("before", 0)) - int(record.get("after", 0)))
        elif event in ("report", "raised"):
            nodeid = str(record.get("nodeid"))
            if record.get("when") == "setup":
                seen.ran.add(nodeid)
            if (event == "raised" or record.get("raised")) and not record.get("xfail"):
                seen.failed.add(nodeid)
    seen.dropped = max(0, seen.dropped - deselected)
    return seen


def check(seen: Witnessed, junit_failed: set[tuple[str, str]], returncode: int) -> list[str]:
    """Every way the reported outcome contradicts the witnessed one (empty: the report is truthful).

    :param junit_failed: ``(classname, name)`` of the JUnit XML's test cases with a failure or error.
    :param returncode: the pytest process's exit status.
    """
    if not seen.started:
        return ["golive's witness plugin never ran (the suite disabled or replaced it)"]
    problems = list(seen.problems)
    if not seen.finished:
        problems.append("the pytest session ended without finishing (the witness saw no session end)")
    hidden = sorted(n for n in seen.failed if junit_key(n) not in junit_failed)
    if hidden:
        shown = ", ".join(hidden[:5]) + (f" and {len(hidden) - 5} more" if len(hidden) > 5 else "")
        problems.append(f"{len(hidden)} tests raised but are not failures in the JUnit report: {shown}")
    if seen.bypassed:
        shown = ", ".join(sorted(seen.bypassed)[:5]) + (f" and {len(seen.bypassed) - 5} more"
                                                       if len(seen.bypassed) > 5 else "")
        problems.append(f"{len(seen.bypassed)} tests reached their call phase but their test function never ran "
                        f"(a hook answered for it): {shown}")
    if seen.failed and returncode == 0:
        problems.append(f"{len(seen.failed)} tests failed but pytest exited with status 0")
    if seen.collected is not None and not seen.failed and returncode == 0 and len(seen.ran) < seen.collected:
        problems.append(f"{seen.collected - len(seen.ran)} of {seen.collected} collected tests never ran")
    return problems
