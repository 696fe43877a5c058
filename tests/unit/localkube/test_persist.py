"""A localkube restart keeps its objects and reconciles its pods (localkube.persist, Kubelet.recover)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client as k8s
from waiting import wait_for

from localkube import LocalKube
from localkube.persist import OBJECTS_FILE, StatePersister
from localkube.resources import SECRETS
from localkube.runtime import POD_MARKER_ENV
from localkube.store import Store

pytestmark = pytest.mark.localkube

SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        body = os.environ['NAME'].encode()\n"
    "        self.send_response(200)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *args):\n"
    "        pass\n"
    "http.server.ThreadingHTTPServer((os.environ['POD_IP'], 8080), H).serve_forever()\n"
)



def web_deployment(name: str) -> dict[str, Any]:
    labels = {"app": name}
    container = {"name": "web", "image": "python:3.11", "command": ["python", "-c", SERVER],
                 "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                         {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                 "ports": [{"containerPort": 8080}],
                 "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1}}
    return {"metadata": {"name": name}, "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                                                 "template": {"metadata": {"labels": labels},
                                                              "spec": {"containers": [container]}}}}


def bare_pod(name: str, code: str) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"restartPolicy": "Never", "containers": [
        {"name": "c", "image": "python:3.11", "command": ["python", "-c", code]}]}}


def ready_pods(kube: LocalKube, selector: str) -> list[str]:
    found = kube.core_v1().list_namespaced_pod("default", label_selector=selector).items
    return sorted(p.metadata.name for p in found
                  if p.status.phase == "Running" and all(c.ready for c in p.status.container_statuses or []))


def answers(url: str) -> str | None:
    try:
        return httpx.get(url, headers={"Connection": "close"}, timeout=2).text
    except httpx.HTTPError:
        return None


def test_restart_keeps_objects_restarts_deployments_and_fails_bare_pods(
        localkube_factory: Callable[..., LocalKube], tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = localkube_factory(state_dir=state)
    core, apps = first.core_v1(), k8s.AppsV1Api(first.api_client())
    core.create_namespaced_secret("default", {"metadata": {"name": "db"}, "stringData": {"password": "hunter2"}})
    core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}, "data": {"k": "v"}})
    apps.create_namespaced_deployment("default", web_deployment("web"))
    core.create_namespaced_service("default", {"metadata": {"name": "web"}, "spec": {
        "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    core.create_namespaced_pod("default", bare_pod("batch", "import time; time.sleep(300)"))
    core.create_namespaced_pod("default", bare_pod("done", "print('finished')"))
    before = wait_for(lambda: len(ready_pods(first, "app=web")) == 2 and ready_pods(first, "app=web"),
                      what="two ready web pods")
    url = first.service_url("web")
    assert wait_for(lambda: answers(url), what="the Service answers") in before
    wait_for(lambda: (first.pod("done") or {}).get("status", {}).get("phase") == "Succeeded", what="done pod")
    wait_for(lambda: (first.pod("batch") or {}).get("status", {}).get("phase") == "Running", what="batch pod")
    batch_uid = first.pod("batch")["metadata"]["uid"]  # type: ignore[index]
    token = first.token
    first.stop()
    saved = state / OBJECTS_FILE
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    # a process the previous localkube left behind (as if it had died) must not survive the restart
    leftover = subprocess.Popen(["sleep", "300"], env={**os.environ, POD_MARKER_ENV: batch_uid},
                                start_new_session=True)

    second = localkube_factory(state_dir=state)
    try:
        assert second.token == token
        core, apps = second.core_v1(), k8s.AppsV1Api(second.api_client())
        assert base64.b64decode(core.read_namespaced_secret("db", "default").data["password"]) == b"hunter2"
        assert core.read_namespaced_config_map("cfg", "default").data == {"k": "v"}
        assert [n.metadata.name for n in core.list_namespace().items].count("default") == 1
        after = wait_for(lambda: len(ready_pods(second, "app=web")) == 2 and ready_pods(second, "app=web"),
                         what="the Deployment's pods running again")
        assert not set(after) & set(before)  # new pods, made by the ReplicaSet controller
        new_url = second.service_url("web")
        assert wait_for(lambda: answers(new_url) in after and answers(new_url), what="the Service answers again")
        status = wait_for(lambda: (d := apps.read_namespaced_deployment("web", "default")).status.available_replicas
                          == 2 and d.status, what="the Deployment available")
        assert status.ready_replicas == 2
        batch = core.read_namespaced_pod("batch", "default")
        assert (batch.status.phase, batch.status.reason) == ("Failed", "LocalkubeRestarted")
        assert batch.status.container_statuses[0].state.terminated.reason == "ContainerStatusUnknown"
        assert core.read_namespaced_pod("done", "default").status.phase == "Succeeded"
        saved_log = core.read_namespaced_pod_log("done", "default", timestamps=True, _preload_content=False)
        assert saved_log.data.decode().endswith(" finished\n")  # the log the previous localkube kept
        assert leftover.wait(timeout=10) == -9
        stale = httpx.get(f"{second.url}/api/v1/namespaces/default/pods",  # a watch from before: relist
                          params={"watch": "true", "resourceVersion": "2", "timeoutSeconds": "1"},
                          headers={"Authorization": f"Bearer {second.token}"}, timeout=10)
        event = json.loads(stale.text.splitlines()[0])
        assert event["type"] == "ERROR" and event["object"]["code"] == 410
    finally:
        if leftover.poll() is None:
            leftover.kill()


def test_a_rollback_after_a_restart_sees_the_revisions_and_runs_the_old_version(
        localkube_factory: Callable[..., LocalKube], tmp_path: Path) -> None:
    from golive.kube.workloads import revisions, rollout_status, undo

    state = tmp_path / "state"
    first = localkube_factory(state_dir=state)
    apps = k8s.AppsV1Api(first.api_client())
    good = web_deployment("shop")
    good["spec"]["replicas"] = 1
    apps.create_namespaced_deployment("default", good)
    assert rollout_status("shop", "default", first.api_client(), timeout=30).done
    bad = {"spec": {"template": {"metadata": {"annotations": {"version": "bad"}}}}}
    apps.patch_namespaced_deployment("shop", "default", bad)
    assert rollout_status("shop", "default", first.api_client(), timeout=30).done
    first.stop()

    second = localkube_factory(state_dir=state)
    client = second.api_client()
    assert [r.revision for r in revisions("shop", "default", client)] == [1, 2]
    assert rollout_status("shop", "default", client, timeout=30).done  # running again, not "nothing is running"
    undo("shop", "default", client=client)
    assert rollout_status("shop", "default", client, timeout=30).done
    running = wait_for(lambda: ready_pods(second, "app=shop"), what="the rolled-back pod ready")
    pod = second.core_v1().read_namespaced_pod(running[0], "default")
    assert "version" not in (pod.metadata.annotations or {})  # the template of revision 1


def test_restored_status_is_what_runs_now_from_the_first_read(
        localkube_factory: Callable[..., LocalKube], tmp_path: Path) -> None:
    ready_flag = tmp_path / "ready"
    ready_flag.write_text("yes")
    deployment = web_deployment("gate")
    probe = {"exec": {"command": ["test", "-f", str(ready_flag)]}, "periodSeconds": 1}
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = probe
    state = tmp_path / "state"
    first = localkube_factory(state_dir=state)
    k8s.AppsV1Api(first.api_client()).create_namespaced_deployment("default", deployment)
    wait_for(lambda: k8s.AppsV1Api(first.api_client()).read_namespaced_deployment("gate", "default")
             .status.available_replicas == 2, what="two available replicas")
    first.stop()
    ready_flag.unlink()  # the new pods will never be ready

    second = localkube_factory(state_dir=state)
    status = k8s.AppsV1Api(second.api_client()).read_namespaced_deployment("gate", "default").status
    assert not status.available_replicas and not status.ready_replicas  # not the 2 saved before the restart
    replicaset = k8s.AppsV1Api(second.api_client()).list_namespaced_replica_set("default").items[0]
    assert not replicaset.status.ready_replicas


def test_a_jobs_running_pod_fails_on_restart_and_the_job_retries(
        localkube_factory: Callable[..., LocalKube], tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = localkube_factory(state_dir=state)
    batch = k8s.BatchV1Api(first.api_client())
    template = bare_pod("x", "import time; time.sleep(300)")
    batch.create_namespaced_job("default", {"metadata": {"name": "migrate"}, "spec": {
        "backoffLimit": 3, "template": {"spec": template["spec"]}}})
    old = wait_for(lambda: [p.metadata.name for p in first.core_v1().list_namespaced_pod(
        "default", label_selector="job-name=migrate").items if p.status.phase == "Running"], what="job pod running")
    first.stop()

    second = localkube_factory(state_dir=state)
    core = second.core_v1()
    lost = core.read_namespaced_pod(old[0], "default")
    assert (lost.status.phase, lost.status.reason) == ("Failed", "LocalkubeRestarted")
    retry = wait_for(lambda: [p.metadata.name for p in core.list_namespaced_pod(
        "default", label_selector="job-name=migrate").items if p.status.phase == "Running"],
        what="the Job's retry pod running")
    assert retry != old
    assert wait_for(lambda: k8s.BatchV1Api(second.api_client()).read_namespaced_job("migrate", "default")
                    .status.failed, what="the failure counted") == 1


def test_changes_are_saved_without_a_clean_stop(tmp_path: Path) -> None:
    import asyncio

    async def scenario() -> dict[str, Any]:
        store = Store()
        persister = StatePersister(store, tmp_path / OBJECTS_FILE, delay=0.01)
        persister.start()
        store.create(SECRETS, {"metadata": {"name": f"s-{uuid.uuid4().hex[:4]}", "namespace": "default"},
                               "data": {"k": "dg=="}})
        for _ in range(500):  # the debounced write happens; nobody calls close()
            if (tmp_path / OBJECTS_FILE).exists():
                break
            await asyncio.sleep(0.01)
        return json.loads((tmp_path / OBJECTS_FILE).read_text())

    data = asyncio.run(scenario())
    assert [o["object"]["kind"] for o in data["objects"]] == ["Secret"]
    restored = Store()
    assert StatePersister(restored, tmp_path / OBJECTS_FILE).load() == 1
    assert restored.list(SECRETS)[0]["data"] == {"k": "dg=="}
    assert restored.resource_version == data["resourceVersion"]


def test_a_corrupt_objects_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / OBJECTS_FILE).write_text("{not json")
    from localkube.errors import LocalKubeError

    with pytest.raises(LocalKubeError, match=r"cannot read its saved objects .*move the file away"):
        StatePersister(Store(), tmp_path / OBJECTS_FILE).load()
