"""Great Expectations (GX Core 1.x) checks on measured data: the load test's statistics.

The testing agent's ``load`` analyzer hands the aggregated Locust statistics (one row per endpoint,
and the ``Aggregated`` row) to ``validate_load_stats``, which validates them with GX Core in an
ephemeral data context — nothing is written to disk — and returns a ``GXOutcome``:

* ``expect_table_row_count_to_be_between``: at least one endpoint was measured;
* ``expect_column_max_to_be_between`` on ``p95_ms``: the slowest endpoint's 95th percentile is at most
  ``max_p95_ms`` (2000 ms by default);
* ``expect_column_values_to_be_between`` on ``failure_ratio``: every endpoint's failed share of
  requests is below ``max_failure_ratio`` (0.05 by default);
* ``expect_column_values_to_be_between`` on ``requests``: every row recorded at least one request.

``GXOutcome.raise_for_failure()`` raises ``GXValidationFailed``, in the style of
airflow-provider-great-expectations' error of that name (which golive does not depend on: it pins
structlog below what Airflow 3.3 needs), carrying the failed expectations and the statistics.

``great_expectations`` is imported inside the function: the import takes seconds and logs a lot,
and this module is imported where that cost must not be paid (DAG parsing, the agents' CLIs).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.errors import GoliveError
from golive.gates.testing import DEFAULT_MAX_FAILURE_RATIO, DEFAULT_MAX_P95_MS

#: Columns every stats row must carry.
STATS_COLUMNS: tuple[str, ...] = ("name", "requests", "failures", "failure_ratio", "p95_ms", "rps")


@dataclass(frozen=True)
class ExpectationOutcome:
    """One evaluated expectation: its type, the column, whether it held, the observation and why."""

    expectation: str
    column: str | None
    success: bool
    observed: Any
    description: str


@dataclass(frozen=True)
class GXOutcome:
    """The result of one GX validation: every expectation's outcome and GX's statistics."""

    suite: str
    success: bool
    expectations: tuple[ExpectationOutcome, ...]
    statistics: Mapping[str, Any] = field(default_factory=dict)
    gx_version: str = "unknown"

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        """The expectations that did not hold."""
        return tuple(e for e in self.expectations if not e.success)

    def raise_for_failure(self) -> None:
        """Raise ``GXValidationFailed`` unless every expectation held."""
        if not self.success:
            raise GXValidationFailed(self)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-able summary (for an analyzer's details)."""
        return {"suite": self.suite, "success": self.success, "gx_version": self.gx_version,
                "statistics": dict(self.statistics),
                "expectations": [{"expectation": e.expectation, "column": e.column, "success": e.success,
                                  "observed": e.observed, "description": e.description}
                                 for e in self.expectations]}


class GXValidationFailed(GoliveError):
    """Great Expectations validation failed: ``outcome`` says which expectations and what was observed.

    :ivar outcome: the full validation outcome.
    :ivar failed_expectation_types: the failed expectation types (unique, sorted, at most 10).
    :ivar statistics: GX's validation statistics.
    """

    def __init__(self, outcome: GXOutcome) -> None:
        self.outcome = outcome
        self.failed_expectation_types = sorted({e.expectation for e in outcome.failed})[:10]
        self.statistics = dict(outcome.statistics)
        details = "; ".join(e.description for e in outcome.failed) or "no expectation reported"
        super().__init__(f"Great Expectations suite {outcome.suite!r} failed: {details}. "
                         "Fix the application (or the load profile) and run the test again.")


class GXInputError(GoliveError):
    """The data handed to a GX check is unusable (missing columns, no rows); the message says what."""


def _num(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def jsonable_observation(value: Any) -> Any:
    """GX result values (numpy scalars) as plain JSON-able Python values."""
    if hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, (list, tuple)):
        return [jsonable_observation(v) for v in value]
    return value


def quiet_gx() -> None:
    """No GX usage analytics (offline), and only GX's errors in the log."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def validate_load_stats(stats_rows: Sequence[Mapping[str, Any]], *, max_p95_ms: float = DEFAULT_MAX_P95_MS,
                        max_failure_ratio: float = DEFAULT_MAX_FAILURE_RATIO,
                        suite_name: str = "golive-load") -> GXOutcome:
    """Validate load-test statistics with GX Core; return the outcome (see ``raise_for_failure``).

    :param stats_rows: one mapping per endpoint with the keys of ``STATS_COLUMNS`` (``name``,
        ``requests``, ``failures``, ``failure_ratio`` 0–1, ``p95_ms``, ``rps``).
    :param max_p95_ms: the largest acceptable 95th percentile of any endpoint, in ms.
    :param max_failure_ratio: every endpoint's failure ratio must be strictly below this.
    :param suite_name: name of the expectation suite (shown in the outcome and the error).
    :raises GXInputError: no rows, or a row misses a column.
    """
    if not stats_rows:
        raise GXInputError("no load statistics to validate: the load test recorded no endpoint")
    for row in stats_rows:
        missing = [c for c in STATS_COLUMNS if c not in row]
        if missing:
            raise GXInputError(f"load statistics row {row.get('name', '?')!r} misses {', '.join(missing)}")

    quiet_gx()
    import great_expectations as gx
    import pandas as pd
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = pd.DataFrame([{"name": str(r["name"]), "requests": _num(r["requests"]),
                           "failures": _num(r["failures"]), "failure_ratio": _num(r["failure_ratio"]),
                           "p95_ms": _num(r["p95_ms"]), "rps": _num(r["rps"])} for r in stats_rows])
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}-source")
    asset = source.add_dataframe_asset(f"{suite_name}-stats")
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})

    expectations = [
        gx.expectations.ExpectTableRowCountToBeBetween(min_value=1),
        gx.expectations.ExpectColumnMaxToBeBetween(column="p95_ms", max_value=max_p95_ms),
        gx.expectations.ExpectColumnValuesToBeBetween(column="failure_ratio", min_value=0,
                                                      max_value=max_failure_ratio, strict_max=True),
        gx.expectations.ExpectColumnValuesToBeBetween(column="requests", min_value=1),
    ]
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name, expectations=expectations))
    result = batch.validate(suite)

    outcomes = [_describe(r, frame) for r in result.results]
    statistics = {k: jsonable_observation(v) for k, v in dict(result.statistics).items()}
    return GXOutcome(suite=suite_name, success=bool(result.success), expectations=tuple(outcomes),
                     statistics=statistics, gx_version=str(gx.__version__))


@dataclass(frozen=True)
class ResultParts:
    """What one GX expectation result says: its type, column, arguments, result details and success."""

    kind: str
    column: str | None
    kwargs: dict[str, Any]
    details: dict[str, Any]
    success: bool


def read_result(result: Any) -> ResultParts | ExpectationOutcome:
    """The parts of a GX expectation result, or the failed outcome of one that raised instead of running."""
    kwargs = dict(result.expectation_config.kwargs)
    kind = str(result.expectation_config.type)
    column = kwargs.get("column")
    if result.exception_info and result.exception_info.get("raised_exception"):
        message = result.exception_info.get("exception_message") or "GX raised an exception"
        return ExpectationOutcome(kind, column, False, None, f"{kind} on {column} could not run: {message}")
    return ResultParts(kind, column, kwargs, dict(result.result or {}), bool(result.success))


def _describe(result: Any, frame: Any) -> ExpectationOutcome:
    parts = read_result(result)
    if isinstance(parts, ExpectationOutcome):
        return parts
    kind, column, kwargs, details, success = parts.kind, parts.column, parts.kwargs, parts.details, parts.success
    if "observed_value" in details:
        observed = jsonable_observation(details["observed_value"])
    else:
        observed = jsonable_observation(details.get("partial_unexpected_list", []))
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    bounds = " and ".join(part for part in (
        f">= {low:g}" if low is not None else "",
        (f"< {high:g}" if kwargs.get("strict_max") else f"<= {high:g}") if high is not None else "") if part)
    if kind == "expect_column_max_to_be_between":
        worst = frame.loc[frame[column].idxmax(), "name"] if len(frame) and frame[column].notna().any() else "?"
        text = f"max {column} is {_fmt(observed)} (endpoint {worst}), expected {bounds}"
    elif kind == "expect_column_values_to_be_between":
        bad = details.get("unexpected_count", 0)
        if success:
            text = f"every {column} value is {bounds}"
        else:
            offenders = frame[~frame[column].between(low if low is not None else -math.inf,
                                                     high if high is not None else math.inf,
                                                     inclusive="left" if kwargs.get("strict_max") else "both")]
            listed = ", ".join(f"{n}={_fmt(v)}" for n, v in zip(offenders["name"], offenders[column], strict=True))
            text = f"{bad} {column} value(s) are not {bounds}: {listed}"
    elif kind == "expect_table_row_count_to_be_between":
        text = f"{_fmt(observed)} endpoint row(s), expected {bounds}"
    else:
        text = f"{kind} observed {_fmt(observed)}"
    return ExpectationOutcome(kind, column, success, observed, text)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
