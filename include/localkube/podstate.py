"""Runtime state of pods and containers, and the ``status`` objects computed from it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localkube.errors import ApiError
from localkube.logs import LogBuffer
from localkube.podspec import Limits
from localkube.runtime import ContainerProcess
from localkube.scheduler import Binding
from localkube.timeutil import rfc3339
from localkube.usage import ContainerUsage

VIRTUAL_CONTAINERS = frozenset({"airflow-xcom-sidecar"})
TERMINAL = ("Succeeded", "Failed")


@dataclass
class Container:
    """Runtime state of one container of a pod."""

    spec: dict[str, Any]
    init: bool
    virtual: bool
    log: LogBuffer
    state: str = "waiting"
    reason: str | None = "ContainerCreating"
    message: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    restart_count: int = 0
    container_id: str | None = None
    last_state: dict[str, Any] | None = None
    previous_log: LogBuffer | None = None
    process: ContainerProcess | None = None
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    mounts: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    execs: set[Any] = field(default_factory=set)
    finalized: asyncio.Event = field(default_factory=asyncio.Event)
    probe_ready: bool = True  # the readiness probe's verdict (True without a readiness probe)
    startup_done: bool = True  # the startup probe has succeeded (True without one)
    run_id: int = 0  # bumped on every start, so probes of an earlier run stop
    probe_tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    oom_killed: bool = False  # the memory watchdog killed this run
    usage: ContainerUsage = field(default_factory=ContainerUsage)  # CPU time and peak RSS, all runs

    def is_ready(self) -> bool:
        """Running, started and (with a readiness probe) ready."""
        return self.state == "running" and not self.init and self.probe_ready and self.startup_done

    @property
    def name(self) -> str:
        """The container name."""
        return str(self.spec["name"])

    @property
    def image(self) -> str:
        """The image, recorded but never pulled."""
        return str(self.spec.get("image") or "")

    def terminated_state(self) -> dict[str, Any]:
        """The ``state.terminated`` object of the current run."""
        state: dict[str, Any] = {"exitCode": self.exit_code if self.exit_code is not None else 0,
                                 "reason": self.reason or "Completed",
                                 "startedAt": rfc3339(self.started_at or self.finished_at),
                                 "finishedAt": rfc3339(self.finished_at)}
        if self.message:
            state["message"] = self.message
        if self.container_id:
            state["containerID"] = self.container_id
        return state

    def status(self) -> dict[str, Any]:
        """The ``v1.ContainerStatus`` object."""
        if self.state == "running":
            state: dict[str, Any] = {"running": {"startedAt": rfc3339(self.started_at)}}
        elif self.state == "terminated":
            state = {"terminated": self.terminated_state()}
        else:
            state = {"waiting": {"reason": self.reason or "ContainerCreating"}}
            if self.message:
                state["waiting"]["message"] = self.message
        status: dict[str, Any] = {
            "name": self.name, "image": self.image, "imageID": f"localkube://{self.image}",
            "ready": self.is_ready(), "restartCount": self.restart_count,
            "started": self.state == "running" and self.startup_done, "state": state,
            "lastState": self.last_state or {},
        }
        if self.container_id:
            status["containerID"] = self.container_id
        return status


@dataclass
class PodRuntime:
    """Runtime state of one pod."""

    uid: str
    namespace: str
    name: str
    pod_dir: Path
    containers: dict[str, Container]
    init_names: list[str]
    main_names: list[str]
    restart_policy: str
    binding: Binding | None = None
    ip: str | None = None
    start_time: float | None = None
    unschedulable: str | None = None
    reason: str | None = None
    message: str | None = None
    stopping: bool = False
    deleting: bool = False
    released: bool = False
    volumes: dict[str, str] = field(default_factory=dict)
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    removed: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    condition_times: dict[str, tuple[str, str]] = field(default_factory=dict)
    deadline_handle: asyncio.TimerHandle | None = None


def phase(runtime: PodRuntime) -> str:
    """The pod phase from its containers' states and ``restartPolicy`` (kubelet's getPhase)."""
    running = any(c.state == "running" for c in runtime.containers.values())
    if runtime.reason == "DeadlineExceeded" and not running:
        return "Failed"
    if runtime.binding is None:
        return "Pending"
    inits = [runtime.containers[n] for n in runtime.init_names]
    mains = [runtime.containers[n] for n in runtime.main_names]
    never = runtime.restart_policy == "Never"
    for c in inits:
        if c.state == "terminated" and c.exit_code != 0 and (never or runtime.stopping):
            return "Failed"
    if any(not (c.state == "terminated" and c.exit_code == 0) for c in inits):
        return "Pending"
    if any(c.state == "running" for c in mains):
        return "Running"
    if all(c.state == "terminated" for c in mains):
        if never or runtime.stopping:
            return "Succeeded" if all(c.exit_code == 0 for c in mains) else "Failed"
        if runtime.restart_policy == "OnFailure" and all(c.exit_code == 0 for c in mains):
            return "Succeeded"
        return "Running"
    if any(c.started_at is not None or c.restart_count for c in mains):
        return "Running"
    return "Pending"


def _condition(runtime: PodRuntime, type_: str, ok: bool, reason: str | None = None,
               message: str | None = None) -> dict[str, Any]:
    status = "True" if ok else "False"
    previous = runtime.condition_times.get(type_)
    if previous is None or previous[0] != status:
        runtime.condition_times[type_] = (status, rfc3339())
    condition = {"type": type_, "status": status, "lastProbeTime": None,
                 "lastTransitionTime": runtime.condition_times[type_][1]}
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def pod_status(runtime: PodRuntime, pod: dict[str, Any]) -> dict[str, Any]:
    """The ``v1.PodStatus`` object for ``runtime``."""
    current = phase(runtime)
    status: dict[str, Any] = {"phase": current,
                              "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort")}
    if runtime.binding is None:
        if runtime.unschedulable:
            status["conditions"] = [_condition(runtime, "PodScheduled", False, "Unschedulable",
                                               runtime.unschedulable)]
        return status
    mains = [runtime.containers[n] for n in runtime.main_names]
    inits = [runtime.containers[n] for n in runtime.init_names]
    init_done = all(c.state == "terminated" and c.exit_code == 0 for c in inits)
    not_ready = [c.name for c in mains if not c.is_ready()]
    ready_reason = None if not not_ready else ("PodCompleted" if current in TERMINAL else "ContainersNotReady")
    ready_message = None if not not_ready else f"containers with unready status: [{' '.join(not_ready)}]"
    incomplete = " ".join(c.name for c in inits if c.state != "terminated")
    status["conditions"] = [
        _condition(runtime, "PodReadyToStartContainers", current not in TERMINAL),
        _condition(runtime, "Initialized", init_done or current == "Succeeded",
                   None if init_done else "ContainersNotInitialized",
                   None if init_done else f"containers with incomplete status: [{incomplete}]"),
        _condition(runtime, "Ready", not not_ready, ready_reason, ready_message),
        _condition(runtime, "ContainersReady", not not_ready, ready_reason, ready_message),
        _condition(runtime, "PodScheduled", True),
    ]
    status.update({
        "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}],
        "podIP": runtime.ip, "podIPs": [{"ip": runtime.ip}] if runtime.ip else [],
        "containerStatuses": [c.status() for c in mains],
    })
    if runtime.start_time:
        status["startTime"] = rfc3339(runtime.start_time)
    if inits:
        status["initContainerStatuses"] = [c.status() for c in inits]
    if runtime.reason:
        status["reason"], status["message"] = runtime.reason, runtime.message
    return status


def require_running(runtime: PodRuntime, container: Container) -> None:
    """400 unless ``container`` can be exec'd into (it is running)."""
    if container.state != "running":
        phase = "completed" if container.state == "terminated" else "waiting"
        raise ApiError(400, "BadRequest", f"cannot exec into a container in a {phase} pod; "
                       f"container {container.name} of pod {runtime.name} is {container.state}")
