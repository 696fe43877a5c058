"""The feedback analysis pod is routed by the cluster it runs on: localkube with a GPU node under the gpu
profile's labels and a gpu image set → gpu profile (GPU granted, the gpu image); without the node, with
tfidf or without a gpu image → cpu; the real operator and KPO."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from localkube import LocalKube
from localkube.kpo import run_operator, task_context

pytestmark = [pytest.mark.localkube, pytest.mark.airflow]

FAST = {"startup_check_interval_seconds": 1, "poll_interval": 0.2, "base_container_status_polling_interval": 0.2}
CODE = ("import os; from golive.runtime import write_xcom; "
        "write_xcom({k: os.environ.get(k) for k in ('CUDA_VISIBLE_DEVICES', 'GOLIVE_FEEDBACK_TOPICS')})")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    from golive.settings import get_settings

    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


def _run(kube: LocalKube, monkeypatch: pytest.MonkeyPatch, task_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from golive_airflow.operators.feedback_pod import FeedbackAnalyzePodOperator

    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", kube.connection_uri())
    op = FeedbackAnalyzePodOperator(task_id=task_id, cmds=["python", "-c", CODE], arguments=[],
                                    on_finish_action="keep_pod", startup_timeout_seconds=20, **FAST)
    context = task_context(op.task_id)
    result = run_operator(op, context)
    pod = kube.pod(context["ti"].xcoms["pod_name"], op.namespace)
    assert pod is not None
    return result, pod


def test_the_analysis_runs_on_the_gpu_profile_where_the_cluster_has_a_gpu_node(
        localkube_factory: Callable[..., LocalKube], monkeypatch: pytest.MonkeyPatch,
        settings_env: Callable[..., None]) -> None:
    from golive.routing import gpu_profile

    settings_env(GOLIVE_FEEDBACK_TOPICS="embeddings", GOLIVE_AGENT_GPU_IMAGE="golive-agent:0.1.0-gpu")
    kube = localkube_factory(gpus=1, node_labels=dict(gpu_profile().node_selector))
    result, pod = _run(kube, monkeypatch, "analyze-gpu")
    assert result == {"CUDA_VISIBLE_DEVICES": "0", "GOLIVE_FEEDBACK_TOPICS": "embeddings"}
    container = pod["spec"]["containers"][0]
    assert pod["metadata"]["labels"]["golive.io/profile"] == "gpu"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["image"] == "golive-agent:0.1.0-gpu"


def test_the_analysis_stays_on_the_cpu_profile_without_a_gpu_node_or_with_tfidf(
        localkube_factory: Callable[..., LocalKube], monkeypatch: pytest.MonkeyPatch,
        settings_env: Callable[..., None]) -> None:
    from golive.routing import gpu_profile

    settings_env(GOLIVE_FEEDBACK_TOPICS="auto", GOLIVE_AGENT_GPU_IMAGE="golive-agent:0.1.0-gpu")
    result, pod = _run(localkube_factory(gpus=0), monkeypatch, "analyze-cpu")
    assert not result["CUDA_VISIBLE_DEVICES"] and result["GOLIVE_FEEDBACK_TOPICS"] == "auto"
    assert pod["metadata"]["labels"]["golive.io/profile"] == "cpu"
    assert "nvidia.com/gpu" not in pod["spec"]["containers"][0]["resources"].get("limits", {})
    assert pod["spec"]["containers"][0]["image"] == "golive-agent:0.1.0"
    gpu_cluster = localkube_factory(gpus=1, node_labels=dict(gpu_profile().node_selector))
    settings_env(GOLIVE_FEEDBACK_TOPICS="tfidf")
    result, pod = _run(gpu_cluster, monkeypatch, "analyze-tfidf")
    assert pod["metadata"]["labels"]["golive.io/profile"] == "cpu" and result["GOLIVE_FEEDBACK_TOPICS"] == "tfidf"
    monkeypatch.delenv("GOLIVE_AGENT_GPU_IMAGE")  # the default image: its torch could not use the GPU
    settings_env(GOLIVE_FEEDBACK_TOPICS="auto")
    result, pod = _run(gpu_cluster, monkeypatch, "analyze-default-image")
    assert pod["metadata"]["labels"]["golive.io/profile"] == "cpu" and not result["CUDA_VISIBLE_DEVICES"]
