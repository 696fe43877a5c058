"""The deployment strategies' view of a Kubernetes namespace, on top of :mod:`golive.kube`.

The strategies (``rolling``, ``bluegreen``, ``canary``) only speak to a :class:`Cluster`: a handful
of operations on one namespace with plain-data answers (:class:`DeploymentInfo`, :class:`Revision`,
:class:`Rollout`). :class:`KubeCluster` implements them with golive's Kubernetes client layer
(``golive.kube``: kubeconfig or in-cluster config, create-or-replace apply, ``kubectl rollout
status`` semantics, revisions, undo), so the same code runs against localkube and a real cluster.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from golive.deploy.errors import DeployError
from golive.deploy.naming import COMPONENT, version_of_image
from golive.kube import objects as kube_objects
from golive.kube import services as kube_services
from golive.kube import workloads as kube_workloads
from golive.kube.client import KubeError, load_client
from golive.kube.workloads import REVISION_ANNOTATION, Revision

__all__ = [
    "Cluster",
    "DeploymentInfo",
    "KubeCluster",
    "Rollout",
    "deployment_info",
    "ensure",
    "wait_pods_gone",
]

@dataclass(frozen=True)
class Rollout:
    """The answer of ``kubectl rollout status``: finished or not, and its message."""

    done: bool
    message: str
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"done": self.done, "message": self.message, "reason": self.reason}


@dataclass(frozen=True)
class DeploymentInfo:
    """What the strategies need to know about one Deployment."""

    name: str
    replicas: int
    ready_replicas: int
    version: str | None
    image: str | None
    revision: int | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"name": self.name, "replicas": self.replicas, "ready_replicas": self.ready_replicas,
                "version": self.version, "image": self.image, "revision": self.revision}


def _container_image(template: Mapping[str, Any]) -> str | None:
    containers = ((template.get("spec") or {}).get("containers") or [])
    chosen = next((c for c in containers if c.get("name") == COMPONENT), containers[0] if containers else None)
    return chosen.get("image") if chosen else None


def deployment_info(obj: Mapping[str, Any]) -> DeploymentInfo:
    """Summarise a Deployment object (as the API returns it) into a :class:`DeploymentInfo`."""
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    image = _container_image(spec.get("template") or {})
    raw_revision = (meta.get("annotations") or {}).get(REVISION_ANNOTATION)
    replicas = spec.get("replicas")
    return DeploymentInfo(
        name=str(meta.get("name", "")),
        replicas=1 if replicas is None else int(replicas),
        ready_replicas=int(status.get("readyReplicas") or 0),
        version=version_of_image(image),
        image=image,
        revision=int(str(raw_revision)) if str(raw_revision or "").isdigit() else None,
        labels=dict(meta.get("labels") or {}),
        annotations=dict(meta.get("annotations") or {}),
    )


class Cluster(Protocol):
    """The namespace-scoped operations a strategy uses."""

    namespace: str

    def deployment(self, name: str) -> DeploymentInfo | None:
        """The Deployment ``name``, or None when it does not exist."""

    def service(self, name: str) -> dict[str, Any] | None:
        """The Service ``name`` as a dict, or None."""

    def deployments(self, selector: Mapping[str, str]) -> list[DeploymentInfo]:
        """The Deployments matching the label ``selector``, sorted by name."""

    def secret_exists(self, name: str) -> bool:
        """Whether the Secret ``name`` exists (its content is never read out)."""

    def apply(self, objects: Sequence[Mapping[str, Any]]) -> list[str]:
        """Create or replace ``objects``; return their ``Kind/name``."""

    def rollout(self, name: str, timeout: float) -> Rollout:
        """Wait up to ``timeout`` s for the Deployment's rollout to finish (``kubectl rollout status``)."""

    def revisions(self, name: str) -> list[Revision]:
        """The Deployment's revisions, oldest first."""

    def undo(self, name: str, to_revision: int | None) -> None:
        """``kubectl rollout undo`` (to ``to_revision``, else the previous one)."""

    def scale(self, name: str, replicas: int) -> None:
        """Set the Deployment's replicas."""

    def set_selector(self, service: str, selector: Mapping[str, str]) -> None:
        """Replace the Service's selector."""

    def delete(self, kind: str, name: str) -> bool:
        """Delete an object; False when it did not exist."""

    def service_url(self, name: str) -> str | None:
        """The URL at which the Service answers from here (None when it has none)."""

    def pods(self, selector: Mapping[str, str]) -> list[dict[str, Any]]:
        """Pods matching the label ``selector``."""


class KubeCluster:
    """:class:`Cluster` on a real API server (or localkube) through :mod:`golive.kube`.

    :param namespace: the application's namespace.
    :param client: a ``kubernetes.client.ApiClient``; ``golive.kube.client.load_client()`` when None.
    :raises golive.kube.client.KubeError: no usable kubeconfig or in-cluster configuration.
    """

    def __init__(self, namespace: str, client: Any = None) -> None:
        self.namespace = namespace
        self.client = client if client is not None else load_client()

    # -- reads --------------------------------------------------------------------------------------
    def deployment(self, name: str) -> DeploymentInfo | None:
        """The Deployment ``name``, or None when it does not exist."""
        obj = kube_objects.get("Deployment", name, self.namespace, self.client)
        return deployment_info(obj) if obj is not None else None

    def service(self, name: str) -> dict[str, Any] | None:
        """The Service ``name`` as a dict, or None."""
        return kube_objects.get("Service", name, self.namespace, self.client)

    def secret_exists(self, name: str) -> bool:
        """Whether the Secret ``name`` exists; the object is dropped at once, never logged or returned."""
        return kube_objects.get("Secret", name, self.namespace, self.client) is not None

    def revisions(self, name: str) -> list[Revision]:
        """The Deployment's revisions, oldest first (empty when it does not exist)."""
        try:
            history = kube_workloads.revisions(name, self.namespace, self.client)
        except KubeError as exc:
            if exc.status == 404:
                return []
            raise
        return [dataclasses.replace(r, version=r.version or version_of_image(r.image)) for r in history]

    def service_url(self, name: str) -> str | None:
        """The URL of the Service from here (localkube: its loopback proxy; a cluster: its DNS name)."""
        try:
            return kube_services.service_url(name, self.namespace, self.client)
        except KubeError as exc:
            if exc.status == 404 or "has no ports" in str(exc):
                return None
            raise

    def pods(self, selector: Mapping[str, str]) -> list[dict[str, Any]]:
        """Pods matching the label ``selector`` (raw JSON, sorted by name)."""
        return self._list("pods", selector)

    def deployments(self, selector: Mapping[str, str]) -> list[DeploymentInfo]:
        """The Deployments matching the label ``selector``, sorted by name."""
        return [deployment_info(o) for o in self._list("deployments", selector)]

    def _list(self, what: str, selector: Mapping[str, str]) -> list[dict[str, Any]]:
        import json

        from kubernetes import client as k8s
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        text = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
        try:
            if what == "pods":
                response = k8s.CoreV1Api(self.client).list_namespaced_pod(self.namespace, label_selector=text,
                                                                           _preload_content=False)
            else:
                response = k8s.AppsV1Api(self.client).list_namespaced_deployment(
                    self.namespace, label_selector=text, _preload_content=False)
        except (ApiException, HTTPError) as exc:
            raise KubeError(f"Kubernetes API: list {what} {self.namespace}/{text}: {exc}",
                            status=int(getattr(exc, "status", 0) or 0)) from exc
        items = json.loads(response.data or b"{}").get("items") or []
        return sorted(items, key=lambda p: p["metadata"]["name"])

    # -- writes -------------------------------------------------------------------------------------
    def apply(self, objects: Sequence[Mapping[str, Any]]) -> list[str]:
        """Create or replace ``objects``; return ``Kind/name`` of each (never their content)."""
        applied = kube_objects.apply([dict(o) for o in objects], self.namespace, self.client)
        return [f"{o.get('kind')}/{(o.get('metadata') or {}).get('name')}" for o in applied]

    def rollout(self, name: str, timeout: float) -> Rollout:
        """Wait for the rollout like ``kubectl rollout status --timeout``."""
        status = kube_workloads.rollout_status(name, self.namespace, self.client, timeout)
        message = status.message + (f" (gave up after {timeout:g} s)" if status.timed_out else "")
        return Rollout(done=bool(status.done), message=message, reason=status.reason)

    def undo(self, name: str, to_revision: int | None) -> None:
        """``kubectl rollout undo [--to-revision]``."""
        kube_workloads.undo(name, self.namespace, to_revision, self.client)

    def scale(self, name: str, replicas: int) -> None:
        """Set the Deployment's replicas."""
        kube_workloads.scale(name, self.namespace, replicas, self.client)

    def set_selector(self, service: str, selector: Mapping[str, str]) -> None:
        """Replace the Service's selector."""
        kube_services.patch_service_selector(service, self.namespace, dict(selector), self.client)

    def delete(self, kind: str, name: str) -> bool:
        """Delete an object (its dependents follow in the background); False when it did not exist."""
        return bool(kube_objects.delete(kind, name, self.namespace, self.client))


def wait_pods_gone(cluster: Cluster, selector: Mapping[str, str], timeout: float,
                   *, interval: float = 0.5) -> bool:
    """Wait until no pod matches ``selector`` (deleted workloads' pods have terminated); True if none."""
    deadline = time.monotonic() + timeout
    while True:
        if not cluster.pods(selector):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def ensure(condition: bool, message: str) -> None:
    """Raise :class:`DeployError` with ``message`` unless ``condition``."""
    if not condition:
        raise DeployError(message)
