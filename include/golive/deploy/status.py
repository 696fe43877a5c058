"""What is deployed: every variant's Deployment with its revisions, the live and preview Services."""

from __future__ import annotations

from typing import Any

from golive.deploy.actions import Request, Result
from golive.deploy.cluster import Cluster
from golive.deploy.naming import preview_service_name, service_name
from golive.deploy.ops import workload_name
from golive.deploy.strategies.bluegreen import live_colour

__all__ = ["VARIANTS", "status"]

VARIANTS = ("stable", "canary", "blue", "green")


def _selector(service: dict[str, Any] | None) -> dict[str, str] | None:
    return dict(((service or {}).get("spec") or {}).get("selector") or {}) if service else None


def status(cluster: Cluster, req: Request) -> Result:
    """Deployments (replicas, version, revision history), live colour / tracks and URLs.

    ``ok`` is False when the application has no Deployment at all.
    """
    deployments: dict[str, Any] = {}
    for variant in VARIANTS:
        name = workload_name(cluster, req.app, variant)
        info = cluster.deployment(name)
        if info is None:
            continue
        entry = info.as_dict()
        entry["revisions"] = [r.as_dict() for r in cluster.revisions(name)]
        deployments[variant] = entry
    svc = service_name(req.app)
    live = cluster.service(svc)
    preview = cluster.service(preview_service_name(req.app))
    selector = _selector(live)
    colour = live_colour(live)
    if selector is None:
        live_tracks: list[str] = []
    elif colour is not None:
        live_tracks = [colour]
    elif "track" in selector:
        live_tracks = [selector["track"]]
    else:
        live_tracks = [v for v in ("stable", "canary") if v in deployments]
    versions = sorted({d["version"] for v, d in deployments.items() if v in live_tracks and d["version"]})
    strategy = ("blue-green" if colour is not None else "canary" if "canary" in deployments
                else "rolling" if "stable" in deployments else None)
    payload = {
        "application": req.app, "namespace": req.namespace, "strategy_detected": strategy,
        "deployments": deployments, "service": svc, "service_selector": selector,
        "service_url": cluster.service_url(svc) if live else None, "live_colour": colour,
        "live": live_tracks, "live_versions": versions,
        "preview_service": preview_service_name(req.app) if preview else None,
        "preview_selector": _selector(preview),
        "preview_url": cluster.service_url(preview_service_name(req.app)) if preview else None,
    }
    if not deployments:
        return Result.failed(payload, f"application {req.app} has no Deployment in {req.namespace}")
    return Result(True, payload)
