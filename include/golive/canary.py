"""Canary analysis: compare the canary track against stable from their Prometheus metrics.

In the spirit of Kayenta and Flagger, but scored with golive's own gate rules
(:mod:`golive.scoring`): every criterion keeps its raw value, threshold and reason, no data is never
a pass, and a failed key criterion vetoes the gate.

Two ways to measure a track over a window:

* straight from the pods: :func:`scrape` each pod's ``/metrics`` before and after the window,
  :func:`window` turns the two scrapes into a :class:`TrafficWindow` (counter resets handled), and
  :func:`combine` sums the pods of one track;
* from Prometheus: :func:`prometheus_window` asks the Prometheus HTTP API for the ``increase`` of
  the same series over the last ``range``.

Either way the latency quantiles come from histogram bucket counts with the interpolation of
Prometheus' ``histogram_quantile``. :func:`analyze` then decides the ``canary`` gate, and
:func:`generate_traffic` drives bounded load at a track while the window is open.

Nothing here imports Airflow: it runs inside the workload pods too.
"""

from __future__ import annotations

import bisect
import ipaddress
import math
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from golive.errors import GoliveError
from golive.models import AnalyzerResult, CriterionRule, Measurement, Verdict
from golive.scoring import apply_rules, evaluate

__all__ = [
    "CANARY_RULES",
    "DEFAULT_EXCLUDED_PATHS",
    "CanaryError",
    "MetricsSnapshot",
    "TrafficReport",
    "TrafficWindow",
    "analyze",
    "analyzer_result",
    "canary_measurements",
    "canary_rules",
    "combine",
    "generate_traffic",
    "histogram_quantile",
    "parse_exposition",
    "prometheus_window",
    "scrape",
    "window",
]

REQUEST_COUNTER = "http_requests_total"
LATENCY_HISTOGRAM = "http_request_duration_seconds"
INFO_METRIC = "app_info"
DEFAULT_EXCLUDED_PATHS: tuple[str, ...] = ("/metrics", "/health")
MAX_TRAFFIC_SECONDS = 600.0
MAX_TRAFFIC_REQUESTS = 100_000
MAX_CONCURRENCY = 64
_DURATION = re.compile(r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$")
_TRACK = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
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


def _key(labels: Mapping[str, str]) -> SeriesKey:
    """The (method, path, status) key of a sample's labels."""
    return (labels.get("method", ""), labels.get("path", ""), labels.get("status", ""))


def parse_exposition(
    text: str,
    *,
    source: str = "",
    scraped_at: float | None = None,
    exclude_paths: Iterable[str] = DEFAULT_EXCLUDED_PATHS,
    request_metric: str = REQUEST_COUNTER,
    latency_metric: str = LATENCY_HISTOGRAM,
) -> MetricsSnapshot:
    """Parse a Prometheus text exposition into a :class:`MetricsSnapshot`.

    Keeps the ``request_metric`` counter and ``latency_metric`` histogram samples (matched by
    sample name, so ``http_requests_total`` is found in the parser's ``http_requests`` family),
    leaves out series whose ``path`` is in ``exclude_paths``, and records ``app_info``'s labels.

    :raises CanaryError: when the text is not a valid exposition.
    """
    excluded = frozenset(exclude_paths)
    created_name = request_metric.removesuffix("_total") + "_created"
    counts: dict[SeriesKey, float] = {}
    counts_created: dict[SeriesKey, float] = {}
    buckets: dict[SeriesKey, dict[float, float]] = {}
    latency_created: dict[SeriesKey, float] = {}
    info: dict[str, str] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = sample.labels
                if sample.name == INFO_METRIC:
                    info.update(labels)
                    continue
                if labels.get("path") in excluded:
                    continue
                key = _key(labels)
                if sample.name == request_metric:
                    counts[key] = counts.get(key, 0.0) + float(sample.value)
                elif sample.name == created_name:
                    counts_created[key] = float(sample.value)
                elif sample.name == f"{latency_metric}_bucket":
                    le = float(labels.get("le", "nan"))
                    if math.isnan(le):
                        raise ValueError(f"{sample.name} sample without a valid le label: {labels}")
                    series = buckets.setdefault(key, {})
                    series[le] = series.get(le, 0.0) + float(sample.value)
                elif sample.name == f"{latency_metric}_created":
                    latency_created[key] = float(sample.value)
    except ValueError as exc:
        raise CanaryError(f"the metrics of {source or 'the target'} are not a valid Prometheus text "
                          f"exposition: {exc}") from exc
    return MetricsSnapshot(
        source=source,
        scraped_at=time.time() if scraped_at is None else scraped_at,
        requests=counts,
        requests_created=counts_created,
        buckets=buckets,
        latency_created=latency_created,
        info=info,
    )


def scrape(
    url: str,
    client: httpx.Client | None = None,
    *,
    timeout: float = 5.0,
    exclude_paths: Iterable[str] = DEFAULT_EXCLUDED_PATHS,
    request_metric: str = REQUEST_COUNTER,
    latency_metric: str = LATENCY_HISTOGRAM,
) -> MetricsSnapshot:
    """GET one pod's ``/metrics`` (``url`` is the full metrics URL) and parse it.

    :raises CanaryError: when the pod cannot be reached, answers other than 200, or serves no
        valid exposition.
    """
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        response = http.get(url, headers={"Accept": "text/plain;version=0.0.4"}, timeout=timeout)
        scraped_at = time.time()
    except httpx.HTTPError as exc:
        raise CanaryError(f"cannot scrape {url}: {type(exc).__name__}: {exc}; check that the pod is running "
                          "and serves its metrics there") from exc
    finally:
        if own:
            http.close()
    if response.status_code != 200:
        raise CanaryError(f"scraping {url} answered HTTP {response.status_code}; expected 200 with the "
                          "Prometheus text exposition")
    return parse_exposition(response.text, source=url, scraped_at=scraped_at, exclude_paths=exclude_paths,
                            request_metric=request_metric, latency_metric=latency_metric)


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
    bounds, counts = _bucket_lists(summed)
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


def _bucket_lists(by_bound: Mapping[float, float]) -> tuple[list[float], list[float]]:
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


# --- Prometheus HTTP API --------------------------------------------------------------------------


def _quote(value: str) -> str:
    """A PromQL string literal of ``value``."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _query(http: httpx.Client, base_url: str, promql: str, at: float | None, timeout: float) -> list[dict[str, Any]]:
    """Run one instant query on the Prometheus HTTP API; return its vector result."""
    params: dict[str, str] = {"query": promql}
    if at is not None:
        params["time"] = f"{at:.3f}"
    url = base_url.rstrip("/") + "/api/v1/query"
    try:
        response = http.get(url, params=params, timeout=timeout)
    except httpx.HTTPError as exc:
        raise CanaryError(f"cannot query Prometheus at {base_url}: {type(exc).__name__}: {exc}; check the "
                          "Prometheus URL and that it is reachable") from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise CanaryError(f"Prometheus at {base_url} answered HTTP {response.status_code} without the API's JSON "
                          f"(is this a Prometheus server?) for query {promql}")
    if response.status_code != 200 or body.get("status") != "success":
        raise CanaryError(f"Prometheus at {base_url} refused query {promql}: HTTP {response.status_code} "
                          f"{body.get('errorType', '')}: {body.get('error', 'no error message')}")
    data = body.get("data") or {}
    if data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise CanaryError(f"Prometheus at {base_url} answered a {data.get('resultType')!r} result for an instant "
                          f"vector query {promql}")
    return data["result"]


def _sample_value(item: Mapping[str, Any]) -> float:
    """The float value of one vector sample (NaN counts as 0)."""
    try:
        value = float(item["value"][1])
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CanaryError(f"Prometheus returned a malformed sample: {item!r}") from exc
    return 0.0 if math.isnan(value) else value


def prometheus_window(
    base_url: str,
    application: str,
    track: str,
    namespace: str,
    range: str = "5m",
    *,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
    at: float | None = None,
    job_label: str = "job",
    track_label: str = "track",
    exclude_paths: Iterable[str] = DEFAULT_EXCLUDED_PATHS,
) -> TrafficWindow:
    """The traffic of one track over the last ``range``, from the Prometheus HTTP API.

    Runs two instant queries on ``/api/v1/query``: ``sum by (status) (increase(http_requests_total
    {…}[range]))`` and ``sum by (le) (increase(http_request_duration_seconds_bucket{…}[range]))``,
    selecting ``job_label=application``, ``namespace`` and ``track_label=track`` without the excluded
    paths, plus ``app_info`` for the running version. ``at`` is the evaluation time (Unix seconds;
    default: now on the server).

    :raises CanaryError: when Prometheus cannot be reached or refuses a query.
    """
    if not _DURATION.match(range):
        raise CanaryError(f"range {range!r} is not a Prometheus duration such as 5m or 1h")
    if not _TRACK.match(track):
        raise CanaryError(f"track {track!r} must be a DNS-1123 label such as stable or canary")
    matchers = [f"{job_label}={_quote(application)}", f"namespace={_quote(namespace)}",
                f"{track_label}={_quote(track)}"]
    excluded = "|".join(re.escape(p) for p in exclude_paths)
    selector = "{" + ", ".join([*matchers, *([f"path!~{_quote(excluded)}"] if excluded else [])]) + "}"
    own = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        by_status = _query(http, base_url, f"sum by (status) (increase({REQUEST_COUNTER}{selector}[{range}]))",
                           at, timeout)
        by_le = _query(http, base_url,
                       f"sum by (le) (increase({LATENCY_HISTOGRAM}_bucket{selector}[{range}]))", at, timeout)
        versions = _query(http, base_url, f"count by (version) ({INFO_METRIC}{{{', '.join(matchers)}}})",
                          at, timeout)
    finally:
        if own:
            http.close()
    status_counts: dict[str, float] = {}
    for item in by_status:
        status = str((item.get("metric") or {}).get("status", ""))
        status_counts[status] = status_counts.get(status, 0.0) + _sample_value(item)
    buckets: dict[float, float] = {}
    for item in by_le:
        le_text = (item.get("metric") or {}).get("le")
        try:
            le = float(str(le_text))
        except ValueError:
            raise CanaryError(f"Prometheus returned a bucket without a valid le label: {item!r}") from None
        buckets[le] = _sample_value(item)
    bounds, counts = _bucket_lists(buckets)
    found = sorted({str((v.get("metric") or {}).get("version", "")) for v in versions} - {""})
    total = float(sum(status_counts.values()))
    return TrafficWindow(
        sources=[(f"prometheus {base_url.rstrip('/')} {job_label}={application} namespace={namespace} "
                 f"{track_label}={track}")],
        seconds=_seconds(range),
        requests=total,
        errors=float(sum(v for s, v in status_counts.items() if s.startswith("5"))),
        status_counts=dict(sorted(status_counts.items())),
        bucket_bounds=bounds,
        bucket_counts=counts,
        info={"version": ",".join(found)} if found else {},
    )


def _seconds(duration: str) -> float:
    """Seconds of a duration such as 5m or 1h30m."""
    scale = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    return float(sum(int(n) * scale[u] for n, u in re.findall(r"(\d+)([dhms])", duration)))


# --- the canary gate ------------------------------------------------------------------------------


def canary_rules(
    *,
    max_error_rate: float = 0.05,
    max_p95_seconds: float = 2.0,
    min_requests: int = 20,
    max_error_rate_delta: float = 0.02,
    warn_error_rate_delta: float = 0.05,
    max_p95_ratio: float = 1.5,
    warn_p95_ratio: float = 2.0,
    baseline: bool = True,
) -> list[CriterionRule]:
    """The canary gate's criteria. Without a stable ``baseline`` the relative criteria are optional."""
    return [
        CriterionRule(name="canary error rate", measurement="canary_error_rate", unit="ratio", comparison="<=",
                      pass_at=max_error_rate, weight=3, key=True,
                      description="share of the canary's requests answered with 5xx"),
        CriterionRule(name="canary p95 latency", measurement="canary_p95_seconds", unit="s", comparison="<=",
                      pass_at=max_p95_seconds, weight=3, key=True,
                      description="95th-percentile latency of the canary"),
        CriterionRule(name="error rate vs stable", measurement="error_rate_delta", unit="ratio", comparison="<=",
                      pass_at=max_error_rate_delta, warn_at=warn_error_rate_delta, weight=2, optional=not baseline,
                      description="canary 5xx ratio minus stable 5xx ratio"),
        CriterionRule(name="p95 latency vs stable", measurement="p95_ratio", unit="x", comparison="<=",
                      pass_at=max_p95_ratio, warn_at=warn_p95_ratio, weight=2, optional=not baseline,
                      description="canary p95 latency over stable p95 latency"),
        CriterionRule(name="canary request volume", measurement="canary_requests", unit="requests",
                      comparison=">=", pass_at=float(min_requests), weight=1,
                      description="requests the canary served in the window"),
    ]


#: The canary gate's criteria with their default thresholds (a stable baseline present).
CANARY_RULES: list[CriterionRule] = canary_rules()


def canary_measurements(
    canary: TrafficWindow,
    stable: TrafficWindow | None,
    *,
    min_requests: int = 20,
    p95_floor_seconds: float = 0.05,
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The raw values of the canary criteria, and why each missing one is missing.

    Below ``min_requests`` the error and latency values are not computed (too few requests prove
    nothing, so they are no-data, never a pass). The latency ratio divides by
    ``max(stable p95, p95_floor_seconds)``: differences among a few milliseconds are noise.
    """
    values: dict[str, float | None] = {"canary_requests": canary.requests}
    missing: dict[str, str] = {}
    relative = ("error_rate_delta", "p95_ratio")
    if canary.requests < min_requests:
        why = f"only {canary.requests:g} requests in the window (at least {min_requests} needed)"
        for name in ("canary_error_rate", "canary_p95_seconds", *relative):
            values[name] = None
            missing[name] = why
        return values, missing
    values["canary_error_rate"] = canary.error_rate
    values["canary_p95_seconds"] = canary.p95
    if canary.error_rate is None:
        missing["canary_error_rate"] = "no requests in the window"
    if canary.p95 is None:
        missing["canary_p95_seconds"] = (f"the canary recorded no latency observations "
                                         f"({LATENCY_HISTOGRAM}_bucket is missing)")
    if stable is None:
        for name in relative:
            values[name] = None
            missing[name] = "no stable baseline (first deployment): decided on the absolute criteria"
        return values, missing
    if stable.requests < min_requests:
        for name in relative:
            values[name] = None
            missing[name] = (f"the stable baseline served only {stable.requests:g} requests in the window "
                             f"(at least {min_requests} needed)")
        return values, missing
    values["error_rate_delta"] = (canary.error_rate or 0.0) - (stable.error_rate or 0.0)
    if canary.p95 is None or stable.p95 is None:
        values["p95_ratio"] = None
        missing["p95_ratio"] = "no latency observations for " + ("the canary" if canary.p95 is None else "stable")
    else:
        values["p95_ratio"] = canary.p95 / max(stable.p95, p95_floor_seconds)
    return values, missing


def analyze(
    canary: TrafficWindow,
    stable: TrafficWindow | None,
    *,
    max_error_rate: float = 0.05,
    max_p95_seconds: float = 2.0,
    min_requests: int = 20,
    threshold: float = 85.0,
    max_error_rate_delta: float = 0.02,
    max_p95_ratio: float = 1.5,
    p95_floor_seconds: float = 0.05,
) -> Verdict:
    """Decide the ``canary`` gate from the canary's window and the stable baseline's.

    Criteria: canary 5xx ratio ≤ ``max_error_rate`` (key), canary p95 ≤ ``max_p95_seconds`` (key),
    5xx ratio minus stable's ≤ ``max_error_rate_delta`` (warning up to 0.05), p95 over stable's
    ≤ ``max_p95_ratio`` (warning up to 2×) and at least ``min_requests`` requests. Without a stable
    baseline (first deployment) the relative criteria are no-data but optional. Scored by
    :func:`golive.scoring.evaluate`.
    """
    if min_requests < 1:
        raise CanaryError(f"min_requests must be at least 1, got {min_requests}: a window without requests "
                          "proves nothing")
    rules = canary_rules(max_error_rate=max_error_rate, max_p95_seconds=max_p95_seconds, min_requests=min_requests,
                         max_error_rate_delta=max_error_rate_delta,
                         warn_error_rate_delta=max(0.05, max_error_rate_delta),
                         max_p95_ratio=max_p95_ratio, warn_p95_ratio=max(2.0, max_p95_ratio),
                         baseline=stable is not None)
    values, missing = canary_measurements(canary, stable, min_requests=min_requests,
                                          p95_floor_seconds=p95_floor_seconds)
    return evaluate("canary", apply_rules(rules, values, missing), threshold=threshold)


def analyzer_result(canary: TrafficWindow, stable: TrafficWindow | None, *, min_requests: int = 20,
                    p95_floor_seconds: float = 0.05, tool: str = "golive.canary") -> AnalyzerResult:
    """The canary measurements as an :class:`AnalyzerResult` (for the ledger), windows in ``details``."""
    values, missing = canary_measurements(canary, stable, min_requests=min_requests,
                                          p95_floor_seconds=p95_floor_seconds)
    units = {r.measurement: r.unit for r in CANARY_RULES}
    return AnalyzerResult(
        agent="canary", tool=tool,
        measurements=[Measurement(name=k, value=v, unit=units.get(k, ""), detail=missing.get(k, ""))
                      for k, v in values.items()],
        details={"canary": canary.model_dump(mode="json"),
                 "stable": stable.model_dump(mode="json") if stable is not None else None},
    )


# --- traffic ----------------------------------------------------------------------------------------


@dataclass
class TrafficReport:
    """What :func:`generate_traffic` sent and got back."""

    url: str
    sent: int = 0
    status_counts: dict[int, int] = field(default_factory=dict)
    transport_errors: int = 0
    last_error: str = ""
    elapsed_seconds: float = 0.0


def _is_loopback(host: str) -> bool:
    """True when ``host`` is localhost or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def generate_traffic(
    url: str,
    *,
    seconds: float | None = None,
    requests: int | None = None,
    paths: Sequence[str] = ("/",),
    concurrency: int = 4,
    timeout: float = 5.0,
    client: httpx.Client | None = None,
    allow_remote: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> TrafficReport:
    """Send GET requests to ``url`` + each of ``paths`` in turn until a bound is reached; stop by itself.

    At least one of ``seconds`` (at most 600) and ``requests`` (at most 100 000) bounds the run; with
    only ``requests`` the run still ends after 600 s. Requests go out from ``concurrency`` threads.
    Non-loopback hosts are refused unless ``allow_remote`` (load is never aimed at a shared host by
    accident).

    :raises CanaryError: on bad bounds, paths or a refused host.
    """
    if seconds is None and requests is None:
        raise CanaryError("generate_traffic() needs a bound: seconds, requests or both")
    if seconds is not None and not 0 < seconds <= MAX_TRAFFIC_SECONDS:
        raise CanaryError(f"seconds must be in (0, {MAX_TRAFFIC_SECONDS:g}], got {seconds}")
    if requests is not None and not 0 < requests <= MAX_TRAFFIC_REQUESTS:
        raise CanaryError(f"requests must be in (0, {MAX_TRAFFIC_REQUESTS}], got {requests}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise CanaryError(f"concurrency must be in [1, {MAX_CONCURRENCY}], got {concurrency}")
    if not paths or any(not p.startswith("/") for p in paths):
        raise CanaryError(f"paths must be a non-empty list of paths starting with '/', got {list(paths)}")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CanaryError(f"url {url!r} must be an http(s) URL with a host")
    if not allow_remote and not _is_loopback(parts.hostname):
        raise CanaryError(f"refusing to load {parts.hostname}: not a loopback address; pass allow_remote=True "
                          "to drive traffic at another host")
    base = url.rstrip("/")
    deadline = clock() + (seconds if seconds is not None else MAX_TRAFFIC_SECONDS)
    report = TrafficReport(url=url)
    lock = threading.Lock()
    started = clock()
    own = client is None
    http = client or httpx.Client(timeout=timeout, limits=httpx.Limits(max_connections=concurrency))

    def worker() -> None:
        while True:
            with lock:
                if (requests is not None and report.sent >= requests) or clock() >= deadline:
                    return
                index = report.sent
                report.sent += 1
            target = base + paths[index % len(paths)]
            try:
                response = http.get(target, timeout=timeout)
            except httpx.HTTPError as exc:
                with lock:
                    report.transport_errors += 1
                    report.last_error = f"{type(exc).__name__}: {exc}"
                continue
            with lock:
                report.status_counts[response.status_code] = report.status_counts.get(response.status_code, 0) + 1

    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="golive-traffic") as pool:
            for future in [pool.submit(worker) for _ in range(concurrency)]:
                future.result()
    finally:
        if own:
            http.close()
    report.elapsed_seconds = clock() - started
    return report
