"""Blue-green: two colour releases, the live Service selects one colour at a time.

* deploy: the live colour is read from the Service's selector. With none (first deploy) blue goes
  live directly. Otherwise the *other* colour's release is deployed with the new version while the
  Service keeps selecting the live colour, and a preview Service ``<app>-preview`` selects the new
  colour so verification and tests reach it before the switch.
* promote: switch the live Service's selector to the new colour (only once its rollout is complete)
  and drop the preview Service. The old colour keeps running for an instant rollback until
  ``--cleanup`` deletes it (or the next go-live deploys over it).
* rollback: point the Service back to the old colour (scaled up again if needed), delete the new
  colour's release and the preview Service, verify. Idempotent.
"""

from __future__ import annotations

from typing import Any

from golive.deploy.actions import Request, Result
from golive.deploy.cluster import Cluster, DeploymentInfo
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

__all__ = ["COLOURS", "STRATEGY", "colour_spec", "deploy", "live_colour", "other", "promote", "rollback"]

STRATEGY = "blue-green"
COLOURS = ("blue", "green")
#: Annotation on a colour's Deployment: "true" when it went live directly (no colour before it).
FIRST_DEPLOY = "golive.io/first-deploy"
#: Annotation on a colour's Deployment: the colour (and version) it is meant to replace.
REPLACES = "golive.io/replaces"


def other(colour: str) -> str:
    """The other colour."""
    return "green" if colour == "blue" else "blue"


def live_colour(service: dict[str, Any] | None) -> str | None:
    """The colour a Service selects (blue or green), or None."""
    colour = ((service or {}).get("spec") or {}).get("selector", {}).get("colour")
    return colour if colour in COLOURS else None


def colour_spec(req: Request, colour: str, *, existing: str, replicas: int | None) -> ReleaseSpec:
    """The release of ``colour`` with ``req.version``; its rendered Service selects that colour."""
    assert req.version is not None
    return ReleaseSpec(app=req.app, version=req.version, strategy=STRATEGY, track="stable", colour=colour,
                       replicas=replicas, service_mode="colour", service_colour=colour, include_service=True,
                       existing_secret=existing, user_values=req.user_values)


def _annotate(objects: list[dict[str, Any]], deployment: str, annotations: dict[str, str]) -> None:
    for obj in objects:
        if obj.get("kind") == "Deployment" and obj["metadata"].get("name") == deployment:
            obj["metadata"]["annotations"] = {**(obj["metadata"].get("annotations") or {}), **annotations}


def _infos(cluster: Cluster, app: str) -> dict[str, DeploymentInfo | None]:
    return {c: cluster.deployment(workload_name(cluster, app, c)) for c in COLOURS}


def deploy(cluster: Cluster, req: Request) -> Result:
    """Deploy ``req.version`` on the colour that is not live (blue directly on a first deploy)."""
    assert req.version is not None
    svc = service_name(req.app)
    live = live_colour(cluster.service(svc))
    existing = existing_secret(cluster, req.app)
    if live is None:
        objects = render(req, colour_spec(req, "blue", existing=existing, replicas=req.replicas))
        name = workload(objects, req.app, "blue")
        _annotate(objects, name, {FIRST_DEPLOY: "true"})
        refs, rollout = apply_and_wait(cluster, objects, name, req.timeout)
        info = cluster.deployment(name)
        url = cluster.service_url(svc)
        payload: dict[str, Any] = {
            "strategy": STRATEGY, "first_deploy": True, "live_colour": "blue", "new_colour": "blue",
            "previous_colour": None, "deployment": name, "revision": info.revision if info else None,
            "previous_revision": None, "previous_version": None, "version": req.version,
            "service_url": url, "verify_url": url, "live_url": url, "preview_url": None,
            "objects": refs, "rollout": rollout.as_dict(),
        }
        if not rollout.done:
            return Result.failed(payload, f"the rollout of {name} ({req.version}) did not complete within "
                                          f"{req.timeout:g} s: {rollout.message}")
        return Result(True, payload)

    new = other(live)
    live_info = cluster.deployment(workload_name(cluster, req.app, live))
    if (live_info is not None and live_info.version == req.version
            and cluster.service(preview_service_name(req.app)) is None):
        url = cluster.service_url(svc)
        return Result(True, {"strategy": STRATEGY, "first_deploy": False, "already_live": True,
                             "live_colour": live, "new_colour": live, "deployment": live_info.name,
                             "revision": live_info.revision, "version": req.version,
                             "previous_version": live_info.version, "previous_revision": live_info.revision,
                             "service_url": url, "verify_url": url, "live_url": url, "preview_url": None,
                             "note": f"{live} already serves {req.version}: nothing to deploy"})
    replicas = req.replicas if req.replicas is not None else (live_info.replicas if live_info else None)
    objects, preview = split_preview(render(req, colour_spec(req, new, existing=existing, replicas=replicas)),
                                     req.app)
    objects = own_objects(objects, req.app, new)
    name = workload(objects, req.app, new)
    _annotate(objects, name, {FIRST_DEPLOY: "false",
                              REPLACES: f"{live}:{live_info.version if live_info else ''}"})
    refs, rollout = apply_and_wait(cluster, [*objects, preview], name, req.timeout)
    info = cluster.deployment(name)
    preview_url = cluster.service_url(preview_service_name(req.app))
    payload = {
        "strategy": STRATEGY, "first_deploy": False, "live_colour": live, "new_colour": new,
        "previous_colour": live, "deployment": name, "live_deployment": workload_name(cluster, req.app, live),
        "revision": info.revision if info else None,
        "previous_revision": live_info.revision if live_info else None,
        "previous_version": live_info.version if live_info else None, "version": req.version,
        "service_url": preview_url, "verify_url": preview_url, "preview_url": preview_url,
        "live_url": cluster.service_url(svc), "objects": refs, "rollout": rollout.as_dict(),
    }
    if not rollout.done:
        return Result.failed(payload, f"the rollout of {name} ({req.version}) did not complete within "
                                      f"{req.timeout:g} s: {rollout.message}; {live} stays live")
    return Result(True, payload)


def _new_colour(cluster: Cluster, req: Request, live: str | None,
                infos: dict[str, DeploymentInfo | None]) -> str | None:
    """The colour carrying the version of this go-live: the preview's colour, else the one running it."""
    preview = live_colour(cluster.service(preview_service_name(req.app)))
    running = [c for c in COLOURS if (info := infos[c]) is not None and req.version is not None
               and info.version == req.version]
    if preview is not None and (not running or preview in running):
        return preview
    if len(running) == 1:
        return running[0]
    if len(running) == 2:
        return live
    if req.version is None and live is not None and infos[other(live)] is not None:
        return live
    return None


def promote(cluster: Cluster, req: Request) -> Result:
    """Switch the live Service to the new colour (after checking its rollout), drop the preview."""
    svc = service_name(req.app)
    service = cluster.service(svc)
    live = live_colour(service)
    infos = _infos(cluster, req.app)
    payload: dict[str, Any] = {"strategy": STRATEGY, "promoted": False, "previous_colour": live}
    if service is None or live is None:
        return Result.failed(payload, f"Service {svc} does not select a colour in {req.namespace}; deploy first")
    new = _new_colour(cluster, req, live, infos)
    if new is None:
        return Result.failed(payload, f"no colour runs {req.version or 'a new version'} and there is no preview "
                                      "Service: nothing to promote")
    info = infos[new]
    if info is None:
        return Result.failed(payload, f"the {new} Deployment does not exist; deploy first")
    if req.version is not None and info.version != req.version:
        return Result.failed(payload, f"{info.name} runs {info.version}, not {req.version}")
    name = workload_name(cluster, req.app, new)
    switched = False
    if new != live:
        rollout = cluster.rollout(name, req.timeout)
        payload["rollout"] = rollout.as_dict()
        if not rollout.done:
            return Result.failed(payload, f"{name} is not ready ({rollout.message}); the Service stays on {live}")
        cluster.set_selector(svc, app_selector(req.app, colour=new))
        switched = True
    cluster.delete("Service", preview_service_name(req.app))
    old = other(new)
    deleted = delete_release(cluster, req.app, old) if req.cleanup else []
    url = cluster.service_url(svc)
    verified, checks = verify_live(cluster, None, url, info.version, timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
    payload.update({
        "promoted": True, "switched": switched, "live_colour": new, "previous_colour": live if live != new else old,
        "deployment": name, "revision": info.revision, "version": info.version,
        "old_deployment": workload_name(cluster, req.app, old),
        "old_deployment_kept": infos[old] is not None and not req.cleanup, "deleted": deleted,
        "service_url": url, "live_url": url, "verify_url": url, "verified": verified, "checks": checks,
    })
    if not switched:
        payload["note"] = f"the Service already selected {new}"
    if not verified:
        return Result.failed(payload, f"the Service now selects {new}, but {url} does not serve {info.version}")
    return Result(True, payload)


def rollback(cluster: Cluster, req: Request) -> Result:
    """Point the Service back to the old colour, delete the new colour and the preview; verify."""
    svc = service_name(req.app)
    service = cluster.service(svc)
    live = live_colour(service)
    infos = _infos(cluster, req.app)
    payload: dict[str, Any] = {"strategy": STRATEGY, "reason": req.reason, "rolled_back": False,
                               "from_version": req.version, "to_version": None,
                               "from_revision": None, "to_revision": None}
    new = _new_colour(cluster, req, live, infos)
    if new is None:
        cluster.delete("Service", preview_service_name(req.app))
        if live is None or infos[live] is None:
            payload.update(rolled_back=True, verified=True, note="no colour is deployed: nothing to roll back",
                           checks=[])
            return Result(True, payload)
        current = infos[live]
        assert current is not None
        verified, checks = verify_live(cluster, current.name, cluster.service_url(svc), current.version,
                                       timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
        payload.update(rolled_back=True, live_colour=live, to_version=current.version, to_revision=current.revision,
                       verified=verified, checks=checks,
                       note=f"no colour runs {req.version}: already rolled back; {live} is live")
        return Result(True, payload) if verified else Result.failed(payload, _why(checks))
    new_info = infos[new]
    old = other(new)
    old_info = infos[old]
    payload.update(from_version=new_info.version if new_info else req.version,
                   from_revision=new_info.revision if new_info else None, removed_colour=new)
    if old_info is None:
        first = new_info is not None and new_info.annotations.get(FIRST_DEPLOY) == "true"
        if not first:
            return Result.failed(payload, f"the old colour {old} no longer exists (deleted by promote --cleanup?): "
                                          f"nothing to switch back to; deploy the previous version again")
        deleted = delete_release(cluster, req.app, new)
        for name in (svc, preview_service_name(req.app)):
            if cluster.delete("Service", name):
                deleted.append(f"Service/{name}")
        gone = cluster.deployment(workload_name(cluster, req.app, new)) is None
        payload.update(rolled_back=True, deleted=deleted, verified=gone, live_colour=None,
                       note="first deploy: no previous colour, the release was removed",
                       checks=[{"name": "release removed", "ok": gone, "detail": ", ".join(deleted)}])
        return Result(True, payload) if gone else Result.failed(payload, "the new release could not be removed")
    old_name = workload_name(cluster, req.app, old)
    switched = False
    if live == new:
        if old_info.replicas == 0:
            cluster.scale(old_name, new_info.replicas if new_info and new_info.replicas else 1)
        rollout = cluster.rollout(old_name, req.timeout)
        if not rollout.done:
            payload["rollout"] = rollout.as_dict()
            return Result.failed(payload, f"{old_name} is not ready ({rollout.message}); the Service stays on {new}")
        cluster.set_selector(svc, app_selector(req.app, colour=old))
        switched = True
    deleted = delete_release(cluster, req.app, new)
    if cluster.delete("Service", preview_service_name(req.app)):
        deleted.append(f"Service/{preview_service_name(req.app)}")
    verified, checks = verify_live(cluster, old_name, cluster.service_url(svc), old_info.version,
                                   timeout=req.timeout, settle=req.settle,
                                       paths=(req.health_path, req.version_path))
    payload.update(rolled_back=True, switched_back=switched, live_colour=old, deployment=old_name,
                   to_version=old_info.version, to_revision=old_info.revision, deleted=deleted,
                   verified=verified, checks=checks)
    return Result(True, payload) if verified else Result.failed(payload, _why(checks))


def _why(checks: list[dict[str, Any]]) -> str:
    failed = "; ".join(f"{c['name']}: {c['detail']}" for c in checks if not c["ok"])
    return f"the rollback could not be verified ({failed})"
