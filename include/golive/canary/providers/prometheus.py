"""The ``prometheus`` metric provider: a track's window from the Prometheus HTTP API.

:func:`prometheus_window` asks ``/api/v1/query`` for the ``increase`` of the request counter and
the latency histogram buckets of one track over the last ``range`` (and ``app_info`` for the
running version). :class:`PrometheusProvider` needs no reading of the pods: the window is the
range that ends when it is asked, after the traffic.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from golive.canary.metrics import (
    DEFAULT_EXCLUDED_PATHS,
    INFO_METRIC,
    LATENCY_HISTOGRAM,
    REQUEST_COUNTER,
    CanaryError,
    Reading,
    TrafficWindow,
    bucket_lists,
)
from golive.canary.targets import PodTarget

__all__ = ["PrometheusProvider", "prometheus_window"]

_DURATION = re.compile(r"^(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?$")
_TRACK = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


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
    result: list[dict[str, Any]] = data["result"]
    return result


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
    bounds, counts = bucket_lists(buckets)
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


class PrometheusProvider:
    """Windows from Prometheus: the ``increase`` of each track's series over the last ``range``.

    :param url: the Prometheus base URL.
    :param application: the ``job`` label of the application's series.
    :param namespace: its namespace.
    :param range: the range of ``increase()`` (a Prometheus duration such as ``2m``).
    """

    name = "prometheus"

    def __init__(self, url: str, application: str, namespace: str, range: str = "2m") -> None:
        self.url = url
        self.application = application
        self.namespace = namespace
        self.range = range

    def reading(self, targets: Sequence[PodTarget]) -> Reading:
        """Nothing to read from the pods: Prometheus scrapes them itself."""
        return Reading(taken_at=time.time())

    def window(self, track: str, targets: Sequence[PodTarget], before: Reading,
               after: Reading) -> tuple[TrafficWindow | None, list[str]]:
        """The window of ``track`` over the last ``range``, asked now (after the traffic).

        :raises CanaryError: when Prometheus cannot be reached or refuses a query.
        """
        return prometheus_window(self.url, self.application, track, self.namespace, self.range), []
