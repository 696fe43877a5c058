"""Each criterion's value across an application's releases, compared with the previous release
(Keptn-style: every evaluation is also judged against the one before it).

The rule, in one place:

* **releases** are ordered by ``golive.versions.release_order_key`` (``Ledger.releases``); a criterion's
  *previous* value is its value in the nearest earlier release whose gate measured it.
* **direction**: the criterion's own threshold says which way is better (``>= 80 %``: higher; ``<= 0``: lower).
* **delta** = value − previous value, in the criterion's unit (None unless both were measured).
* **tolerance** = max(``relative`` × |previous value|, ``absolute``) — ``GOLIVE_TREND_RELATIVE_TOLERANCE``
  (default 0.10, i.e. 10 %) and ``GOLIVE_TREND_ABSOLUTE_TOLERANCE`` (default 0, in the criterion's unit).
* **regression**: the value got worse (against the direction) by more than the tolerance, or its status got
  worse (pass → warning → fail; a measured value → no data), whatever the size of the change. A criterion
  that became or stopped being *not applicable* is no regression.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.models import CriterionStatus
from golive.scoring import POINTS


@dataclass(frozen=True)
class Tolerance:
    """How much worse than the previous release a value may get before it is flagged.

    :param relative: share of the previous value (0.10: 10 %).
    :param absolute: amount in the criterion's unit.
    """

    relative: float = 0.10
    absolute: float = 0.0

    def __post_init__(self) -> None:
        if self.relative < 0 or self.absolute < 0:
            raise ValueError(f"a trend tolerance is never negative (relative={self.relative}, "
                             f"absolute={self.absolute})")

    def allowed(self, previous: float) -> float:
        """The worsening tolerated from ``previous``: the larger of the relative and the absolute allowance."""
        return max(self.relative * abs(previous), self.absolute)

    @classmethod
    def from_settings(cls) -> Tolerance:
        """The tolerance configured by ``GOLIVE_TREND_RELATIVE_TOLERANCE`` / ``GOLIVE_TREND_ABSOLUTE_TOLERANCE``."""
        from golive.settings import get_settings

        settings = get_settings()
        return cls(relative=settings.trend_relative_tolerance, absolute=settings.trend_absolute_tolerance)


@dataclass(frozen=True)
class Point:
    """One criterion in one release: what was measured, and how it compares with the previous release."""

    ref: str
    value: float | None
    status: str
    threshold: str
    reason: str
    previous_ref: str | None = None
    delta: float | None = None
    regressed: bool = False
    why: str = ""


@dataclass(frozen=True)
class Trend:
    """A criterion of a gate across the releases (``points`` aligned with ``refs``; None: not evaluated)."""

    gate: str
    criterion: str
    unit: str
    direction: str  # "higher" | "lower" | "" (a threshold golive did not write)
    refs: list[str]
    points: list[Point | None] = field(default_factory=list)

    @property
    def latest(self) -> Point | None:
        """The newest release's point (None when the newest release did not evaluate the criterion)."""
        return self.points[-1] if self.points else None

    @property
    def regressed(self) -> bool:
        """Whether the newest release regressed on this criterion."""
        return bool(self.latest and self.latest.regressed)


def direction(threshold: str) -> str:
    """``higher`` for a ``>=`` threshold, ``lower`` for ``<=`` (``CriterionRule.threshold_text``), else ``""``."""
    text = threshold.strip()
    if text.startswith(">="):
        return "higher"
    if text.startswith("<="):
        return "lower"
    return ""


def _points(status: str) -> float | None:
    try:
        state = CriterionStatus(status)
    except ValueError:
        return 0.0
    return None if state is CriterionStatus.NOT_APPLICABLE else POINTS[state]


def compare(current: Mapping[str, Any], previous: Mapping[str, Any] | None, *, ref: str,
            previous_ref: str | None, tolerance: Tolerance) -> Point:
    """Judge one criterion row (``criteria`` of the ledger) against its row in the previous release."""
    value, status = current.get("value"), str(current.get("status") or "")
    threshold, reason = str(current.get("threshold") or ""), str(current.get("reason") or "")
    if previous is None:
        return Point(ref=ref, value=value, status=status, threshold=threshold, reason=reason)
    before, before_status = previous.get("value"), str(previous.get("status") or "")
    delta = None if value is None or before is None else round(float(value) - float(before), 6)
    why = []
    way = direction(threshold)
    if delta is not None and way:
        worse = -delta if way == "higher" else delta
        allowed = tolerance.allowed(float(before))  # type: ignore[arg-type]
        if worse > allowed:
            why.append(f"{_fmt(value)} is worse than {_fmt(before)} in {previous_ref} by {_fmt(worse)} "
                       f"(more than the tolerated {_fmt(allowed)})")
    now_points, before_points = _points(status), _points(before_status)
    if now_points is not None and before_points is not None and now_points < before_points:
        why.append(f"status {before_status} in {previous_ref} → {status}")
    return Point(ref=ref, value=value, status=status, threshold=threshold, reason=reason, previous_ref=previous_ref,
                 delta=delta, regressed=bool(why), why="; ".join(why))


def _fmt(value: Any) -> str:
    return f"{float(value):g}" if isinstance(value, (int, float)) else str(value)


def criterion_trends(releases: Sequence[Mapping[str, Any]], tolerance: Tolerance | None = None) -> list[Trend]:
    """Every (gate, criterion) of ``releases`` (``Ledger.releases``) as a trend, in the order the gates and
    their criteria were first recorded.

    :param tolerance: default ``Tolerance.from_settings()``.
    """
    tol = tolerance or Tolerance.from_settings()
    refs = [str(r["ref"]) for r in releases]
    keys: dict[tuple[str, str], str] = {}
    for release in releases:
        for gate, ev in release["gates"].items():
            for criterion in ev.get("criteria") or []:
                keys.setdefault((gate, criterion["name"]), str(criterion.get("unit") or ""))
    trends = []
    for (gate, name), unit in keys.items():
        points: list[Point | None] = []
        last: tuple[str, Mapping[str, Any]] | None = None
        threshold = ""
        for release, ref in zip(releases, refs, strict=True):
            ev = release["gates"].get(gate)
            row = next((c for c in (ev or {}).get("criteria") or [] if c["name"] == name), None)
            if row is None:
                points.append(None)
                continue
            points.append(compare(row, last[1] if last else None, ref=ref, previous_ref=last[0] if last else None,
                                  tolerance=tol))
            threshold = str(row.get("threshold") or "")
            if row.get("status") != CriterionStatus.NOT_APPLICABLE.value:
                last = (ref, row)
        trends.append(Trend(gate=gate, criterion=name, unit=unit, direction=direction(threshold), refs=refs,
                            points=points))
    return trends
