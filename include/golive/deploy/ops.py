"""Cluster steps every strategy takes: render, apply and wait, delete a release, verify a rollback."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from golive.deploy.actions import Request
from golive.deploy.cluster import Cluster, Rollout
from golive.deploy.naming import (
    COMPONENT,
    COMPONENT_LABEL,
    deployment_name,
    preview_service_name,
    release_base,
    release_name,
    secret_name,
    workload_selector,
)
from golive.deploy.release import ReleaseSpec, render_release, workload_of
from golive.deploy.verify import Check, verify_service

__all__ = [
    "PREVIEW_LABEL",
    "app_selector",
    "apply_and_wait",
    "delete_release",
    "existing_secret",
    "own_objects",
    "render",
    "split_preview",
    "verify_live",
    "workload",
    "workload_name",
]

PREVIEW_LABEL = "golive.io/preview"


def existing_secret(cluster: Cluster, app: str) -> str:
    """``<app>-secrets`` when that Secret exists (the infrastructure phase or an earlier release made
    it), else "" so the chart creates it. Only its existence is looked at."""
    name = secret_name(app)
    return name if cluster.secret_exists(name) else ""


def render(req: Request, spec: ReleaseSpec) -> list[dict[str, Any]]:
    """Render ``spec`` with the request's chart and values files (no side effect)."""
    if spec.image is None and req.image is not None:
        import dataclasses

        spec = dataclasses.replace(spec, image=req.image)
    return render_release(spec, req.namespace, req.chart_dir, req.values_files, renderer=req.renderer)


def workload(objects: Sequence[Mapping[str, Any]], app: str, variant: str) -> str:
    """The name of the rendered release's Deployment (found by its labels, :func:`workload_of`)."""
    return workload_of(objects, release_name(app, variant))


def workload_name(cluster: Cluster, app: str, variant: str) -> str:
    """The name of one variant's Deployment in the cluster, found by ``app.kubernetes.io/instance``
    (the ``api`` component where the release has several); the sample chart's name when none runs."""
    found = cluster.deployments(workload_selector(app, variant))
    if len(found) > 1:
        found = [d for d in found if d.labels.get(COMPONENT_LABEL) == COMPONENT] or found[:1]
    return found[0].name if found else deployment_name(app, variant)


def app_selector(app: str, **extra: str) -> dict[str, str]:
    """The label selector of the application's API pods (plus ``extra`` labels)."""
    return {"app": app, "app.kubernetes.io/component": COMPONENT, **extra}


def split_preview(objects: Sequence[Mapping[str, Any]], app: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Take the rendered Service out of ``objects`` and turn it into the preview Service ``<app>-preview``.

    The preview Service keeps the rendered selector (the new colour or the canary track), ports and
    labels; it lets verification reach the new version before any live traffic does.
    """
    rest: list[dict[str, Any]] = []
    preview: dict[str, Any] | None = None
    for obj in objects:
        if obj.get("kind") == "Service" and preview is None:
            preview = {**obj, "metadata": dict(obj.get("metadata") or {})}
        else:
            rest.append(dict(obj))
    if preview is None:
        from golive.deploy.errors import DeployInputError

        raise DeployInputError("the chart rendered no Service; service.enabled must stay true for the "
                               "blue-green and canary strategies")
    meta = preview["metadata"]
    meta["name"] = preview_service_name(app)
    meta["labels"] = {**(meta.get("labels") or {}), PREVIEW_LABEL: "true"}
    meta["annotations"] = {k: v for k, v in (meta.get("annotations") or {}).items()
                           if not k.startswith("localkube.io/")}
    return rest, preview


def own_objects(objects: Sequence[Mapping[str, Any]], app: str, variant: str) -> list[dict[str, Any]]:
    """The objects that belong to one variant's release (named ``<app>-<variant>…``), and the Secret
    when the chart rendered one (only when it did not exist yet).

    A second release of the application (the canary, the colour not live) must not re-apply what
    the application shares — the live Service, Redis and PostgreSQL StatefulSets and their Services,
    the Ingress: replacing them would relabel them after this release and restart shared pods.
    """
    base = release_base(app, variant)
    return [dict(o) for o in objects
            if o.get("kind") == "Secret"
            or (o.get("metadata") or {}).get("name") == base
            or str((o.get("metadata") or {}).get("name", "")).startswith(base + "-")]


def apply_and_wait(cluster: Cluster, objects: Sequence[Mapping[str, Any]], deployment: str,
                   timeout: float) -> tuple[list[str], Rollout]:
    """Apply ``objects`` and wait for ``deployment``'s rollout; the refs applied and the rollout."""
    refs = cluster.apply(objects)
    return refs, cluster.rollout(deployment, timeout)


def delete_release(cluster: Cluster, app: str, variant: str) -> list[str]:
    """Delete one variant's own objects (its Deployments, found by label, the autoscaler and disruption
    budget of the generic chart, the sample chart's ConfigMap and ServiceAccount); what was deleted.

    The shared Service and Secret stay.
    """
    base = release_base(app, variant)
    deleted = []
    labelled = [("Deployment", d.name) for d in cluster.deployments(workload_selector(app, variant))]
    named = [("Deployment", f"{base}-{COMPONENT}"), ("Deployment", f"{base}-worker"),
             ("HorizontalPodAutoscaler", base), ("PodDisruptionBudget", base),
             ("ConfigMap", f"{base}-config"), ("ServiceAccount", base)]
    for kind, name in dict.fromkeys([*labelled, *named]):
        if cluster.delete(kind, name):
            deleted.append(f"{kind}/{name}")
    return deleted


def verify_live(cluster: Cluster, deployment: str | None, url: str | None, expected_version: str | None,
                *, timeout: float, settle: float,
                paths: tuple[str, str | None] = ("/health", "/version")) -> tuple[bool, list[dict[str, Any]]]:
    """Verify that ``deployment`` finished rolling out and ``url`` serves ``expected_version``.

    ``paths`` are the profile's health and version paths. Without a version path the version is the
    one of ``deployment``'s image tag (what its pods run once the rollout is complete).
    The HTTP checks are retried for up to ``settle`` seconds: endpoints of pods that are going away
    (a deleted canary, an old colour) may answer for a moment after the rollout itself is done.
    """
    health_path, version_path = paths
    checks: list[Check] = []
    if deployment is not None:
        rollout = cluster.rollout(deployment, timeout)
        checks.append(Check("rollout", rollout.done, f"{deployment}: {rollout.message}"))
        if not rollout.done:
            return False, [c.as_dict() for c in checks]
        if version_path is None:
            info = cluster.deployment(deployment)
            running = info.version if info else None
            ok = running is not None and (expected_version is None or running == expected_version)
            checks.append(Check("version", ok, f"{deployment} runs image tag {running} (no version endpoint; "
                                               f"expected {expected_version or 'any'})"))
    deadline = time.monotonic() + settle
    while True:
        http = verify_service(url, expected_version, health_path=health_path, version_path=version_path)
        if all(c.ok for c in http) or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    checks.extend(http)
    return all(c.ok for c in checks), [c.as_dict() for c in checks]
