"""The Great Expectations suite of a feedback batch: a good batch passes, a bad one fails with every
failed expectation named (what the quarantine records)."""

from __future__ import annotations

import pytest

from golive.feedback.rows import normalise
from golive.feedback.validation import FeedbackValidation, validate_rows

GOOD = [normalise(r) for r in (
    {"id": "a1", "submitted_at": "2026-11-02T09:00:00Z", "version": "1.1.0", "rating": "5", "nps": 10,
     "comment": "Fast checkout, love it"},
    {"id": "a2", "submitted_at": "2026-11-03", "version": "1.1.0", "rating": 2, "nps": None, "comment": ""},
    {"id": "a3", "submitted_at": "2026-11-04T12:30:00+01:00", "version": "1.1.0", "nps": "0"},
)]
BAD = [normalise(r) for r in (
    {"id": "b1", "submitted_at": "2026-11-02T09:00:00Z", "version": "1.1.0", "rating": 7, "nps": 9},
    {"id": "b1", "submitted_at": "last tuesday", "version": None, "rating": 4, "nps": "ten"},
    {"id": "b3", "submitted_at": "2026-11-04", "version": "1.1.0", "rating": 4.5, "nps": 11, "ratng": 3},
)]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, FeedbackValidation]:
    return {"good": validate_rows(GOOD), "bad": validate_rows(BAD),
            "no_dates": validate_rows([{k: v for k, v in r.items() if k != "submitted_at"} for r in GOOD]),
            "empty": validate_rows([])}


def test_a_good_batch_passes_every_expectation(outcomes):
    good = outcomes["good"]
    assert good.ok and good.failed() == []
    kinds = {e["expectation"] for e in good.as_dict()["expectations"]}
    assert {"expect_column_values_to_be_in_set", "expect_column_values_to_not_be_null",
            "expect_column_values_to_be_unique", "expect_table_columns_to_match_set",
            "expect_column_values_to_be_dateutil_parseable"} <= kinds
    assert good.as_dict()["gx_version"].startswith("1.")


def test_a_bad_batch_fails_with_each_expectation_it_broke(outcomes):
    bad = outcomes["bad"]
    assert not bad.ok
    failed = {(f["expectation"], f["column"]): f for f in bad.failed()}
    rating = failed[("expect_column_values_to_be_in_set", "rating")]
    assert rating["observed"] == [7, 4.5] and "1–5" in rating["description"] and "rows 1, 3" in rating["description"]
    nps = failed[("expect_column_values_to_be_in_set", "nps")]
    assert nps["observed"] == ["ten", 11] and "0–10" in nps["description"]
    assert "1 empty version (rows 2)" in failed[("expect_column_values_to_not_be_null", "version")]["description"]
    assert "duplicate id: b1" in failed[("expect_column_values_to_be_unique", "id")]["description"]
    assert "'last tuesday'" in failed[("expect_column_values_to_be_dateutil_parseable", "submitted_at")]["description"]
    assert "unknown column(s) ratng" in failed[("expect_table_columns_to_match_set", None)]["description"]
    assert ("expect_column_values_to_not_be_null", "id") not in failed  # what held is not blamed


def test_a_missing_required_column_and_an_empty_batch_fail(outcomes):
    failed = {(f["expectation"], f["column"]) for f in outcomes["no_dates"].failed()}
    assert ("expect_column_to_exist", "submitted_at") in failed
    empty = outcomes["empty"]
    assert not empty.ok
    assert any(f["expectation"] == "expect_table_row_count_to_be_between" for f in empty.failed())


def test_an_unreadable_batch_is_a_failure_with_the_reason():
    unread = FeedbackValidation(None, "inbox/shop/x.json: not JSON (Expecting value)")
    assert not unread.ok
    assert unread.failed() == [{"expectation": "readable_batch", "column": None, "success": False, "observed": None,
                                "description": "inbox/shop/x.json: not JSON (Expecting value)"}]
