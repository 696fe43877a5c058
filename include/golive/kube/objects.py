"""Objects of any kind: create-or-replace (:func:`apply`), :func:`get` and :func:`delete`.

A replace carries over what the server owns (a Service's ClusterIP and NodePorts, a Job's
generated selector, a PVC's volume, replicas an autoscaler or ``scale`` set, finalizers, the
controller's ``deployment.kubernetes.io/*`` annotations, and generated Secret values): the
``_keep_*`` helpers below.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from golive.kube.client import KubeError, Obj, call, resolve_client, resource_for

__all__ = ["GENERATED_KEYS_ANNOTATION", "apply", "delete", "get"]

#: A Secret annotated ``"true"`` keeps its current values on replace (what Helm's ``lookup`` does).
GENERATED_KEYS_ANNOTATION = "golive.io/generated-keys"


def _keep_server_metadata(meta: Obj, old_meta: Obj) -> None:
    if old_meta.get("finalizers") and "finalizers" not in meta:
        meta["finalizers"] = old_meta["finalizers"]
    for key, value in (old_meta.get("annotations") or {}).items():  # controller bookkeeping (revision…)
        if key.startswith("deployment.kubernetes.io/"):
            meta.setdefault("annotations", {}).setdefault(key, value)


def _keep_service_spec(spec: Obj, old_spec: Obj) -> None:
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "healthCheckNodePort"):
        if key in old_spec and not spec.get(key):
            spec[key] = old_spec[key]
    old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort") for p in old_spec.get("ports") or []}
    for port in spec.get("ports") or []:
        node_port = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
        if node_port and not port.get("nodePort") and spec.get("type") in ("NodePort", "LoadBalancer"):
            port["nodePort"] = node_port


def _keep_job_spec(spec: Obj, old_spec: Obj) -> None:
    if "selector" in old_spec and "selector" not in spec:
        spec["selector"] = old_spec["selector"]
    old_labels = ((old_spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
    for key, value in old_labels.items():
        if "controller-uid" in key or key.endswith("job-name"):
            labels.setdefault(key, value)


def _keep_claim_spec(spec: Obj, old_spec: Obj) -> None:
    for key in ("volumeName", "storageClassName", "volumeMode"):
        if key in old_spec and key not in spec:
            spec[key] = old_spec[key]


def _keep_replicas(spec: Obj, old_spec: Obj) -> None:
    if "replicas" not in spec and "replicas" in old_spec:  # an autoscaler or `scale` owns it
        spec["replicas"] = old_spec["replicas"]


#: Kind → what of the current spec a replace must carry over.
_SPEC_KEEPERS: dict[str, Callable[[Obj, Obj], None]] = {
    "Service": _keep_service_spec,
    "Job": _keep_job_spec,
    "PersistentVolumeClaim": _keep_claim_spec,
    "Deployment": _keep_replicas,
    "StatefulSet": _keep_replicas,
    "ReplicaSet": _keep_replicas,
}


def _keep_server_fields(kind: str, body: Obj, current: Obj) -> Obj:
    """Carry over what the server owns, so that a replace is accepted (immutable or allocated fields)."""
    spec, old_spec = body.get("spec"), current.get("spec") or {}
    meta = body.setdefault("metadata", {})
    _keep_server_metadata(meta, current.get("metadata") or {})
    if kind in _SPEC_KEEPERS and isinstance(spec, dict):
        _SPEC_KEEPERS[kind](spec, old_spec)
    elif kind == "Secret" and (meta.get("annotations") or {}).get(GENERATED_KEYS_ANNOTATION) == "true":
        # Helm's `lookup` keeps generated values on upgrade; a client-side render cannot see them.
        old_data = current.get("data") or {}
        for key in body.get("data") or {}:
            if key in old_data:
                body["data"][key] = old_data[key]
    return body


def apply(objs: Iterable[Mapping[str, Any]], namespace: str, client: Any = None) -> list[Obj]:
    """Create each object, or replace it when it exists; returns the objects as the server stored them.

    ``namespace`` is used for namespaced objects that name none. A replace keeps what the server
    owns: a Service's ClusterIP and NodePorts, a Job's generated selector, a PVC's volume, the
    replicas of a workload whose manifest omits them, finalizers, and the values of a Secret marked
    ``golive.io/generated-keys: "true"`` (what Helm's ``lookup`` does on upgrade). A write that
    loses a race (409) is retried on the fresh object.

    :raises KubeError: the server rejected an object (the message says which and why).
    """
    client = resolve_client(client)
    applied: list[Obj] = []
    for obj in objs:
        body = copy.deepcopy(dict(obj))
        kind, api_version = str(body.get("kind") or ""), str(body.get("apiVersion") or "")
        if not kind or not api_version:
            raise KubeError("apply: every object needs apiVersion and kind")
        resource = resource_for(client, kind, api_version)
        meta = body.setdefault("metadata", {})
        name = meta.get("name")
        if not name:
            raise KubeError(f"apply: a {kind} without metadata.name")
        ns = (meta.get("namespace") or namespace) if resource.namespaced else None
        if ns:
            meta["namespace"] = ns
        what = f"apply {kind} {ns + '/' if ns else ''}{name}"
        for _attempt in range(5):
            try:
                current = call(what, partial(resource.get, name=name, namespace=ns)).to_dict()
            except KubeError as exc:
                if exc.status != 404:
                    raise
                current = None
            try:
                if current is None:
                    result = call(what, partial(resource.create, body=body, namespace=ns))
                else:
                    replacement = _keep_server_fields(kind, copy.deepcopy(body), current)
                    replacement["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                    result = call(what, partial(resource.replace, body=replacement, namespace=ns))
            except KubeError as exc:
                if exc.status == 409:  # a stale resourceVersion, or created meanwhile: look again
                    continue
                raise
            applied.append(result.to_dict())
            break
        else:
            raise KubeError(f"{what}: the object kept changing under us (5 conflicts); try again", status=409)
    return applied


def get(kind: str, name: str, namespace: str | None, client: Any = None, *, api_version: str | None = None
        ) -> Obj | None:
    """One object as a dict, or None when it does not exist."""
    client = resolve_client(client)
    resource = resource_for(client, kind, api_version)
    try:
        found = call(f"get {kind} {name}", lambda: resource.get(name=name,
                                                                 namespace=namespace if resource.namespaced else None))
    except KubeError as exc:
        if exc.status == 404:
            return None
        raise
    return dict(found.to_dict())


def delete(kind: str, name: str, namespace: str | None, client: Any = None, *, api_version: str | None = None,
           propagation: str = "Background", wait: bool = False, timeout: float = 60.0) -> bool:
    """Delete an object (``propagationPolicy`` Background by default: owned objects follow).

    Returns False when it did not exist. With ``wait`` returns once it is gone.

    :raises KubeError: the delete failed, or ``wait`` ran out of ``timeout``.
    """
    client = resolve_client(client)
    resource = resource_for(client, kind, api_version)
    ns = namespace if resource.namespaced else None
    try:
        call(f"delete {kind} {name}", lambda: resource.delete(name=name, namespace=ns,
                                                                body={"propagationPolicy": propagation}))
    except KubeError as exc:
        if exc.status == 404:
            return False
        raise
    deadline = time.monotonic() + timeout
    while wait:
        if get(kind, name, namespace, client, api_version=api_version) is None:
            break
        if time.monotonic() > deadline:
            raise KubeError(f"{kind} {name} was still there {timeout:g}s after its deletion")
        time.sleep(0.2)
    return True
