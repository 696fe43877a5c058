"""localkube's workload API through the official client: generic kinds, Deployments (revisions,
Recreate, pause, scale), probes, Jobs, StatefulSets, Services, in-pod API access and deletes.

The workloads are tiny Python HTTP servers (started in a fraction of a second) that answer
``<pod name> <VERSION>`` on their pod IP.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes import watch
from kubernetes.client.exceptions import ApiException
from waiting import wait_for

from golive.kube.client import KubeError
from golive.kube.objects import apply, delete, get
from golive.kube.pods import pod_logs
from golive.kube.services import patch_service_selector, service_url
from golive.kube.workloads import RolloutStatus, revisions, rollout_status, scale, undo
from localkube import LocalKube

pytestmark = pytest.mark.localkube

SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        body = (os.environ['NAME'] + ' ' + os.environ.get('VERSION', '')).encode()\n"
    "        self.send_response(200 if self.path != '/missing' else 404)\n"
    "        self.send_header('Content-Length', str(len(body)))\n"
    "        self.end_headers()\n"
    "        self.wfile.write(body)\n"
    "    def log_message(self, *args):\n"
    "        print(self.path, flush=True)\n"
    "http.server.ThreadingHTTPServer((os.environ['POD_IP'], 8080), H).serve_forever()\n"
)


def container(version: str = "a", **extra: Any) -> dict[str, Any]:
    return {"name": "web", "image": "python:3.11", "command": ["python", "-c", SERVER],
            "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                    {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "VERSION", "value": version}],
            "ports": [{"name": "http", "containerPort": 8080}],
            "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 1}, **extra}


def deployment(name: str, version: str = "a", replicas: int = 1, **spec: Any) -> dict[str, Any]:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [container(version)]}},
                     **spec}}



@pytest.fixture
def ns(localkube: LocalKube) -> Iterator[str]:
    name = f"wl-{uuid.uuid4().hex[:6]}"
    localkube.core_v1().create_namespace({"metadata": {"name": name}})
    yield name
    localkube.core_v1().delete_namespace(name)


@pytest.fixture
def api(localkube: LocalKube) -> Any:
    return localkube.api_client()


def pods(localkube: LocalKube, namespace: str, selector: str = "") -> list[Any]:
    return localkube.core_v1().list_namespaced_pod(namespace, label_selector=selector).items


def rolled_out(name: str, namespace: str, api: Any) -> RolloutStatus:
    status = rollout_status(name, namespace, api, timeout=30)
    assert status.done, status.message
    return status


def test_generic_kinds_apply_through_the_dynamic_client(localkube: LocalKube, ns: str, api: Any) -> None:
    suffix = uuid.uuid4().hex[:6]
    objs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "labels": {"set": "x"}},
         "data": {"k": "1"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sec"}, "stringData": {"token": "secret"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "robot"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "reader"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "reader"},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
         "subjects": [{"kind": "ServiceAccount", "name": "robot", "namespace": ns}]},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "deny"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pdb"},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "x"}}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "ing"},
         "spec": {"rules": [{"host": "x.local"}]}},
        {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "slo"},
         "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": f"cr-{suffix}"},
         "rules": []},
        {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": f"pc-{suffix}"},
         "value": 1000},
    ]
    applied = apply(objs, ns, api)
    assert [o["kind"] for o in applied] == [o["kind"] for o in objs]
    assert all(o["metadata"]["uid"] and o["metadata"]["resourceVersion"] for o in applied)
    assert applied[1]["data"] == {"token": base64.b64encode(b"secret").decode()} and "stringData" not in applied[1]
    assert "namespace" not in applied[-1]["metadata"]  # cluster-scoped
    assert k8s.RbacAuthorizationV1Api(api).read_namespaced_role("reader", ns).rules[0].verbs == ["get"]
    assert k8s.NetworkingV1Api(api).read_namespaced_network_policy("deny", ns).spec.policy_types == ["Ingress"]
    assert k8s.PolicyV1Api(api).read_namespaced_pod_disruption_budget("pdb", ns).spec.min_available == 1
    rule = k8s.CustomObjectsApi(api).get_namespaced_custom_object("monitoring.coreos.com", "v1", ns,
                                                                    "prometheusrules", "slo")
    assert rule["spec"]["groups"][0]["rules"][0]["alert"] == "A"
    assert [c.metadata.name for c in localkube.core_v1().list_namespaced_config_map(ns, label_selector="set=x").items
            ] == ["cfg"]
    objs[0]["data"] = {"k": "2"}
    again = apply(objs[:1], ns, api)[0]
    assert again["metadata"]["uid"] == applied[0]["metadata"]["uid"] and again["data"] == {"k": "2"}
    stale = localkube.core_v1().read_namespaced_config_map("cfg", ns)
    stale.metadata.resource_version = applied[0]["metadata"]["resourceVersion"]
    with pytest.raises(ApiException) as conflict:
        localkube.core_v1().replace_namespaced_config_map("cfg", ns, stale)
    assert conflict.value.status == 409 and json.loads(conflict.value.body)["reason"] == "Conflict"
    with pytest.raises(KubeError, match="does not serve kind Gadget"):
        apply([{"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}}], ns, api)
    assert delete("ClusterRole", f"cr-{suffix}", None, api)
    assert delete("PriorityClass", f"pc-{suffix}", None, api)
    assert get("ClusterRole", f"cr-{suffix}", None, api) is None


def test_revisions_reuse_old_replicasets_and_history_is_limited(localkube: LocalKube, ns: str, api: Any) -> None:
    apps = k8s.AppsV1Api(api)
    seen: list[tuple[str, int]] = []
    start = apps.list_namespaced_deployment(ns).metadata.resource_version

    def watch_deployments() -> None:
        for event in watch.Watch().stream(apps.list_namespaced_deployment, ns, resource_version=start,
                                          timeout_seconds=15):
            seen.append((event["type"], event["object"].metadata.generation))
            if event["object"].metadata.generation >= 2:
                return

    watcher = threading.Thread(target=watch_deployments, daemon=True)
    watcher.start()
    for version, revision in (("a", 1), ("b", 2), ("a", 3), ("c", 4)):
        apply([deployment("rev", version, revisionHistoryLimit=1)], ns, api)
        assert rolled_out("rev", ns, api).revision == revision
    # revision 2 goes (one old ReplicaSet is kept) once the controller has pruned the history after the rollout
    history = wait_for(lambda: [r.revision for r in revisions("rev", ns, api)] == [3, 4] or None,
                       what="the history pruned to revisions 3 and 4")
    assert history is True
    first = wait_for(lambda: [rs for rs in apps.list_namespaced_replica_set(ns).items
                              if rs.metadata.annotations.get("deployment.kubernetes.io/revision") == "3"],
                     what="revision 3")[0]
    assert first.metadata.annotations["deployment.kubernetes.io/revision-history"] == "1"
    assert first.metadata.labels["pod-template-hash"] == first.metadata.name.rsplit("-", 1)[1]
    assert first.spec.selector.match_labels["pod-template-hash"] == first.metadata.labels["pod-template-hash"]
    current = apps.read_namespaced_deployment("rev", ns)
    assert current.status.observed_generation == current.metadata.generation == 4
    assert current.metadata.annotations["deployment.kubernetes.io/revision"] == "4"
    assert {c.type: c.reason for c in current.status.conditions} == {"Available": "MinimumReplicasAvailable",
                                                                       "Progressing": "NewReplicaSetAvailable"}
    watcher.join(15)
    assert seen[0] == ("ADDED", 1) and ("MODIFIED", 2) in seen


def test_recreate_removes_old_pods_before_new_ones_exist(localkube: LocalKube, ns: str, api: Any) -> None:
    apply([deployment("re", "a", replicas=2, strategy={"type": "Recreate"})], ns, api)
    rolled_out("re", ns, api)
    core = localkube.core_v1()
    live: dict[str, str] = {}
    overlaps: list[dict[str, str]] = []
    start = core.list_namespaced_pod(ns).metadata.resource_version

    def follow() -> None:
        version = start
        while not done.is_set():
            for event in watch.Watch().stream(core.list_namespaced_pod, ns, resource_version=version,
                                              timeout_seconds=1):
                pod = event["object"]
                version = pod.metadata.resource_version
                if event["type"] == "DELETED":
                    live.pop(pod.metadata.name, None)
                else:
                    live[pod.metadata.name] = pod.metadata.labels["pod-template-hash"]
                if len(set(live.values())) > 1:
                    overlaps.append(dict(live))

    done = threading.Event()
    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    apply([deployment("re", "b", replicas=2, strategy={"type": "Recreate"})], ns, api)
    status = rolled_out("re", ns, api)
    done.set()
    follower.join(20)
    assert status.revision == 2 and status.updated_replicas == 2
    assert overlaps == []  # never pods of both templates at once
    assert {p.spec.containers[0].env[2].value for p in pods(localkube, ns, "app=re")} == {"b"}


def test_paused_deployment_holds_template_changes(ns: str, api: Any) -> None:
    apply([deployment("hold", "a")], ns, api)
    rolled_out("hold", ns, api)
    apply([deployment("hold", "b", paused=True)], ns, api)
    time.sleep(0.5)
    status = rollout_status("hold", ns, api, timeout=0)
    assert not status.done and status.revision == 1 and status.updated_replicas == 0
    progressing = next(c for c in status.conditions if c["type"] == "Progressing")
    assert progressing["reason"] == "DeploymentPaused" and progressing["status"] == "Unknown"
    assert [r.revision for r in revisions("hold", ns, api)] == [1]
    apply([deployment("hold", "b", paused=False)], ns, api)
    assert rolled_out("hold", ns, api).revision == 2
    apply([deployment("hold", "b", paused=True)], ns, api)
    with pytest.raises(KubeError, match="cannot rollback a paused deployment"):
        undo("hold", ns, client=api)


def test_scale_subresource_and_replacing_deleted_pods(localkube: LocalKube, ns: str, api: Any) -> None:
    apply([deployment("sc", "a")], ns, api)
    rolled_out("sc", ns, api)
    scaled = scale("sc", ns, 3, api)
    assert scaled["kind"] == "Scale" and scaled["spec"]["replicas"] == 3
    assert rolled_out("sc", ns, api).ready_replicas == 3
    read = k8s.AppsV1Api(api).read_namespaced_deployment_scale("sc", ns)
    assert read.status.replicas == 3 and read.status.selector == "app=sc"
    names = {p.metadata.name for p in pods(localkube, ns, "app=sc")}
    ips = {p.status.pod_ip for p in pods(localkube, ns, "app=sc")}
    assert len(ips) == 3 and all(httpx.get(f"http://{ip}:8080/").status_code == 200 for ip in ips)
    victim = min(names)
    localkube.core_v1().delete_namespaced_pod(victim, ns)
    wait_for(lambda: len({p.metadata.name for p in pods(localkube, ns, "app=sc")} - names - {victim}) == 1,
             what="a replacement pod")
    assert rolled_out("sc", ns, api).available_replicas == 3
    scale("sc", ns, 1, api)
    wait_for(lambda: len(pods(localkube, ns, "app=sc")) == 1, what="scaled down to one pod")
    with pytest.raises(ApiException) as invalid:
        k8s.AppsV1Api(api).patch_namespaced_deployment_scale("sc", ns, {"spec": {"replicas": -1}})
    assert invalid.value.status == 422


def test_liveness_failure_restarts_and_readiness_gates_the_pod(localkube: LocalKube, ns: str) -> None:
    # The first run never writes "alive", so its exec liveness probe fails; the restarted one does.
    flaky = ("import os\nif os.path.exists('ran'):\n    open('alive', 'w').close()\n"
             "else:\n    open('ran', 'w').close()\n" + SERVER)
    liveness = {"exec": {"command": ["python", "-c", "import os, sys; sys.exit(not os.path.exists('alive'))"]},
                "periodSeconds": 1, "failureThreshold": 2}
    startup = {"tcpSocket": {"port": "http"}, "periodSeconds": 1}
    spec = container(livenessProbe=liveness, startupProbe=startup)
    spec["command"] = ["python", "-c", flaky]
    localkube.core_v1().create_namespaced_pod(ns, {"metadata": {"name": "flaky"}, "spec": {"containers": [spec]}})
    ready = wait_for(lambda: (p := localkube.pod("flaky", ns)) and p["status"]["containerStatuses"][0]["ready"]
                     and p["status"]["containerStatuses"][0]["restartCount"] == 1 and p, what="ready after a restart")
    status = ready["status"]["containerStatuses"][0]
    assert status["lastState"]["terminated"]["exitCode"] in (137, 143) and status["started"] is True
    assert next(c for c in ready["status"]["conditions"] if c["type"] == "Ready")["status"] == "True"
    events = localkube.events("flaky", ns)
    assert any(e["reason"] == "Unhealthy" and "Liveness probe failed" in e["message"] for e in events)
    assert any(e["reason"] == "Killing" and "failed liveness probe" in e["message"] for e in events)
    unready = {"metadata": {"name": "never"}, "spec": {"containers": [
        container(readinessProbe={"httpGet": {"path": "/missing", "port": 8080}, "periodSeconds": 1})]}}
    localkube.core_v1().create_namespaced_pod(ns, unready)
    wait_for(lambda: any(e["reason"] == "Unhealthy" and "statuscode: 404" in e["message"]
                         for e in localkube.events("never", ns)), what="a failed readiness probe")
    never = localkube.pod("never", ns)["status"]
    assert never["phase"] == "Running" and never["containerStatuses"][0]["ready"] is False
    assert next(c for c in never["conditions"] if c["type"] == "Ready")["reason"] == "ContainersNotReady"


def test_resident_memory_above_the_limit_is_oom_killed(localkube: LocalKube, ns: str) -> None:
    code = "import time; b = b'x' * (150 * 2**20); print('allocated', flush=True); time.sleep(30)"
    localkube.core_v1().create_namespaced_pod(ns, {"metadata": {"name": "hog"}, "spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "python:3.11",
                                                  "command": ["python", "-c", code],
                                                  "resources": {"limits": {"memory": "64Mi"}}}]}})
    pod = wait_for(lambda: (p := localkube.pod("hog", ns)) and p["status"]["phase"] == "Failed" and p,
                   what="the pod to be OOM-killed")
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)
    assert any(e["reason"] == "OOMKilling" for e in localkube.events("hog", ns))


def test_jobs_complete_and_fail_after_their_backoff_limit(localkube: LocalKube, ns: str, api: Any) -> None:
    batch = k8s.BatchV1Api(api)

    def job(name: str, code: str, **spec: Any) -> dict[str, Any]:
        return {"metadata": {"name": name}, "spec": {**spec, "template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "c", "image": "python:3.11",
                                                      "command": ["python", "-c", code]}]}}}}

    batch.create_namespaced_job(ns, job("ok", "print('done')", completions=2))
    batch.create_namespaced_job(ns, job("bad", "raise SystemExit(3)", backoffLimit=1))

    def condition(name: str) -> Any:
        status = batch.read_namespaced_job_status(name, ns).status
        return next((c for c in status.conditions or [] if c.type in ("Complete", "Failed") and c.status == "True"),
                    None)

    complete = wait_for(lambda: condition("ok"), what="job ok to complete")
    failed = wait_for(lambda: condition("bad"), what="job bad to fail")
    ok, bad = batch.read_namespaced_job("ok", ns).status, batch.read_namespaced_job("bad", ns).status
    assert complete.type == "Complete" and ok.succeeded == 2 and ok.completion_time is not None
    assert failed.type == "Failed" and failed.reason == "BackoffLimitExceeded" and bad.failed == 2
    done = pods(localkube, ns, "job-name=ok")
    assert len(done) == 2 and {p.status.phase for p in done} == {"Succeeded"}
    assert pod_logs(done[0].metadata.name, ns, api) == "done\n"
    delete("Job", "bad", ns, api, propagation="Background", wait=True)
    wait_for(lambda: not pods(localkube, ns, "job-name=bad"), what="the failed job's pods to go")


def test_statefulset_pods_have_stable_names_claims_and_order(localkube: LocalKube, ns: str, api: Any) -> None:
    labels = {"app": "db"}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
           "spec": {"replicas": 2, "serviceName": "db", "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}
    apply([sts], ns, api)
    apps = k8s.AppsV1Api(api)
    wait_for(lambda: apps.read_namespaced_stateful_set("db", ns).status.ready_replicas == 2, what="2 ready")
    found = sorted(pods(localkube, ns, "app=db"), key=lambda p: p.metadata.name)
    assert [p.metadata.name for p in found] == ["db-0", "db-1"]
    assert found[0].metadata.creation_timestamp <= found[1].metadata.creation_timestamp
    assert found[1].spec.hostname == "db-1" and found[1].spec.subdomain == "db"
    assert found[1].spec.volumes[-1].persistent_volume_claim.claim_name == "data-db-1"
    assert localkube.core_v1().read_namespaced_persistent_volume_claim("data-db-0", ns).status.phase == "Bound"
    assert httpx.get(f"http://{found[0].status.pod_ip}:8080/").text == "db-0 a"
    scale("db", ns, 1, api, kind="StatefulSet")
    wait_for(lambda: [p.metadata.name for p in pods(localkube, ns, "app=db")] == ["db-0"], what="db-1 gone")
    assert localkube.core_v1().read_namespaced_persistent_volume_claim("data-db-1", ns)  # claims outlive pods


def test_services_balance_switch_selectors_and_use_manual_endpoints(localkube: LocalKube, ns: str, api: Any) -> None:
    for colour in ("blue", "green"):
        localkube.core_v1().create_namespaced_pod(ns, {"metadata": {"name": colour, "labels": {"colour": colour}},
                                                       "spec": {"containers": [container(colour)]}})
    wait_for(lambda: all(p.status.container_statuses and p.status.container_statuses[0].ready
                         for p in pods(localkube, ns)), what="both pods ready")
    services = [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"colour": "blue"}, "ports": [{"port": 80, "targetPort": "http"}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"},
         "spec": {"type": "NodePort", "selector": {"colour": "green"}, "ports": [{"port": 81, "targetPort": 8080}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
         "spec": {"type": "LoadBalancer", "selector": {"colour": "green"},
                  "ports": [{"port": 82, "targetPort": 8080}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless"},
         "spec": {"clusterIP": "None", "selector": {"colour": "green"}, "ports": [{"port": 8080}]}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "manual"}, "spec": {"ports": [{"port": 83}]}},
    ]
    web, node_port, lb, headless, _ = apply(services, ns, api)
    url = service_url("web", ns, api)
    assert url == web["metadata"]["annotations"]["localkube.io/url"]
    assert {httpx.get(url).text for _ in range(3)} == {"blue blue"}
    patch_service_selector("web", ns, {"colour": "green"}, api)
    assert httpx.get(url).text == "green green"  # the next connection goes to the new selection
    assert 30000 <= node_port["spec"]["ports"][0]["nodePort"] <= 32767
    assert lb["status"]["loadBalancer"]["ingress"][0]["ip"] == lb["spec"]["clusterIP"]
    assert httpx.get(service_url("lb", ns, api)).text == "green green"
    assert headless["spec"]["clusterIP"] == "None"
    assert service_url("headless", ns, api) == f"http://headless.{ns}.svc.cluster.local:8080"
    blue_ip = localkube.pod("blue", ns)["status"]["podIP"]
    localkube.core_v1().create_namespaced_endpoints(ns, {"metadata": {"name": "manual"}, "subsets": [
        {"addresses": [{"ip": blue_ip}], "ports": [{"port": 8080}]}]})
    manual_url = service_url("manual", ns, api)
    assert wait_for(lambda: _text(manual_url), what="the manual endpoint") == "blue blue"
    endpoints = localkube.core_v1().read_namespaced_endpoints("web", ns)
    assert [a.target_ref.name for a in endpoints.subsets[0].addresses] == ["green"]
    web["spec"]["ports"][0]["port"] = 8081  # a replace keeps the ClusterIP and moves the listener
    web["spec"]["selector"] = {"colour": "green"}
    moved = apply([{k: v for k, v in web.items() if k != "status"}], ns, api)[0]
    assert moved["spec"]["clusterIP"] == web["spec"]["clusterIP"]
    assert httpx.get(service_url("web", ns, api)).text == "green green"


def _text(url: str) -> str:
    try:
        return httpx.get(url).text
    except httpx.HTTPError:
        return ""


def test_pods_reach_the_api_through_their_kubeconfig(localkube: LocalKube, ns: str, api: Any) -> None:
    localkube.core_v1().create_namespaced_config_map(ns, {"metadata": {"name": "cfg"}, "data": {"k": "from-api"}})
    code = ("import os; from golive.kube.client import load_client; from golive.kube.objects import get; "
            f"c = load_client(); print(get('ConfigMap', 'cfg', '{ns}', c)['data']['k'], "
            f"os.environ['KUBECONFIG'].endswith('{ns}.yaml'))")
    localkube.core_v1().create_namespaced_pod(ns, {"metadata": {"name": "agent"}, "spec": {
        "restartPolicy": "Never", "containers": [{"name": "c", "image": "golive-agents:test",
                                                  "command": ["python", "-c", code]}]}})
    wait_for(lambda: (localkube.pod("agent", ns) or {}).get("status", {}).get("phase") in ("Succeeded", "Failed"),
             what="the agent pod to finish")
    log = pod_logs("agent", ns, api)
    assert localkube.pod("agent", ns)["status"]["phase"] == "Succeeded", log
    assert log.strip() == "from-api True"


def test_a_pod_without_its_token_gets_no_kubeconfig(localkube: LocalKube, ns: str, api: Any) -> None:
    code = "import os; print(os.environ.get('KUBECONFIG', 'none'))"
    localkube.core_v1().create_namespaced_pod(ns, {"metadata": {"name": "untrusted"}, "spec": {
        "restartPolicy": "Never", "automountServiceAccountToken": False,
        "containers": [{"name": "c", "image": "golive-agents:test", "command": ["python", "-c", code]}]}})
    wait_for(lambda: (localkube.pod("untrusted", ns) or {}).get("status", {}).get("phase") in ("Succeeded", "Failed"),
             what="the pod to finish")
    assert pod_logs("untrusted", ns, api).strip() == "none"


def test_orphan_delete_keeps_pods_and_background_delete_removes_them(localkube: LocalKube, ns: str, api: Any) -> None:
    labels = {"app": "rs"}
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"},
          "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                   "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}}}}
    apply([rs], ns, api)
    (pod,) = wait_for(lambda: pods(localkube, ns, "app=rs"), what="the ReplicaSet's pod")
    assert pod.metadata.owner_references[0].kind == "ReplicaSet" and pod.metadata.generate_name == "rs-"
    assert delete("ReplicaSet", "rs", ns, api, propagation="Orphan", wait=True)
    kept = localkube.core_v1().read_namespaced_pod(pod.metadata.name, ns)
    assert not kept.metadata.owner_references and kept.metadata.deletion_timestamp is None
    apply([rs], ns, api)  # the new ReplicaSet does not adopt pods: it makes its own
    wait_for(lambda: len(pods(localkube, ns, "app=rs")) == 2, what="a second pod")
    delete("ReplicaSet", "rs", ns, api)
    wait_for(lambda: [p.metadata.name for p in pods(localkube, ns, "app=rs")] == [pod.metadata.name],
             what="only the orphan left")
