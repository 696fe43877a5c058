"""Where the canary analysis finds the pods of a track: ready pods, their app and metrics URLs.

:func:`discover` lists the ready pods of the ``canary`` and ``stable`` tracks of an application
through the Kubernetes API (labels ``app=APP``, ``track=canary|stable``); :func:`pod_target` reads a
pod's IP and the ``prometheus.io/port`` / ``prometheus.io/path`` annotations (or its ``http``
container port) into a :class:`PodTarget`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.kube.pods import pod_ready

__all__ = ["TRACKS", "PodTarget", "discover", "pod_target"]

#: The tracks a canary analysis compares.
TRACKS: tuple[str, ...] = ("canary", "stable")


@dataclass(frozen=True)
class PodTarget:
    """One ready pod of a track: where its app answers and where it serves metrics."""

    name: str
    track: str
    base_url: str
    metrics_url: str
    version: str

    def as_dict(self) -> dict[str, str]:
        """JSON form (no secrets in here: names, addresses and versions only)."""
        return {"name": self.name, "track": self.track, "url": self.base_url, "version": self.version}


def _port(pod: Mapping[str, Any]) -> int | None:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    text = str(annotations.get("prometheus.io/port", ""))
    if text.isdigit():
        return int(text)
    containers = (pod.get("spec") or {}).get("containers") or []
    for container in sorted(containers, key=lambda c: c.get("name") != "api"):
        for port in container.get("ports") or []:
            if port.get("name") == "http" or port.get("containerPort"):
                return int(port["containerPort"])
    return None


def pod_target(pod: Mapping[str, Any], track: str) -> PodTarget | None:
    """The :class:`PodTarget` of a pod, or None when it is not ready or has no IP or port."""
    ip = (pod.get("status") or {}).get("podIP")
    port = _port(pod)
    if not pod_ready(pod) or not ip or port is None:
        return None
    meta = pod.get("metadata") or {}
    host = f"[{ip}]" if ":" in ip else ip
    base = f"http://{host}:{port}"
    path = str((meta.get("annotations") or {}).get("prometheus.io/path") or "/metrics")
    return PodTarget(name=str(meta.get("name", "")), track=track, base_url=base,
                     metrics_url=base + (path if path.startswith("/") else "/" + path),
                     version=str((meta.get("labels") or {}).get("app.kubernetes.io/version", "")))


def discover(cluster: Any, app: str) -> dict[str, list[PodTarget]]:
    """The ready pods of the canary and the stable track of ``app`` (via the Kubernetes API)."""
    from golive.deploy.ops import app_selector

    found: dict[str, list[PodTarget]] = {}
    for track in TRACKS:
        pods = cluster.pods(app_selector(app, track=track))
        found[track] = [t for t in (pod_target(p, track) for p in pods) if t is not None]
    return found
