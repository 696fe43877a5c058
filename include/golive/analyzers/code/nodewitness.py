"""Does a Node package's test suite report its own outcomes truthfully? golive's witness of its run.

The package's test script, its runner's configuration (``.mocharc``, ``--require`` hooks, a custom
reporter) and its tests are its own code: they print the summary lines golive reads the counts from and
decide the exit status. golive preloads its witness (``golive-witness.cjs``) into every Node process of
the run with ``NODE_OPTIONS=--require …`` from a directory only golive writes, so it loads before npm,
nyc/c8, the runner and the package's hooks. It records each process's start and its exit code (the one
it began to exit with and the one it ends with once every ``exit`` listener ran); for mocha, each run of
its ``Runner`` with the tests that passed and failed as the runner emitted them (golive's own
listeners), the run's end, and any of mocha's ``Runner``/``Runnable`` methods, the event emitter or
golive's listeners that the package replaced or removed after the witness loaded.

``check`` cross-checks the record, the runner's summary counts and the raw exit status of the test
command. A record that is missing, a mocha run that never ended (``process.exit`` inside the run),
replaced runner internals, failures the summary does not show, failures that end in exit status 0, or
mocha counts that no witnessed run produced (mocha outside the witness: the script replaced
``NODE_OPTIONS``) are a suite that rewrites its own outcomes.

What the witness does not see: the tests of ``node --test``, jest, vitest and TAP runners are counted
from their summaries only (the witness still records the processes and their exit codes), and the
package's code runs with the witness's privileges: it can find the record's directory in
``NODE_OPTIONS``, write lines into it or rewrite a test's outcome before mocha reports it (a test body
that catches its own failure). The check makes the plain rewrites fail instead of pass.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from golive.analyzers.code.witness import TAMPERED

SOURCE = Path(__file__).resolve().parents[2] / "data" / "node" / "golive-witness.cjs"
MODULE = "golive-witness.cjs"
RECORD = "witness.jsonl"
#: The summary source (``nodetests.Counts.source``) of the runner the witness observes.
MOCHA_SUMMARY = "mocha summary lines"

__all__ = ["TAMPERED", "NodeWitnessed", "check", "install", "node_options", "read"]


def install(into: Path) -> Path:
    """Copy the witness into a directory of its own under ``into``; the module's path (its record,
    ``witness.jsonl``, is written next to it)."""
    directory = into / "golive-node-witness"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODULE
    shutil.copyfile(SOURCE, target)
    return target


def node_options(module: Path) -> str:
    """``NODE_OPTIONS`` that preload the witness (the path quoted as Node's option parser reads it)."""
    return '--require "' + str(module).replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class Run:
    """One mocha run the witness saw."""

    pid: int
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    ended: bool = False


@dataclass
class NodeWitnessed:
    """What the witness saw, and what does not add up."""

    started: set[int] = field(default_factory=set)
    exits: dict[int, int] = field(default_factory=dict)
    runs: dict[tuple[int, int], Run] = field(default_factory=dict)
    replaced: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """Tests that passed in the witnessed runs."""
        return sum(run.passed for run in self.runs.values())

    @property
    def failed(self) -> list[str]:
        """Titles of the tests (and hooks) that failed in the witnessed runs."""
        return [title for run in self.runs.values() for title in run.failed]


def read(path: Path) -> NodeWitnessed:
    """Parse the witness record (a missing or unreadable one is a witness that never started)."""
    seen = NodeWitnessed()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return seen
    for line in lines:
        try:
            record = json.loads(line)
            pid = int(record["pid"])
            event = record["event"]
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            seen.problems.append("the witness's record holds lines the witness did not write")
            continue
        seen.replaced.update(str(name) for name in record.get("replaced") or ())
        if event == "start":
            seen.started.add(pid)
        elif event == "exit":
            seen.exits[pid] = int(record.get("code") or 0)
        elif event in ("run", "pass", "fail", "end"):
            run = seen.runs.setdefault((pid, int(record.get("run", 0))), Run(pid))
            if event == "pass":
                run.passed += 1
            elif event == "fail":
                run.failed.append(str(record.get("title")))
            elif event == "end":
                run.ended = True
    return seen


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def check(seen: NodeWitnessed, counts: tuple[int, int, str] | None, returncode: int) -> list[str]:
    """Every way the reported outcome contradicts the witnessed one (empty: the report is truthful).

    :param counts: ``(passed, failed, source)`` read from the runner's summary lines, None when none.
    :param returncode: the test command's exit status.
    """
    if not seen.started:
        return ["golive's witness never ran in the test command (the suite removed it from NODE_OPTIONS)"]
    problems = list(seen.problems)
    if seen.replaced:
        problems.append(f"the suite replaced mocha's test reporting after golive's witness loaded: "
                        f"{_listed(sorted(seen.replaced))}")
    unfinished = sorted({run.pid for run in seen.runs.values() if not run.ended})
    if unfinished:
        problems.append(f"a mocha run stopped before its end (the process exited during the run): process "
                        f"{', '.join(map(str, unfinished))}")
    silent = sorted({run.pid for run in seen.runs.values() if run.pid not in seen.exits})
    if silent:
        problems.append(f"a process that ran mocha ended without its exit being witnessed: process "
                        f"{', '.join(map(str, silent))}")
    failed = seen.failed
    if failed and returncode == 0:
        problems.append(f"{len(failed)} tests failed but the test command exited with status 0: {_listed(failed)}")
    zeroed = sorted({run.pid for run in seen.runs.values() if run.failed and seen.exits.get(run.pid) == 0})
    if zeroed and returncode != 0:
        problems.append(f"a process that ran failing mocha tests exited with status 0: process "
                        f"{', '.join(map(str, zeroed))}")
    if counts is not None and counts[2] == MOCHA_SUMMARY:
        passed, nfailed, _ = counts
        if not seen.runs:
            problems.append(f"the output holds mocha's summary ({passed} passing, {nfailed} failing) but no "
                            "mocha run was witnessed (mocha ran outside golive's witness)")
        elif (passed, nfailed) != (seen.passed, len(failed)):
            problems.append(f"mocha's summary says {passed} passing, {nfailed} failing but the witness saw "
                            f"{seen.passed} passed, {len(failed)} failed")
    return problems
