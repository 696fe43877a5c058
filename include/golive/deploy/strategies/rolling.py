"""Rolling update: one ``stable`` release, updated in place by the Deployment controller.

* deploy: render the stable release with the new version, apply, wait for the rollout;
* promote: nothing to do (the new version is already live), recorded as such;
* rollback: ``kubectl rollout undo`` to the revision before this go-live, wait, verify.

Rollback is idempotent: it undoes only while the Deployment still runs the version being rolled
back (``Request.version``); a second call finds the previous version running and only verifies it.
"""

from __future__ import annotations

from typing import Any

from golive.deploy.actions import Request, Result
from golive.deploy.cluster import Cluster
from golive.deploy.naming import object_ref, service_name
from golive.deploy.ops import (
    apply_and_wait,
    delete_release,
    existing_secret,
    render,
    verify_live,
    workload,
    workload_name,
)
from golive.deploy.release import ReleaseSpec
from golive.kube.workloads import Revision

__all__ = ["STRATEGY", "deploy", "promote", "rollback", "rollback_target", "stable_spec"]

STRATEGY = "rolling"
VARIANT = "stable"


def stable_spec(req: Request, version: str, *, existing: str, strategy: str = STRATEGY,
                replicas: int | None = None) -> ReleaseSpec:
    """The stable release of ``version``; its Service selects every track of the application."""
    return ReleaseSpec(app=req.app, version=version, strategy=strategy, track="stable", colour="",
                       replicas=replicas if replicas is not None else req.replicas, service_mode="app",
                       include_service=True, existing_secret=existing, user_values=req.user_values)


def deploy_stable(cluster: Cluster, req: Request, *, strategy: str = STRATEGY,
                  replicas: int | None = None) -> Result:
    """Render, apply and wait for the stable release of ``req.version`` (rolling, or a first deploy)."""
    assert req.version is not None
    objects = render(req, stable_spec(req, req.version, existing=existing_secret(cluster, req.app),
                                      strategy=strategy, replicas=replicas))
    name = workload(objects, req.app, VARIANT)
    before = cluster.deployment(name)
    refs, rollout = apply_and_wait(cluster, objects, name, req.timeout)
    after = cluster.deployment(name)
    url = cluster.service_url(service_name(req.app))
    payload: dict[str, Any] = {
        "strategy": strategy,
        "deployment": name,
        "revision": after.revision if after else None,
        "previous_revision": before.revision if before else None,
        "previous_version": before.version if before else None,
        "version": req.version,
        "replicas": after.replicas if after else None,
        "service_url": url,
        "verify_url": url,
        "live_url": url,
        "first_deploy": before is None,
        "objects": refs or [object_ref(o) for o in objects],
        "rollout": rollout.as_dict(),
    }
    if not rollout.done:
        return Result.failed(payload, f"the rollout of {name} to {req.version} did not complete within "
                                      f"{req.timeout:g} s: {rollout.message}")
    return Result(True, payload)


def deploy(cluster: Cluster, req: Request) -> Result:
    """Rolling deploy of ``req.version``."""
    return deploy_stable(cluster, req)


def promote(cluster: Cluster, req: Request) -> Result:
    """Nothing to switch: a rolling update is live once its rollout finished. Records the live revision."""
    name = workload_name(cluster, req.app, VARIANT)
    info = cluster.deployment(name)
    payload: dict[str, Any] = {"strategy": STRATEGY, "deployment": name, "promoted": False,
                               "note": "rolling update: the new version went live with its rollout; nothing to switch",
                               "revision": info.revision if info else None, "version": info.version if info else None,
                               "service_url": cluster.service_url(service_name(req.app))}
    if info is None:
        return Result.failed(payload, f"Deployment {name} does not exist in {req.namespace}; deploy first")
    if req.version is not None and info.version != req.version:
        return Result.failed(payload, f"{name} runs {info.version}, not {req.version}: nothing to promote "
                                      "(was it rolled back?)")
    return Result(True, payload)


def rollback_target(revisions: list[Revision], bad_version: str | None, to_revision: int | None) -> Revision | None:
    """The revision a rollback restores: ``to_revision`` when it still exists (and is not the current
    one), else the newest revision whose version differs from the current (bad) one, else the
    previous revision (a configuration-only change). None when there is no earlier revision.
    """
    if len(revisions) < 2:
        return None
    current = revisions[-1]
    bad = bad_version or current.version
    if to_revision is not None:
        chosen = next((r for r in revisions if r.revision == to_revision), None)
        if chosen is not None and chosen.revision != current.revision:
            return chosen
    for rev in reversed(revisions[:-1]):
        if rev.version != bad:
            return rev
    return revisions[-2]


def rollback(cluster: Cluster, req: Request) -> Result:
    """Undo the stable Deployment to the previous version and verify it (idempotent)."""
    name = workload_name(cluster, req.app, VARIANT)
    url_name = service_name(req.app)
    payload: dict[str, Any] = {"strategy": STRATEGY, "deployment": name, "reason": req.reason,
                               "rolled_back": False, "from_version": req.version, "to_version": None,
                               "from_revision": None, "to_revision": None}
    info = cluster.deployment(name)
    if info is None:
        payload.update(rolled_back=True, verified=True, note=f"{name} does not exist: nothing is running to roll back",
                       checks=[{"name": "deployment absent", "ok": True, "detail": f"{name} not found"}])
        return Result(True, payload)
    revisions = cluster.revisions(name)
    payload["from_revision"] = info.revision
    payload["revisions_before"] = [r.as_dict() for r in revisions]
    if req.version is not None and info.version != req.version:
        # Already rolled back (or the bad version never became the template): verify what runs.
        payload.update(rolled_back=True, to_version=info.version, to_revision=info.revision,
                       note=f"{name} already runs {info.version}, not {req.version}: nothing to undo")
        verified, checks = verify_live(cluster, name, cluster.service_url(url_name), info.version,
                                       timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
        payload.update(verified=verified, checks=checks)
        return Result(verified, payload) if verified else Result.failed(payload, _why(checks, req.reason))
    payload["from_version"] = info.version
    target = rollback_target(revisions, info.version, req.to_revision)
    if target is None and (len(revisions) != 1 or (info.revision or 1) > 1):
        return Result.failed(payload, f"{name} (revision {info.revision}) has no earlier revision in its history "
                                      f"to go back to ({len(revisions)} ReplicaSets found); roll forward instead")
    if target is None:
        # The first deploy of the application failed: there is no earlier version; remove it.
        deleted = delete_release(cluster, req.app, VARIANT)
        payload.update(rolled_back=True, deleted=deleted, note="first deploy: no previous revision, the release "
                       "was removed")
        gone = cluster.deployment(name) is None
        payload.update(verified=gone, checks=[{"name": "deployment removed", "ok": gone, "detail": name}])
        return Result(gone, payload) if gone else Result.failed(payload, f"{name} could not be removed")
    cluster.undo(name, target.revision)
    verified, checks = verify_live(cluster, name, cluster.service_url(url_name), target.version,
                                   timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
    after = cluster.deployment(name)
    payload.update(rolled_back=True, to_version=target.version, restored_revision=target.revision,
                   to_revision=after.revision if after else None, verified=verified, checks=checks)
    if not verified:
        return Result.failed(payload, _why(checks, req.reason))
    return Result(True, payload)


def _why(checks: list[dict[str, Any]], reason: str) -> str:
    failed = "; ".join(f"{c['name']}: {c['detail']}" for c in checks if not c["ok"])
    return f"the rollback could not be verified ({failed})" + (f"; rollback reason: {reason}" if reason else "")
