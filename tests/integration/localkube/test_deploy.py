"""The sample app's chart (charts/sample-app), rendered by golive.charts and applied by golive.kube,
running on localkube: rollouts, rolling updates without failed requests, undo, a bad build,
a readiness probe that never passes, a blue/green switch and cascading deletes.

Every test gets its own namespace on the session's localkube; the app's pods are real uvicorn
processes on their own loopback addresses, reached through the Service's proxy.
"""

from __future__ import annotations

import collections
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from repo_paths import REPO
from waiting import wait_for

from golive.charts import merge_values, render_chart
from golive.kube.client import KubeError
from golive.kube.objects import apply, delete
from golive.kube.objects import get as get_object
from golive.kube.pods import pod_logs, pods_for
from golive.kube.services import patch_service_selector, service_url
from golive.kube.workloads import RolloutStatus, revisions, rollout_status, undo
from localkube import LocalKube
from localkube.store import PODS

pytestmark = pytest.mark.localkube

CHART = REPO / "charts" / "sample-app"
PROBE = {"path": "/health", "initialDelaySeconds": 0, "periodSeconds": 1, "timeoutSeconds": 2, "failureThreshold": 2}
FAST = {
    "api": {"replicas": 2, "readinessProbe": PROBE, "livenessProbe": {**PROBE, "initialDelaySeconds": 5,
                                                                       "failureThreshold": 3}},
    "config": {"rateLimitPerMinute": 100_000},  # every request reaches the pods from 127.0.0.1
    "strategy": {"type": "rolling", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
}
DEPLOYMENT = "web-sample-app-stable-api"
SERVICE = "web-sample-app"


class App:
    """One namespace on localkube with a client, and helpers to deploy the chart into it."""

    def __init__(self, cluster: LocalKube, namespace: str) -> None:
        self.cluster = cluster
        self.namespace = namespace
        self.client = cluster.api_client()

    def render(self, tag: str, release: str = "web", **values: Any) -> list[dict[str, Any]]:
        merged = merge_values(merge_values(FAST, {"image": {"tag": tag}}), values)
        return render_chart(CHART, release, self.namespace, merged)

    def deploy(self, tag: str, release: str = "web", deployment: str = DEPLOYMENT, **values: Any) -> RolloutStatus:
        apply(self.render(tag, release, **values), self.namespace, self.client)
        return rollout_status(deployment, self.namespace, self.client, timeout=60)

    def url(self, service: str = SERVICE) -> str:
        return service_url(service, self.namespace, self.client)


@pytest.fixture
def app(localkube: LocalKube) -> Iterator[App]:
    namespace = f"deploy-{uuid.uuid4().hex[:6]}"
    applied = apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}], "",
                         localkube.api_client())
    assert applied[0]["status"]["phase"] == "Active"
    yield App(localkube, namespace)
    delete("Namespace", namespace, None, localkube.api_client())


def get(url: str) -> httpx.Response:
    """One request on a fresh connection (a new connection is what the proxy balances)."""
    return httpx.get(url, headers={"Connection": "close"}, timeout=10)


class Poller:
    """Requests ``/version`` in a loop from a thread; counts answers and failures."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: collections.Counter[str] = collections.Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                response = get(self.url + "/version")
                if response.status_code == 200:
                    self.seen[response.json()["version"]] += 1
                else:
                    self.failures.append(f"{response.status_code} {response.text[:100]}")
            except httpx.HTTPError as exc:
                self.failures.append(repr(exc))
            time.sleep(0.02)

    def __enter__(self) -> Poller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)



def metrics_count(pod_ip: str, path: str) -> float:
    """Requests to ``path`` the pod itself counted (read from the pod's own /metrics)."""
    text = get(f"http://{pod_ip}:8000/metrics").text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("http_requests_total{") and f'path="{path}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_chart_rolls_out_and_both_replicas_answer(app: App) -> None:
    status = app.deploy("1.0.0")
    assert status.done and not status.failed, status.message
    assert (status.revision, status.replicas, status.ready_replicas, status.available_replicas) == (1, 2, 2, 2)
    assert status.message == f'deployment "{DEPLOYMENT}" successfully rolled out'
    url = app.url()
    assert url.startswith("http://127.255.")
    health = get(url + "/health").json()
    assert health["status"] == "ok" and health["version"] == "1.0.0"
    for _ in range(12):
        assert get(url + "/version").json() == {"name": "inventory-service", "version": "1.0.0"}
    pods = pods_for(DEPLOYMENT, app.namespace, app.client)
    ips = {p["status"]["podIP"] for p in pods}
    assert len(pods) == 2 and len(ips) == 2  # two replicas, both on port 8000, each on its own address
    assert all(metrics_count(ip, "/version") >= 1 for ip in ips)  # the proxy balanced over both
    endpoints = app.cluster.core_v1().read_namespaced_endpoints(SERVICE, app.namespace)
    assert {a.ip for a in endpoints.subsets[0].addresses} == ips
    assert endpoints.subsets[0].ports[0].port == 8000  # targetPort "http" resolved by name
    logs = pod_logs(pods[0]["metadata"]["name"], app.namespace, app.client)
    assert "Uvicorn running on" in logs or "Application startup complete" in logs
    (revision,) = revisions(DEPLOYMENT, app.namespace, app.client)
    assert (revision.revision, revision.version, revision.images) == (1, "1.0.0", ["golive-sample-app:1.0.0"])
    assert revision.replicaset.startswith(f"{DEPLOYMENT}-")
    pod_hash = pods[0]["metadata"]["labels"]["pod-template-hash"]
    assert revision.replicaset == f"{DEPLOYMENT}-{pod_hash}"


def test_rolling_update_without_failed_requests_then_undo(app: App) -> None:
    assert app.deploy("1.0.0").done
    first_rs = revisions(DEPLOYMENT, app.namespace, app.client)[0].replicaset
    with Poller(app.url()) as poller:
        apply(app.render("1.1.0"), app.namespace, app.client)
        waiting = rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=0)
        assert not waiting.done and waiting.message.startswith("Waiting for")
        updated = rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=60)
        wait_for(lambda: poller.seen["1.1.0"] >= 5, what="answers from 1.1.0")
        rolled_back = undo(DEPLOYMENT, app.namespace, client=app.client)
        undone = rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=60)
        seen_before_undo = poller.seen["1.0.0"]
        wait_for(lambda: poller.seen["1.0.0"] >= seen_before_undo + 5, what="answers from 1.0.0 again")
    assert updated.done and updated.revision == 2, updated.message
    assert poller.failures == []  # no request failed while pods were replaced, twice
    assert poller.seen["1.0.0"] > 0 and poller.seen["1.1.0"] > 0
    assert rolled_back["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"] == "1.0.0"
    assert undone.done and undone.revision == 3, undone.message
    assert get(app.url() + "/version").json()["version"] == "1.0.0"
    history = revisions(DEPLOYMENT, app.namespace, app.client)
    assert [(r.revision, r.version) for r in history] == [(2, "1.1.0"), (3, "1.0.0")]
    assert history[1].replicaset == first_rs  # the old ReplicaSet came back under a new revision
    assert [r.replicas for r in history] == [0, 2]
    rs = get_object("ReplicaSet", first_rs, app.namespace, app.client)
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    with pytest.raises(KubeError, match="unable to find specified revision 7"):
        undo(DEPLOYMENT, app.namespace, to_revision=7, client=app.client)


def test_bad_build_answers_500_while_health_stays_ready(app: App) -> None:
    status = app.deploy("1.2.0-errors", api={"replicas": 1}, config={"extra": {"FAULT_ERROR_RATE": "1.0"}})
    assert status.done, status.message  # readiness (/health) passes: the rollout itself succeeds
    url = app.url()
    assert get(url + "/health").json()["version"] == "1.2.0-errors"
    codes = collections.Counter(get(url + "/api/v1/items").status_code for _ in range(6))
    assert codes == {500: 6}, codes
    pod = pods_for(DEPLOYMENT, app.namespace, app.client)[0]
    assert "injected fault" in pod_logs(pod["metadata"]["name"], app.namespace, app.client, since_seconds=60)
    healthy = app.deploy("1.2.1", api={"replicas": 1}, config={"extra": {"FAULT_ERROR_RATE": "1.0"}})
    assert healthy.done and healthy.revision == 2
    assert get(url + "/api/v1/items").status_code == 401  # the good build answers (no token)


def test_readiness_never_passing_exceeds_the_progress_deadline(app: App) -> None:
    objs = app.render("1.0.0", api={"replicas": 1, "readinessProbe": {"path": "/not-there"}})
    for obj in objs:
        if obj["kind"] == "Deployment":
            obj["spec"]["progressDeadlineSeconds"] = 3
    apply(objs, app.namespace, app.client)
    waiting = rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=1)
    assert waiting.timed_out and not waiting.done and not waiting.failed
    assert waiting.message.startswith(f'Waiting for deployment "{DEPLOYMENT}" rollout to finish')
    failed = rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=30)
    assert failed.failed and failed.reason == "ProgressDeadlineExceeded", failed.message
    assert failed.message == f'deployment "{DEPLOYMENT}" exceeded its progress deadline'
    assert failed.ready_replicas == 0 and failed.unavailable_replicas == 1
    (pod,) = pods_for(DEPLOYMENT, app.namespace, app.client)
    assert pod["status"]["phase"] == "Running"
    ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and pod["status"]["containerStatuses"][0]["ready"] is False
    # on a loaded runner the 3 s deadline may pass before the app answered its first probe
    wait_for(lambda: any(e["reason"] == "Unhealthy" and "statuscode: 404" in e["message"]
                         for e in app.cluster.events(pod["metadata"]["name"], app.namespace)),
             timeout=60, what="the failing readiness probe's Unhealthy event", interval=0.5)
    with pytest.raises(httpx.HTTPError):  # no ready endpoint: the Service refuses the connection
        get(app.url() + "/health")


def test_blue_green_switch_by_patching_the_selector(app: App) -> None:
    common = {"appName": "shop", "strategy": {"type": "blue-green"}, "api": {"replicas": 1}}
    blue = app.deploy("2.0.0", release="shop-blue", deployment="shop-blue-api", colour="blue", **common)
    assert blue.done, blue.message
    url = app.url("shop")
    assert get(url + "/version").json()["version"] == "2.0.0"
    green_objs = [o for o in app.render("2.1.0", release="shop-green", colour="green",
                                         secrets={"existingSecret": "shop-secrets"}, **common)
                  if o["kind"] != "Service"]  # the Service keeps pointing at blue until the switch
    apply(green_objs, app.namespace, app.client)
    assert rollout_status("shop-green-api", app.namespace, app.client, timeout=60).done
    assert {get(url + "/version").json()["version"] for _ in range(4)} == {"2.0.0"}
    service = patch_service_selector("shop", app.namespace, {"app": "shop", "app.kubernetes.io/component": "api",
                                                                  "colour": "green"}, app.client)
    assert service["spec"]["selector"]["colour"] == "green"
    assert {get(url + "/version").json()["version"] for _ in range(4)} == {"2.1.0"}  # at once
    assert service_url("shop", app.namespace, app.client) == url  # same address after the switch


def test_delete_cascades_to_replicasets_and_pods(app: App) -> None:
    assert app.deploy("1.0.0", api={"replicas": 1}).done
    rs_name = revisions(DEPLOYMENT, app.namespace, app.client)[0].replicaset
    (pod,) = pods_for(DEPLOYMENT, app.namespace, app.client)
    assert delete("Deployment", DEPLOYMENT, app.namespace, app.client, propagation="Foreground")
    marked = get_object("Deployment", DEPLOYMENT, app.namespace, app.client)
    assert marked is None or marked["metadata"].get("deletionTimestamp")  # foreground: visible until pods go
    wait_for(lambda: get_object("Deployment", DEPLOYMENT, app.namespace, app.client) is None, what="deployment gone")
    assert get_object("ReplicaSet", rs_name, app.namespace, app.client) is None
    assert app.cluster.pod(pod["metadata"]["name"], app.namespace) is None
    assert not delete("Deployment", DEPLOYMENT, app.namespace, app.client)  # already gone
    apply(app.render("1.0.0", api={"replicas": 1}), app.namespace, app.client)
    assert rollout_status(DEPLOYMENT, app.namespace, app.client, timeout=60).done
    delete("Deployment", DEPLOYMENT, app.namespace, app.client)  # background
    wait_for(lambda: not app.cluster.call(app.cluster.store.list, PODS, app.namespace), what="pods gone")
    assert get_object("ReplicaSet", rs_name, app.namespace, app.client) is None
    url = app.url()
    assert get_object("Service", SERVICE, app.namespace, app.client) is not None  # not owned: stays
    assert delete("Service", SERVICE, app.namespace, app.client, wait=True)
    assert get_object("Endpoints", SERVICE, app.namespace, app.client) is None
    with pytest.raises(httpx.HTTPError):  # the proxy is gone with the Service
        get(url + "/health")
