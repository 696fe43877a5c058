"""golive.kube: kubectl's rollout-status logic, apply's replace rules, configuration and errors."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from golive.kube.client import KubeError, load_client
from golive.kube.objects import _keep_server_fields, apply, delete, get
from golive.kube.pods import pod_logs
from golive.kube.workloads import _version, rollout_status, selector_string, status_of, undo
from localkube import LocalKube


def deployment(generation: int = 2, observed: int = 2, desired: int = 3, **status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "apps", "generation": generation,
                         "annotations": {"deployment.kubernetes.io/revision": "4"}},
            "spec": {"replicas": desired}, "status": {"observedGeneration": observed, **status}}


@pytest.mark.parametrize(("obj", "done", "failed", "reason", "message"), [
    (deployment(observed=1), False, False, "SpecNotObserved", "Waiting for deployment spec update to be observed..."),
    (deployment(updatedReplicas=1, replicas=3), False, False, "UpdatingReplicas",
     'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'),
    (deployment(updatedReplicas=3, replicas=4), False, False, "TerminatingOldReplicas",
     'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...'),
    (deployment(updatedReplicas=3, replicas=3, availableReplicas=2), False, False, "WaitingForAvailability",
     'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...'),
    (deployment(updatedReplicas=3, replicas=3, availableReplicas=3), True, False, "Complete",
     'deployment "web" successfully rolled out'),
    (deployment(updatedReplicas=1, conditions=[{"type": "Progressing", "status": "False",
                                                 "reason": "ProgressDeadlineExceeded"}]),
     False, True, "ProgressDeadlineExceeded", 'deployment "web" exceeded its progress deadline'),
])
def test_status_of_answers_like_kubectl_rollout_status(obj: dict[str, Any], done: bool, failed: bool, reason: str,
                                                       message: str) -> None:
    status = status_of(obj)
    assert (status.done, status.failed, status.reason, status.message) == (done, failed, reason, message)
    assert status.revision == 4 and status.desired_replicas == 3 and not status.timed_out


def test_replace_keeps_what_the_server_owns() -> None:
    service = {"kind": "Service", "metadata": {"name": "web"},
               "spec": {"type": "NodePort", "ports": [{"port": 80}], "selector": {"a": "b"}}}
    current = {"metadata": {"finalizers": ["x"], "annotations": {"deployment.kubernetes.io/revision": "3"}},
               "spec": {"clusterIP": "127.255.0.9", "clusterIPs": ["127.255.0.9"],
                        "ports": [{"port": 80, "protocol": "TCP", "nodePort": 30080}]}}
    kept = _keep_server_fields("Service", service, current)
    assert kept["spec"]["clusterIP"] == "127.255.0.9" and kept["spec"]["ports"][0]["nodePort"] == 30080
    assert kept["metadata"]["finalizers"] == ["x"]
    workload = _keep_server_fields("Deployment", {"metadata": {}, "spec": {"template": {}}},
                                        {"metadata": current["metadata"], "spec": {"replicas": 5}})
    assert workload["spec"]["replicas"] == 5  # the manifest leaves replicas to an autoscaler or `scale`
    assert workload["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    job = _keep_server_fields("Job", {"metadata": {}, "spec": {"template": {"metadata": {"labels": {"a": "1"}}}}},
                                   {"spec": {"selector": {"matchLabels": {"controller-uid": "u"}}, "template": {
                                       "metadata": {"labels": {"a": "1", "controller-uid": "u", "job-name": "j"}}}}})
    assert job["spec"]["selector"] == {"matchLabels": {"controller-uid": "u"}}
    assert job["spec"]["template"]["metadata"]["labels"] == {"a": "1", "controller-uid": "u", "job-name": "j"}
    generated = {"metadata": {"annotations": {"golive.io/generated-keys": "true"}},
                 "data": {"APP_SECRET_KEY": "bmV3", "EXTRA": "eA=="}}
    secret = _keep_server_fields("Secret", generated, {"data": {"APP_SECRET_KEY": "b2xk"}})
    assert secret["data"] == {"APP_SECRET_KEY": "b2xk", "EXTRA": "eA=="}  # like Helm's lookup on upgrade
    plain = _keep_server_fields("Secret", {"metadata": {}, "data": {"K": "bmV3"}}, {"data": {"K": "b2xk"}})
    assert plain["data"] == {"K": "bmV3"}


def test_selector_strings_and_versions() -> None:
    selector = {"matchLabels": {"b": "2", "a": "1"},
                "matchExpressions": [{"key": "t", "operator": "In", "values": ["x", "y"]},
                                     {"key": "gone", "operator": "DoesNotExist"}]}
    assert selector_string(selector) == "a=1,b=2,t in (x,y),!gone"
    assert _version({"metadata": {"labels": {"app.kubernetes.io/version": "1.2.3"}}}, ["x:9"]) == "1.2.3"
    assert _version({}, ["registry:5000/app:2.0.1"]) == "2.0.1"
    assert _version({}, ["registry:5000/app"]) is None


def test_load_client_reads_kubeconfig_then_fails_clearly(localkube: LocalKube, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    assert localkube.kubeconfig is not None
    monkeypatch.setenv("KUBECONFIG", str(localkube.kubeconfig))
    client = load_client()
    assert client.configuration.host == localkube.url
    assert get("Namespace", "default", None, client)["status"]["phase"] == "Active"
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubeError, match="no Kubernetes configuration"):
        load_client()
    broken = tmp_path / "broken"
    broken.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\ncurrent-context: nowhere\n")
    with pytest.raises(KubeError, match="not usable"):
        load_client(broken)


def test_errors_carry_the_api_message(localkube: LocalKube) -> None:
    client = localkube.api_client()
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"bad-{uuid.uuid4().hex[:6]}"},
           "spec": {"selector": {"matchLabels": {"app": "x"}},
                    "template": {"metadata": {"labels": {"app": "y"}},
                                 "spec": {"containers": [{"name": "c", "image": "i"}]}}}}
    with pytest.raises(KubeError) as invalid:
        apply([bad], "default", client)
    assert invalid.value.status == 422 and invalid.value.reason == "Invalid"
    assert "`selector` does not match template `labels`" in str(invalid.value)
    assert not delete("ConfigMap", "never-created", "default", client)
    assert get("Deployment", "never-created", "default", client) is None
    with pytest.raises(KubeError, match="404"):
        rollout_status("never-created", "default", client, timeout=0)
    with pytest.raises(KubeError, match=r"404"):
        undo("never-created", "default", client=client)


def test_unreachable_api_is_a_kube_error() -> None:
    from kubernetes import client as k8s

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    configuration = k8s.Configuration()
    configuration.host = f"http://127.0.0.1:{port}"
    configuration.retries = 0
    with pytest.raises(KubeError, match="unreachable"):
        pod_logs("p", "default", k8s.ApiClient(configuration))
