"""What an agent pod cost: its requests (from the pod spec), its wall time (from its containers'
states) and, where the cluster measured it, its CPU time and peak memory; and the cost of a run.

localkube publishes measured values on the pod (the ``localkube.io/usage`` annotation, see
``localkube.usage``); a real cluster publishes none, and a value nobody measured stays ``None`` —
shown as "not measured", never as 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from golive.errors import GoliveError

#: The annotation localkube writes when a container ends (kept in step with ``localkube.usage``).
USAGE_ANNOTATION = "localkube.io/usage"
GPU_RESOURCE = "nvidia.com/gpu"
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal("1e3"),
            "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"), "P": Decimal("1e15"), "E": Decimal("1e18")}


class UsageError(GoliveError):
    """A pod's resources cannot be read (an invalid quantity)."""


def quantity(value: Any) -> Decimal:
    """A Kubernetes quantity (``500m``, ``2Gi``, ``1``) in base units."""
    text = str(value).strip()
    for suffixes in (_BINARY, _DECIMAL):
        for suffix in sorted(suffixes, key=len, reverse=True):
            if suffix and text.endswith(suffix):
                try:
                    return Decimal(text[: -len(suffix)]) * suffixes[suffix]
                except InvalidOperation:
                    raise UsageError(f"resources: {value!r} is not a Kubernetes quantity") from None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise UsageError(f"resources: {value!r} is not a Kubernetes quantity") from None


@dataclass(frozen=True)
class PodUsage:
    """One pod's requests, wall time and (when measured) CPU seconds and peak memory."""

    pod_name: str
    profile: str
    cpu_request: float
    memory_request: int
    gpu_request: int
    wall_seconds: float | None
    started_at: datetime | None
    finished_at: datetime | None
    cpu_seconds: float | None = None
    peak_memory_bytes: int | None = None

    def fields(self) -> dict[str, Any]:
        """The ledger's usage columns (``pod_name`` aside)."""
        values = asdict(self)
        values.pop("pod_name")
        return values


def _time(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _terminated_times(pod: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    status = pod.get("status") or {}
    starts, ends = [], []
    for entry in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        state = (entry.get("state") or {})
        terminated = state.get("terminated") or {}
        running = state.get("running") or {}
        if terminated.get("startedAt") or running.get("startedAt"):
            starts.append(_time(terminated.get("startedAt") or running.get("startedAt")))
        if terminated.get("finishedAt"):
            ends.append(_time(terminated.get("finishedAt")))
    started = _time(status.get("startTime")) or (min(s for s in starts if s) if any(starts) else None)
    finished = max(e for e in ends if e) if any(ends) else None
    return started, finished


def measured(annotations: Mapping[str, Any] | None) -> tuple[float | None, int | None]:
    """CPU seconds and peak bytes summed over the containers the cluster measured (None, None without)."""
    raw = (annotations or {}).get(USAGE_ANNOTATION)
    if not raw:
        return None, None
    try:
        value = json.loads(raw)
    except ValueError:
        return None, None
    entries = [v for v in value.values() if isinstance(v, dict)] if isinstance(value, dict) else []
    if not entries:
        return None, None
    cpu = sum(float(e.get("cpuSeconds") or 0) for e in entries)
    peak = sum(int(e.get("peakMemoryBytes") or 0) for e in entries)
    return cpu, peak


def pod_usage(pod: Mapping[str, Any], profile: str) -> PodUsage:
    """The usage of a finished pod (a Kubernetes API object as a dict, camelCase keys).

    :raises UsageError: a container's resources hold an invalid quantity.
    """
    cpu = memory = gpu = Decimal(0)
    for container in (pod.get("spec") or {}).get("containers") or []:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        cpu += quantity(requests.get("cpu", limits.get("cpu", 0)))
        memory += quantity(requests.get("memory", limits.get("memory", 0)))
        gpu += quantity(limits.get(GPU_RESOURCE, requests.get(GPU_RESOURCE, 0)))
    started, finished = _terminated_times(pod)
    wall = max((finished - started).total_seconds(), 0.0) if started and finished else None
    cpu_seconds, peak = measured((pod.get("metadata") or {}).get("annotations"))
    return PodUsage(pod_name=str((pod.get("metadata") or {}).get("name") or ""), profile=profile,
                    cpu_request=float(cpu), memory_request=int(memory), gpu_request=int(gpu), wall_seconds=wall,
                    started_at=started, finished_at=finished, cpu_seconds=cpu_seconds, peak_memory_bytes=peak)


def _add(total: float | None, value: Any) -> float | None:
    return None if value is None else (total or 0.0) + float(value)


def cost(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Per phase and in total: pods, wall seconds, requested CPU-seconds (cores × wall), measured
    CPU-seconds, GPU-seconds (GPUs × wall) and the largest measured peak memory. A measured figure is
    None when no pod of the group was measured; a partly measured group says how many pods were."""
    phases: dict[str, dict[str, Any]] = {}
    total = _empty()
    for row in rows:
        for group in (phases.setdefault(str(row.get("phase") or "?"), _empty()), total):
            wall = float(row.get("wall_seconds") or 0.0)
            group["pods"] += 1
            group["wall_seconds"] += wall
            group["cpu_seconds_requested"] += float(row.get("cpu_request") or 0.0) * wall
            group["gpu_seconds"] += int(row.get("gpu_request") or 0) * wall
            if row.get("cpu_seconds") is not None:
                group["measured_pods"] += 1
                group["cpu_seconds_measured"] = _add(group["cpu_seconds_measured"], row["cpu_seconds"])
            if row.get("peak_memory_bytes") is not None:
                group["peak_memory_bytes"] = max(group["peak_memory_bytes"] or 0, int(row["peak_memory_bytes"]))
            group["memory_requested_bytes"] = max(group["memory_requested_bytes"], int(row.get("memory_request") or 0))
    return {"phases": phases, "total": total}


def _empty() -> dict[str, Any]:
    return {"pods": 0, "measured_pods": 0, "wall_seconds": 0.0, "cpu_seconds_requested": 0.0,
            "cpu_seconds_measured": None, "gpu_seconds": 0.0, "peak_memory_bytes": None,
            "memory_requested_bytes": 0}
