"""The single node and the scheduler that binds pods to it.

The node advertises cpu, memory and pods from the machine, plus ``nvidia.com/gpu`` (configurable,
default 0) and any other extended resources given. Extended resources (GPUs) are allocated and
enforced like the real scheduler does: a pod asking for more than is free stays Pending with
``PodScheduled=False``/``Unschedulable`` and a ``FailedScheduling`` event. cpu and memory requests
are recorded, not bin-packed (a workstation would otherwise serialise every pipeline); their
*limits* become process limits in the kubelet instead. ``nodeSelector`` is honoured.
"""

from __future__ import annotations

import os
import platform
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from localkube.quantity import parse_quantity
from localkube.timeutil import rfc3339

GPU_RESOURCE = "nvidia.com/gpu"
_NATIVE = ("cpu", "memory", "ephemeral-storage", "pods")
VERSION = {"major": "1", "minor": "31", "gitVersion": "v1.31.0-localkube", "gitCommit": "localkube",
           "gitTreeState": "clean", "buildDate": "2024-01-01T00:00:00Z", "goVersion": "go1.22",
           "compiler": "gc", "platform": "linux/amd64"}


def is_extended(resource: str) -> bool:
    """Whether ``resource`` is an extended resource (allocated whole, never overcommitted)."""
    return resource not in _NATIVE and not resource.startswith("hugepages-")


def container_requests(container: Mapping[str, Any]) -> dict[str, Decimal]:
    """A container's effective requests (limits stand in for missing requests, as in Kubernetes)."""
    resources = container.get("resources") or {}
    merged = dict(resources.get("limits") or {})
    merged.update(resources.get("requests") or {})
    return {name: parse_quantity(value) for name, value in merged.items()}


def pod_requests(spec: Mapping[str, Any]) -> dict[str, Decimal]:
    """The pod's requests: the sum over containers, at least the largest init container's."""
    total: dict[str, Decimal] = {}
    for container in spec.get("containers") or []:
        for name, value in container_requests(container).items():
            total[name] = total.get(name, Decimal(0)) + value
    for container in spec.get("initContainers") or []:
        for name, value in container_requests(container).items():
            total[name] = max(total.get(name, Decimal(0)), value)
    return total


def _machine_memory() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-Linux
        return 8 * 2**30


@dataclass
class Node:
    """The one node localkube runs: its name, labels and capacity."""

    name: str = "localkube"
    gpus: int = 0
    extended: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=rfc3339)

    def capacity(self) -> dict[str, str]:
        """Capacity (= allocatable) as quantity strings."""
        cap = {
            "cpu": str(os.cpu_count() or 1),
            "memory": f"{_machine_memory() // 1024}Ki",
            "pods": "110",
            "ephemeral-storage": "100Gi",
            GPU_RESOURCE: str(self.gpus),
        }
        cap.update({name: str(count) for name, count in self.extended.items()})
        return cap

    def all_labels(self) -> dict[str, str]:
        """Well-known node labels plus the configured ones."""
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
        labels = {
            "kubernetes.io/hostname": self.name,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": arch,
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": arch,
            "node-role.kubernetes.io/control-plane": "",
            "localkube.golive.dev/node": "true",
        }
        if self.gpus:
            labels["nvidia.com/gpu.present"] = "true"
            labels["nvidia.com/gpu.count"] = str(self.gpus)
        labels.update(self.labels)
        return labels

    def to_object(self) -> dict[str, Any]:
        """The ``v1.Node`` object."""
        now = rfc3339()
        conditions = [
            {"type": t, "status": "False", "reason": f"Kubelet{r}", "message": m,
             "lastHeartbeatTime": now, "lastTransitionTime": self.created}
            for t, r, m in (
                ("MemoryPressure", "HasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "HasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "HasSufficientPID", "kubelet has sufficient PID available"),
            )
        ]
        conditions.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                           "message": "kubelet is posting ready status", "lastHeartbeatTime": now,
                           "lastTransitionTime": self.created})
        uname = platform.uname()
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": self.name, "uid": self.uid, "labels": self.all_labels(),
                         "creationTimestamp": self.created},
            "spec": {"podCIDR": "127.0.0.0/8", "podCIDRs": ["127.0.0.0/8"]},
            "status": {
                "capacity": self.capacity(),
                "allocatable": self.capacity(),
                "conditions": conditions,
                "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                              {"type": "Hostname", "address": self.name}],
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
                "nodeInfo": {
                    "architecture": self.all_labels()["kubernetes.io/arch"],
                    "bootID": self.uid, "machineID": self.uid, "systemUUID": self.uid,
                    "containerRuntimeVersion": "localkube://0.1",
                    "kernelVersion": uname.release, "kubeProxyVersion": VERSION["gitVersion"],
                    "kubeletVersion": VERSION["gitVersion"], "operatingSystem": "linux",
                    "osImage": f"localkube on {uname.system} {uname.release}",
                },
            },
        }


@dataclass
class Binding:
    """What the scheduler reserved for one pod."""

    requests: dict[str, Decimal]
    gpu_ids: list[int]


class Scheduler:
    """Fits pods onto the node and reserves extended resources (GPU device ids) for them."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._bindings: dict[str, Binding] = {}

    def _free(self) -> dict[str, Decimal]:
        capacity = {k: parse_quantity(v) for k, v in self.node.capacity().items()}
        for binding in self._bindings.values():
            for name, value in binding.requests.items():
                if is_extended(name):
                    capacity[name] = capacity.get(name, Decimal(0)) - value
        capacity["pods"] = capacity["pods"] - len(self._bindings)
        return capacity

    def unschedulable_reason(self, pod: Mapping[str, Any]) -> str | None:
        """Why the pod does not fit now (the FailedScheduling message), or None if it fits."""
        spec = pod.get("spec") or {}
        reasons: list[str] = []
        node_labels = self.node.all_labels()
        selector = spec.get("nodeSelector") or {}
        if any(node_labels.get(k) != v for k, v in selector.items()):
            reasons.append("1 node(s) didn't match Pod's node affinity/selector")
        else:
            free = self._free()
            if free["pods"] < 1:
                reasons.append("1 Too many pods")
            for name, value in sorted(pod_requests(spec).items()):
                if is_extended(name) and value > free.get(name, Decimal(0)):
                    reasons.append(f"1 Insufficient {name}")
        if not reasons:
            return None
        return "0/1 nodes are available: " + ", ".join(reasons) + "."

    def bind(self, uid: str, pod: Mapping[str, Any]) -> Binding:
        """Reserve the pod's resources; returns the binding with the GPU ids it got."""
        reserved = pod_requests(pod.get("spec") or {})
        used = {i for b in self._bindings.values() for i in b.gpu_ids}
        wanted = int(reserved.get(GPU_RESOURCE, 0))
        gpu_ids = [i for i in range(self.node.gpus) if i not in used][:wanted]
        binding = Binding(reserved, gpu_ids)
        self._bindings[uid] = binding
        return binding

    def release(self, uid: str) -> bool:
        """Free what the pod reserved; True if it held anything."""
        return self._bindings.pop(uid, None) is not None
