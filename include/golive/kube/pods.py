"""Pods: whether one is ready (:func:`pod_ready`), a Deployment's pods, a container's log."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive.kube.client import Obj, call, call_json, resolve_client
from golive.kube.workloads import owned_replicasets, read_deployment, revision_of, selector_string

__all__ = ["pod_logs", "pod_ready", "pods_for"]


def pod_ready(pod: Mapping[str, Any]) -> bool:
    """True when the pod serves: its ``Ready`` condition is True, it is Running and not being deleted.

    The Kubernetes meaning (``podutil.IsPodReady`` on an *active* pod, as the ReplicaSet controller
    counts ``readyReplicas`` and an EndpointSlice marks an endpoint ``ready``): a terminating pod
    (``deletionTimestamp`` set) may still report Ready while it drains, and a pod that is not
    Running (Pending, Succeeded, Failed, Unknown) serves nothing.
    """
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and str(c.get("status")) == "True" for c in status.get("conditions") or [])


def pods_for(name: str, namespace: str, client: Any = None, *, revision: int | None = None) -> list[Obj]:
    """The pods a Deployment selects (only those of one revision when ``revision`` is given)."""
    from kubernetes import client as k8s

    client = resolve_client(client)
    deployment = read_deployment(name, namespace, client)
    selector = selector_string((deployment.get("spec") or {}).get("selector") or {})
    if revision is not None:
        rs = next((r for r in owned_replicasets(deployment, client)
                   if revision_of(r) == revision), None)
        if rs is None:
            return []
        selector = selector_string((rs.get("spec") or {}).get("selector") or {})
    listed = call_json(f"list pods of deployment {namespace}/{name}", k8s.CoreV1Api(client).list_namespaced_pod,
                       namespace, label_selector=selector)
    return sorted(listed.get("items") or [], key=lambda p: p["metadata"]["name"])


def pod_logs(pod: str, namespace: str, client: Any = None, container: str | None = None, *,
             since_seconds: int | None = None, tail_lines: int | None = None) -> str:
    """A container's log as text (``kubectl logs``)."""
    from kubernetes import client as k8s

    client = resolve_client(client)
    kwargs: dict[str, Any] = {}
    if container:
        kwargs["container"] = container
    if since_seconds is not None:
        kwargs["since_seconds"] = int(since_seconds)
    if tail_lines is not None:
        kwargs["tail_lines"] = int(tail_lines)
    api = k8s.CoreV1Api(client)
    response = call(f"read the log of pod {namespace}/{pod}",
                    lambda: api.read_namespaced_pod_log(pod, namespace, _preload_content=False, **kwargs))
    data = response.data
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)

