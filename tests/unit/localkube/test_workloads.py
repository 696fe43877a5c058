"""localkube's workload machinery without a server: rollout math, hashing, the image catalog,
discovery documents, admission, endpoints, probes and the TCP proxy."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

from localkube.admission import URL_ANNOTATION, Admission
from localkube.controllers.replicaset import deletion_rank
from localkube.controllers.rollout import (
    HASH_LABEL,
    equal_ignore_hash,
    max_scale_down,
    new_rs_replicas,
    pod_template_hash,
    resolve_fenceposts,
    safe_encode,
    scaled_value,
)
from localkube.controllers.services import compute_endpoints
from localkube.discovery import api_group_list, resource_list
from localkube.errors import ApiError, LocalKubeError
from localkube.images import DEFAULT_CATALOG, load_catalog, split_image
from localkube.ipam import IPAllocator, service_allocator
from localkube.patch import strategic_merge_patch
from localkube.probes import ProbeTiming, exec_probe, http_get, probe_loop, tcp_socket
from localkube.proxy import TcpProxy
from localkube.resources import DEPLOYMENTS, JOBS, SERVICES

TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "img:1", "command": ["python"]}]}}


# --------------------------------------------------------------------------------- rollout math
def test_pod_template_hash_is_stable_sensitive_and_ignores_its_own_label() -> None:
    first = pod_template_hash(TEMPLATE)
    assert first == pod_template_hash({**TEMPLATE})
    assert set(first) <= set("bcdfghjklmnpqrstvwxz2456789") and 6 <= len(first) <= 10
    labelled = {"metadata": {"labels": {"app": "web", HASH_LABEL: first}}, "spec": TEMPLATE["spec"]}
    assert pod_template_hash(labelled) == first and equal_ignore_hash(labelled, TEMPLATE)
    changed = {"metadata": TEMPLATE["metadata"],
               "spec": {"containers": [{"name": "c", "image": "img:2", "command": ["python"]}]}}
    assert pod_template_hash(changed) != first and not equal_ignore_hash(changed, TEMPLATE)
    assert pod_template_hash(TEMPLATE, collision_count=1) != first
    assert safe_encode("0123") == "4567"  # Kubernetes' rand.SafeEncodeString


@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    ("25%", "25%", 4, (1, 1)),
    ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable rounds down
    (0, 0, 3, (0, 1)),  # both zero: one may be unavailable, or nothing could ever move
    (1, 0, 2, (1, 0)),
    ("50%", "0%", 3, (2, 0)),
    ("100%", 2, 1, (1, 2)),
])
def test_fenceposts(surge: Any, unavailable: Any, desired: int, expected: tuple[int, int]) -> None:
    assert resolve_fenceposts(surge, unavailable, desired) == expected


def test_scaled_value_reads_ints_strings_and_percentages() -> None:
    assert scaled_value(None, 10, True) == 0
    assert scaled_value("3", 10, True) == 3
    assert scaled_value("33%", 10, True) == 4 and scaled_value("33%", 10, False) == 3


def test_rolling_update_steps_keep_within_surge_and_unavailable() -> None:
    """Simulate desired=3, maxSurge=1, maxUnavailable=0 with instantly available new pods."""
    desired, surge, unavailable = 3, *resolve_fenceposts(1, 0, 3)
    new, old, new_available = 0, 3, 0
    totals = []
    while new < desired or old:
        new = new_rs_replicas(desired, surge, new + old, new)
        totals.append(new + old)
        down = max_scale_down(desired, unavailable, new + old, new, new_available)
        assert new_available + old >= desired - unavailable  # never below the minimum available
        new_available = new  # the new pods become ready
        down = max_scale_down(desired, unavailable, new + old, new, new_available)
        old -= min(old, down)
    assert max(totals) <= desired + surge and (new, old) == (3, 0)
    assert new_rs_replicas(3, 1, 4, 5) == 3  # too many new pods: scale down to desired
    assert max_scale_down(3, 0, 4, 1, 0) == 0  # the new pod is not available yet: keep the old ones


def _pod(name: str, *, ready: bool, phase: str = "Running", node: str = "n", created: str = "2024-01-01T00:00:00Z",
         restarts: int = 0) -> dict[str, Any]:
    return {"metadata": {"name": name, "creationTimestamp": created},
            "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                       "containerStatuses": [{"restartCount": restarts}]}}


def test_scale_down_picks_unscheduled_pending_unready_restarting_newest_first() -> None:
    pods = [_pod("ready-old", ready=True), _pod("ready-new", ready=True, created="2024-01-02T00:00:00Z"),
            _pod("unready", ready=False), _pod("pending", ready=False, phase="Pending"),
            _pod("unscheduled", ready=False, phase="Pending", node=""),
            _pod("flapping", ready=True, restarts=4)]
    order = [p["metadata"]["name"] for p in sorted(pods, key=deletion_rank)]
    assert order == ["unscheduled", "pending", "unready", "flapping", "ready-new", "ready-old"]


def test_ip_allocators_do_not_overlap() -> None:
    pods, services = IPAllocator(), service_allocator()
    pod_ip, service_ip = pods.allocate(), services.allocate()
    assert service_ip.startswith("127.255.") and not pod_ip.startswith("127.255.")
    assert not services.reserve(pod_ip) and not services.reserve(service_ip)  # outside / taken
    fixed = IPAllocator("127.9.0.1", "127.9.0.3", randomize=False)
    assert [fixed.allocate() for _ in range(3)] == ["127.9.0.1", "127.9.0.2", "127.9.0.3"]
    with pytest.raises(RuntimeError):
        fixed.allocate()


# --------------------------------------------------------------------------------- image catalog
def test_image_names_split_like_a_container_runtime() -> None:
    assert split_image("golive-sample-app:1.1.0-errors") == ("golive-sample-app", "1.1.0-errors")
    assert split_image("registry:5000/team/app:2") == ("registry:5000/team/app", "2")
    assert split_image("registry:5000/team/app") == ("registry:5000/team/app", "latest")
    assert split_image("app@sha256:abc") == ("app", "latest")


def test_catalog_resolves_entrypoint_cmd_workdir_env_and_variants(tmp_path: Path) -> None:
    catalog = load_catalog({"images": {"shop": {
        "aliases": ["team/shop"], "workingDir": str(tmp_path), "entrypoint": ["python", "-m"], "cmd": ["shop"],
        "env": {"MODE": "image"}, "variants": {"-errors": {"env": {"FAULT_MODE": "errors"}}}}}})
    plain = catalog.resolve({"name": "c", "image": "shop:1.0"})
    assert plain.spec["command"] == ["python", "-m"] and plain.spec["args"] == ["shop"]
    assert plain.spec["workingDir"] == str(tmp_path) and plain.image_env == {"MODE": "image"}
    assert plain.forced_env == {}
    args_only = catalog.resolve({"name": "c", "image": "ghcr.io/team/shop:1.1.0-errors", "args": ["other"]})
    assert args_only.spec["command"] == ["python", "-m"] and args_only.spec["args"] == ["other"]
    assert args_only.forced_env == {"FAULT_MODE": "errors"}  # a bad build, whatever the pod says
    own = catalog.resolve({"name": "c", "image": "shop:1", "command": ["sh"], "workingDir": "/w"})
    assert own.spec["command"] == ["sh"] and "args" not in own.spec and own.spec["workingDir"] == "/w"
    unknown = catalog.resolve({"name": "c", "image": "python:3.11", "command": ["python", "-c", "1"]})
    assert unknown.entry is None and unknown.spec["command"] == ["python", "-c", "1"]
    with pytest.raises(LocalKubeError, match="unknown keys"):
        load_catalog({"images": {"x": {"comand": ["typo"]}}})
    with pytest.raises(LocalKubeError, match="cannot be read"):
        load_catalog(tmp_path / "missing.yaml")


def test_bundled_catalog_runs_the_sample_app_from_the_repository() -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    for image in ("golive-sample-app:1.0.0", "golive/sample-app:1.0.0", "sample-app:1.0.0"):
        entry = catalog.lookup(image)
        assert entry is not None and entry.cmd == ("python", "-m", "app")
        assert (Path(entry.working_dir or "") / "app" / "__main__.py").is_file()
    slow = catalog.resolve({"name": "api", "image": "golive-sample-app:1.2.0-slow"})
    assert slow.forced_env == {"FAULT_MODE": "slow"}


# --------------------------------------------------------------------------------- discovery, admission
def test_discovery_lists_every_group_with_scale_subresources() -> None:
    groups = {g["name"] for g in api_group_list()["groups"]}
    assert {"apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy",
            "monitoring.coreos.com", "scheduling.k8s.io"} <= groups
    apps = {r["name"]: r for r in resource_list("apps", "v1")["resources"]}
    assert apps["deployments"]["namespaced"] and apps["deployments"]["shortNames"] == ["deploy"]
    assert apps["deployments/scale"]["group"] == "autoscaling" and apps["deployments/scale"]["kind"] == "Scale"
    rbac = {r["name"]: r for r in resource_list("rbac.authorization.k8s.io", "v1")["resources"]}
    assert not rbac["clusterroles"]["namespaced"] and rbac["roles"]["namespaced"]
    core = {r["name"] for r in resource_list("", "v1")["resources"]}
    assert {"services", "endpoints", "serviceaccounts", "services/status", "pods/log"} <= core
    assert resource_list("nothing.example", "v1") is None


def _deployment(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "ns"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE, **spec}}


def test_deployment_admission_defaults_and_rejects() -> None:
    admission = Admission()
    obj = admission.create(DEPLOYMENTS, _deployment())
    spec = obj["spec"]
    assert spec["replicas"] == 1 and spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    assert spec["template"]["spec"]["containers"][0]["terminationMessagePath"] == "/dev/termination-log"
    with pytest.raises(ApiError, match="does not match template") as mismatch:
        admission.create(DEPLOYMENTS, _deployment(selector={"matchLabels": {"app": "other"}}))
    assert mismatch.value.code == 422
    with pytest.raises(ApiError, match="may not be 0"):
        admission.create(DEPLOYMENTS, _deployment(strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}))
    changed = _deployment(selector={"matchLabels": {"app": "web", "tier": "x"}})
    changed["spec"]["template"] = {"metadata": {"labels": {"app": "web", "tier": "x"}}, "spec": TEMPLATE["spec"]}
    with pytest.raises(ApiError, match="field is immutable"):
        admission.update(DEPLOYMENTS, obj, changed)


def test_job_admission_generates_the_controller_uid_selector() -> None:
    job = Admission().create(JOBS, {"metadata": {"name": "once", "namespace": "ns"},
                                    "spec": {"template": {"spec": {"restartPolicy": "Never",
                                                                   "containers": TEMPLATE["spec"]["containers"]}}}})
    uid = job["metadata"]["uid"]
    assert job["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert job["spec"]["template"]["metadata"]["labels"]["job-name"] == "once"
    assert (job["spec"]["backoffLimit"], job["spec"]["completions"]) == (6, 1)
    with pytest.raises(ApiError, match="restartPolicy"):
        Admission().create(JOBS, {"metadata": {"name": "bad", "namespace": "ns"},
                                  "spec": {"template": {"spec": {"containers": TEMPLATE["spec"]["containers"]}}}})


class _Network:
    def __init__(self) -> None:
        self.allocator = service_allocator()

    def allocate_ip(self, requested: str | None, kind: str, name: str) -> str:
        if requested:
            assert self.allocator.reserve(requested)
            return requested
        return self.allocator.allocate()

    def allocate_node_port(self, requested: int | None) -> int:
        return requested or 30001

    def url(self, namespace: str, name: str, ip: str, port: int) -> str:
        return f"http://{ip}:{port}"


def test_service_admission_allocates_keeps_and_protects_the_cluster_ip() -> None:
    admission = Admission(_Network())
    body = {"metadata": {"name": "web", "namespace": "ns"}, "spec": {"type": "LoadBalancer", "selector": {"a": "b"},
                                                                       "ports": [{"port": 80, "targetPort": "http"}]}}
    svc = admission.create(SERVICES, body)
    ip = svc["spec"]["clusterIP"]
    assert ip.startswith("127.255.") and svc["spec"]["ports"][0]["nodePort"] == 30001
    assert svc["metadata"]["annotations"][URL_ANNOTATION] == f"http://{ip}:80"
    assert svc["status"]["loadBalancer"]["ingress"][0]["ip"] == ip
    replacement = {"metadata": {"name": "web", "namespace": "ns"},
                   "spec": {"selector": {"a": "c"}, "ports": [{"port": 80}]}}
    kept = admission.update(SERVICES, svc, replacement)
    assert kept["spec"]["clusterIP"] == ip and kept["metadata"]["annotations"][URL_ANNOTATION] == f"http://{ip}:80"
    moved = {"metadata": {"name": "web"}, "spec": {"clusterIP": "127.255.9.9", "ports": [{"port": 80}]}}
    with pytest.raises(ApiError, match="may not change"):
        admission.update(SERVICES, svc, moved)
    headless = admission.create(SERVICES, {"metadata": {"name": "h", "namespace": "ns"},
                                           "spec": {"clusterIP": "None", "ports": [{"port": 5432}]}})
    assert headless["spec"]["clusterIP"] == "None" and URL_ANNOTATION not in headless["metadata"]["annotations"]
    with pytest.raises(ApiError, match="name: Required"):
        admission.create(SERVICES, {"metadata": {"name": "two", "namespace": "ns"},
                                    "spec": {"ports": [{"port": 1}, {"port": 2}]}})


def test_strategic_merge_of_service_ports_uses_the_port_key() -> None:
    service = {"spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8000},
                                  {"name": "metrics", "port": 9090, "targetPort": 9090}]}}
    patched = strategic_merge_patch(service, {"spec": {"ports": [{"port": 9090, "targetPort": 9100}]}})
    assert patched["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": 8000},
                                        {"name": "metrics", "port": 9090, "targetPort": 9100}]


def test_endpoints_follow_readiness_named_ports_and_termination() -> None:
    def pod(name: str, ip: str, *, ready: bool, terminating: bool = False, labels: dict[str, str] | None = None
            ) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, "namespace": "ns", "uid": name, "labels": labels or {"app": "web"}}
        if terminating:
            meta["deletionTimestamp"] = "2024-01-01T00:00:00Z"
        return {"metadata": meta, "spec": {"containers": [{"ports": [{"name": "http", "containerPort": 8000}]}]},
                "status": {"phase": "Running", "podIP": ip,
                           "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}

    service = {"spec": {"selector": {"app": "web"}, "ports": [{"name": "web", "port": 80, "targetPort": "http"}]}}
    pods = [pod("a", "127.1.0.1", ready=True), pod("b", "127.1.0.2", ready=False),
            pod("c", "127.1.0.3", ready=True, terminating=True), pod("d", "127.1.0.4", ready=True, labels={"x": "y"})]
    backends, subsets = compute_endpoints(service, pods)
    assert backends == {80: [("127.1.0.1", 8000)]}
    assert [a["ip"] for a in subsets[0]["addresses"]] == ["127.1.0.1"]
    assert [a["ip"] for a in subsets[0]["notReadyAddresses"]] == ["127.1.0.2"]
    assert subsets[0]["ports"] == [{"name": "web", "port": 8000, "protocol": "TCP"}]


# --------------------------------------------------------------------------------- probes and proxy
async def _http_server(answers: dict[str, int]) -> tuple[asyncio.base_events.Server, int]:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        path = line.split()[1].decode() if len(line.split()) > 1 else "/"
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        code = answers.get(path, 404)
        writer.write(f"HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_http_tcp_and_exec_probes() -> None:
    async def scenario() -> None:
        server, port = await _http_server({"/ok": 200, "/redirect": 302, "/boom": 500})
        container = {"name": "c", "ports": [{"name": "http", "containerPort": port}]}
        assert await http_get({"path": "/ok", "port": "http"}, container, "127.0.0.1", 1) == (True, "")
        assert (await http_get({"path": "/redirect", "port": port}, container, "127.0.0.1", 1))[0]
        ok, message = await http_get({"path": "/boom", "port": port}, container, "127.0.0.1", 1)
        assert not ok and message == "HTTP probe failed with statuscode: 500"
        assert (await tcp_socket({"port": "http"}, container, "127.0.0.1", 1))[0]
        server.close()
        await server.wait_closed()
        ok, message = await tcp_socket({"port": port}, container, "127.0.0.1", 1)
        assert not ok and "dial tcp" in message
        assert not (await http_get({"port": port}, container, "127.0.0.1", 1))[0]
        with pytest.raises(ValueError, match="not a port"):
            await http_get({"port": "metrics"}, container, "127.0.0.1", 1)
        env = {"PATH": str(Path(sys.executable).parent)}
        assert (await exec_probe({"command": ["python", "-c", "pass"]}, env, "/", {}, limits=_limits(), timeout=5))[0]
        ok, message = await exec_probe({"command": ["python", "-c", "import sys; print('down'); sys.exit(3)"]},
                                       env, "/", {}, limits=_limits(), timeout=5)
        assert not ok and "exited with 3" in message and "down" in message

    asyncio.run(scenario())


def _limits() -> Any:
    from localkube.podspec import Limits

    return Limits()


def test_probe_loop_counts_streaks_until_it_is_stopped() -> None:
    async def scenario() -> list[tuple[bool, int]]:
        results = iter([True, True, False, False, False, True])
        seen: list[tuple[bool, int]] = []

        async def check() -> tuple[bool, str]:
            return next(results), ""

        timing = ProbeTiming.of({"periodSeconds": 0.01})
        assert (timing.failure_threshold, timing.timeout) == (3, 1.0)
        await probe_loop(check, ProbeTiming(period=0.0), lambda: len(seen) < 6,
                         lambda ok, _m, streak: seen.append((ok, streak)))
        return seen

    assert asyncio.run(scenario()) == [(True, 1), (True, 2), (False, 1), (False, 2), (False, 3), (True, 1)]


def test_proxy_balances_and_skips_backends_that_close_without_answering() -> None:
    async def scenario() -> None:
        async def named(name: bytes) -> int:
            async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
                await reader.read(100)
                writer.write(name)
                await writer.drain()
                writer.close()

            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            servers.append(server)
            return int(server.sockets[0].getsockname()[1])

        async def closer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()  # a terminating backend: accepts, then closes without a byte

        servers: list[asyncio.base_events.Server] = []
        a, b = await named(b"A"), await named(b"B")
        bad = await asyncio.start_server(closer, "127.0.0.1", 0)
        servers.append(bad)
        backends = [("127.0.0.1", int(bad.sockets[0].getsockname()[1])), ("127.0.0.1", a), ("127.0.0.1", b)]
        counter = iter(range(10**6))

        def pick(exclude: set[tuple[str, int]]) -> tuple[str, int] | None:
            left = [x for x in backends if x not in exclude]
            return left[next(counter) % len(left)] if left else None

        proxy = TcpProxy("127.0.0.1", 0, pick)
        port = await proxy.start()
        answers = []
        for _ in range(9):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"hello")
            await writer.drain()
            answers.append(await reader.read(10))
            writer.close()
        assert set(answers) == {b"A", b"B"}  # never an empty answer from the closing backend
        backends.clear()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await reader.read(10) == b""  # no endpoint: the connection is closed
        writer.close()
        await proxy.stop()
        for server in servers:
            server.close()

    asyncio.run(scenario())


def test_catalog_workdir_is_not_hidden_by_a_volume_mounted_on_a_parent_path(tmp_path):
    """An image directory under /tmp stays the working directory even with an emptyDir on /tmp
    (the sample-app chart mounts one: readOnlyRootFilesystem) — a checkout under /tmp must work."""
    import time

    from kubernetes.client import (
        V1Container,
        V1EmptyDirVolumeSource,
        V1ObjectMeta,
        V1Pod,
        V1PodSpec,
        V1Volume,
        V1VolumeMount,
    )

    from localkube import LocalKube

    app_dir = tmp_path / "image-root"
    (app_dir / "pkg").mkdir(parents=True)
    (app_dir / "pkg" / "__init__.py").write_text("")
    (app_dir / "pkg" / "__main__.py").write_text("import os; print('cwd', os.getcwd())\n")
    catalog = {"images": {"tmp-image": {"workingDir": str(app_dir), "cmd": ["python", "-m", "pkg"]}}}
    with LocalKube(state_dir=tmp_path / "state", images=catalog) as kube:
        core = kube.core_v1()
        core.create_namespaced_pod("default", V1Pod(metadata=V1ObjectMeta(name="p"), spec=V1PodSpec(
            restart_policy="Never",
            containers=[V1Container(name="c", image="tmp-image:1", volume_mounts=[
                V1VolumeMount(name="tmp", mount_path="/tmp")])],
            volumes=[V1Volume(name="tmp", empty_dir=V1EmptyDirVolumeSource())])))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and core.read_namespaced_pod("p", "default").status.phase != "Succeeded":
            time.sleep(0.1)
        log = core.read_namespaced_pod_log("p", "default", _preload_content=False).data.decode()
    assert f"cwd {app_dir}" in log
