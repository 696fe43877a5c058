"""Deployments and their rollouts: ``kubectl rollout status`` / ``history`` / ``undo`` and ``scale``.

:func:`status_of` judges a Deployment object the way ``kubectl rollout status`` does and
:func:`rollout_status` waits for it; :func:`revisions` lists its ReplicaSets as :class:`Revision`
entries (the one ``Revision`` of golive: the deployment strategies use it too), :func:`undo` puts
an earlier pod template back, :func:`scale` sets replicas. :func:`read_deployment`,
:func:`owned_replicasets` and :func:`selector_string` are the reads the pod helpers share.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.kube.client import KubeError, Obj, call, call_json, resolve_client, resource_for

__all__ = [
    "HASH_LABEL",
    "REVISION_ANNOTATION",
    "Revision",
    "RolloutStatus",
    "owned_replicasets",
    "read_deployment",
    "revision_of",
    "revisions",
    "rollout_status",
    "scale",
    "selector_string",
    "status_of",
    "undo",
]

#: The revision number the Deployment controller writes on a Deployment and its ReplicaSets.
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
#: The label that tells a Deployment's ReplicaSets (and their pods) apart.
HASH_LABEL = "pod-template-hash"


@dataclass(frozen=True)
class RolloutStatus:
    """What ``kubectl rollout status deployment/<name>`` answers, with the counts behind it.

    ``done``: the rollout finished; ``failed``: it exceeded its progress deadline; ``timed_out``:
    :func:`rollout_status` stopped waiting before either. ``message`` is kubectl's sentence.
    """

    name: str
    namespace: str
    done: bool
    failed: bool
    message: str
    reason: str = ""
    timed_out: bool = False
    revision: int = 0
    generation: int = 0
    observed_generation: int = 0
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    desired_replicas: int = 0
    conditions: list[Obj] = field(default_factory=list)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def status_of(deployment: Mapping[str, Any]) -> RolloutStatus:
    """Evaluate a Deployment object the way ``kubectl rollout status`` does (one look, no waiting)."""
    meta, spec, status = deployment.get("metadata") or {}, deployment.get("spec") or {}, deployment.get("status") or {}
    name, namespace = str(meta.get("name")), str(meta.get("namespace") or "")
    conditions = list(status.get("conditions") or [])
    counts = {
        "revision": _int((meta.get("annotations") or {}).get(REVISION_ANNOTATION)),
        "generation": _int(meta.get("generation")), "observed_generation": _int(status.get("observedGeneration")),
        "replicas": _int(status.get("replicas")), "updated_replicas": _int(status.get("updatedReplicas")),
        "ready_replicas": _int(status.get("readyReplicas")),
        "available_replicas": _int(status.get("availableReplicas")),
        "unavailable_replicas": _int(status.get("unavailableReplicas")),
        "desired_replicas": _int(spec.get("replicas", 1)),
    }
    common: dict[str, Any] = {"name": name, "namespace": namespace, "conditions": conditions, **counts}
    if counts["observed_generation"] < counts["generation"]:
        return RolloutStatus(done=False, failed=False, reason="SpecNotObserved",
                             message="Waiting for deployment spec update to be observed...", **common)
    progressing = next((c for c in conditions if c.get("type") == "Progressing"), None)
    if progressing is not None and progressing.get("reason") == "ProgressDeadlineExceeded":
        return RolloutStatus(done=False, failed=True, reason="ProgressDeadlineExceeded",
                             message=f'deployment "{name}" exceeded its progress deadline', **common)
    desired, updated = counts["desired_replicas"], counts["updated_replicas"]
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if spec.get("replicas") is not None and updated < desired:
        return RolloutStatus(done=False, failed=False, reason="UpdatingReplicas",
                             message=f"{prefix}{updated} out of {desired} new replicas have been updated...", **common)
    if counts["replicas"] > updated:
        return RolloutStatus(done=False, failed=False, reason="TerminatingOldReplicas",
                             message=f"{prefix}{counts['replicas'] - updated} old replicas are pending termination...",
                             **common)
    if counts["available_replicas"] < updated:
        return RolloutStatus(done=False, failed=False, reason="WaitingForAvailability",
                             message=f"{prefix}{counts['available_replicas']} of {updated} updated replicas are "
                                     "available...", **common)
    return RolloutStatus(done=True, failed=False, reason="Complete",
                         message=f'deployment "{name}" successfully rolled out', **common)


def revision_of(obj: Mapping[str, Any]) -> int:
    """The ``deployment.kubernetes.io/revision`` of a Deployment or ReplicaSet (0 without one)."""
    return _int(((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION))


def read_deployment(name: str, namespace: str, client: Any) -> Obj:
    """The Deployment ``namespace/name`` as JSON.

    :raises KubeError: it cannot be read (404 when it does not exist).
    """
    from kubernetes import client as k8s

    deployment: Obj = call_json(f"read deployment {namespace}/{name}",
                                k8s.AppsV1Api(client).read_namespaced_deployment, name, namespace)
    return deployment


def rollout_status(name: str, namespace: str, client: Any = None, timeout: float = 300.0,
                   poll_interval: float = 0.5) -> RolloutStatus:
    """Wait until the Deployment's rollout is done or failed (ProgressDeadlineExceeded), at most ``timeout``.

    Returns the last status; ``timed_out`` is True when neither happened in time (``timeout=0``
    looks once).

    :raises KubeError: the Deployment cannot be read.
    """
    client = resolve_client(client)
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(read_deployment(name, namespace, client))
        if status.done or status.failed:
            return status
        if time.monotonic() >= deadline:
            return RolloutStatus(**{**status.__dict__, "timed_out": True})
        time.sleep(min(poll_interval, max(deadline - time.monotonic(), 0.01)))


@dataclass(frozen=True)
class Revision:
    """One entry of a Deployment's rollout history (one ReplicaSet).

    :func:`revisions` fills every field; the deployment strategies need only ``revision``,
    ``version``, ``image``, ``replicaset`` and ``replicas`` (:meth:`as_dict`), and their tests build
    one from ``revision`` and ``version`` alone.
    """

    revision: int
    version: str | None = None
    replicaset: str = ""
    images: list[str] = field(default_factory=list)
    replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    created: str = ""
    change_cause: str | None = None
    template: Obj = field(default_factory=dict)

    @property
    def image(self) -> str | None:
        """The first container's image (None without containers)."""
        return self.images[0] if self.images else None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (what the deployment agent reports)."""
        return {"revision": self.revision, "version": self.version, "image": self.image,
                "replicaset": self.replicaset, "replicas": self.replicas}


def owned_replicasets(deployment: Obj, client: Any) -> list[Obj]:
    """The ReplicaSets ``deployment`` (a Deployment object) controls."""
    from kubernetes import client as k8s

    meta = deployment["metadata"]
    selector = selector_string((deployment.get("spec") or {}).get("selector") or {})
    listed = call_json(f"list replicasets of {meta['name']}", k8s.AppsV1Api(client).list_namespaced_replica_set,
                       meta["namespace"], label_selector=selector)
    return [rs for rs in listed.get("items") or []
            if any(ref.get("uid") == meta["uid"] and ref.get("controller")
                   for ref in rs["metadata"].get("ownerReferences") or [])]


def selector_string(selector: Mapping[str, Any]) -> str:
    """A ``LabelSelector`` (``matchLabels`` / ``matchExpressions``) as a ``labelSelector`` query string."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), ",".join(expr.get("values") or [])
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "Exists": f"{key}",
                      "DoesNotExist": f"!{key}"}[op])
    return ",".join(parts)


def _version(template: Obj, images: list[str]) -> str | None:
    labels = (template.get("metadata") or {}).get("labels") or {}
    if labels.get("app.kubernetes.io/version"):
        return str(labels["app.kubernetes.io/version"])
    if images:
        name = images[0].split("@", 1)[0]
        if name.rfind(":") > name.rfind("/"):
            return name.rsplit(":", 1)[1]
    return None


def revisions(name: str, namespace: str, client: Any = None) -> list[Revision]:
    """The Deployment's ReplicaSets, oldest revision first (``kubectl rollout history``)."""
    client = resolve_client(client)
    history = []
    for rs in owned_replicasets(read_deployment(name, namespace, client), client):
        meta, spec, status = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
        template = spec.get("template") or {}
        images = [str(c.get("image")) for c in (template.get("spec") or {}).get("containers") or []]
        annotations = meta.get("annotations") or {}
        history.append(Revision(
            revision=_int(annotations.get(REVISION_ANNOTATION)), replicaset=meta["name"], images=images,
            version=_version(template, images), replicas=_int(spec.get("replicas")),
            ready_replicas=_int(status.get("readyReplicas")), available_replicas=_int(status.get("availableReplicas")),
            created=str(meta.get("creationTimestamp") or ""),
            change_cause=annotations.get("kubernetes.io/change-cause"),
            template=template))
    return sorted(history, key=lambda r: r.revision)


def undo(name: str, namespace: str, to_revision: int | None = None, client: Any = None) -> Obj:
    """``kubectl rollout undo``: put an earlier ReplicaSet's pod template back (default: the previous one).

    The controller then reuses that ReplicaSet under a new revision number. Returns the Deployment.

    :raises KubeError: the Deployment is paused, or there is no such revision / no history.
    """
    client = resolve_client(client)
    deployment = read_deployment(name, namespace, client)
    if (deployment.get("spec") or {}).get("paused"):
        raise KubeError(f'you cannot rollback a paused deployment; resume it first with "kubectl rollout resume '
                        f'deployment/{name}" and try again')
    current = _int((deployment["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION))
    history = revisions(name, namespace, client)
    if to_revision:
        target = next((r for r in history if r.revision == to_revision), None)
        if target is None:
            raise KubeError(f"unable to find specified revision {to_revision} in history of deployment {name}")
    else:
        earlier = [r for r in history if r.revision != current]
        if not earlier:
            raise KubeError(f"no rollout history found for deployment {name}: nothing to undo")
        target = max(earlier, key=lambda r: r.revision)
    template = copy.deepcopy(target.template)
    (template.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    resource = resource_for(client, "Deployment", "apps/v1")
    result = call(f"roll back deployment {namespace}/{name}", lambda: resource.patch(
        body=patch, name=name, namespace=namespace, content_type="application/json-patch+json"))
    return dict(result.to_dict())


def scale(name: str, namespace: str, replicas: int, client: Any = None, *, kind: str = "Deployment") -> Obj:
    """Set ``spec.replicas`` through the ``scale`` subresource; returns the Scale object."""
    from kubernetes import client as k8s

    client = resolve_client(client)
    apps = k8s.AppsV1Api(client)
    patcher = {"Deployment": apps.patch_namespaced_deployment_scale,
               "StatefulSet": apps.patch_namespaced_stateful_set_scale,
               "ReplicaSet": apps.patch_namespaced_replica_set_scale}.get(kind)
    if patcher is None:
        raise KubeError(f"scale: kind {kind} has no scale subresource here (Deployment, StatefulSet, ReplicaSet)")
    scaled: Obj = call_json(f"scale {kind} {namespace}/{name} to {replicas}", patcher, name, namespace,
                            {"spec": {"replicas": int(replicas)}})
    return scaled

