"""API discovery documents: ``/api``, ``/api/v1``, ``/apis``, ``/apis/{group}`` and ``/apis/{group}/{version}``.

Enough for ``kubectl``-style clients and ``kubernetes.dynamic.DynamicClient`` to resolve a kind to
its resource, scope, verbs and subresources.
"""

from __future__ import annotations

from typing import Any

from localkube.resources import GROUP_VERSIONS, served, types_of
from localkube.store import NODES, PODS

_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
_SUB_VERBS = ["get", "patch", "update"]


def _group_entry(group: str, version: str) -> dict[str, Any]:
    gv = {"groupVersion": f"{group}/{version}", "version": version}
    return {"name": group, "versions": [gv], "preferredVersion": gv}


def api_group_list() -> dict[str, Any]:
    """The ``/apis`` document (``APIGroupList``)."""
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group_entry(group, version) for group, version in GROUP_VERSIONS]}


def api_group(group: str) -> dict[str, Any] | None:
    """The ``/apis/{group}`` document (``APIGroup``), or None for an unknown group."""
    for name, version in GROUP_VERSIONS:
        if name == group:
            return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name, version)}
    return None


def resource_list(group: str, version: str) -> dict[str, Any] | None:
    """The ``APIResourceList`` of one group version, or None when it is not served."""
    types = types_of(group, version)
    if not types:
        return None
    resources: list[dict[str, Any]] = []
    for rtype in types:
        info = served(rtype)
        entry: dict[str, Any] = {"name": rtype.plural, "singularName": rtype.kind.lower(),
                                 "namespaced": rtype.namespaced, "kind": rtype.kind,
                                 "verbs": ["get", "list", "watch"] if info.read_only else _VERBS}
        if info.short_names:
            entry["shortNames"] = list(info.short_names)
        if info.categories:
            entry["categories"] = list(info.categories)
        resources.append(entry)
        if info.status:
            resources.append({"name": f"{rtype.plural}/status", "singularName": "", "namespaced": rtype.namespaced,
                              "kind": rtype.kind, "verbs": ["get"] if rtype == NODES else _SUB_VERBS})
        if info.scale:
            resources.append({"name": f"{rtype.plural}/scale", "singularName": "", "namespaced": True,
                              "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": _SUB_VERBS})
        if rtype == PODS:
            resources += [
                {"name": "pods/log", "singularName": "", "namespaced": True, "kind": "Pod", "verbs": ["get"]},
                {"name": "pods/exec", "singularName": "", "namespaced": True, "kind": "PodExecOptions",
                 "verbs": ["create", "get"]},
            ]
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}
