"""The Great Expectations suite every feedback batch must pass before its rows are accepted.

GX Core 1.x in an ephemeral context (nothing written to disk), like the load test's check
(:mod:`golive.analyzers.testing.expectations`, whose outcome types this returns):

* schema: each required column exists; the columns are exactly the known ones (a misspelt
  ``ratng`` is named, never ignored); at least one row;
* nulls: ``id``, ``submitted_at`` and ``version`` are never empty;
* ranges: ``rating`` (CSAT) is a whole number in 1–5, ``nps`` in 0–10 (empty is allowed: a row
  may carry either, or only a comment); ``submitted_at`` parses as a date;
* duplicates: ``id`` is unique within the batch.

A batch with any failed expectation is quarantined whole (``FeedbackValidation.ok`` is False):
accepting the good half would hide that its producer is broken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from golive.analyzers.testing.expectations import (
    ExpectationOutcome,
    GXOutcome,
    jsonable_observation,
    quiet_gx,
    read_result,
)
from golive.feedback.rows import COLUMNS, REQUIRED_COLUMNS

SUITE = "golive-feedback"
RATING_SCALE = tuple(range(1, 6))
NPS_SCALE = tuple(range(11))
MAX_LISTED = 10


@dataclass(frozen=True)
class FeedbackValidation:
    """A batch's validation: whether it is accepted, every expectation, and why it is not.

    :param read_error: the batch could not be read at all (then no expectation ran).
    """

    outcome: GXOutcome | None
    read_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the batch was read and every expectation held."""
        return self.read_error is None and self.outcome is not None and self.outcome.success

    def failed(self) -> list[dict[str, Any]]:
        """The failed expectations (type, column, observed, description) — what the quarantine records."""
        if self.read_error is not None:
            return [{"expectation": "readable_batch", "column": None, "success": False, "observed": None,
                     "description": self.read_error}]
        assert self.outcome is not None
        return [_as_dict(e) for e in self.outcome.failed]

    def as_dict(self) -> dict[str, Any]:
        """JSON of the whole validation."""
        return {"ok": self.ok, "suite": SUITE, "read_error": self.read_error,
                "gx_version": self.outcome.gx_version if self.outcome else None,
                "statistics": dict(self.outcome.statistics) if self.outcome else {},
                "expectations": [_as_dict(e) for e in self.outcome.expectations] if self.outcome else [],
                "failed": self.failed()}


def _as_dict(e: ExpectationOutcome) -> dict[str, Any]:
    return {"expectation": e.expectation, "column": e.column, "success": e.success, "observed": e.observed,
            "description": e.description}


def _expectations(gx: Any) -> list[Any]:
    e = gx.expectations
    return [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        *(e.ExpectColumnToExist(column=c) for c in REQUIRED_COLUMNS),
        e.ExpectTableColumnsToMatchSet(column_set=list(COLUMNS), exact_match=True),
        *(e.ExpectColumnValuesToNotBeNull(column=c) for c in REQUIRED_COLUMNS),
        e.ExpectColumnValuesToBeInSet(column="rating", value_set=list(RATING_SCALE)),
        e.ExpectColumnValuesToBeInSet(column="nps", value_set=list(NPS_SCALE)),
        e.ExpectColumnValuesToBeDateutilParseable(column="submitted_at"),
        e.ExpectColumnValuesToBeUnique(column="id"),
    ]


def validate_rows(rows: Sequence[Mapping[str, Any]], *, suite_name: str = SUITE) -> FeedbackValidation:
    """Validate normalised rows (:func:`golive.feedback.rows.normalise`) with the suite above."""
    quiet_gx()
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    columns = list(dict.fromkeys([*COLUMNS, *(k for r in rows for k in r)]))
    present = [c for c in columns if c not in REQUIRED_COLUMNS or any(c in r for r in rows)]
    frame = pd.DataFrame([{c: r.get(c) for c in present} for r in rows], columns=present, dtype=object)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}-source")
    asset = source.add_dataframe_asset(f"{suite_name}-rows")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=_expectations(gx)))
    result = batch.validate(suite, result_format="COMPLETE")
    outcomes = tuple(_describe(r, frame) for r in result.results)
    statistics = {k: jsonable_observation(v) for k, v in dict(result.statistics).items()}
    return FeedbackValidation(GXOutcome(suite=suite_name, success=bool(result.success), expectations=outcomes,
                                        statistics=statistics, gx_version=str(gx.__version__)))


def _describe(result: Any, frame: Any) -> ExpectationOutcome:
    parts = read_result(result)
    if isinstance(parts, ExpectationOutcome):
        return parts
    kind, column, kwargs, details, success = parts.kind, parts.column, parts.kwargs, parts.details, parts.success
    unexpected = jsonable_observation(details.get("unexpected_list", []))[:MAX_LISTED]
    rows = [int(i) + 1 for i in jsonable_observation(details.get("unexpected_index_list") or [])][:MAX_LISTED]
    where = f" (rows {', '.join(map(str, rows))})" if rows else ""
    if kind == "expect_table_row_count_to_be_between":
        return ExpectationOutcome(kind, None, success, jsonable_observation(details.get("observed_value")),
                                  f"{jsonable_observation(details.get('observed_value'))} row(s), expected at least 1")
    if kind == "expect_column_to_exist":
        return ExpectationOutcome(kind, column, success, column in frame.columns,
                                  f"column {column} {'exists' if success else 'is missing'}")
    if kind == "expect_table_columns_to_match_set":
        mismatched = (details.get("details") or {}).get("mismatched") or {}
        extra, missing = mismatched.get("unexpected") or [], mismatched.get("missing") or []
        text = "columns are the known ones" if success else "; ".join(part for part in (
            f"unknown column(s) {', '.join(map(str, extra))}" if extra else "",
            f"missing column(s) {', '.join(map(str, missing))}" if missing else "") if part)
        return ExpectationOutcome(kind, None, success, jsonable_observation(details.get("observed_value")), text)
    if kind == "expect_column_values_to_not_be_null":
        count = details.get("unexpected_count", len(rows))
        return ExpectationOutcome(kind, column, success, count,
                                  f"no {column} is empty" if success else f"{count} empty {column}{where}")
    if kind == "expect_column_values_to_be_in_set":
        scale = kwargs.get("value_set") or []
        span = f"a whole number in {min(scale)}–{max(scale)}" if scale else "in the set"
        return ExpectationOutcome(kind, column, success, unexpected,
                                  f"every {column} is {span}" if success else
                                  f"{column} not {span}: {', '.join(map(repr, unexpected))}{where}")
    if kind == "expect_column_values_to_be_dateutil_parseable":
        return ExpectationOutcome(kind, column, success, unexpected,
                                  f"every {column} is a date" if success else
                                  f"{column} not a date: {', '.join(map(repr, unexpected))}{where}")
    if kind == "expect_column_values_to_be_unique":
        dupes = sorted({str(v) for v in unexpected})
        return ExpectationOutcome(kind, column, success, dupes,
                                  f"every {column} is unique" if success else
                                  f"duplicate {column}: {', '.join(dupes)}{where}")
    return ExpectationOutcome(kind, column, success, unexpected, f"{kind}: {'held' if success else 'failed'}")
