"""The witness's record read back and cross-checked with the JUnit report and the exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _pytest.junitxml import mangle_test_address

from golive.analyzers.code.witness import check, junit_key, read

FAILING = "tests/test_calc.py::test_add"


def _record(path: Path, *events: dict) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return path


def _run(tmp_path: Path, *reports: dict, finish: bool = True, collected: int = 1) -> Path:
    events = [{"event": "start"}, {"event": "collected", "n": collected}, *reports]
    return _record(tmp_path / "w.jsonl", *events, *([{"event": "finish", "exitstatus": 1}] if finish else []))


def _phase(nodeid: str, when: str, raised: bool = False, xfail: bool = False) -> dict:
    return {"event": "report", "nodeid": nodeid, "when": when, "raised": raised, "xfail": xfail}


@pytest.mark.parametrize("nodeid", [FAILING, "tests/unit/test_x.py::TestA::test_b[1-2]", "test_top.py::test_t"])
def test_junit_key_is_what_pytests_junitxml_writes(nodeid: str) -> None:
    names = mangle_test_address(nodeid)
    assert junit_key(nodeid) == (".".join(names[:-1]), names[-1])


def test_a_truthful_run_has_no_problem(tmp_path: Path) -> None:
    seen = read(_run(tmp_path, _phase(FAILING, "setup"), _phase(FAILING, "call", raised=True)))
    assert check(seen, {junit_key(FAILING)}, 1) == []


def test_an_exception_seen_around_the_test_counts_whatever_the_report_says(tmp_path: Path) -> None:
    raised = {"event": "raised", "nodeid": FAILING, "when": "call", "xfail": False}
    seen = read(_run(tmp_path, _phase(FAILING, "setup"), raised, _phase(FAILING, "call")))
    assert seen.failed == {FAILING} and check(seen, {junit_key(FAILING)}, 1) == []


def test_an_expected_failure_is_not_a_hidden_one(tmp_path: Path) -> None:
    seen = read(_run(tmp_path, _phase(FAILING, "setup"), _phase(FAILING, "call", raised=True, xfail=True)))
    assert seen.failed == set() and check(seen, set(), 0) == []


def test_each_contradiction_is_named(tmp_path: Path) -> None:
    hidden = read(_run(tmp_path, _phase(FAILING, "setup"), _phase(FAILING, "call", raised=True)))
    problems = check(hidden, set(), 0)
    assert any("1 tests raised but are not failures in the JUnit report: " + FAILING in p for p in problems)
    assert any("exited with status 0" in p for p in problems)
    unfinished = read(_run(tmp_path, _phase(FAILING, "setup"), finish=False))
    assert check(unfinished, set(), 0) == [
        "the pytest session ended without finishing (the witness saw no session end)"]
    skipped = read(_run(tmp_path, collected=3))
    assert check(skipped, set(), 0) == ["3 of 3 collected tests never ran"]
    assert check(read(tmp_path / "missing.jsonl"), set(), 0)[0].startswith("golive's witness plugin never ran")
    forged = _run(tmp_path)
    forged.write_text(forged.read_text() + "not json\n", encoding="utf-8")
    assert "lines the witness did not write" in check(read(forged), set(), 1)[0]


def test_items_dropped_without_deselection_are_counted(tmp_path: Path) -> None:
    seen = read(_record(tmp_path / "w.jsonl", {"event": "start"}, {"event": "deselected", "n": 1},
                        {"event": "modified", "before": 5, "after": 2}))
    assert seen.dropped == 2
