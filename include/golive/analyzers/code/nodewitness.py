"""Does a Node package's test suite report its own outcomes truthfully? golive's witness of its run.

The package's test script, its runner's configuration (``.mocharc``, ``--require`` hooks, a custom
reporter) and its tests are its own code: they print the summary lines golive reads the counts from and
decide the exit status. golive preloads its witness (``golive-witness.cjs``) into every Node process of
the run with ``NODE_OPTIONS=--require …`` from a directory golive creates for the run, so it loads
before npm, nyc/c8, the runner and the package's hooks. It records each process's start and its exit
code (the one it began to exit with and the one it ends with once every ``exit`` listener ran); for
mocha, each run of its ``Runner`` with the tests that passed and failed as the runner emitted them
(golive's own listeners), the run's end, and any of mocha's ``Runner``/``Runnable`` methods, the event
emitter or golive's listeners that the package replaced or removed after the witness loaded; for
``node --test`` (Node 20 and later), the tests that passed and failed from a reporter of golive's own
(the same module, named in ``NODE_OPTIONS`` next to Node's default reporter) and whether each test
file's own process ran until its event loop drained; for jest (verified with 27.5.1, 28.1.3, 29.7.0 and
30.5.2), each run (a call of ``@jest/core``'s ``runCLI`` in jest's main process) and its end, with the
``success`` its exit status comes from, and each test file's passes, failures and failure to run, recorded
in the outer Node context of the process that ran the file, which the test files' vm sandbox does not
share: in a jest-worker process or thread, from jest-runner's ``testWorker`` ``worker`` (the result before
it goes back over IPC); in band, from ``@jest/test-result``'s ``addResult`` in the main process (which,
with workers, only relays the workers' results and is not counted again).

``check`` cross-checks the record, the runner's summary counts and the raw exit status of the test
command. A record that is missing, a run that never ended (``process.exit`` inside it; for jest's main
process, one that exits 0 before ``runCLI`` resolved: a ``globalTeardown``, a reporter, an ``afterAll`` in
band), replaced runner internals, a summary whose counts differ from the witnessed ones, failures (or jest
test files that failed to run) that end in exit status 0, jest results that say success over witnessed
failures (a ``testResultsProcessor``), or mocha / ``node --test`` / jest counts that no witnessed run
produced (the runner ran outside the witness: the script replaced ``NODE_OPTIONS``) are a suite that
rewrites its own outcomes. jest's own ways out are not: a worker that dies during a file is that file's
failure to run in the main process's results, a ``--bail`` exits 1 before its run's end, and jest ends a
worker that does not exit by itself with SIGTERM, which no exit listener sees.

What the witness does not see: vitest, tape and node-tap tests are counted from their summaries only
(the witness still records their processes and exit codes); the package's code runs with the
witness's privileges: it can read ``NODE_OPTIONS``, append lines that parse to the record (an ``end``
that never happened) or make a test catch its own failure. For jest, the code that runs in the outer
context (a custom ``testRunner`` or ``testEnvironment``, transformers, and in band also reporters,
``globalSetup``/``globalTeardown`` and the ``testResultsProcessor``) shares the process whose results the
witness records and can rewrite them before the witness reads them. ES module packages need no ``--import``:
mocha's runner is CommonJS whatever the tests are, and Node loads ``node:test`` reporters itself. A package
that sets ``NODE_OPTIONS`` itself (``NODE_OPTIONS=… mocha``) runs its runner outside the witness and
is reported as such; one that prints Node's reporter clash (:data:`REPORTER_CLASH`) before any reporter
starts makes golive rerun it with fewer reporters of its own, down to none (``details['witness_reporter']``
says which). The check makes the plain rewrites fail instead of pass.
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
#: jest's runs: in its main process, a ``runCLI`` call and the files' results it aggregates; in a
#: jest-worker process, the files that worker ran (relayed to the main process, which reports a worker that
#: died during a file as that file failing to run).
JEST = "jest"
SUMMARIES = {"mocha summary lines": "mocha", "node --test summary lines": "node:test", "TAP summary lines": "node:test",
             "jest Tests: summary line": JEST}

__all__ = ["ALL_RUNNERS", "REPORTER_CLASH", "REPORTER_MODES", "TAMPERED", "NodeWitnessed", "check", "install",
           "node_options", "read"]


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


#: What Node says when the reporters named in NODE_OPTIONS and on the command line do not pair up with
#: their destinations (a package's own ``--test-reporter`` without ``--test-reporter-destination``).
REPORTER_CLASH = "must match the number of specified '--test-reporter-destination'"
#: How golive's ``node:test`` reporter joins the package's reporters (Node pairs reporters with
#: destinations in order, those of ``NODE_OPTIONS`` first): ``default`` — the package names none, so
#: golive names Node's default (to stdout) and its own; ``single`` — the package names one reporter
#: without a destination (Node's stdout by default), so golive adds its own and that stdout;
#: ``paired`` — the package pairs its reporters with destinations; ``none`` — no reporter of golive's.
REPORTER_MODES = ("default", "single", "paired", "none")
#: The runners whose tests the witness observes (``node:test`` only when golive's reporter is named).
ALL_RUNNERS = frozenset({"mocha", "node:test", JEST})


def node_options(module: Path, node_major: int, reporter: str = "default") -> str:
    """``NODE_OPTIONS`` that preload the witness and, from Node 20, name it as a ``node:test`` reporter
    as ``reporter`` (one of :data:`REPORTER_MODES`) says; the default reporter Node would have used by
    itself is TAP on a pipe before Node 23, spec since."""
    options = f"--require {_quoted(module)}"
    if node_major < 20 or reporter == "none":
        return options
    own = f"--test-reporter={_quoted(module)} --test-reporter-destination={_quoted(module.parent / 'reporter.out')}"
    if reporter == "default":
        default = "spec" if node_major >= 23 else "tap"
        return f"{options} --test-reporter={default} --test-reporter-destination=stdout {own}"
    return f"{options} {own}" + (" --test-reporter-destination=stdout" if reporter == "single" else "")


@dataclass
class Run:
    """One run of a test runner (mocha, node:test, jest) the witness saw."""

    pid: int
    runner: str = "mocha"
    #: a worker process of ``mocha --parallel`` or jest (it exits 0 whatever its tests did)
    worker: bool = False
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    ended: bool = False
    #: jest: the test files whose suite failed to run (an error outside any test)
    broken: list[str] = field(default_factory=list)
    #: jest's main process: the results ``runCLI`` resolved with said the run succeeded (None: not seen)
    success: bool | None = None
    #: jest's main process with workers: its file results are the workers' relayed, not its own
    relayed: bool = False
    #: the worker thread it ran in (jest's ``workerThreads``; 0: the process's main thread)
    thread: int = 0


@dataclass
class NodeWitnessed:
    """What the witness saw, and what does not add up."""

    started: set[int] = field(default_factory=set)
    exits: dict[int, int] = field(default_factory=dict)
    #: each process's parent, as it started
    parents: dict[int, int] = field(default_factory=dict)
    #: the code each process began to exit with (before the other ``exit`` listeners ran)
    began: dict[int, int] = field(default_factory=dict)
    runs: dict[tuple[int, str], Run] = field(default_factory=dict)
    replaced: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def _own(self, runner: str | None) -> list[Run]:
        return [run for run in self.runs.values() if runner in (None, run.runner) and not run.relayed]

    def passed(self, runner: str | None = None) -> int:
        """Tests that passed in the witnessed runs (of ``runner``)."""
        return sum(run.passed for run in self._own(runner))

    def failed(self, runner: str | None = None) -> list[str]:
        """Titles of the tests (and mocha hooks) that failed in the witnessed runs (of ``runner``)."""
        return [title for run in self._own(runner) for title in run.failed]

    def broken(self) -> list[str]:
        """The jest test files that failed to run (a worker that died during a file leaves it to the main
        process's results)."""
        return sorted({file for run in self.runs.values() if run.runner == JEST for file in run.broken})

    def workers_of(self, pid: int) -> list[Run]:
        """The jest worker runs in the child processes or the worker threads of ``pid``."""
        return [run for run in self.runs.values() if run.runner == JEST and run.worker
                and (self.parents.get(run.pid) == pid or (run.pid == pid and run.thread))]

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
            thread = int(record.get("thread") or 0)
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            seen.problems.append("the witness's record holds lines the witness did not write")
            continue
        seen.replaced.update(str(name) for name in record.get("replaced") or ())
        if thread and event in ("start", "exit"):
            continue  # a worker thread's start and exit are not its process's
        if event == "start":
            seen.started.add(pid)
            if isinstance(record.get("ppid"), int):
                seen.parents[pid] = record["ppid"]
        elif event == "exit":
            seen.exits[pid] = int(record.get("code") or 0)
            seen.began[pid] = int(record.get("began") or 0)
        elif event in ("run", "pass", "fail", "end", "jest-file"):
            key = (pid, str(record.get("run")) + (f"@{thread}" if thread else ""))
            _run_event(seen, seen.runs.setdefault(key, Run(pid, thread=thread)), event, record)
    for run in seen.runs.values():
        run.relayed = run.runner == JEST and not run.worker and bool(seen.workers_of(run.pid))
    return seen


def _run_event(seen: NodeWitnessed, run: Run, event: str, record: dict[str, object]) -> None:
    if event == "run":
        run.runner, run.worker = str(record.get("runner")), bool(record.get("worker"))
        # a jest worker's run is its files' results: a worker that dies during a file is that file's failure to
        # run in the main process's results
        run.ended = run.runner == JEST and run.worker
    elif event == "jest-file":
        _jest_file(seen, run, record)
    elif event == "pass":
        run.passed += 1
    elif event == "fail":
        run.failed.append(str(record.get("title")))
    elif event == "end":
        run.ended = True
        success = record.get("success")
        run.success = success if isinstance(success, bool) else run.success


def _jest_file(seen: NodeWitnessed, run: Run, record: dict[str, object]) -> None:
    """One test file's result in a jest run (``jest-file``: passed, the failed tests' names, error)."""
    failed, passed = record.get("failed"), record.get("passed")
    if not isinstance(failed, list) or not isinstance(passed, int):
        seen.problems.append("the witness's record holds lines the witness did not write")
        return
    run.passed += passed
    run.failed.extend(str(title) for title in failed)
    if record.get("error"):
        run.broken.append(str(record.get("file")))


def _listed(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _jest_rewritten(seen: NodeWitnessed) -> list[str]:
    """jest runs whose final results (after the testResultsProcessor, reporters) say success although
    their files' tests failed."""
    problems = []
    for run in seen.runs.values():
        if run.runner != JEST or run.worker or not run.success:
            continue
        files = seen.workers_of(run.pid) if run.relayed else [run]
        failed = [title for own in files for title in own.failed]
        broken = [file for own in files for file in own.broken]
        if failed or broken:
            problems.append(f"jest's results for its exit status say the run in process {run.pid} succeeded but "
                            f"the witness saw {len(failed)} tests fail"
                            + (f" and {len(broken)} test files fail to run" if broken else "")
                            + " (the results were rewritten after the tests ran)")
    return problems


def check(seen: NodeWitnessed, counts: tuple[int, int, str] | None, returncode: int,
          runners: frozenset[str] = ALL_RUNNERS) -> list[str]:
    """Every way the reported outcome contradicts the witnessed one (empty: the report is truthful).

    :param counts: ``(passed, failed, source)`` read from the runner's summary lines, None when none.
    :param returncode: the test command's exit status.
    :param runners: the runners the witness was set up to observe.
    """
    if not seen.started:
        return ["golive's witness never ran in the test command (the suite removed it from NODE_OPTIONS)"]
    problems = list(seen.problems)
    if seen.replaced:
        problems.append(f"the suite replaced mocha's test reporting after golive's witness loaded: "
                        f"{_listed(sorted(seen.replaced))}")
    # a node:test file's process or jest's main process that exits non-zero during the run fails it (jest's
    # --bail exits 1 there)
    unfinished = sorted({(run.runner, run.pid) for run in seen.runs.values() if not run.ended
                         and (run.runner not in (FILE_RUN, JEST) or seen.exits.get(run.pid) == 0)})
    if unfinished:
        problems.append("a test run stopped before its end (the process exited during the run): "
                        + ", ".join(f"{runner} in process {pid}" for runner, pid in unfinished))
    # jest ends a worker that does not exit by itself with SIGTERM, which no exit listener sees
    silent = sorted({(run.runner, run.pid) for run in seen.runs.values() if run.pid not in seen.exits
                     and not (run.runner == JEST and run.worker)})
    if silent:
        problems.append("a process that ran tests ended without its exit being witnessed: "
                        + ", ".join(f"{runner} in process {pid}" for runner, pid in silent))
    failed = seen.failed()
    if failed and returncode == 0:
        problems.append(f"{len(failed)} tests failed but the test command exited with status 0: {_listed(failed)}")
    broken = seen.broken()
    if broken and returncode == 0:
        problems.append(f"{len(broken)} jest test files failed to run but the test command exited with status 0: "
                        f"{_listed(broken)}")
    problems += _jest_rewritten(seen)
    zeroed = sorted({run.pid for run in seen.runs.values()
                     if run.failed and not run.worker and seen.exits.get(run.pid) == 0})
    if zeroed and returncode != 0:
        problems.append(f"a process that ran failing tests exited with status 0: process "
                        f"{', '.join(map(str, zeroed))}")
    rewritten = sorted({run.pid for run in seen.runs.values()
                        if not run.worker and seen.began.get(run.pid) and seen.exits.get(run.pid) == 0})
    if rewritten:
        problems.append("an exit listener turned the exit status of a process that ran tests into 0: "
                        + ", ".join(f"process {pid} (from {seen.began[pid]})" for pid in rewritten))
    runner = SUMMARIES.get(counts[2]) if counts is not None else None
    if counts is not None and runner is not None:
        passed, nfailed, source = counts
        if seen.ran(runner):
            witnessed = (seen.passed(runner), len(seen.failed(runner)))
            if (passed, nfailed) != witnessed:
                problems.append(f"the {source} say {passed} passed, {nfailed} failed but the witness saw {runner} "
                                f"pass {witnessed[0]} and fail {witnessed[1]}")
        # TAP is also tape's and node-tap's, runners the witness does not see
        elif source != "TAP summary lines" and runner in runners:
            problems.append(f"the output holds {runner}'s summary ({passed} passed, {nfailed} failed) but no "
                            f"{runner} run was witnessed ({runner} ran outside golive's witness)")
    return problems
