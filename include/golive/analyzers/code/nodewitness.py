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
#: The runner each summary source (``nodetests.Counts.source``) comes from, where the witness observes it.
#: A test file's own process under ``node --test`` (a crash exits non-zero and is the parent's failure to
#: report; exit status 0 before its event loop drained is a ``process.exit(0)`` inside it).
FILE_RUN = "node:test file"
SUMMARIES = {"mocha summary lines": "mocha", "node --test summary lines": "node:test", "TAP summary lines": "node:test"}

__all__ = ["TAMPERED", "NodeWitnessed", "check", "install", "node_options", "read"]


def install(into: Path) -> Path:
    """Copy the witness into a directory of its own under ``into``; the module's path (its record,
    ``witness.jsonl``, is written next to it)."""
    directory = into / "golive-node-witness"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / MODULE
    shutil.copyfile(SOURCE, target)
    return target


def _quoted(path: Path) -> str:
    return '"' + str(path).replace("\\", "\\\\").replace('"', '\\"') + '"'


def node_options(module: Path, node_major: int) -> str:
    """``NODE_OPTIONS`` that preload the witness and, from Node 20, name it as a ``node:test`` reporter
    next to the reporter Node would have used by itself (naming one replaces the default: TAP on a pipe
    before Node 23, spec since), which keeps writing to stdout."""
    options = f"--require {_quoted(module)}"
    if node_major >= 20:
        default = "spec" if node_major >= 23 else "tap"
        options += (f" --test-reporter={default} --test-reporter-destination=stdout"
                    f" --test-reporter={_quoted(module)}"
                    f" --test-reporter-destination={_quoted(module.parent / 'node-test-reporter.out')}")
    return options


@dataclass
class Run:
    """One run of a test runner (mocha, node:test) the witness saw."""

    pid: int
    runner: str = "mocha"
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    ended: bool = False


@dataclass
class NodeWitnessed:
    """What the witness saw, and what does not add up."""

    started: set[int] = field(default_factory=set)
    exits: dict[int, int] = field(default_factory=dict)
    runs: dict[tuple[int, str], Run] = field(default_factory=dict)
    replaced: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def passed(self, runner: str | None = None) -> int:
        """Tests that passed in the witnessed runs (of ``runner``)."""
        return sum(run.passed for run in self.runs.values() if runner in (None, run.runner))

    def failed(self, runner: str | None = None) -> list[str]:
        """Titles of the tests (and mocha hooks) that failed in the witnessed runs (of ``runner``)."""
        return [title for run in self.runs.values() if runner in (None, run.runner) for title in run.failed]

    def ran(self, runner: str) -> bool:
        """Whether the witness saw ``runner`` run."""
        return any(run.runner == runner for run in self.runs.values())


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
            run = seen.runs.setdefault((pid, str(record.get("run"))), Run(pid))
            if event == "run":
                run.runner = str(record.get("runner"))
            elif event == "pass":
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
    unfinished = sorted({(run.runner, run.pid) for run in seen.runs.values() if not run.ended
                         and (run.runner != FILE_RUN or seen.exits.get(run.pid) == 0)})
    if unfinished:
        problems.append("a test run stopped before its end (the process exited during the run): "
                        + ", ".join(f"{runner} in process {pid}" for runner, pid in unfinished))
    silent = sorted({(run.runner, run.pid) for run in seen.runs.values() if run.pid not in seen.exits})
    if silent:
        problems.append("a process that ran tests ended without its exit being witnessed: "
                        + ", ".join(f"{runner} in process {pid}" for runner, pid in silent))
    failed = seen.failed()
    if failed and returncode == 0:
        problems.append(f"{len(failed)} tests failed but the test command exited with status 0: {_listed(failed)}")
    zeroed = sorted({run.pid for run in seen.runs.values() if run.failed and seen.exits.get(run.pid) == 0})
    if zeroed and returncode != 0:
        problems.append(f"a process that ran failing tests exited with status 0: process "
                        f"{', '.join(map(str, zeroed))}")
    runner = SUMMARIES.get(counts[2]) if counts is not None else None
    if counts is not None and runner is not None:
        passed, nfailed, source = counts
        if seen.ran(runner):
            witnessed = (seen.passed(runner), len(seen.failed(runner)))
            if (passed, nfailed) != witnessed:
                problems.append(f"the {source} say {passed} passed, {nfailed} failed but the witness saw {runner} "
                                f"pass {witnessed[0]} and fail {witnessed[1]}")
        elif source != "TAP summary lines":  # TAP is also tape's, node-tap's: runners the witness does not see
            problems.append(f"the output holds {runner}'s summary ({passed} passed, {nfailed} failed) but no "
                            f"{runner} run was witnessed ({runner} ran outside golive's witness)")
    return problems
