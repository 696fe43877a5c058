"""The data model of a canary measurement window: per-pod snapshots, track windows, quantiles.

A :class:`MetricsSnapshot` is one reading of one pod's request counter and latency histogram;
:func:`window` turns two snapshots of the same pod into a :class:`TrafficWindow` (counter resets
handled) and :func:`combine` sums the windows of the pods of one track. The latency quantiles come
from histogram bucket counts with the interpolation of Prometheus' ``histogram_quantile``. A
:class:`Reading` is what a metric provider (:mod:`golive.canary.providers`) took at one end of a
window.

Nothing here imports Airflow: it runs inside the workload pods too.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from golive.errors import GoliveError

__all__ = [
    "DEFAULT_EXCLUDED_PATHS",
    "INFO_METRIC",
    "LATENCY_HISTOGRAM",
    "REQUEST_COUNTER",
    "CanaryError",
    "MetricsSnapshot",
    "Reading",
    "SeriesKey",
    "TrafficWindow",
    "bucket_lists",
    "combine",
    "histogram_quantile",
    "window",
]

REQUEST_COUNTER = "http_requests_total"
LATENCY_HISTOGRAM = "http_request_duration_seconds"
INFO_METRIC = "app_info"
DEFAULT_EXCLUDED_PATHS: tuple[str, ...] = ("/metrics", "/health")
_DERIVED = frozenset({"error_rate", "p50", "p95", "p99", "request_rate"})

SeriesKey = tuple[str, str, str]
"""(method, path, status) of one request series."""


class CanaryError(GoliveError):
    """Metrics for the canary analysis could not be read or make no sense; the message says why."""


# --- snapshots and windows ----------------------------------------------------------------------


@dataclass(frozen=True)
class MetricsSnapshot:
    """The request counter and latency histogram of one pod at one moment (one ``/metrics`` scrape).

    ``requests`` maps (method, path, status) to the counter's value; ``buckets`` maps the same key to
    the cumulative bucket counts by upper bound (``math.inf`` included); the ``*_created`` maps hold
    the series' creation timestamps, which change when the process restarts.
    """

    source: str
    scraped_at: float
    requests: Mapping[SeriesKey, float] = field(default_factory=dict)
    requests_created: Mapping[SeriesKey, float] = field(default_factory=dict)
    buckets: Mapping[SeriesKey, Mapping[float, float]] = field(default_factory=dict)
    latency_created: Mapping[SeriesKey, float] = field(default_factory=dict)
    info: Mapping[str, str] = field(default_factory=dict)


class TrafficWindow(BaseModel):
    """What one track served during a window: request and 5xx counts and the latency histogram.

    ``bucket_counts`` are cumulative like Prometheus buckets: ``bucket_counts[i]`` requests took at
    most ``bucket_bounds[i]`` seconds, and the last element (one more than the bounds) counts every
    observation (``le="+Inf"``). JSON-serialisable, so it can be recorded with the verdict.
    """

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(default_factory=list)
    seconds: float | None = Field(default=None, description="Length of the window, when known.")
    requests: float = Field(default=0.0, ge=0)
    errors: float = Field(default=0.0, ge=0, description="Requests answered with a 5xx status.")
    status_counts: dict[str, float] = Field(default_factory=dict)
    bucket_bounds: list[float] = Field(default_factory=list)
    bucket_counts: list[float] = Field(default_factory=list)
    resets: int = Field(default=0, ge=0, description="Series whose counter restarted inside the window.")
    info: dict[str, str] = Field(default_factory=dict, description="app_info labels (name, version).")

    @model_validator(mode="before")
    @classmethod
    def _drop_derived(cls, data: Any) -> Any:
        """Accept a dumped window back: the derived fields (error_rate, quantiles, rate) are recomputed."""
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in _DERIVED}
        return data

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error_rate(self) -> float | None:
        """5xx requests over all requests (None without requests)."""
        return self.errors / self.requests if self.requests > 0 else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def p50(self) -> float | None:
        """Median latency in seconds (None without observations)."""
        return self.quantile(0.5)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def p95(self) -> float | None:
        """95th-percentile latency in seconds (None without observations)."""
        return self.quantile(0.95)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def p99(self) -> float | None:
        """99th-percentile latency in seconds (None without observations)."""
        return self.quantile(0.99)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def request_rate(self) -> float | None:
        """Requests per second over the window (None when its length is unknown)."""
        return self.requests / self.seconds if self.seconds else None

    def quantile(self, q: float) -> float | None:
        """The ``q``-quantile of the latency, as Prometheus' ``histogram_quantile`` computes it."""
        return histogram_quantile(q, self.bucket_bounds, self.bucket_counts)


@dataclass(frozen=True)
class Reading:
    """What a metric provider read at one end of a window: when, and per pod (by name) its
    :class:`MetricsSnapshot` or why it could not be read. Providers that query a time-series
    database (Prometheus) read no pods: their reading is only the moment."""

    taken_at: float
    pods: Mapping[str, MetricsSnapshot | str] = field(default_factory=dict)


def histogram_quantile(q: float, bounds: Sequence[float], counts: Sequence[float]) -> float | None:
    """Estimate the ``q``-quantile from cumulative bucket counts, like Prometheus does.

    ``bounds`` are the finite upper bounds in ascending order; ``counts`` the cumulative counts, one
    more than ``bounds`` (the last is ``le="+Inf"``). The quantile is interpolated linearly inside
    the bucket that holds its rank; a rank in the ``+Inf`` bucket returns the highest finite bound.
    Returns None when there is no observation.

    :raises ValueError: when ``q`` is outside [0, 1] or the lists do not fit together.
    """
    if not 0 <= q <= 1:
        raise ValueError(f"quantile {q} is outside [0, 1]")
    if not counts:
        return None
    if len(counts) != len(bounds) + 1:
        raise ValueError(f"{len(counts)} bucket counts for {len(bounds)} finite bounds; expected one more "
                         "(the +Inf bucket)")
    monotonic: list[float] = []
    for count in counts:  # like Prometheus' ensureMonotonic: a lower count is a scrape artefact
        monotonic.append(max(count, monotonic[-1]) if monotonic else max(count, 0.0))
    total = monotonic[-1]
    if total <= 0:
        return None
    rank = q * total
    b = bisect.bisect_left(monotonic, rank)
    if b >= len(bounds):
        return bounds[-1] if bounds else None
    if b == 0 and bounds[0] <= 0:
        return bounds[0]
    start = 0.0 if b == 0 else bounds[b - 1]
    below = 0.0 if b == 0 else monotonic[b - 1]
    count = monotonic[b] - below
    if count <= 0:
        return start
    return start + (bounds[b] - start) * ((rank - below) / count)


def _reset(before: float | None, after: float, created_before: float | None, created_after: float | None) -> bool:
    """True when a counter restarted between two scrapes (went down, or was re-created)."""
    if created_before is not None and created_after is not None and created_before != created_after:
        return True
    return before is not None and after < before


def window(before: MetricsSnapshot, after: MetricsSnapshot) -> TrafficWindow:
    """The traffic one pod served between two scrapes.

    Counters are reset-safe: a series whose value went down, or whose ``_created`` timestamp
    changed (the process restarted), counts its whole ``after`` value as the window's delta; a
    series that appeared in between counts from zero.

    :raises CanaryError: when the scrapes come from different targets or ``after`` is older.
    """
    if before.source and after.source and before.source != after.source:
        raise CanaryError(f"window() needs two scrapes of the same target, got {before.source} and "
                          f"{after.source}; window each pod, then combine() them")
    if after.scraped_at < before.scraped_at:
        raise CanaryError("window(): the 'after' scrape is older than the 'before' scrape; pass them in order")
    resets = 0
    status_counts: defaultdict[str, float] = defaultdict(float)
    for key, value in after.requests.items():
        old = before.requests.get(key)
        if _reset(old, value, before.requests_created.get(key), after.requests_created.get(key)):
            resets += 1
            delta = value
        else:
            delta = value - (old or 0.0)
        if delta:
            status_counts[key[2]] += delta
    summed: dict[float, float] = {}
    for key, series in after.buckets.items():
        old_series = before.buckets.get(key, {})
        reset = (
            any(value < old_series.get(le, 0.0) for le, value in series.items())
            or _reset(None, 0.0, before.latency_created.get(key), after.latency_created.get(key))
        )
        for le, value in series.items():
            summed[le] = summed.get(le, 0.0) + (value if reset else value - old_series.get(le, 0.0))
    bounds, counts = bucket_lists(summed)
    total = float(sum(status_counts.values()))
    errors = float(sum(v for s, v in status_counts.items() if s.startswith("5")))
    return TrafficWindow(
        sources=[after.source] if after.source else [],
        seconds=after.scraped_at - before.scraped_at,
        requests=total,
        errors=errors,
        status_counts=dict(sorted(status_counts.items())),
        bucket_bounds=bounds,
        bucket_counts=counts,
        resets=resets,
        info=dict(after.info),
    )


def bucket_lists(by_bound: Mapping[float, float]) -> tuple[list[float], list[float]]:
    """Split ``{upper bound: cumulative count}`` into finite bounds and counts (+Inf last)."""
    if not by_bound:
        return [], []
    if math.inf not in by_bound:
        raise CanaryError("the latency histogram has no le=\"+Inf\" bucket; it is not a Prometheus histogram")
    bounds = sorted(b for b in by_bound if b != math.inf)
    return bounds, [by_bound[b] for b in bounds] + [by_bound[math.inf]]


def combine(windows: Sequence[TrafficWindow]) -> TrafficWindow:
    """Sum the windows of several pods of one track into one window.

    Counts and buckets add up; quantiles are recomputed from the summed buckets (averaging per-pod
    quantiles would be wrong). Every window must use the same bucket bounds.

    :raises CanaryError: when no window is given or the bucket bounds differ.
    """
    if not windows:
        raise CanaryError("combine() needs at least one window (no pod of the track was measured)")
    bounds: list[float] = []
    counts: list[float] = []
    status: Counter[str] = Counter()
    info: dict[str, set[str]] = {}
    for w in windows:
        if w.bucket_bounds or w.bucket_counts:
            if not counts:
                bounds, counts = list(w.bucket_bounds), list(w.bucket_counts)
            elif w.bucket_bounds != bounds:
                raise CanaryError(f"cannot combine histograms with different buckets: {bounds} and "
                                  f"{w.bucket_bounds} (sources {w.sources}); use one bucket layout per track")
            else:
                counts = [a + b for a, b in zip(counts, w.bucket_counts, strict=True)]
        status.update(w.status_counts)
        for key, value in w.info.items():
            info.setdefault(key, set()).add(value)
    seconds = [w.seconds for w in windows if w.seconds is not None]
    return TrafficWindow(
        sources=[s for w in windows for s in w.sources],
        seconds=max(seconds) if seconds else None,
        requests=sum(w.requests for w in windows),
        errors=sum(w.errors for w in windows),
        status_counts=dict(sorted(status.items())),
        bucket_bounds=bounds,
        bucket_counts=counts,
        resets=sum(w.resets for w in windows),
        info={key: ",".join(sorted(values)) for key, values in info.items()},
    )


