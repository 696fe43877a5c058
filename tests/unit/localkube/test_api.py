"""The HTTP API surface: discovery, Status errors, namespaces, nodes, patches, watches, the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
import yaml
from kubernetes import watch
from kubernetes.client.exceptions import ApiException

from localkube import LocalKube, connection_uri

pytestmark = pytest.mark.localkube


def http(kube: LocalKube, method: str, path: str, body: Any = None,
         content_type: str = "application/json") -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {kube.token}"}
    request = urllib.request.Request(kube.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def sleeper(name: str, **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels},
            "spec": {"restartPolicy": "Never", "containers": [
                {"name": "base", "image": "python:3.11", "command": ["python", "-c", "import time; time.sleep(30)"]}]}}


def test_discovery_and_version(localkube: LocalKube) -> None:
    assert http(localkube, "GET", "/version")[1]["major"] == "1"
    assert http(localkube, "GET", "/api")[1]["versions"] == ["v1"]
    resources = {r["name"] for r in http(localkube, "GET", "/api/v1")[1]["resources"]}
    assert {"pods", "pods/log", "pods/exec", "events", "namespaces", "nodes", "configmaps", "secrets"} <= resources
    groups = {g["name"] for g in http(localkube, "GET", "/apis")[1]["groups"]}
    assert groups >= {"apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io", "policy",
                      "monitoring.coreos.com"}


@pytest.mark.parametrize(("method", "path", "code", "reason"), [
    ("GET", "/api/v1/namespaces/default/pods/absent", 404, "NotFound"),
    ("GET", "/api/v1/namespaces/nowhere/pods", 200, None),
    ("POST", "/api/v1/namespaces/nowhere/pods", 404, "NotFound"),
    ("GET", "/api/v1/no/such/route", 404, "NotFound"),
    ("POST", "/api/v1/nodes", 405, "MethodNotAllowed"),
    ("GET", "/api/v1/namespaces/default/pods?labelSelector=a%3Db%3Dc", 400, "BadRequest"),
    ("GET", "/api/v1/namespaces/default/pods/x/attach", 501, "NotImplemented"),
    ("DELETE", "/api/v1/namespaces/default", 403, "Forbidden"),
])
def test_errors_are_status_objects(localkube: LocalKube, method: str, path: str, code: int, reason: str) -> None:
    status, body = http(localkube, method, path, {} if method == "POST" else None)
    assert status == code
    if reason:
        assert body["kind"] == "Status" and body["status"] == "Failure"
        assert body["reason"] == reason and body["code"] == code


def test_create_validation_and_conflicts(localkube: LocalKube) -> None:
    api = localkube.core_v1()
    with pytest.raises(ApiException) as invalid:
        api.create_namespaced_pod("default", {"metadata": {"name": "Bad_Name"}, "spec": {"containers": []}})
    assert invalid.value.status == 422 and json.loads(invalid.value.body)["reason"] == "Invalid"
    with pytest.raises(ApiException) as gpu_request_only:
        api.create_namespaced_pod("default", {"metadata": {"name": "gpu-req"}, "spec": {"containers": [
            {"name": "c", "image": "i", "command": ["true"], "resources": {"requests": {"nvidia.com/gpu": "1"}}}]}})
    assert "Limit must be set" in json.loads(gpu_request_only.value.body)["message"]
    name = f"dup-{uuid.uuid4().hex[:6]}"
    api.create_namespaced_pod("default", sleeper(name))
    with pytest.raises(ApiException) as conflict:
        api.create_namespaced_pod("default", sleeper(name))
    assert conflict.value.status == 409 and json.loads(conflict.value.body)["reason"] == "AlreadyExists"
    generated = api.create_namespaced_pod("default", {"metadata": {"generateName": "gen-"},
                                                      "spec": sleeper("x")["spec"]})
    assert generated.metadata.name.startswith("gen-") and len(generated.metadata.name) == 9
    for pod in (name, generated.metadata.name):
        api.delete_namespaced_pod(pod, "default", grace_period_seconds=0)


def test_patch_flavours_and_immutable_spec(localkube: LocalKube) -> None:
    api = localkube.core_v1()
    name = f"patch-{uuid.uuid4().hex[:6]}"
    api.create_namespaced_pod("default", sleeper(name, app="web"))
    path = f"/api/v1/namespaces/default/pods/{name}"
    # what KPO sends: a dict body; the client turns json-patch into strategic merge for dicts
    api.patch_namespaced_pod(name, "default", {"metadata": {"labels": {"already_checked": "True"}}})
    assert api.read_namespaced_pod(name, "default").metadata.labels["already_checked"] == "True"
    code, body = http(localkube, "PATCH", path, [{"op": "add", "path": "/metadata/annotations", "value": {"a": "1"}}],
                      "application/json-patch+json")
    assert code == 200 and body["metadata"]["annotations"] == {"a": "1"}
    code, body = http(localkube, "PATCH", path, {"metadata": {"labels": {"app": None}}}, "application/merge-patch+json")
    assert code == 200 and "app" not in body["metadata"]["labels"]
    code, body = http(localkube, "PATCH", path, {"spec": {"restartPolicy": "Always"}}, "application/merge-patch+json")
    assert code == 422 and "Forbidden" in body["message"]
    code, body = http(localkube, "PATCH", path, {"metadata": {}}, "application/apply-patch+yaml")
    assert code == 415 and body["reason"] == "UnsupportedMediaType"  # server-side apply is not implemented
    api.delete_namespaced_pod(name, "default", grace_period_seconds=0)


def test_namespaces_and_nodes(localkube: LocalKube) -> None:
    api = localkube.core_v1()
    name = f"ns-{uuid.uuid4().hex[:6]}"
    api.create_namespace({"metadata": {"name": name}})
    assert name in [n.metadata.name for n in api.list_namespace().items]
    assert api.read_namespace(name).status.phase == "Active"
    api.create_namespaced_pod(name, sleeper("inside"))
    api.create_namespaced_config_map(name, {"metadata": {"name": "cfg"}, "data": {"k": "v"}})
    api.delete_namespace(name)
    with pytest.raises(ApiException):
        api.read_namespace(name)
    assert localkube.pod("inside", name) is None
    (node,) = api.list_node().items
    assert node.metadata.name == "localkube" and node.status.capacity["nvidia.com/gpu"] == "0"
    assert node.status.node_info.container_runtime_version.startswith("localkube://")
    assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def test_watch_pods_and_events(localkube: LocalKube) -> None:
    api = localkube.core_v1()
    name = f"watched-{uuid.uuid4().hex[:6]}"
    seen: list[tuple[str, str | None]] = []
    start = api.list_namespaced_pod("default").metadata.resource_version  # replay everything after this

    def watch_pods() -> None:
        w = watch.Watch()
        for event in w.stream(api.list_namespaced_pod, "default", label_selector=f"watch={name}",
                              resource_version=start, timeout_seconds=10):
            seen.append((event["type"], event["object"].status.phase))
            if event["type"] == "DELETED":
                w.stop()

    thread = threading.Thread(target=watch_pods)
    thread.start()
    body = sleeper(name, watch=name)
    body["spec"]["containers"][0]["command"] = ["python", "-c", "print('quick')"]
    api.create_namespaced_pod("default", body)
    import time

    deadline = time.monotonic() + 10
    while localkube.pod(name)["status"]["phase"] != "Succeeded" and time.monotonic() < deadline:
        time.sleep(0.02)
    api.delete_namespaced_pod(name, "default")
    thread.join(15)
    assert seen[0][0] == "ADDED" and seen[-1][0] == "DELETED"
    assert ("MODIFIED", "Running") in seen and ("MODIFIED", "Succeeded") in seen
    events = list(watch.Watch().stream(api.list_namespaced_event, "default",
                                       field_selector=f"involvedObject.name={name}", timeout_seconds=1))
    assert [e["object"].reason for e in events][:2] == ["Scheduled", "Pulled"]


def test_kubeconfig_and_connection_uri(localkube: LocalKube, tmp_path) -> None:
    path = localkube.write_kubeconfig(tmp_path / "cfg" / "kubeconfig", namespace="team")
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "localkube"
    assert config["clusters"][0]["cluster"]["server"] == localkube.url
    assert config["contexts"][0]["context"]["namespace"] == "team"
    assert localkube.core_v1().read_namespace("golive").status.phase == "Active"  # the fixture's extra namespace
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    connection = json.loads(connection_uri(path, "team"))
    assert connection == {"conn_type": "kubernetes", "extra": {"kube_config_path": str(path), "namespace": "team"}}


def test_context_manager_stops_pods_and_removes_state() -> None:
    with LocalKube() as kube:
        kube.core_v1().create_namespaced_pod("default", sleeper("lingering"))
        pid = kube.call(lambda: next(iter(kube.kubelet.pods.values())).containers["base"].process.pid)
        state_dir = kube.state_dir
        assert state_dir is not None and state_dir.exists()
    assert not state_dir.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_start_fails_clearly_when_the_port_is_taken(localkube: LocalKube) -> None:
    from localkube.errors import LocalKubeError

    with pytest.raises(LocalKubeError, match=f"could not start on 127.0.0.1:{localkube.port}"):
        LocalKube(port=localkube.port).start()


def test_cli_serves_and_writes_kubeconfig(tmp_path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "localkube", "serve", "--port", "0", "--gpus", "2",
                             "--kubeconfig", str(kubeconfig), "--state-dir", str(tmp_path / "state"),
                             "--namespace", "team-a", "--node-label", "golive.io/accelerator=nvidia-gpu"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        assert proc.stdout.readline().strip() == f"kubeconfig: {kubeconfig}"
        assert json.loads(proc.stdout.readline().partition("=")[2])["extra"]["kube_config_path"] == str(kubeconfig)
        token = yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["token"]
        assert token == (tmp_path / "state" / "token").read_text().strip()
        auth = {"Authorization": f"Bearer {token}"}
        with urllib.request.urlopen(urllib.request.Request(f"{url}/api/v1/nodes/localkube", headers=auth)) as response:
            node = json.load(response)
        assert node["status"]["capacity"]["nvidia.com/gpu"] == "2"
        assert node["metadata"]["labels"]["golive.io/accelerator"] == "nvidia-gpu"
        with urllib.request.urlopen(urllib.request.Request(f"{url}/api/v1/namespaces/team-a",
                                                           headers=auth)) as response:
            assert json.load(response)["status"]["phase"] == "Active"
        assert yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"] == url
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0


def test_main_entry_point_is_importable() -> None:
    from localkube.__main__ import main

    with pytest.raises(SystemExit):
        main(["--help"])
