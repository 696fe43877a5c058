"""golive.trends: the previous-release comparison and its one tolerance rule."""

from __future__ import annotations

import pytest

from golive.trends import Tolerance, compare, criterion_trends, direction


def row(value, status="pass", threshold=">= 80 %", name="test_coverage"):
    return {"name": name, "value": value, "status": status, "threshold": threshold, "unit": "%", "reason": "r"}


def releases(*rows_per_release, gate="quality"):
    return [{"ref": f"1.{i}.0", "gates": {} if rows is None else {gate: {"criteria": rows}}}
            for i, rows in enumerate(rows_per_release)]


def test_the_threshold_says_which_way_is_better():
    assert direction(">= 80 %") == "higher" and direction("<= 5 findings (warning <= 15)") == "lower"
    assert direction("n/a") == ""


@pytest.mark.parametrize(("before", "after", "threshold", "tolerance", "regressed"), [
    (90, 85, ">= 80 %", Tolerance(relative=0.10), False),  # 5 points down, 9 tolerated
    (90, 80, ">= 80 %", Tolerance(relative=0.10), True),  # 10 down, 9 tolerated
    (90, 95, ">= 80 %", Tolerance(relative=0.0), False),  # better is never a regression
    (0, 1, "<= 5 findings", Tolerance(relative=0.10), True),  # 10 % of nothing tolerates nothing
    (0, 1, "<= 5 findings", Tolerance(relative=0.10, absolute=1), False),  # the larger allowance counts
    (0, 2, "<= 5 findings", Tolerance(relative=0.10, absolute=1), True),
    (4, 4.3, "<= 5 findings", Tolerance(relative=0.10), False),
])
def test_a_value_regresses_when_it_got_worse_by_more_than_the_tolerance(before, after, threshold, tolerance,
                                                                         regressed):
    point = compare(row(after, threshold=threshold), row(before, threshold=threshold), ref="1.1.0",
                    previous_ref="1.0.0", tolerance=tolerance)
    assert point.delta == pytest.approx(after - before) and point.regressed is regressed
    assert ("worse than" in point.why) is regressed


def test_a_worse_status_is_a_regression_whatever_the_size_of_the_change():
    point = compare(row(79.9, "fail"), row(80.0), ref="b", previous_ref="a", tolerance=Tolerance(relative=0.5))
    assert point.regressed and point.why == "status pass in a → fail"
    lost = compare(row(None, "no-data"), row(95.0), ref="b", previous_ref="a", tolerance=Tolerance())
    assert lost.regressed and lost.delta is None
    moot = compare(row(None, "not-applicable"), row(95.0), ref="b", previous_ref="a", tolerance=Tolerance())
    assert not moot.regressed


def test_the_first_release_and_a_gap_are_compared_with_the_nearest_earlier_measurement():
    (trend,) = criterion_trends(releases([row(90)], None, [row(70, "fail")]), Tolerance())
    assert trend.refs == ["1.0.0", "1.1.0", "1.2.0"] and trend.points[1] is None
    first, _, last = trend.points
    assert first.previous_ref is None and not first.regressed
    assert last.previous_ref == "1.0.0" and last.delta == -20 and trend.regressed
    assert "70 is worse than 90 in 1.0.0 by 20 (more than the tolerated 9)" in last.why


def test_a_not_applicable_release_is_skipped_as_the_reference():
    (trend,) = criterion_trends(releases([row(90)], [row(None, "not-applicable")], [row(89)]), Tolerance())
    assert trend.points[2].previous_ref == "1.0.0" and trend.points[2].delta == -1 and not trend.regressed


def test_each_gate_and_criterion_is_a_trend_in_first_recorded_order():
    trends = criterion_trends([
        {"ref": "1.0.0", "gates": {"quality": {"criteria": [row(90), row(2, threshold="<= 5", name="lint")]}}},
        {"ref": "1.1.0", "gates": {"security": {"criteria": [row(0, threshold="<= 0", name="high")]}}}],
        Tolerance())
    assert [(t.gate, t.criterion) for t in trends] == [("quality", "test_coverage"), ("quality", "lint"),
                                                       ("security", "high")]
    assert trends[0].latest is None and not trends[0].regressed


def test_the_tolerance_comes_from_the_settings_and_is_never_negative(monkeypatch):
    monkeypatch.setenv("GOLIVE_TREND_RELATIVE_TOLERANCE", "0.25")
    monkeypatch.setenv("GOLIVE_TREND_ABSOLUTE_TOLERANCE", "2")
    assert Tolerance.from_settings() == Tolerance(relative=0.25, absolute=2.0)
    with pytest.raises(ValueError, match="never negative"):
        Tolerance(relative=-0.1)
