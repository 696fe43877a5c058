"""The train's progress monitor: plan 002's thresholds measured on the live services after a phase.

For every application live so far (the phase's and the earlier phases'):

* **response time** — the 95th percentile of ``requests`` GETs of its health path and traffic paths
  (``endpoints.traffic_paths`` of its profile) through its Service, < 2 s;
* **error rate** — the share of those requests answered 5xx or not answered at all, < 5 %;
* **memory** — its pods' resident memory over their memory limit (the resource metrics API,
  ``metrics.k8s.io``: metrics-server on a cluster, localkube's kubelet samples locally), < 80 %;
* **CPU** — their CPU use over their CPU limit, < 70 %.

Each is a key criterion of the phase's verdict (gate ``train-phase-<n>``): a value nobody could measure
(no Service URL, no metrics, no limit) is no data, which fails the gate — never a pass.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from golive import http as app_http
from golive.models import Criterion, CriterionRule, Verdict
from golive.scoring import apply_rule, evaluate
from golive.usage import quantity

__all__ = ["RULES", "ServiceProbe", "evaluate_phase", "measure_http", "pod_usage_percent", "probe_paths"]

#: Plan 002's performance-monitor thresholds, one key criterion each.
RULES = (
    CriterionRule(name="response_time_p95", measurement="response_time_p95", unit="s", comparison="<=",
                  pass_at=2.0, weight=1, key=True, description="95th percentile response time"),
    CriterionRule(name="error_rate", measurement="error_rate", unit="%", comparison="<=", pass_at=5.0,
                  weight=1, key=True, description="requests answered 5xx or not at all"),
    CriterionRule(name="memory_usage", measurement="memory_usage", unit="%", comparison="<=", pass_at=80.0,
                  weight=1, key=True, description="resident memory of the busiest pod over its limit"),
    CriterionRule(name="cpu_usage", measurement="cpu_usage", unit="%", comparison="<=", pass_at=70.0,
                  weight=1, key=True, description="CPU of the busiest pod over its limit"),
)


@dataclass
class ServiceProbe:
    """What the monitor measured on one service (values None where nothing could be measured)."""

    application: str
    values: dict[str, float | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


def probe_paths(health: str, traffic: Sequence[str]) -> list[str]:
    """The paths the monitor GETs: the health path, then the profile's traffic paths (no duplicates)."""
    return list(dict.fromkeys([health, *traffic]))


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0–1) of ``values`` (at least one)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure_http(url: str, paths: Sequence[str], requests: int,
                 timeout: float = 5.0) -> tuple[dict[str, float], dict[str, Any]]:
    """GET ``paths`` in turn, ``requests`` times in all, on fresh connections; the p95 response time
    (s) and error rate (%) with the status counts."""
    seconds: list[float] = []
    statuses: dict[str, int] = {}
    errors = 0
    last_error = ""
    with app_http.client(url, timeout=timeout, keepalive=0) as http:
        for i in range(requests):
            path = paths[i % len(paths)]
            start = time.perf_counter()
            try:
                status = http.get(path).status_code
            except httpx.HTTPError as exc:
                status, last_error = 0, f"{path}: {type(exc).__name__}: {exc}"
            seconds.append(time.perf_counter() - start)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            errors += status == 0 or status >= 500
    values = {"response_time_p95": round(percentile(seconds, 0.95), 4),
              "error_rate": round(100.0 * errors / requests, 2)}
    return values, {"requests": requests, "paths": list(paths), "statuses": statuses,
                    "max_seconds": round(max(seconds), 4), **({"last_error": last_error} if last_error else {})}


def _limits(pod: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    containers = (pod.get("spec") or {}).get("containers") or []
    return {c["name"]: ((c.get("resources") or {}).get("limits") or {}) for c in containers}


def pod_usage_percent(pods: Iterable[Mapping[str, Any]], metrics: Iterable[Mapping[str, Any]]
                      ) -> tuple[dict[str, float | None], dict[str, str], list[dict[str, Any]]]:
    """Memory and CPU use of the busiest pod over its limits (%) from ``PodMetrics`` and the pods'
    specs; the reasons of what could not be computed; each pod's figures."""
    limits = {p["metadata"]["name"]: _limits(p) for p in pods}
    per_pod: list[dict[str, Any]] = []
    for item in metrics:
        name = item["metadata"]["name"]
        if name not in limits:
            continue
        used_cpu = used_mem = lim_cpu = lim_mem = 0.0
        cpu_limited = mem_limited = True
        for container in item.get("containers") or []:
            usage = container.get("usage") or {}
            lim = limits[name].get(container["name"], {})
            used_cpu += float(quantity(usage.get("cpu", "0")))
            used_mem += float(quantity(usage.get("memory", "0")))
            cpu_limited &= "cpu" in lim
            mem_limited &= "memory" in lim
            lim_cpu += float(quantity(lim["cpu"])) if "cpu" in lim else 0.0
            lim_mem += float(quantity(lim["memory"])) if "memory" in lim else 0.0
        per_pod.append({"pod": name, "cpu_cores": round(used_cpu, 4), "memory_bytes": int(used_mem),
                        "cpu_limit_cores": lim_cpu if cpu_limited else None,
                        "memory_limit_bytes": int(lim_mem) if mem_limited else None,
                        "cpu_usage": round(100 * used_cpu / lim_cpu, 2) if cpu_limited and lim_cpu else None,
                        "memory_usage": round(100 * used_mem / lim_mem, 2) if mem_limited and lim_mem else None})
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for measurement, limit in (("memory_usage", "memory"), ("cpu_usage", "cpu")):
        known = [p[measurement] for p in per_pod if p[measurement] is not None]
        values[measurement] = max(known) if known else None
        if not per_pod:
            errors[measurement] = "the resource metrics API (metrics.k8s.io) reported no running pod of it"
        elif not known:
            errors[measurement] = f"its pods have no {limit} limit to measure the use against"
    return values, errors, per_pod


def criteria_of(probe: ServiceProbe) -> list[Criterion]:
    """The service's four criteria, named ``<application>.<criterion>``."""
    return [apply_rule(rule, probe.values.get(rule.measurement), probe.errors.get(rule.measurement, ""))
            .model_copy(update={"name": f"{probe.application}.{rule.name}"}) for rule in RULES]


def evaluate_phase(phase: int, probes: Sequence[ServiceProbe]) -> Verdict:
    """The phase's verdict (gate ``train-phase-<phase>``) over every probed service's criteria."""
    criteria = [c for probe in probes for c in criteria_of(probe)]
    return evaluate(f"train-phase-{phase}", criteria, threshold=100.0, warning_floor=100.0)
