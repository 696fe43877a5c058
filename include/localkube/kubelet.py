"""The kubelet: runs each scheduled pod's containers as local processes and reports their status.

Lifecycle, as on a cluster: the pod is scheduled (or left Pending as Unschedulable), its volumes
are prepared, init containers run one by one, then the containers start; exit codes become
``terminated`` states and the pod phase follows ``restartPolicy``. ``activeDeadlineSeconds`` kills
the pod (phase Failed, reason DeadlineExceeded); a delete stops the containers (SIGTERM to the
process group, SIGKILL after the grace period, capped at ``max_grace_seconds``) before the object
goes. Events are recorded for every step (Scheduled, Pulled, Created, Started, Killing, Failed,
BackOff, FailedScheduling, DeadlineExceeded, FailedMount).

Containers listed in :data:`localkube.podstate.VIRTUAL_CONTAINERS` (KubernetesPodOperator's XCom sidecar) are not
run at all: they are "running" until an ``exec`` kills them (see :mod:`localkube.exec_ws`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from localkube.errors import bad_request, not_found
from localkube.events import NORMAL, WARNING, EventRecorder
from localkube.hostpaths import HostPathPolicy
from localkube.images import ImageCatalog
from localkube.ipam import IPAllocator
from localkube.logs import LogBuffer
from localkube.memory import rss_by_group
from localkube.podspec import (
    MOUNT_MAP_ENV,
    ContainerConfigError,
    StartError,
    build_env,
    map_path,
    mount_map,
    mount_map_json,
    prepare_volumes,
    process_limits,
    resolve_argv,
)
from localkube.podstate import TERMINAL, VIRTUAL_CONTAINERS, Container, PodRuntime, phase, pod_status
from localkube.probes import ProbeTiming, exec_probe, http_get, probe_loop, tcp_socket
from localkube.runtime import CONTAINER_MARKER_ENV, POD_MARKER_ENV, ContainerProcess, kill_tree
from localkube.scheduler import Scheduler
from localkube.store import CONFIGMAPS, PODS, SECRETS, Store
from localkube.timeutil import rfc3339
from localkube.usage import SAMPLE_SECONDS, USAGE_ANNOTATION, annotation_value, usage_by_group

log = logging.getLogger(__name__)

ENV_PASSTHROUGH = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "SSL_CERT_FILE",
                   "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE")
_TERMINATION_MESSAGE_MAX = 4096
_RECREATED_BY_OWNER = ("ReplicaSet", "StatefulSet")
RESTART_REASON = "LocalkubeRestarted"
_RESTART_MESSAGE = "localkube restarted: the processes of this pod are gone"


def _mark_lost(pod: dict[str, Any]) -> None:
    """A restored pod whose processes died with the previous localkube: phase Failed, containers terminated."""
    now = rfc3339()
    status = pod.setdefault("status", {})
    status.update({"phase": "Failed", "reason": RESTART_REASON, "message": _RESTART_MESSAGE})
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            state = container.get("state") or {}
            if "terminated" not in state:
                started = (state.get("running") or {}).get("startedAt")
                container["state"] = {"terminated": {
                    "exitCode": 137, "reason": "ContainerStatusUnknown", "message": _RESTART_MESSAGE,
                    "startedAt": started or now, "finishedAt": now}}
            container["ready"], container["started"] = False, False
    for condition in status.get("conditions") or []:
        if condition.get("type") in ("Ready", "ContainersReady", "PodReadyToStartContainers") \
                and condition.get("status") != "False":
            condition.update({"status": "False", "lastTransitionTime": now, "reason": RESTART_REASON})


class Kubelet:
    """Runs pods for the API server; every method is called on the event-loop thread."""

    def __init__(self, store: Store, scheduler: Scheduler, events: EventRecorder, state_dir: Path, *,
                 api_port_fn: Any = None, max_grace_seconds: float = 2.0,
                 restart_backoff_seconds: float = 10.0, env_passthrough: tuple[str, ...] = ENV_PASSTHROUGH,
                 extra_env: dict[str, str] | None = None, images: ImageCatalog | None = None,
                 kubeconfig_fn: Any = None, host_paths: HostPathPolicy | None = None) -> None:
        self.store = store
        self.host_paths = host_paths or HostPathPolicy((state_dir,))
        self.scheduler = scheduler
        self.events = events
        self.state_dir = state_dir
        self.max_grace_seconds = max_grace_seconds
        self.restart_backoff_seconds = restart_backoff_seconds
        self.env_passthrough = env_passthrough
        self.extra_env = dict(extra_env or {})
        self._api_port_fn = api_port_fn or (lambda: 0)
        self.images = images or ImageCatalog()
        self._kubeconfig_fn = kubeconfig_fn
        self.ips = IPAllocator()
        self.pods: dict[str, PodRuntime] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._sampler: asyncio.Task[None] | None = None
        self.memory_check_seconds = 1.0
        self.usage_sample_seconds = SAMPLE_SECONDS
        self._pending: list[PodRuntime] = []
        self._core = 0

    # ----------------------------------------------------------------------------- restart
    def recover(self) -> dict[str, int]:
        """Reconcile pods restored from disk (:mod:`localkube.persist`) with processes that are gone.

        Leftover processes of a localkube that died are killed first. Then: a pod a ReplicaSet or
        StatefulSet controls, or one being deleted, is removed (its controller makes a new one); a
        pod never bound to the node is scheduled again; a terminal pod stays as it was; any other
        pod (bare, or a Job's) is marked Failed with reason :data:`RESTART_REASON`, so whoever watches
        it — a Job, KubernetesPodOperator, a rollback — sees that it no longer runs.
        Returns how many pods took each way.
        """
        counts = {"removed": 0, "rescheduled": 0, "failed": 0, "kept": 0}
        for pod in self.store.list(PODS):
            meta = pod["metadata"]
            kill_tree((POD_MARKER_ENV, meta["uid"]))
            owner = next((ref for ref in meta.get("ownerReferences") or [] if ref.get("controller")), None)
            phase_now = (pod.get("status") or {}).get("phase") or "Pending"
            if meta.get("deletionTimestamp") or (owner or {}).get("kind") in _RECREATED_BY_OWNER:
                self.store.delete(PODS, meta["namespace"], meta["name"])
                shutil.rmtree(self._pod_dir(meta), ignore_errors=True)
                counts["removed"] += 1
            elif not pod["spec"].get("nodeName"):
                task = asyncio.get_running_loop().create_task(self.pod_created(pod))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                counts["rescheduled"] += 1
            elif phase_now in TERMINAL:
                counts["kept"] += 1
            else:
                self.store.update(PODS, meta["namespace"], meta["name"], _mark_lost)
                counts["failed"] += 1
        return counts

    def _pod_dir(self, meta: dict[str, Any]) -> Path:
        return self.state_dir / "pods" / f"{meta['namespace']}_{meta['name']}_{meta['uid']}"

    # ----------------------------------------------------------------------------- lookups
    def _runtime(self, namespace: str, name: str) -> PodRuntime:
        pod = self.store.get(PODS, namespace, name)
        runtime = self.pods.get(pod["metadata"]["uid"])
        if runtime is None:
            raise not_found("pods", name)
        return runtime

    def container(self, namespace: str, name: str, container: str | None) -> tuple[PodRuntime, Container]:
        """The pod's container by name (the only one when ``container`` is None); 400 otherwise."""
        runtime = self._runtime(namespace, name)
        names = runtime.init_names + runtime.main_names
        if container is None:
            if len(runtime.main_names) != 1:
                raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                  f"[{' '.join(runtime.main_names)}]")
            container = runtime.main_names[0]
        if container not in names:
            raise bad_request(f"container {container} is not valid for pod {name}")
        return runtime, runtime.containers[container]

    def log_buffer(self, namespace: str, name: str, container: str | None, previous: bool) -> LogBuffer:
        """The log of a container's current (or previous) run; 400 while it never ran."""
        pod = self.store.get(PODS, namespace, name)
        if pod["metadata"]["uid"] not in self.pods:  # restored after a restart: what its log files hold
            return self._saved_log(pod, container, previous)
        runtime, target = self.container(namespace, name, container)
        if previous:
            if target.previous_log is None:
                raise bad_request(f'previous terminated container "{target.name}" in pod "{name}" not found')
            return target.previous_log
        if runtime.binding is None and not runtime.deleting:
            empty = LogBuffer()  # not on a node yet: kube-apiserver answers with an empty log
            empty.close()
            return empty
        if target.state == "waiting" and target.started_at is None:
            reason = target.reason or "ContainerCreating"
            raise bad_request(f'container "{target.name}" in pod "{name}" is waiting to start: {reason}')
        return target.log

    def _saved_log(self, pod: dict[str, Any], container: str | None, previous: bool) -> LogBuffer:
        name = pod["metadata"]["name"]
        mains = [c["name"] for c in pod["spec"].get("containers") or []]
        if container is None:
            if len(mains) != 1:
                raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                                  f"[{' '.join(mains)}]")
            container = mains[0]
        if container not in [c["name"] for c in pod["spec"].get("initContainers") or []] + mains:
            raise bad_request(f"container {container} is not valid for pod {name}")
        log_dir = self._pod_dir(pod["metadata"]) / "logs" / container
        runs = sorted((int(p.stem), p) for p in log_dir.glob("*.log") if p.stem.isdigit())
        wanted = 2 if previous else 1
        if len(runs) < wanted:
            if previous:
                raise bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
            empty = LogBuffer()
            empty.close()
            return empty
        return LogBuffer.saved(runs[-wanted][1])

    # ----------------------------------------------------------------------------- create
    async def pod_created(self, pod: dict[str, Any], settle_timeout: float = 5.0) -> None:
        """Take over a freshly stored pod; returns once it runs, blocks or fails (at most a timeout)."""
        meta = pod["metadata"]
        uid = meta["uid"]
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().create_task(self._memory_watchdog(),
                                                                     name="localkube-memory-watchdog")
        if self._sampler is None:
            self._sampler = asyncio.get_running_loop().create_task(self._usage_sampler(),
                                                                    name="localkube-usage-sampler")
        pod_dir = self._pod_dir(meta)
        containers: dict[str, Container] = {}
        for kind in ("initContainers", "containers"):
            for spec in pod["spec"].get(kind) or []:
                log_dir = pod_dir / "logs" / spec["name"]
                log_dir.mkdir(parents=True, exist_ok=True)
                containers[spec["name"]] = Container(
                    spec=spec, init=kind == "initContainers",
                    virtual=kind == "containers" and spec["name"] in VIRTUAL_CONTAINERS,
                    log=LogBuffer(log_dir / "0.log"),
                    reason="PodInitializing" if kind == "containers" and pod["spec"].get("initContainers")
                    else "ContainerCreating")
        runtime = PodRuntime(
            uid=uid, namespace=meta["namespace"], name=meta["name"], pod_dir=pod_dir,
            containers=containers,
            init_names=[c["name"] for c in pod["spec"].get("initContainers") or []],
            main_names=[c["name"] for c in pod["spec"]["containers"]],
            restart_policy=pod["spec"].get("restartPolicy", "Always"),
        )
        self.pods[uid] = runtime
        node = pod["spec"].get("nodeName")
        if node and node != self.scheduler.node.name:
            runtime.unschedulable = f"pod is bound to node {node!r}, which does not exist"
            self._sync(runtime)
            return
        if not self._try_schedule(runtime, pod):
            self._pending.append(runtime)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(runtime.settled.wait(), timeout=settle_timeout)

    def _try_schedule(self, runtime: PodRuntime, pod: dict[str, Any]) -> bool:
        reason = self.scheduler.unschedulable_reason(pod)
        if reason is not None:
            if reason != runtime.unschedulable:
                runtime.unschedulable = reason
                self.events.record(pod, WARNING, "FailedScheduling", reason, component="default-scheduler")
                self._sync(runtime)
            return False
        runtime.unschedulable = None
        runtime.binding = self.scheduler.bind(runtime.uid, pod)
        runtime.ip = self.ips.allocate()

        def bind(obj: dict[str, Any]) -> None:
            obj["spec"]["nodeName"] = self.scheduler.node.name

        pod = self.store.update(PODS, runtime.namespace, runtime.name, bind)
        self.events.record(pod, NORMAL, "Scheduled",
                           f"Successfully assigned {runtime.namespace}/{runtime.name} to "
                           f"{self.scheduler.node.name}", component="default-scheduler")
        self._sync(runtime)
        self._spawn(runtime, self._run_pod(runtime))
        return True

    def _retry_pending(self) -> None:
        for runtime in list(self._pending):
            pod = self.store.find(PODS, runtime.namespace, runtime.name)
            if pod is None or runtime.deleting:
                self._pending.remove(runtime)
            elif self._try_schedule(runtime, pod):
                self._pending.remove(runtime)

    def _spawn(self, runtime: PodRuntime, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        runtime.tasks.add(task)
        self._tasks.add(task)
        task.add_done_callback(runtime.tasks.discard)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._report_crash)
        return task

    @staticmethod
    def _report_crash(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("localkube kubelet task failed", exc_info=task.exception())

    # ----------------------------------------------------------------------------- running
    def _pod(self, runtime: PodRuntime) -> dict[str, Any] | None:
        pod = self.store.find(PODS, runtime.namespace, runtime.name)
        if pod is None or pod["metadata"]["uid"] != runtime.uid:
            return None
        return pod

    async def _run_pod(self, runtime: PodRuntime) -> None:
        pod = self._pod(runtime)
        if pod is None:
            return
        try:
            refused = self.host_paths.problems(pod["spec"])
            if refused:  # admission refuses these; a pod stored before a policy change must not mount them
                raise ContainerConfigError("; ".join(refused))
            runtime.volumes = prepare_volumes(pod, runtime.pod_dir, self.state_dir,
                                              self._lookup(CONFIGMAPS), self._lookup(SECRETS))
        except (ContainerConfigError, OSError) as exc:
            self.events.record(pod, WARNING, "FailedMount", f"MountVolume.SetUp failed: {exc}")
            runtime.settled.set()
            return
        runtime.start_time = time.time()
        deadline = pod["spec"].get("activeDeadlineSeconds")
        if deadline:
            loop = asyncio.get_running_loop()
            runtime.deadline_handle = loop.call_later(
                deadline, lambda: self._spawn(runtime, self._deadline_exceeded(runtime)))
        for name in runtime.init_names:
            if not await self._run_init(runtime, runtime.containers[name]):
                runtime.settled.set()
                self._maybe_finish(runtime)
                return
        supervisors = []
        for name in runtime.main_names:
            container = runtime.containers[name]
            outcome = await self._start(runtime, container)
            if outcome == "blocked":
                continue
            supervisors.append(self._supervise(runtime, container, outcome == "running"))
        runtime.settled.set()
        await asyncio.gather(*supervisors)
        self._maybe_finish(runtime)

    async def _run_init(self, runtime: PodRuntime, container: Container) -> bool:
        while not runtime.stopping:
            outcome = await self._start(runtime, container)
            runtime.settled.set()
            if outcome == "blocked":
                return False
            code = await self._wait(runtime, container) if outcome == "running" else container.exit_code
            if code == 0:
                return True
            if runtime.restart_policy == "Never" or runtime.stopping:
                return False
            await self._backoff(runtime, container)
        return False

    async def _supervise(self, runtime: PodRuntime, container: Container, running: bool) -> None:
        while True:
            code = await self._wait(runtime, container) if running else container.exit_code
            if runtime.stopping or runtime.restart_policy == "Never":
                return
            if runtime.restart_policy == "OnFailure" and code == 0:
                return
            await self._backoff(runtime, container)
            if runtime.stopping:
                return
            running = await self._start(runtime, container) == "running"

    async def _backoff(self, runtime: PodRuntime, container: Container) -> None:
        delay = min(self.restart_backoff_seconds * (2 ** container.restart_count), 300.0)
        container.last_state = {"terminated": container.terminated_state()}
        container.previous_log = container.log
        container.state, container.reason = "waiting", "CrashLoopBackOff"
        container.message = f"back-off {delay:g}s restarting failed container={container.name} pod={runtime.name}"
        container.restart_count += 1
        pod = self._pod(runtime)
        if pod is not None:
            self.events.record(pod, WARNING, "BackOff", f"Back-off restarting failed container {container.name} "
                               f"in pod {runtime.name}", field_path=self._field_path(container))
        self._sync(runtime)
        await asyncio.sleep(delay)
        if runtime.stopping:  # deleted during the back-off: its directory may be gone
            return
        log_dir = runtime.pod_dir / "logs" / container.name
        container.log = LogBuffer(log_dir / f"{container.restart_count}.log")

    @staticmethod
    def _field_path(container: Container) -> str:
        return f"spec.{'initContainers' if container.init else 'containers'}{{{container.name}}}"

    def _lookup(self, rtype: Any) -> Any:
        return lambda namespace, name: self.store.find(rtype, namespace, name)

    def _base_env(self, runtime: PodRuntime, pod: dict[str, Any],
                  image_env: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: os.environ[k] for k in self.env_passthrough if k in os.environ}
        port = str(self._api_port_fn())
        env.update({
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "HOSTNAME": pod["spec"].get("hostname") or runtime.name,
            "KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": port,
            "KUBERNETES_PORT": f"tcp://127.0.0.1:{port}",
            "PYTHONUNBUFFERED": "1",
            "TMPDIR": str(runtime.pod_dir / "tmp"),
            "LOCALKUBE_POD_IP": runtime.ip or "",
        })
        if sys.prefix != sys.base_prefix:
            env["VIRTUAL_ENV"] = sys.prefix
        gpu_ids = ",".join(str(i) for i in (runtime.binding.gpu_ids if runtime.binding else []))
        env["CUDA_VISIBLE_DEVICES"] = gpu_ids
        env["NVIDIA_VISIBLE_DEVICES"] = gpu_ids or "void"
        # what in-cluster config is on a real cluster; a pod that opts out of its token gets none
        if self._kubeconfig_fn is not None and pod["spec"].get("automountServiceAccountToken") is not False:
            env["KUBECONFIG"] = str(self._kubeconfig_fn(runtime.namespace))
        env.update(image_env or {})
        env.update(self.extra_env)
        return env

    def _configure(self, runtime: PodRuntime, container: Container, pod: dict[str, Any]) -> list[str]:
        image = self.images.resolve(container.spec)
        spec = image.spec
        mounts = mount_map(spec, runtime.volumes)
        container_dir = runtime.pod_dir / "containers" / container.name
        container_dir.mkdir(parents=True, exist_ok=True)
        (runtime.pod_dir / "tmp").mkdir(exist_ok=True)
        termination_log = container_dir / "termination-log"
        termination_log.write_bytes(b"")
        mounts.setdefault(spec.get("terminationMessagePath") or "/dev/termination-log", str(termination_log))
        cwd = str(runtime.pod_dir / "work")
        if image.entry is not None and not container.spec.get("workingDir") and image.entry.working_dir:
            # the image's WORKDIR from the catalog is a host directory holding the image's files: a
            # volume mounted at a parent path (an emptyDir on /tmp, say) must not hide it
            cwd = image.entry.working_dir
        elif spec.get("workingDir"):
            mapped = map_path(spec["workingDir"], mounts)
            if mapped == spec["workingDir"] and not os.path.isdir(mapped):
                mapped = str(runtime.pod_dir / "rootfs" / spec["workingDir"].lstrip("/"))
                mounts[spec["workingDir"]] = mapped
            Path(mapped).mkdir(parents=True, exist_ok=True)
            cwd = mapped
        env = build_env(spec, pod, self._base_env(runtime, pod, image.image_env), self._lookup(CONFIGMAPS),
                        self._lookup(SECRETS))
        env.update(image.forced_env)
        venv_bin = os.path.dirname(sys.executable)
        if not env.get("PATH", "").startswith(venv_bin + os.pathsep):
            env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
        env[MOUNT_MAP_ENV] = mount_map_json(mounts)
        env[POD_MARKER_ENV] = runtime.uid
        container.env, container.cwd, container.mounts = env, cwd, mounts
        container.limits = process_limits(spec, pod["spec"].get("activeDeadlineSeconds"), self._core)
        self._core += len(container.limits.cores)
        return resolve_argv(spec, env, mounts)

    async def _start(self, runtime: PodRuntime, container: Container) -> str:
        """Start one container: ``running``, ``failed`` (StartError) or ``blocked`` (config error)."""
        pod = self._pod(runtime)
        if pod is None or runtime.stopping:
            return "blocked"
        field_path = self._field_path(container)
        container.finalized = asyncio.Event()
        try:
            if container.virtual:
                container.mounts, argv = mount_map(container.spec, runtime.volumes), []
            else:
                argv = self._configure(runtime, container, pod)
        except ContainerConfigError as exc:
            container.state, container.reason, container.message = "waiting", "CreateContainerConfigError", str(exc)
            self.events.record(pod, WARNING, "Failed", f"Error: {exc}", field_path=field_path)
            self._sync(runtime)
            return "blocked"
        except StartError as exc:
            self.events.record(pod, NORMAL, "Pulled", f'Container image "{container.image}" already present '
                               "on machine", field_path=field_path)
            self._terminated(runtime, container, 128, "StartError", str(exc), started=False)
            self.events.record(pod, WARNING, "Failed", f"Error: {exc}", field_path=field_path)
            return "failed"
        self.events.record(pod, NORMAL, "Pulled", f'Container image "{container.image}" already present on '
                           "machine", field_path=field_path)
        container.container_id = f"localkube://{uuid.uuid4().hex}"
        container.env[CONTAINER_MARKER_ENV] = container.container_id  # what the container's processes inherit
        self.events.record(pod, NORMAL, "Created", f"Created container: {container.name}", field_path=field_path)
        if not container.virtual:
            container.process = ContainerProcess(argv, container.env, container.cwd, container.limits,
                                                 container.log)
            try:
                await container.process.start()
            except OSError as exc:
                self._terminated(runtime, container, 128, "StartError", f"failed to start: {exc}", started=False)
                self.events.record(pod, WARNING, "Failed", f"Error: {exc}", field_path=field_path)
                return "failed"
            if runtime.stopping:  # deleted while starting: do not leave the process behind
                container.process.kill()
                await container.process.wait()
                container.log.close()
                return "blocked"
        container.state, container.reason, container.message = "running", None, None
        container.started_at, container.finished_at, container.exit_code = time.time(), None, None
        self.events.record(pod, NORMAL, "Started", f"Started container {container.name}", field_path=field_path)
        self._start_probes(runtime, container)
        self._sync(runtime)
        return "running"

    # ----------------------------------------------------------------------------- memory
    async def _memory_watchdog(self) -> None:
        """Kill containers whose process group's RSS exceeds ``limits.memory`` (OOMKilled, 137)."""
        while True:
            await asyncio.sleep(self.memory_check_seconds)
            watched = [(runtime, container) for runtime in list(self.pods.values())
                       for container in runtime.containers.values()
                       if container.state == "running" and container.process is not None
                       and container.process.pid and container.limits.memory_bytes]
            if not watched:
                continue
            try:
                usage = await asyncio.to_thread(rss_by_group, [c.process.pid for _, c in watched if c.process])
            except Exception:  # never let a /proc hiccup stop the watchdog
                log.exception("localkube memory watchdog could not read /proc")
                continue
            for runtime, container in watched:
                process = container.process
                limit = container.limits.memory_bytes or 0
                if process is None or not process.pid or usage.get(process.pid, 0) <= limit:
                    continue
                pod = self._pod(runtime)
                if pod is not None:
                    self.events.record(pod, WARNING, "OOMKilling", f"Memory cgroup out of memory: killed container "
                                       f"{container.name} ({usage[process.pid] // 2**20} MiB resident, limit "
                                       f"{limit // 2**20} MiB)", field_path=self._field_path(container))
                container.oom_killed = True
                process.kill()

    async def _usage_sampler(self) -> None:
        """Sample every running container's CPU time and RSS (:mod:`localkube.usage`)."""
        while True:
            await asyncio.sleep(self.usage_sample_seconds)
            watched = [container for runtime in list(self.pods.values())
                       for container in runtime.containers.values()
                       if container.state == "running" and container.process is not None and container.process.pid]
            if not watched:
                continue
            try:
                usage = await asyncio.to_thread(usage_by_group, [c.process.pid for c in watched if c.process])
            except Exception:  # never let a /proc hiccup stop the sampler
                log.exception("localkube usage sampler could not read /proc")
                continue
            for container in watched:
                process = container.process
                if process is not None and process.pid in usage and container.state == "running":
                    container.usage.observe(*usage[process.pid])

    def _publish_usage(self, runtime: PodRuntime) -> None:
        """Write the measured containers' usage on the pod (the :data:`USAGE_ANNOTATION` annotation)."""
        measured = {c.name: c.usage for c in runtime.containers.values() if not c.virtual and c.usage.samples}
        if not measured or self._pod(runtime) is None:
            return
        value = annotation_value(measured)

        def write(obj: dict[str, Any]) -> None:
            obj["metadata"]["annotations"] = {**(obj["metadata"].get("annotations") or {}), USAGE_ANNOTATION: value}

        self.store.update(PODS, runtime.namespace, runtime.name, write)

    # ----------------------------------------------------------------------------- probes
    def _start_probes(self, runtime: PodRuntime, container: Container) -> None:
        """Start the container's startup, readiness and liveness probes for this run."""
        spec = container.spec
        container.run_id += 1
        run = container.run_id
        probes = {kind: spec.get(f"{kind}Probe") for kind in ("startup", "readiness", "liveness")}
        container.probe_ready = container.init or container.virtual or probes["readiness"] is None
        container.startup_done = container.init or container.virtual or probes["startup"] is None
        if container.init or container.virtual:
            return
        started = asyncio.Event()
        if container.startup_done:
            started.set()

        def alive() -> bool:
            return container.run_id == run and container.state == "running" and not runtime.stopping

        def check(probe: dict[str, Any], timing: ProbeTiming) -> Any:
            if probe.get("httpGet") is not None:
                return lambda: http_get(probe["httpGet"], spec, runtime.ip or "127.0.0.1", timing.timeout)
            if probe.get("tcpSocket") is not None:
                return lambda: tcp_socket(probe["tcpSocket"], spec, runtime.ip or "127.0.0.1", timing.timeout)
            if probe.get("exec") is not None:
                return lambda: exec_probe(probe["exec"], container.env, container.cwd, container.mounts,
                                          limits=container.limits, timeout=timing.timeout)

            async def unsupported() -> tuple[bool, str]:
                return False, f"localkube does not support this probe handler: {sorted(probe)}"

            return unsupported

        for kind, probe in probes.items():
            if probe is None:
                continue
            timing = ProbeTiming.of(probe)
            on_result = self._probe_handler(runtime, container, kind, timing, started)
            is_alive = alive if kind != "startup" else (lambda: alive() and not container.startup_done)
            task = self._spawn(runtime, probe_loop(check(probe, timing), timing, is_alive, on_result,
                                                   None if kind == "startup" else started))
            container.probe_tasks.add(task)
            task.add_done_callback(container.probe_tasks.discard)

    def _probe_handler(self, runtime: PodRuntime, container: Container, kind: str, timing: ProbeTiming,
                       started: asyncio.Event) -> Any:
        title = kind.capitalize()

        def on_result(ok: bool, message: str, streak: int) -> None:
            pod = self._pod(runtime)
            if pod is None:
                return
            field_path = self._field_path(container)
            if not ok and (streak == 1 or streak % max(timing.failure_threshold, 1) == 0):
                self.events.record(pod, WARNING, "Unhealthy", f"{title} probe failed: {message}", field_path=field_path)
            if kind == "readiness":
                ready = container.probe_ready
                if ok and streak >= timing.success_threshold:
                    ready = True
                elif not ok and (streak >= timing.failure_threshold or not container.probe_ready):
                    ready = False
                if ready != container.probe_ready:
                    container.probe_ready = ready
                    self._sync(runtime)
            elif kind == "startup" and ok:
                container.startup_done = True
                started.set()
                self._sync(runtime)
            elif not ok and streak >= timing.failure_threshold:  # liveness, or a startup that never came up
                self.events.record(pod, NORMAL, "Killing", f"Container {container.name} failed {kind} probe, will "
                                   "be restarted", field_path=field_path)
                grace = float(pod["spec"].get("terminationGracePeriodSeconds", 30))
                if container.process is not None:
                    container.run_id += 1  # stop this run's probes now
                    self._spawn(runtime, container.process.terminate(min(grace, self.max_grace_seconds)))

        return on_result

    async def _wait(self, runtime: PodRuntime, container: Container) -> int:
        """Wait for a running container to end and record its terminated state."""
        if container.virtual:
            await container.finalized.wait()
            return container.exit_code or 0
        if container.process is None:  # never started (StartError): nothing to wait for
            return container.exit_code or 0
        code = await container.process.wait()
        message = self._termination_message(container, code)
        reason = "OOMKilled" if container.oom_killed else "Completed" if code == 0 else "Error"
        container.oom_killed = False
        self._terminated(runtime, container, code, reason, message)
        return code

    def _termination_message(self, container: Container, code: int) -> str | None:
        local = container.mounts.get(container.spec.get("terminationMessagePath") or "/dev/termination-log")
        text = ""
        if local and os.path.isfile(local):
            with open(local, "rb") as fh:
                text = fh.read(_TERMINATION_MESSAGE_MAX).decode("utf-8", "replace")
        if not text and code != 0 and container.spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
            tail = b"".join(line for _, line in container.log.entries[-80:])[-2048:]
            text = tail.decode("utf-8", "replace")
        return text or None

    def _terminated(self, runtime: PodRuntime, container: Container, code: int, reason: str,
                    message: str | None, *, started: bool = True) -> None:
        now = time.time()
        container.state, container.exit_code = "terminated", code
        container.reason, container.message = reason, message
        container.finished_at = now
        if not started:
            container.started_at = now
        for proc in list(container.execs):
            proc.kill()
        container.usage.end_run()
        self._publish_usage(runtime)
        self._sync(runtime)  # status first, then wake log followers: they re-read the pod next
        container.log.close()
        container.finalized.set()
        self._maybe_finish(runtime)

    def stop_virtual(self, runtime: PodRuntime, container: Container, code: int = 0) -> None:
        """A virtual container was killed (``kill`` via exec, or pod shutdown)."""
        if container.state == "running":
            self._terminated(runtime, container, code, "Completed" if code == 0 else "Error", None)

    # ----------------------------------------------------------------------------- status
    def _sync(self, runtime: PodRuntime) -> None:
        pod = self._pod(runtime)
        if pod is None:
            return

        def write(obj: dict[str, Any]) -> None:
            obj["status"] = pod_status(runtime, obj)

        self.store.update(PODS, runtime.namespace, runtime.name, write)

    def _maybe_finish(self, runtime: PodRuntime) -> None:
        """Release scheduler resources once the pod is terminal (GPUs go back to the node)."""
        if phase(runtime) in TERMINAL and not runtime.released:
            runtime.released = True
            if runtime.deadline_handle is not None:
                runtime.deadline_handle.cancel()
            if self.scheduler.release(runtime.uid):
                self._retry_pending()
            runtime.done.set()

    # ----------------------------------------------------------------------------- stopping
    async def _stop_containers(self, runtime: PodRuntime, grace: float) -> None:
        runtime.stopping = True
        pod = self._pod(runtime)
        running = [c for c in runtime.containers.values() if c.state == "running"]
        for container in running:
            if pod is not None:
                self.events.record(pod, NORMAL, "Killing", f"Stopping container {container.name}",
                                   field_path=self._field_path(container))
        await asyncio.gather(*(self._stop_one(runtime, c, grace) for c in running))
        for container in runtime.containers.values():
            if container.state == "waiting":
                container.state, container.exit_code, container.reason = "terminated", 137, "ContainerStatusUnknown"
                container.finished_at = time.time()
                container.log.close()
        self._sync(runtime)
        self._maybe_finish(runtime)

    async def _stop_one(self, runtime: PodRuntime, container: Container, grace: float) -> None:
        if container.virtual:
            self.stop_virtual(runtime, container, 143)
            return
        if container.process is not None:
            await container.process.terminate(grace)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(container.finalized.wait(), timeout=5)

    async def _deadline_exceeded(self, runtime: PodRuntime) -> None:
        pod = self._pod(runtime)
        if pod is None or runtime.stopping or phase(runtime) in TERMINAL:
            return
        runtime.reason = "DeadlineExceeded"
        runtime.message = "Pod was active on the node longer than the specified deadline"
        self.events.record(pod, WARNING, "DeadlineExceeded", runtime.message)
        grace = float(pod["spec"].get("terminationGracePeriodSeconds", 30))
        await self._stop_containers(runtime, min(grace, self.max_grace_seconds))

    async def delete_pod(self, namespace: str, name: str, grace: float | None) -> dict[str, Any]:
        """Delete a pod: stop its processes (graceful, capped), then remove it. Returns the object."""
        pod = self.store.get(PODS, namespace, name)
        runtime = self.pods.get(pod["metadata"]["uid"])
        spec_grace = float(pod["spec"].get("terminationGracePeriodSeconds", 30))
        grace = spec_grace if grace is None else grace
        active = runtime is not None and any(c.state == "running" for c in runtime.containers.values())
        if runtime is None or not active:
            if runtime is not None:
                runtime.stopping = runtime.deleting = True
                await self._stop_containers(runtime, 0)
            return self._remove(namespace, name, runtime)

        def mark(obj: dict[str, Any]) -> None:
            obj["metadata"]["deletionTimestamp"] = rfc3339(time.time() + grace)
            obj["metadata"]["deletionGracePeriodSeconds"] = int(grace)

        if runtime.deleting:
            return self.store.get(PODS, namespace, name)
        runtime.deleting = True
        marked = self.store.update(PODS, namespace, name, mark)

        async def finish() -> None:
            await self._stop_containers(runtime, min(grace, self.max_grace_seconds))
            if self.store.find(PODS, namespace, name) is not None:
                self._remove(namespace, name, runtime)

        self._spawn(runtime, finish())
        return marked

    def _remove(self, namespace: str, name: str, runtime: PodRuntime | None) -> dict[str, Any]:
        removed = self.store.delete(PODS, namespace, name)
        if runtime is None:  # restored after a restart: only its directory (its old logs) is left
            shutil.rmtree(self._pod_dir(removed["metadata"]), ignore_errors=True)
        else:
            runtime.stopping = runtime.deleting = True
            if runtime.deadline_handle is not None:
                runtime.deadline_handle.cancel()
            self.pods.pop(runtime.uid, None)
            if runtime in self._pending:
                self._pending.remove(runtime)
            self.ips.release(runtime.ip)
            for container in runtime.containers.values():
                container.log.close()
            sweep = asyncio.get_running_loop().create_task(  # nothing a pod started outlives it
                asyncio.to_thread(kill_tree, (POD_MARKER_ENV, runtime.uid)))
            self._tasks.add(sweep)
            sweep.add_done_callback(self._tasks.discard)
            shutil.rmtree(runtime.pod_dir, ignore_errors=True)
            for container in runtime.containers.values():  # probes of a removed pod stop now
                for task in list(container.probe_tasks):
                    task.cancel()
            if self.scheduler.release(runtime.uid):
                self._retry_pending()
            runtime.done.set()
            runtime.removed.set()
        return removed

    async def wait_removed(self, uid: str, timeout: float) -> None:
        """Wait until the pod with ``uid`` is gone from the store (after a delete)."""
        runtime = self.pods.get(uid)
        if runtime is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runtime.removed.wait(), timeout)

    async def shutdown(self, grace: float = 0.5) -> None:
        """Stop every pod's processes (localkube is going away)."""
        runtimes = list(self.pods.values())
        await asyncio.gather(*(self._stop_containers(r, grace) for r in runtimes), return_exceptions=True)
        for runtime in runtimes:
            await asyncio.to_thread(kill_tree, (POD_MARKER_ENV, runtime.uid))
        for loop_task in (self._watchdog, self._sampler):
            if loop_task is not None:
                loop_task.cancel()
        tasks = list(self._tasks)  # removed pods' back-offs included
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
