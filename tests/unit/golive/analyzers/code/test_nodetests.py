"""Reading a Node runner's test counts from its summary lines."""

from __future__ import annotations

from golive.analyzers.code.nodetests import parse_counts


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
