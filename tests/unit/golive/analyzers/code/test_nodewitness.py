"""The Node witness's record read back and cross-checked with the runner's summary counts and the exit status."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from golive.analyzers.code.nodetests import _major, _reporter_modes
from golive.analyzers.code.nodewitness import REPORTER_MODES, SOURCE, check, install, node_options, read

MOCHA = (1, 1, "mocha summary lines")


def _record(tmp_path: Path, *events: dict) -> Path:
    path = tmp_path / "witness.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def _mocha(*tests: tuple[str, str], end: bool = True, exit_code: int | None = 1) -> list[dict]:
    events = [{"event": "start", "pid": 1}, {"event": "start", "pid": 2},
              {"event": "run", "run": "mocha-1", "runner": "mocha", "pid": 2}]
    events += [{"event": outcome, "run": "mocha-1", "title": title, "pid": 2} for outcome, title in tests]
    events += [{"event": "end", "run": "mocha-1", "replaced": [], "pid": 2}] if end else []
    events += [{"event": "exit", "code": exit_code, "replaced": [], "pid": 2}] if exit_code is not None else []
    return [*events, {"event": "exit", "code": 1, "pid": 1}]


def test_a_truthful_mocha_run_has_no_problem(tmp_path: Path) -> None:
    seen = read(_record(tmp_path, *_mocha(("pass", "calc halves"), ("fail", "calc adds"))))
    assert (seen.passed(), seen.failed()) == (1, ["calc adds"])
    assert check(seen, MOCHA, 1) == []


def test_no_record_is_a_witness_that_never_ran(tmp_path: Path) -> None:
    assert "never ran" in check(read(tmp_path / "missing.jsonl"), MOCHA, 1)[0]


@pytest.mark.parametrize(("events", "counts", "returncode", "evidence"), [
    (_mocha(("pass", "a"), ("fail", "b")), (2, 0, "mocha summary lines"), 0,
     "the mocha summary lines say 2 passed, 0 failed but the witness saw mocha pass 1 and fail 1"),
    (_mocha(("pass", "a"), ("fail", "b")), MOCHA, 0, "1 tests failed but the test command exited with status 0: b"),
    (_mocha(("pass", "a"), ("fail", "b"), end=False), MOCHA, 1,
     "a test run stopped before its end (the process exited during the run): mocha in process 2"),
    (_mocha(("pass", "a"), ("fail", "b"), exit_code=None), MOCHA, 1,
     "a process that ran tests ended without its exit being witnessed: mocha in process 2"),
    (_mocha(("pass", "a"), ("fail", "b"), exit_code=0), MOCHA, 1,
     "a process that ran failing tests exited with status 0: process 2"),
    ([{"event": "start", "pid": 1}, {"event": "exit", "code": 0, "pid": 1}], (3, 0, "mocha summary lines"), 0,
     "the output holds mocha's summary (3 passed, 0 failed) but no mocha run was witnessed"),
    ([*_mocha(("pass", "a")), {"event": "exit", "code": 0, "pid": 2,
                               "replaced": ["mocha Runner.prototype.fail"]}], (1, 0, "mocha summary lines"), 0,
     "replaced mocha's test reporting after golive's witness loaded: mocha Runner.prototype.fail"),
    ([*_mocha(("pass", "a"), ("fail", "b"), exit_code=None), {"event": "exit", "began": 1, "code": 0, "pid": 2}],
     MOCHA, 0, "an exit listener turned the exit status of a process that ran tests into 0: process 2 (from 1)"),
], ids=["summary-lies", "exit-status-zeroed", "run-never-ended", "exit-unwitnessed", "process-status-zeroed",
        "mocha-outside-the-witness", "internals-replaced", "exit-listener-zeroes"])
def test_contradictions_are_problems(tmp_path: Path, events: list[dict], counts: tuple[int, int, str],
                                     returncode: int, evidence: str) -> None:
    problems = check(read(_record(tmp_path, *events)), counts, returncode)
    assert any(evidence in p for p in problems), problems


def test_lines_the_witness_did_not_write_are_a_problem(tmp_path: Path) -> None:
    path = _record(tmp_path, *_mocha(("pass", "a"), ("fail", "b")))
    path.write_text(path.read_text(encoding="utf-8") + "5 passing\n", encoding="utf-8")
    assert check(read(path), MOCHA, 1) == ["the witness's record holds lines the witness did not write"]


def test_a_mocha_parallel_worker_exits_0_whatever_its_tests_did(tmp_path: Path) -> None:
    events = _mocha(("pass", "a"), ("fail", "b"), exit_code=0)
    events[2]["worker"] = True
    assert check(read(_record(tmp_path, *events)), MOCHA, 1) == []


def test_a_tap_summary_of_another_runner_is_not_compared(tmp_path: Path) -> None:
    seen = read(_record(tmp_path, {"event": "start", "pid": 1}, {"event": "exit", "code": 0, "pid": 1}))
    assert check(seen, (4, 0, "TAP summary lines"), 0) == []


def test_a_node_test_file_process_that_exits_0_early_never_ended(tmp_path: Path) -> None:
    file_run = [{"event": "start", "pid": 3}, {"event": "run", "run": "node:test-file", "runner": "node:test file",
                                                "pid": 3}]
    early = read(_record(tmp_path, *file_run, {"event": "exit", "code": 0, "pid": 3}))
    assert "node:test file in process 3" in " ".join(check(early, None, 0))
    crashed = read(_record(tmp_path, *file_run, {"event": "exit", "code": 1, "pid": 3}))
    assert check(crashed, None, 1) == []


JEST = (3, 1, "jest Tests: summary line")


def _file(pid: int, run: str, name: str, passed: int, failed: list[str], *, error: bool = False) -> dict:
    return {"event": "jest-file", "run": run, "file": f"/p/test/{name}", "passed": passed, "failed": failed,
            "error": error, "pid": pid}


def _jest(*, workers: bool, end: bool = True, success: bool = False, exit_code: int | None = 1,
          worker_exit: int | None = 0) -> list[dict]:
    """npm (1) running jest (2), in band or with two workers (3, 4): calc 1 passed 1 failed, more 2 passed."""
    events = [{"event": "start", "pid": 1}, {"event": "start", "ppid": 1, "pid": 2},
              {"event": "run", "run": "jest-1", "runner": "jest", "pid": 2}]
    files = [("calc.test.js", 1, ["calc adds"]), ("more.test.js", 2, [])]
    if workers:
        for pid, (name, passed, failed) in zip((3, 4), files, strict=True):
            events += [{"event": "start", "ppid": 2, "pid": pid},
                       {"event": "run", "run": "jest-worker", "runner": "jest", "worker": True, "pid": pid},
                       _file(pid, "jest-worker", name, passed, failed)]
            events += [{"event": "exit", "code": worker_exit, "pid": pid}] if worker_exit is not None else []
    events += [_file(2, "jest-1", name, passed, failed) for name, passed, failed in files]
    events += [{"event": "end", "run": "jest-1", "success": success, "pid": 2}] if end else []
    events += [{"event": "exit", "code": exit_code, "pid": 2}] if exit_code is not None else []
    return [*events, {"event": "exit", "code": exit_code or 0, "pid": 1}]


@pytest.mark.parametrize("workers", [True, False], ids=["workers", "in-band"])
def test_a_truthful_jest_run_has_no_problem(tmp_path: Path, workers: bool) -> None:
    seen = read(_record(tmp_path, *_jest(workers=workers)))
    assert (seen.passed("jest"), seen.failed("jest")) == (3, ["calc adds"])
    assert check(seen, JEST, 1) == []


def test_jests_workers_may_end_unwitnessed_and_a_bailing_run_exits_1_before_its_end(tmp_path: Path) -> None:
    # jest ends a worker that does not exit by itself with SIGTERM; --bail exits 1 from inside the run
    assert check(read(_record(tmp_path, *_jest(workers=True, worker_exit=None, end=False))), JEST, 1) == []


@pytest.mark.parametrize(("events", "counts", "returncode", "evidence"), [
    (_jest(workers=True), (4, 0, "jest Tests: summary line"), 0,
     "the jest Tests: summary line say 4 passed, 0 failed but the witness saw jest pass 3 and fail 1"),
    (_jest(workers=False, success=True, exit_code=0), JEST, 0,
     "jest's results for its exit status say the run in process 2 succeeded but the witness saw 1 tests fail"),
    (_jest(workers=True, success=True, exit_code=0), JEST, 0,
     "1 tests failed but the test command exited with status 0: calc adds"),
    (_jest(workers=False, end=False, exit_code=0), None, 0,
     "a test run stopped before its end (the process exited during the run): jest in process 2"),
    ([{"event": "start", "pid": 1}, {"event": "exit", "code": 1, "pid": 1}], JEST, 1,
     "the output holds jest's summary (3 passed, 1 failed) but no jest run was witnessed"),
    ([*_jest(workers=False, exit_code=None), _file(2, "jest-1", "bad.test.js", 0, [], error=True),
      {"event": "exit", "code": 0, "pid": 2}], (3, 0, "jest Tests: summary line"), 0,
     "1 jest test files failed to run but the test command exited with status 0: /p/test/bad.test.js"),
    ([*_jest(workers=False), {"event": "jest-file", "run": "jest-1", "passed": "3", "pid": 2}], JEST, 1,
     "the witness's record holds lines the witness did not write"),
], ids=["summary-lies", "results-rewritten-in-band", "exit-status-zeroed-with-workers", "run-cut-short",
        "jest-outside-the-witness", "broken-file-exits-0", "malformed-file-result"])
def test_jest_contradictions_are_problems(tmp_path: Path, events: list[dict], counts: tuple[int, int, str] | None,
                                          returncode: int, evidence: str) -> None:
    problems = check(read(_record(tmp_path, *events)), counts, returncode)
    assert any(evidence in p for p in problems), problems


def test_a_worker_that_died_during_a_file_is_in_the_main_process_results(tmp_path: Path) -> None:
    events = [*_jest(workers=True, exit_code=None), _file(2, "jest-1", "zz.test.js", 0, [], error=True),
              {"event": "exit", "code": 1, "pid": 2}]
    seen = read(_record(tmp_path, *events))
    assert seen.broken() == ["/p/test/zz.test.js"] and seen.passed() == 3
    assert check(seen, JEST, 1) == []
    assert "1 jest test files failed to run" in " ".join(check(seen, JEST, 0))


def test_jests_worker_threads_share_the_main_process_pid(tmp_path: Path) -> None:
    events = [{"event": "start", "pid": 1}, {"event": "start", "ppid": 1, "pid": 2},
              {"event": "run", "run": "jest-1", "runner": "jest", "pid": 2}]
    for thread, (name, passed, failed) in enumerate([("calc.test.js", 1, ["calc adds"]), ("more.test.js", 2, [])], 1):
        events += [{"event": "start", "ppid": 1, "pid": 2, "thread": thread},
                   {"event": "run", "run": "jest-worker", "runner": "jest", "worker": True, "pid": 2, "thread": thread},
                   {**_file(2, "jest-worker", name, passed, failed), "thread": thread},
                   _file(2, "jest-1", name, passed, failed)]
    events += [{"event": "end", "run": "jest-1", "success": False, "pid": 2}, {"event": "exit", "code": 1, "pid": 2},
               {"event": "exit", "code": 0, "pid": 2, "thread": 1}]
    seen = read(_record(tmp_path, *events))
    assert (seen.passed("jest"), seen.failed("jest"), seen.exits[2]) == (3, ["calc adds"], 1)
    assert check(seen, JEST, 1) == []


def test_node_options_join_the_witness_to_the_packages_reporters(tmp_path: Path) -> None:
    module = install(tmp_path)
    assert module.read_bytes() == SOURCE.read_bytes() and module.parent != tmp_path
    own = f'--test-reporter="{module}" --test-reporter-destination="{module.parent / "reporter.out"}"'
    assert node_options(module, 18) == node_options(module, 22, "none") == f'--require "{module}"'
    default = "--test-reporter=tap --test-reporter-destination=stdout"
    assert node_options(module, 20) == f'--require "{module}" {default} {own}'
    assert "--test-reporter=spec --test-reporter-destination=stdout" in node_options(module, 23)
    assert node_options(module, 20, "paired") == f'--require "{module}" {own}'
    assert node_options(module, 20, "single") == f'--require "{module}" {own} --test-reporter-destination=stdout'
    assert _major("v20.20.2") == 20 and _major("weird") == 0


@pytest.mark.parametrize(("scripts", "command", "first"), [
    ({"test": "mocha"}, ["npm", "test"], "default"),
    ({"test": "npm run unit", "unit": "node --test --test-reporter=spec test/"}, ["npm", "test"], "single"),
    ({"test": "node --test --test-reporter=dot --test-reporter-destination=stdout"}, ["npm", "test"], "paired"),
    ({"test": "mocha"}, ["node", "--test", "--test-reporter", "spec"], "single"),
])
def test_the_likeliest_way_to_join_the_packages_reporters_is_tried_first(
        tmp_path: Path, scripts: dict[str, str], command: list[str], first: str) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"scripts": scripts}), encoding="utf-8")
    modes = _reporter_modes(tmp_path, command)
    assert modes[0] == first and sorted(modes) == sorted(REPORTER_MODES) and modes[-1] in ("none", first)


def test_the_witness_module_is_valid_for_this_node(tmp_path: Path) -> None:
    checked = subprocess.run(["node", "--check", str(SOURCE)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
