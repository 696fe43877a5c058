"""The resource metrics API (``metrics.k8s.io/v1beta1``, what metrics-server serves on a cluster):
``PodMetrics`` of the running pods, from the kubelet's ``/proc`` samples (:mod:`localkube.usage`).

A container's ``usage.cpu`` is its process group's CPU rate over the recent samples (nanocores,
``123456n``), ``usage.memory`` its resident bytes at the latest sample (``Ki``); a pod whose containers
have fewer than two samples of their current run is left out, as metrics-server leaves out a pod it
has not scraped twice. Read-only: ``GET /apis/metrics.k8s.io/v1beta1/[namespaces/{ns}/]pods[/{name}]``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from localkube.podstate import PodRuntime
from localkube.selectors import LabelSelector
from localkube.timeutil import rfc3339

GROUP_VERSION = "metrics.k8s.io/v1beta1"


def pod_metrics(runtime: PodRuntime, labels: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``PodMetrics`` of one running pod, or None while it has no rate to report."""
    containers, window = [], 0.0
    for container in runtime.containers.values():
        if container.virtual or container.init or container.state != "running":
            continue
        now = container.usage.current()
        if now is None:
            return None
        cores, rss, seconds = now
        window = max(window, seconds)
        containers.append({"name": container.name,
                           "usage": {"cpu": f"{round(cores * 1e9)}n", "memory": f"{rss // 1024}Ki"}})
    if not containers:
        return None
    return {"kind": "PodMetrics", "apiVersion": GROUP_VERSION,
            "metadata": {"name": runtime.name, "namespace": runtime.namespace, "labels": dict(labels),
                         "creationTimestamp": rfc3339()},
            "timestamp": rfc3339(time.time()), "window": f"{window:.1f}s", "containers": containers}


def pod_metrics_list(runtimes: Iterable[tuple[PodRuntime, Mapping[str, str]]], namespace: str | None,
                     selector: LabelSelector, name: str | None = None) -> list[dict[str, Any]]:
    """The ``PodMetrics`` of every running pod (runtime, its labels) in ``namespace`` matching ``selector``."""
    items = []
    for runtime, labels in runtimes:
        if (namespace is not None and runtime.namespace != namespace) or (name is not None and runtime.name != name):
            continue
        if not selector.matches(labels):
            continue
        metrics = pod_metrics(runtime, labels)
        if metrics is not None:
            items.append(metrics)
    return items
