"""golive's small Kubernetes layer, over the official ``kubernetes`` client (no Airflow import).

The deployment, verification and testing agents use it inside their pods and in tests; it talks to
a real cluster and to localkube the same way. Objects go in and come out as plain JSON dicts
(camelCase, as ``kubectl get -o json`` prints them). Every API or connection failure raises
:class:`KubeError` with the API server's own message.

Public API::

    client = load_client()                                   # $KUBECONFIG / ~/.kube/config, else in-cluster
    applied = apply(objs, "apps", client)                    # create or replace each object
    status = rollout_status("web-api", "apps", client, timeout=120)   # kubectl rollout status
    history = revisions("web-api", "apps", client)           # ReplicaSets by revision
    undo("web-api", "apps", client=client)                   # kubectl rollout undo [--to-revision]
    scale("web-api", "apps", 3, client=client)
    pods = pods_for("web-api", "apps", client)
    text = pod_logs(pods[0]["metadata"]["name"], "apps", client, since_seconds=60)
    url = service_url("web", "apps", client)                 # localkube.io/url, else cluster DNS
    patch_service_selector("web", "apps", {"app": "web", "colour": "green"}, client)
    delete("Deployment", "web-api", "apps", client)
"""

from __future__ import annotations

import atexit
import copy
import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from golive.errors import GoliveError

__all__ = [
    "URL_ANNOTATION",
    "KubeError",
    "Revision",
    "RolloutStatus",
    "apply",
    "delete",
    "ensure_namespace",
    "get",
    "load_client",
    "patch_service_selector",
    "pod_logs",
    "pods_for",
    "revisions",
    "rollout_status",
    "scale",
    "service_url",
    "status_of",
    "undo",
]

URL_ANNOTATION = "localkube.io/url"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
HASH_LABEL = "pod-template-hash"
GENERATED_KEYS_ANNOTATION = "golive.io/generated-keys"
Obj = dict[str, Any]


class KubeError(GoliveError):
    """A Kubernetes call failed; ``status``/``reason`` are the API's (0/"" for connection errors)."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


# --------------------------------------------------------------------------------- client
def load_client(kubeconfig: str | os.PathLike[str] | None = None, context: str | None = None) -> Any:
    """A ``kubernetes.client.ApiClient``, with ``kubernetes.config.load_config()`` semantics.

    ``kubeconfig`` (else ``$KUBECONFIG``, else ``~/.kube/config``) when such a file exists, else the
    in-cluster service account. On localkube every pod gets ``$KUBECONFIG``.

    :raises KubeError: neither is usable.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    raw = os.fspath(kubeconfig) if kubeconfig is not None else os.environ.get("KUBECONFIG") or "~/.kube/config"
    paths = [os.path.expanduser(p) for p in raw.split(os.pathsep) if p]
    if any(os.path.exists(p) for p in paths):
        try:
            return config.new_client_from_config(config_file=os.pathsep.join(paths), context=context,
                                                 persist_config=False)
        except (ConfigException, OSError, ValueError) as exc:
            raise KubeError(f"the kubeconfig {raw} is not usable: {exc}") from exc
    try:
        configuration = client.Configuration()
        config.load_incluster_config(client_configuration=configuration)
    except ConfigException as exc:
        raise KubeError(f"no Kubernetes configuration: no kubeconfig at {raw} (set $KUBECONFIG) and not running "
                        f"in a pod with a service account ({exc})") from exc
    return client.ApiClient(configuration)


def _client(client: Any) -> Any:
    return client if client is not None else load_client()


_DYNAMIC: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_DYNAMIC_LOCK = threading.Lock()
_CACHE_DIR: str | None = None


def _discovery_cache(host: str) -> str:
    """A per-process discovery cache file (the client's default is shared by every process)."""
    global _CACHE_DIR
    if _CACHE_DIR is None:
        _CACHE_DIR = tempfile.mkdtemp(prefix="golive-kube-")
        atexit.register(shutil.rmtree, _CACHE_DIR, True)
    safe = "".join(ch if ch.isalnum() else "_" for ch in host)[-120:]
    return os.path.join(_CACHE_DIR, f"discovery-{safe}.json")


def _dynamic(client: Any) -> Any:
    from kubernetes.dynamic import DynamicClient

    with _DYNAMIC_LOCK:
        found = _DYNAMIC.get(client)
        if found is None:
            found = _call("discover the API", lambda: DynamicClient(
                client, cache_file=_discovery_cache(client.configuration.host)))
            _DYNAMIC[client] = found
        return found


def _message(exc: Any) -> tuple[int, str, str]:
    status = int(getattr(exc, "status", 0) or 0)
    reason = str(getattr(exc, "reason", "") or "")
    body = getattr(exc, "body", None)
    message = ""
    if body:
        try:
            doc = json.loads(body)
            message = str(doc.get("message") or "")
            reason = str(doc.get("reason") or reason)
        except (ValueError, AttributeError):
            message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return status, reason, message or str(exc)


def _call(what: str, fn: Callable[[], Any]) -> Any:
    """Run one client call; API and connection errors become :class:`KubeError`."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as exc:
        status, reason, message = _message(exc)
        raise KubeError(f"Kubernetes API: {what}: {status} {reason}: {message}", status=status, reason=reason) from exc
    except HTTPError as exc:
        raise KubeError(f"Kubernetes API unreachable while trying to {what}: {exc}") from exc


def _raw(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A typed-API call returning the JSON document (not the client's models)."""
    response = _call(what, lambda: fn(*args, _preload_content=False, **kwargs))
    data = response.data
    return json.loads(data) if data else None


def _resource(client: Any, kind: str, api_version: str | None = None) -> Any:
    from kubernetes.dynamic.exceptions import ResourceNotFoundError, ResourceNotUniqueError

    dyn = _dynamic(client)
    query: dict[str, str] = {"kind": kind}
    if api_version:
        query["api_version"] = api_version
    try:
        return dyn.resources.get(**query)
    except ResourceNotUniqueError:
        preferred = {"Event": "v1"}.get(kind)
        if preferred and not api_version:
            return dyn.resources.get(kind=kind, api_version=preferred)
        raise KubeError(f"kind {kind} exists in several API groups: pass api_version") from None
    except ResourceNotFoundError:
        try:  # accept a plural or lower-case name ("deployments", "deployment")
            return dyn.resources.get(name=kind.lower() if kind.endswith("s") else f"{kind.lower()}s",
                                     **({"api_version": api_version} if api_version else {}))
        except (ResourceNotFoundError, ResourceNotUniqueError):
            raise KubeError(f"the API server does not serve kind {kind}"
                            + (f" in {api_version}" if api_version else "")) from None


# --------------------------------------------------------------------------------- apply
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
    client = _client(client)
    applied: list[Obj] = []
    for obj in objs:
        body = copy.deepcopy(dict(obj))
        kind, api_version = str(body.get("kind") or ""), str(body.get("apiVersion") or "")
        if not kind or not api_version:
            raise KubeError("apply: every object needs apiVersion and kind")
        resource = _resource(client, kind, api_version)
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
                current = _call(what, partial(resource.get, name=name, namespace=ns)).to_dict()
            except KubeError as exc:
                if exc.status != 404:
                    raise
                current = None
            try:
                if current is None:
                    result = _call(what, partial(resource.create, body=body, namespace=ns))
                else:
                    replacement = _keep_server_fields(kind, copy.deepcopy(body), current)
                    replacement["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                    result = _call(what, partial(resource.replace, body=replacement, namespace=ns))
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
    client = _client(client)
    resource = _resource(client, kind, api_version)
    try:
        found = _call(f"get {kind} {name}", lambda: resource.get(name=name,
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
    client = _client(client)
    resource = _resource(client, kind, api_version)
    ns = namespace if resource.namespaced else None
    try:
        _call(f"delete {kind} {name}", lambda: resource.delete(name=name, namespace=ns,
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


# --------------------------------------------------------------------------------- deployments
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


def _deployment(name: str, namespace: str, client: Any) -> Obj:
    from kubernetes import client as k8s

    return _raw(f"read deployment {namespace}/{name}", k8s.AppsV1Api(client).read_namespaced_deployment, name,
                namespace)


def rollout_status(name: str, namespace: str, client: Any = None, timeout: float = 300.0,
                   poll_interval: float = 0.5) -> RolloutStatus:
    """Wait until the Deployment's rollout is done or failed (ProgressDeadlineExceeded), at most ``timeout``.

    Returns the last status; ``timed_out`` is True when neither happened in time (``timeout=0``
    looks once).

    :raises KubeError: the Deployment cannot be read.
    """
    client = _client(client)
    deadline = time.monotonic() + timeout
    while True:
        status = status_of(_deployment(name, namespace, client))
        if status.done or status.failed:
            return status
        if time.monotonic() >= deadline:
            return RolloutStatus(**{**status.__dict__, "timed_out": True})
        time.sleep(min(poll_interval, max(deadline - time.monotonic(), 0.01)))


@dataclass(frozen=True)
class Revision:
    """One entry of a Deployment's rollout history (one ReplicaSet)."""

    revision: int
    replicaset: str
    images: list[str]
    version: str | None
    replicas: int
    ready_replicas: int
    available_replicas: int
    created: str
    change_cause: str | None
    template: Obj


def _replicasets(deployment: Obj, client: Any) -> list[Obj]:
    from kubernetes import client as k8s

    meta = deployment["metadata"]
    selector = _selector_string((deployment.get("spec") or {}).get("selector") or {})
    listed = _raw(f"list replicasets of {meta['name']}", k8s.AppsV1Api(client).list_namespaced_replica_set,
                  meta["namespace"], label_selector=selector)
    return [rs for rs in listed.get("items") or []
            if any(ref.get("uid") == meta["uid"] and ref.get("controller")
                   for ref in rs["metadata"].get("ownerReferences") or [])]


def _selector_string(selector: Mapping[str, Any]) -> str:
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
    client = _client(client)
    history = []
    for rs in _replicasets(_deployment(name, namespace, client), client):
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
    client = _client(client)
    deployment = _deployment(name, namespace, client)
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
    resource = _resource(client, "Deployment", "apps/v1")
    result = _call(f"roll back deployment {namespace}/{name}", lambda: resource.patch(
        body=patch, name=name, namespace=namespace, content_type="application/json-patch+json"))
    return dict(result.to_dict())


def scale(name: str, namespace: str, replicas: int, client: Any = None, *, kind: str = "Deployment") -> Obj:
    """Set ``spec.replicas`` through the ``scale`` subresource; returns the Scale object."""
    from kubernetes import client as k8s

    client = _client(client)
    apps = k8s.AppsV1Api(client)
    patcher = {"Deployment": apps.patch_namespaced_deployment_scale,
               "StatefulSet": apps.patch_namespaced_stateful_set_scale,
               "ReplicaSet": apps.patch_namespaced_replica_set_scale}.get(kind)
    if patcher is None:
        raise KubeError(f"scale: kind {kind} has no scale subresource here (Deployment, StatefulSet, ReplicaSet)")
    return _raw(f"scale {kind} {namespace}/{name} to {replicas}", patcher, name, namespace,
                {"spec": {"replicas": int(replicas)}})


def pods_for(name: str, namespace: str, client: Any = None, *, revision: int | None = None) -> list[Obj]:
    """The pods a Deployment selects (only those of one revision when ``revision`` is given)."""
    from kubernetes import client as k8s

    client = _client(client)
    deployment = _deployment(name, namespace, client)
    selector = _selector_string((deployment.get("spec") or {}).get("selector") or {})
    if revision is not None:
        rs = next((r for r in _replicasets(deployment, client)
                   if _int((r["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION)) == revision), None)
        if rs is None:
            return []
        selector = _selector_string((rs.get("spec") or {}).get("selector") or {})
    listed = _raw(f"list pods of deployment {namespace}/{name}", k8s.CoreV1Api(client).list_namespaced_pod,
                  namespace, label_selector=selector)
    return sorted(listed.get("items") or [], key=lambda p: p["metadata"]["name"])


def pod_logs(pod: str, namespace: str, client: Any = None, container: str | None = None, *,
             since_seconds: int | None = None, tail_lines: int | None = None) -> str:
    """A container's log as text (``kubectl logs``)."""
    from kubernetes import client as k8s

    client = _client(client)
    kwargs: dict[str, Any] = {}
    if container:
        kwargs["container"] = container
    if since_seconds is not None:
        kwargs["since_seconds"] = int(since_seconds)
    if tail_lines is not None:
        kwargs["tail_lines"] = int(tail_lines)
    api = k8s.CoreV1Api(client)
    response = _call(f"read the log of pod {namespace}/{pod}",
                     lambda: api.read_namespaced_pod_log(pod, namespace, _preload_content=False, **kwargs))
    data = response.data
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


# --------------------------------------------------------------------------------- services
def service_url(name: str, namespace: str, client: Any = None, port: int | str | None = None) -> str:
    """Where a Service answers: its ``localkube.io/url`` annotation (localkube, reachable from this
    machine) when present, else the in-cluster DNS name ``http://<name>.<namespace>.svc.cluster.local:<port>``.

    ``port`` picks a Service port by number or name (default: the first).
    """
    from kubernetes import client as k8s

    client = _client(client)
    service = _raw(f"read service {namespace}/{name}", k8s.CoreV1Api(client).read_namespaced_service, name, namespace)
    ports = (service.get("spec") or {}).get("ports") or []
    if not ports:
        raise KubeError(f"Service {namespace}/{name} has no ports")
    chosen = ports[0] if port is None else next((p for p in ports if port in (p.get("port"), p.get("name"))), None)
    if chosen is None:
        raise KubeError(f"Service {namespace}/{name} has no port {port!r}")
    annotation = ((service.get("metadata") or {}).get("annotations") or {}).get(URL_ANNOTATION)
    if annotation:
        if chosen is ports[0]:
            return str(annotation)
        return f"http://{service['spec']['clusterIP']}:{chosen['port']}"
    return f"http://{name}.{namespace}.svc.cluster.local:{chosen['port']}"


def patch_service_selector(name: str, namespace: str, selector: Mapping[str, str], client: Any = None) -> Obj:
    """Replace a Service's ``spec.selector`` (a blue/green or canary switch); returns the Service."""
    client = _client(client)
    resource = _resource(client, "Service", "v1")
    patch = [{"op": "replace", "path": "/spec/selector", "value": dict(selector)}]
    result = _call(f"patch the selector of service {namespace}/{name}", lambda: resource.patch(
        body=patch, name=name, namespace=namespace, content_type="application/json-patch+json"))
    return dict(result.to_dict())


def ensure_namespace(core: Any, name: str, labels: Mapping[str, str] | None = None) -> bool:
    """Create namespace ``name`` through ``core`` (a ``CoreV1Api``) when it is missing; True if created.

    A client whose RBAC may not read namespaces goes on (the namespace may well exist: the pod or
    object created next says so if not); one that may not create a missing namespace gets a
    :class:`KubeError` naming the namespace and the permission it lacks.
    """
    from kubernetes.client import V1Namespace, V1ObjectMeta
    from kubernetes.client.exceptions import ApiException

    try:
        core.read_namespace(name)
        return False
    except ApiException as exc:
        if exc.status == 403:
            return False
        if exc.status != 404:
            raise KubeError(f"cannot read namespace {name!r}: HTTP {exc.status} {exc.reason}") from exc
    try:
        core.create_namespace(V1Namespace(metadata=V1ObjectMeta(
            name=name, labels={"app.kubernetes.io/part-of": "golive", **(labels or {})})))
    except ApiException as exc:
        if exc.status == 409:  # created meanwhile by a concurrent go-live
            return False
        if exc.status == 403:
            raise KubeError(f"namespace {name!r} does not exist and this identity may not create it "
                            f"(RBAC: verb 'create' on resource 'namespaces', cluster scope); create it, or "
                            f"grant that permission: {exc.reason}") from exc
        raise KubeError(f"cannot create namespace {name!r}: HTTP {exc.status} {exc.reason}") from exc
    return True
