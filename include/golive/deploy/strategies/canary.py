"""Canary: a ``canary`` track next to ``stable`` behind one Service; traffic splits by replica ratio.

* deploy: the stable release must exist (none yet → this version is deployed as stable directly,
  ``first_deploy``). A canary release of the new version is deployed with the replicas that give it
  the first step's weight next to the stable replicas (:func:`golive.deploy.replicas.canary_replicas`);
  the live Service selects the whole application (every track), and a preview Service
  ``<app>-preview`` selects only the canary (what verification checks).
* canary-step: scale the canary to the replicas of the next weight (100 → as many as stable).
* promote: roll the stable release to the new version (rolling update), then delete the canary.
* rollback: delete the canary (stable never stopped serving) and verify that only stable answers;
  after a promotion it undoes the stable Deployment like a rolling rollback. Idempotent.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from golive.deploy.actions import Request, Result
from golive.deploy.cluster import Cluster, wait_pods_gone
from golive.deploy.errors import DeployInputError
from golive.deploy.naming import preview_service_name, service_name
from golive.deploy.ops import (
    app_selector,
    apply_and_wait,
    delete_release,
    existing_secret,
    own_objects,
    render,
    split_preview,
    verify_live,
    workload,
    workload_name,
)
from golive.deploy.release import ReleaseSpec
from golive.deploy.replicas import canary_replicas, effective_weight
from golive.deploy.strategies import rolling

__all__ = ["DEFAULT_WEIGHT", "STRATEGY", "canary_spec", "deploy", "promote", "rollback", "step"]

STRATEGY = "canary"
DEFAULT_WEIGHT = 25.0


def canary_spec(req: Request, replicas: int, *, existing: str) -> ReleaseSpec:
    """The canary release of ``req.version`` with ``replicas``; its rendered Service selects the canary
    track only (it becomes the preview Service)."""
    assert req.version is not None
    return ReleaseSpec(app=req.app, version=req.version, strategy=STRATEGY, track="canary", colour="",
                       replicas=replicas, service_mode="track", include_service=True, existing_secret=existing,
                       user_values=req.user_values)


def _names(cluster: Cluster, app: str) -> tuple[str, str]:
    return workload_name(cluster, app, "stable"), workload_name(cluster, app, "canary")


def deploy(cluster: Cluster, req: Request) -> Result:
    """Deploy the canary of ``req.version`` at the first weight (or stable directly on a first deploy)."""
    assert req.version is not None
    stable_name, canary_name = _names(cluster, req.app)
    stable = cluster.deployment(stable_name)
    if stable is None:
        result = rolling.deploy_stable(cluster, req, strategy=STRATEGY)
        result.payload.update(first_deploy=True, stable_deployment=stable_name, canary_deployment=None,
                              note="no stable release yet: this version was deployed as stable directly")
        return result
    weight = req.weight if req.weight is not None else DEFAULT_WEIGHT
    if stable.version == req.version and cluster.deployment(canary_name) is None:
        url = cluster.service_url(service_name(req.app))
        return Result(True, {"strategy": STRATEGY, "first_deploy": False, "already_live": True,
                             "deployment": stable_name, "stable_deployment": stable_name, "canary_deployment": None,
                             "revision": stable.revision, "version": req.version, "previous_version": stable.version,
                             "previous_revision": stable.revision, "service_url": url, "verify_url": url,
                             "live_url": url, "note": f"stable already runs {req.version}: no canary needed"})
    replicas = canary_replicas(weight, stable.replicas)
    objects, preview = split_preview(render(req, canary_spec(req, replicas,
                                                             existing=existing_secret(cluster, req.app))), req.app)
    objects = own_objects(objects, req.app, "canary")
    canary_name = workload(objects, req.app, "canary")
    svc = service_name(req.app)
    service = cluster.service(svc)
    payload: dict[str, Any] = {"strategy": STRATEGY, "first_deploy": False, "stable_deployment": stable_name,
                               "canary_deployment": canary_name, "deployment": canary_name}
    if service is None:
        return Result.failed(payload, f"Service {svc} does not exist in {req.namespace}: the stable release is "
                                      "incomplete; redeploy it before a canary")
    selector = app_selector(req.app)
    if dict((service.get("spec") or {}).get("selector") or {}) != selector:
        cluster.set_selector(svc, selector)
    refs, rollout = apply_and_wait(cluster, [*objects, preview], canary_name, req.timeout)
    canary = cluster.deployment(canary_name)
    preview_url = cluster.service_url(preview_service_name(req.app))
    live_url = cluster.service_url(svc)
    payload.update({
        "revision": canary.revision if canary else None, "stable_revision": stable.revision,
        "previous_revision": stable.revision, "previous_version": stable.version, "version": req.version,
        "stable_replicas": stable.replicas, "canary_replicas": replicas, "requested_weight": weight,
        "weight": effective_weight(replicas, stable.replicas), "service_url": live_url, "live_url": live_url,
        "verify_url": preview_url, "preview_url": preview_url, "objects": refs, "rollout": rollout.as_dict(),
    })
    if not rollout.done:
        return Result.failed(payload, f"the rollout of the canary {canary_name} ({req.version}) did not complete "
                                      f"within {req.timeout:g} s: {rollout.message}")
    return Result(True, payload)


def step(cluster: Cluster, req: Request) -> Result:
    """Scale the canary to the replicas of ``req.weight`` percent and wait for it."""
    if req.weight is None:
        raise DeployInputError("canary-step needs --weight (percent of the traffic, 1-100)")
    stable_name, canary_name = _names(cluster, req.app)
    stable = cluster.deployment(stable_name)
    canary = cluster.deployment(canary_name)
    payload: dict[str, Any] = {"strategy": STRATEGY, "deployment": canary_name, "stable_deployment": stable_name,
                               "canary_deployment": canary_name, "requested_weight": req.weight}
    if stable is None or canary is None:
        missing = stable_name if stable is None else canary_name
        return Result.failed(payload, f"Deployment {missing} does not exist in {req.namespace}: deploy the canary "
                                      "first")
    if req.version is not None and canary.version != req.version:
        return Result.failed(payload, f"the canary runs {canary.version}, not {req.version}")
    replicas = canary_replicas(req.weight, stable.replicas)
    cluster.scale(canary_name, replicas)
    rollout = cluster.rollout(canary_name, req.timeout)
    after = cluster.deployment(canary_name)
    payload.update({"version": canary.version, "revision": after.revision if after else canary.revision,
                    "stable_replicas": stable.replicas, "canary_replicas": replicas,
                    "previous_canary_replicas": canary.replicas,
                    "weight": effective_weight(replicas, stable.replicas), "rollout": rollout.as_dict(),
                    "service_url": cluster.service_url(service_name(req.app))})
    if not rollout.done:
        return Result.failed(payload, f"the canary did not reach {replicas} ready replicas within {req.timeout:g} s: "
                                      f"{rollout.message}")
    return Result(True, payload)


def promote(cluster: Cluster, req: Request) -> Result:
    """Roll stable to the canary's version (rolling update, waited for), then delete the canary."""
    stable_name, canary_name = _names(cluster, req.app)
    stable = cluster.deployment(stable_name)
    canary = cluster.deployment(canary_name)
    svc = service_name(req.app)
    payload: dict[str, Any] = {"strategy": STRATEGY, "promoted": False, "deployment": stable_name,
                               "stable_deployment": stable_name, "canary_deployment": canary_name}
    if stable is None:
        return Result.failed(payload, f"Deployment {stable_name} does not exist in {req.namespace}; deploy first")
    if canary is None:
        if req.version is None or stable.version == req.version:
            url = cluster.service_url(svc)
            payload.update(promoted=True, revision=stable.revision, version=stable.version, service_url=url,
                           live_url=url, note="no canary: stable already runs this version")
            return Result(True, payload)
        return Result.failed(payload, f"there is no canary and stable runs {stable.version}, not {req.version}: "
                                      "nothing to promote")
    version = req.version or canary.version
    if version is None or canary.version != version:
        return Result.failed(payload, f"the canary runs {canary.version}, not {version}")
    target = dataclasses.replace(req, version=version)
    replicas = req.replicas if req.replicas is not None else stable.replicas
    objects = render(target, rolling.stable_spec(target, version, existing=existing_secret(cluster, req.app),
                                                 strategy=STRATEGY, replicas=replicas))
    refs, rollout = apply_and_wait(cluster, objects, stable_name, req.timeout)
    after = cluster.deployment(stable_name)
    payload.update({"revision": after.revision if after else None, "previous_revision": stable.revision,
                    "version": version, "previous_version": stable.version, "objects": refs,
                    "rollout": rollout.as_dict()})
    if not rollout.done:
        return Result.failed(payload, f"stable did not finish rolling to {version} within {req.timeout:g} s "
                                      f"({rollout.message}); the canary is kept")
    deleted = delete_release(cluster, req.app, "canary")
    if cluster.delete("Service", preview_service_name(req.app)):
        deleted.append(f"Service/{preview_service_name(req.app)}")
    url = cluster.service_url(svc)
    verified, checks = verify_live(cluster, None, url, version, timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
    payload.update(promoted=True, deleted=deleted, service_url=url, live_url=url, verify_url=url,
                   verified=verified, checks=checks)
    if not verified:
        return Result.failed(payload, f"stable runs {version} but {url} does not serve it only")
    return Result(True, payload)


def rollback(cluster: Cluster, req: Request) -> Result:
    """Delete the canary and verify that stable alone serves; after a promotion, undo stable."""
    stable_name, canary_name = _names(cluster, req.app)
    stable = cluster.deployment(stable_name)
    canary = cluster.deployment(canary_name)
    if canary is None and stable is not None and req.version is not None and stable.version == req.version:
        # Promoted already (or the first deploy went to stable): undo stable like a rolling update.
        result = rolling.rollback(cluster, req)
        result.payload.update(strategy=STRATEGY, stable_deployment=stable_name, canary_deployment=None)
        return result
    payload: dict[str, Any] = {"strategy": STRATEGY, "reason": req.reason, "rolled_back": False,
                               "deployment": stable_name, "stable_deployment": stable_name,
                               "canary_deployment": canary_name,
                               "from_version": canary.version if canary else req.version,
                               "from_revision": canary.revision if canary else None,
                               "to_version": stable.version if stable else None,
                               "to_revision": stable.revision if stable else None}
    deleted = delete_release(cluster, req.app, "canary")
    if cluster.delete("Service", preview_service_name(req.app)):
        deleted.append(f"Service/{preview_service_name(req.app)}")
    gone = wait_pods_gone(cluster, app_selector(req.app, track="canary"), req.timeout)
    payload["deleted"] = deleted
    if stable is None:
        payload.update(rolled_back=True, verified=gone,
                       checks=[{"name": "canary pods gone", "ok": gone, "detail": canary_name}],
                       note="no stable release: the canary was removed")
        return Result(True, payload) if gone else Result.failed(payload, "canary pods are still running")
    verified, checks = verify_live(cluster, stable_name, cluster.service_url(service_name(req.app)), stable.version,
                                   timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
    checks.insert(0, {"name": "canary pods gone", "ok": gone,
                      "detail": "no pod of the canary track is left" if gone else "canary pods still running"})
    after = cluster.deployment(stable_name)
    unchanged = after is not None and after.revision == stable.revision
    payload.update(rolled_back=True, verified=verified and gone, checks=checks,
                   stable_revision_unchanged=unchanged, to_revision=after.revision if after else None)
    if not canary:
        payload["note"] = "no canary was running: already rolled back"
    if not (verified and gone):
        failed = "; ".join(f"{c['name']}: {c['detail']}" for c in checks if not c["ok"])
        return Result.failed(payload, f"the rollback could not be verified ({failed})")
    return Result(True, payload)
