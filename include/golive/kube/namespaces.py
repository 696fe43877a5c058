"""Namespaces: create one when it is missing (:func:`ensure_namespace`), enforcing Pod Security "restricted"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive.kube.client import KubeError

__all__ = ["POD_SECURITY_LABELS", "ensure_namespace"]

#: Pod Security admission labels of the namespaces golive creates (agent pods, applications):
#: "restricted", as charts/golive labels its workload namespace; localkube enforces them too.
POD_SECURITY_LABELS: Mapping[str, str] = {"pod-security.kubernetes.io/enforce": "restricted",
                                          "pod-security.kubernetes.io/warn": "restricted"}


def ensure_namespace(core: Any, name: str, labels: Mapping[str, str] | None = None) -> bool:
    """Create namespace ``name`` through ``core`` (a ``CoreV1Api``) when it is missing; True if created.

    A namespace it creates carries :data:`POD_SECURITY_LABELS` (``labels`` may override them); one
    that exists is left as it is.

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
            name=name, labels={"app.kubernetes.io/part-of": "golive", **POD_SECURITY_LABELS, **(labels or {})})))
    except ApiException as exc:
        if exc.status == 409:  # created meanwhile by a concurrent go-live
            return False
        if exc.status == 403:
            raise KubeError(f"namespace {name!r} does not exist and this identity may not create it "
                            f"(RBAC: verb 'create' on resource 'namespaces', cluster scope); create it, or "
                            f"grant that permission: {exc.reason}") from exc
        raise KubeError(f"cannot create namespace {name!r}: HTTP {exc.status} {exc.reason}") from exc
    return True
