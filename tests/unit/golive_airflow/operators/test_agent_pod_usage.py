"""AgentPodOperator records what a finished pod used in the ledger's ``usage`` table (fake pod objects)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes.client import models as k8s

pytestmark = pytest.mark.airflow

REQUEST = {"application": "shop", "version": "1.0.0"}


@pytest.fixture(autouse=True)
def kubernetes_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", '{"conn_type": "kubernetes"}')


class FakeTI:
    run_id, dag_id, task_id, try_number = "manual__cost", "golive", "verification.health", 2

    def xcom_pull(self, task_ids: str) -> Any:
        return REQUEST


def finished_pod(*, gpu: int = 0, annotations: dict[str, str] | None = None) -> k8s.V1Pod:
    limits = {"cpu": "1", "memory": "1Gi", **({"nvidia.com/gpu": str(gpu)} if gpu else {})}
    base = k8s.V1Container(name="base", resources=k8s.V1ResourceRequirements(
        requests={"cpu": "500m", "memory": "512Mi"}, limits=limits))
    sidecar = k8s.V1Container(name="airflow-xcom-sidecar", resources=k8s.V1ResourceRequirements(
        requests={"cpu": "1m", "memory": "10Mi"}))

    def terminated(name: str, finished: str) -> k8s.V1ContainerStatus:
        return k8s.V1ContainerStatus(name=name, image="img", image_id="img", ready=False, restart_count=0,
                                     state=k8s.V1ContainerState(terminated=k8s.V1ContainerStateTerminated(
                                         exit_code=0, started_at="2026-12-03T10:00:01Z", finished_at=finished)))

    return k8s.V1Pod(
        metadata=k8s.V1ObjectMeta(name="golive-verification-health-abc", annotations=annotations,
                                  labels={"golive.io/profile": "gpu" if gpu else "cpu"}),
        spec=k8s.V1PodSpec(containers=[base, sidecar]),
        status=k8s.V1PodStatus(phase="Succeeded", start_time="2026-12-03T10:00:00Z", container_statuses=[
            terminated("base", "2026-12-03T10:00:40Z"), terminated("airflow-xcom-sidecar", "2026-12-03T10:00:41Z")]))


def operator(**kwargs: Any) -> Any:
    from golive_airflow.operators.agent_pod import AgentPodOperator

    return AgentPodOperator(task_id="health", agent="verification", action="check", **kwargs)


def usage_rows() -> list[dict[str, Any]]:
    from golive_airflow.hooks.ledger import LedgerHook

    return LedgerHook().get_conn().run_usage("manual__cost")


def test_a_localkube_pod_is_recorded_with_its_requests_wall_time_and_measured_use(golive_home) -> None:
    measured = {"base": {"cpuSeconds": 12.5, "peakMemoryBytes": 300 * 2**20, "samples": 80}}
    operator().record_usage(finished_pod(annotations={"localkube.io/usage": json.dumps(measured)}),
                            {"ti": FakeTI()})
    [row] = usage_rows()
    assert (row["task_id"], row["try_number"], row["phase"], row["application"]) == \
        ("verification.health", 2, "verification", "shop")
    assert row["pod_name"] == "golive-verification-health-abc" and row["profile"] == "cpu"
    assert row["cpu_request"] == pytest.approx(0.501) and row["memory_request"] == 522 * 2**20
    assert row["gpu_request"] == 0 and row["wall_seconds"] == pytest.approx(41.0)
    assert row["cpu_seconds"] == pytest.approx(12.5) and row["peak_memory_bytes"] == 300 * 2**20


def test_a_real_cluster_pod_is_not_measured_and_a_retry_rewrites_its_row(golive_home) -> None:
    op = operator(profile="gpu")
    op.record_usage(finished_pod(gpu=1), {"ti": FakeTI()})
    op.record_usage(finished_pod(gpu=2), {"ti": FakeTI()})
    [row] = usage_rows()
    assert row["profile"] == "gpu" and row["gpu_request"] == 2
    assert row["cpu_seconds"] is None and row["peak_memory_bytes"] is None  # never 0


def test_post_complete_action_records_before_kpo_cleans_up(golive_home, monkeypatch) -> None:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    seen: list[int] = []
    monkeypatch.setattr(KubernetesPodOperator, "post_complete_action",
                        lambda self, **kw: seen.append(len(usage_rows())))
    pod = finished_pod()
    operator().post_complete_action(pod=pod, remote_pod=pod, context={"ti": FakeTI()}, result=None)
    assert seen == [1]


def test_an_invalid_quantity_is_logged_and_nothing_is_recorded(golive_home, capsys) -> None:
    pod = finished_pod()
    pod.spec.containers[0].resources.requests["cpu"] = "lots"
    operator().record_usage(pod, {"ti": FakeTI()})
    assert usage_rows() == []
    assert "'lots' is not a Kubernetes quantity" in capsys.readouterr().out  # the task log (structlog)
