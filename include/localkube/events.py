"""Kubernetes events (``v1.Event``) about pods, recorded the way kubelet and the scheduler do."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from localkube.store import EVENTS, Store
from localkube.timeutil import rfc3339, rfc3339_micro

NORMAL = "Normal"
WARNING = "Warning"


class EventRecorder:
    """Creates Event objects in the store, and trims old ones beyond ``keep``."""

    def __init__(self, store: Store, node_name: str, keep: int = 5000) -> None:
        self._store = store
        self._node = node_name
        self._keep = keep
        self._names: list[tuple[str, str]] = []

    def record(self, obj: Mapping[str, Any], type_: str, reason: str, message: str, *,
               component: str = "kubelet", field_path: str | None = None) -> dict[str, Any]:
        """Record an event about ``obj`` (a pod, usually); returns the stored Event."""
        meta = obj.get("metadata") or {}
        namespace = meta.get("namespace") or "default"
        now = time.time()
        involved = {"kind": obj.get("kind", "Pod"), "apiVersion": obj.get("apiVersion", "v1"),
                    "namespace": namespace, "name": meta.get("name"), "uid": meta.get("uid"),
                    "resourceVersion": meta.get("resourceVersion")}
        if field_path:
            involved["fieldPath"] = field_path
        event = {
            "metadata": {"name": f"{meta.get('name')}.{secrets.token_hex(8)}", "namespace": namespace},
            "involvedObject": involved,
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": component, "host": self._node} if component == "kubelet"
            else {"component": component},
            "firstTimestamp": rfc3339(now),
            "lastTimestamp": rfc3339(now),
            "eventTime": rfc3339_micro(now) if component != "kubelet" else None,
            "count": 1,
            "reportingComponent": component,
            "reportingInstance": self._node if component == "kubelet" else "",
            "action": reason,
        }
        stored = self._store.create(EVENTS, event)
        self._names.append((namespace, stored["metadata"]["name"]))
        while len(self._names) > self._keep:
            old_ns, old_name = self._names.pop(0)
            if self._store.find(EVENTS, old_ns, old_name) is not None:
                self._store.delete(EVENTS, old_ns, old_name)
        return stored
