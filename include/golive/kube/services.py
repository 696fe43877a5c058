"""Services: where one answers (:func:`service_url`) and switching what it selects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from golive.kube.client import KubeError, Obj, call, call_json, resolve_client, resource_for

__all__ = ["URL_ANNOTATION", "patch_service_selector", "service_url"]

#: localkube's annotation on a Service: the URL at which it answers from the local machine.
URL_ANNOTATION = "localkube.io/url"


def service_url(name: str, namespace: str, client: Any = None, port: int | str | None = None) -> str:
    """Where a Service answers: its ``localkube.io/url`` annotation (localkube, reachable from this
    machine) when present, else the in-cluster DNS name ``http://<name>.<namespace>.svc.cluster.local:<port>``.

    ``port`` picks a Service port by number or name (default: the first).
    """
    from kubernetes import client as k8s

    client = resolve_client(client)
    service = call_json(f"read service {namespace}/{name}", k8s.CoreV1Api(client).read_namespaced_service, name,
                        namespace)
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
    client = resolve_client(client)
    resource = resource_for(client, "Service", "v1")
    patch = [{"op": "replace", "path": "/spec/selector", "value": dict(selector)}]
    result = call(f"patch the selector of service {namespace}/{name}", lambda: resource.patch(
        body=patch, name=name, namespace=namespace, content_type="application/json-patch+json"))
    return dict(result.to_dict())
