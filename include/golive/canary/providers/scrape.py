"""The ``pods`` metric provider: scrape every pod's ``/metrics`` at both ends of the window.

:func:`parse_exposition` reads a Prometheus text exposition (the request counter, the latency
histogram and ``app_info``) into a :class:`~golive.canary.metrics.MetricsSnapshot`; :func:`scrape`
GETs one pod's metrics URL. :class:`ScrapeProvider` scrapes all pods at once before and after the
traffic and turns the two readings of each track's pods into one window (a pod that could not be
scraped both times is left out, with a note).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import httpx
from prometheus_client.parser import text_string_to_metric_families

from golive import http as app_http
from golive.canary.metrics import (
    DEFAULT_EXCLUDED_PATHS,
    INFO_METRIC,
    LATENCY_HISTOGRAM,
    REQUEST_COUNTER,
    CanaryError,
    MetricsSnapshot,
    Reading,
    SeriesKey,
    TrafficWindow,
    combine,
    window,
)
from golive.canary.targets import PodTarget

__all__ = ["ScrapeProvider", "parse_exposition", "scrape"]


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
    http = client or app_http.client(timeout=timeout)
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


class ScrapeProvider:
    """Windows from the pods themselves: every pod's ``/metrics`` scraped before and after the traffic.

    :param client: the HTTP client for the scrapes (the caller's, closed by the caller).
    """

    name = "pods"

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def reading(self, targets: Sequence[PodTarget]) -> Reading:
        """Scrape every pod at once; a pod that fails maps to the error text."""
        def one(target: PodTarget) -> MetricsSnapshot | str:
            try:
                return scrape(target.metrics_url, self.client)
            except CanaryError as exc:
                return str(exc)

        taken_at = time.time()
        with ThreadPoolExecutor(max_workers=max(1, min(8, len(targets)))) as pool:
            pods = dict(zip([t.name for t in targets], pool.map(one, targets), strict=True))
        return Reading(taken_at=taken_at, pods=pods)

    def window(self, track: str, targets: Sequence[PodTarget], before: Reading,
               after: Reading) -> tuple[TrafficWindow | None, list[str]]:
        """The combined window of ``targets`` (the pods of ``track``) between the two readings, or
        None when no pod was scraped both times; a note for every pod left out."""
        windows: list[TrafficWindow] = []
        notes: list[str] = []
        for target in targets:
            b, a = before.pods.get(target.name), after.pods.get(target.name)
            if isinstance(b, MetricsSnapshot) and isinstance(a, MetricsSnapshot):
                windows.append(window(b, a))
            else:
                notes.append(f"pod {target.name} ({target.track}) left out: {b if isinstance(b, str) else a}")
        return (combine(windows) if windows else None), notes
