"""Reading a Node runner's test counts from its summary lines, and the coverage summary."""

from __future__ import annotations

from pathlib import Path

from golive.analyzers.base import Context
from golive.analyzers.code.nodetests import _result, parse_counts
from golive.tools import ToolRun


def test_mocha_summary():
    counts = parse_counts("  vary(res, field)\n    ✓ works\n\n\n  61 passing (40ms)\n  1 pending\n  2 failing\n")
    assert (counts.passed, counts.failed, counts.source) == (61, 2, "mocha summary lines")


def test_node_test_and_tap_summaries():
    assert parse_counts("ℹ tests 3\nℹ pass 2\nℹ fail 1\n").failed == 1
    tap = parse_counts("TAP version 13\nok 1 a\nnot ok 2 b\n# pass 1\n# fail 1\n")
    assert (tap.passed, tap.failed, tap.source) == (1, 1, "TAP summary lines")


def test_jest_summary_line_with_colours():
    counts = parse_counts("\x1b[1mTests:\x1b[22m       \x1b[31m1 failed\x1b[39m, \x1b[32m5 passed\x1b[39m, 6 total\n")
    assert (counts.passed, counts.failed) == (5, 1)


def test_no_summary_is_none():
    assert parse_counts("all good\n") is None


def test_jest_and_vitest_summaries_are_told_apart():
    jest = parse_counts("Test Suites: 1 failed, 1 passed, 2 total\nTests:       1 failed, 3 passed, 4 total\n")
    assert (jest.passed, jest.failed, jest.source) == (3, 1, "jest Tests: summary line")
    vitest = parse_counts(" Test Files  1 failed | 1 passed (2)\n      Tests  1 failed | 3 passed (4)\n")
    assert (vitest.passed, vitest.failed, vitest.source) == (3, 1, "vitest Tests summary line")


def test_a_coverage_summary_of_no_lines_is_no_data_and_the_tests_still_count():
    run = ToolRun(argv=["npm", "test"], returncode=1, stdout="Tests:       1 failed, 3 passed, 4 total\n", stderr="")
    unknown = {"total": 0, "covered": 0, "skipped": 0, "pct": "Unknown"}
    result = _result(Context(agent="quality", source=Path()), {"coverage_tool": "c8 (golive's 10.1.3)"},
                     {"lines": unknown}, parse_counts(run.stdout), run)
    coverage = {m.name: m for m in result.measurements}["test_coverage"]
    assert coverage.value is None and "measured no lines" in coverage.detail
    assert result.value("tests_failed") == 1
