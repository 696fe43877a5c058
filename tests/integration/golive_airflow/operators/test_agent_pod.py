"""The real KubernetesPodOperator (cncf-kubernetes 10.25.0) against localkube, sync and deferrable.

No Airflow database: ``localkube.kpo.task_context`` gives KPO the context keys it reads, and
``run_operator`` plays the triggerer for deferrable runs (serialize → rebuild → run → resume).
Airflow's task logger writes to stdout, so the task log is read from ``capsys``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from localkube import LocalKube
from localkube.kpo import run_operator, task_context

pytestmark = [pytest.mark.localkube, pytest.mark.airflow]

FAST = {"startup_check_interval_seconds": 1, "poll_interval": 0.2, "base_container_status_polling_interval": 0.2}


def kpo(task_id: str, code: str, **kwargs: Any) -> Any:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

    return KubernetesPodOperator(task_id=task_id, name=task_id, image="golive-agents:test",
                                 cmds=["python", "-c", code], **{**FAST, **kwargs})


def flat(text: str) -> str:
    """Undo pprint's line wrapping of long strings inside KPO's ``remote_pod`` dump."""
    return re.sub(r"'\s+'", "", text)


XCOM_CODE = ("import json, os, sys; from golive.runtime import write_xcom; "
             "print('task', os.environ['STAGE'], 'args', sys.argv[1:]); "
             "write_xcom({'stage': os.environ['STAGE'], 'args': sys.argv[1:], 'n': 3})")


@pytest.mark.parametrize("deferrable", [False, True], ids=["sync", "deferrable"])
def test_xcom_push_env_args_and_logs(kpo_env: LocalKube, capsys: pytest.CaptureFixture[str],
                                     deferrable: bool) -> None:
    op = kpo(f"xcom-{'d' if deferrable else 's'}", XCOM_CODE, arguments=["--release", "1.2.3"],
             env_vars={"STAGE": "verify"}, do_xcom_push=True, deferrable=deferrable)
    context = task_context(op.task_id)
    result = run_operator(op, context)
    assert result == {"stage": "verify", "args": ["--release", "1.2.3"], "n": 3}
    out = capsys.readouterr().out
    assert "task verify args ['--release', '1.2.3']" in out  # the pod's stdout reached the task log
    pod_name = context["ti"].xcoms["pod_name"]
    assert kpo_env.pod(pod_name) is None  # on_finish_action=delete_pod removed it


@pytest.mark.parametrize("deferrable", [False, True], ids=["sync", "deferrable"])
def test_failing_pod_raises_with_its_logs(kpo_env: LocalKube, capsys: pytest.CaptureFixture[str],
                                          deferrable: bool) -> None:
    from airflow.sdk.exceptions import AirflowException

    op = kpo(f"fail-{'d' if deferrable else 's'}",
             "import sys; print('scanning'); print('fatal: 2 critical findings', file=sys.stderr); sys.exit(3)",
             deferrable=deferrable, log_events_on_failure=True)
    with pytest.raises(AirflowException) as failure:
        run_operator(op)
    message = str(failure.value)
    assert "returned a failure" in message and "'exit_code': 3" in message
    out = capsys.readouterr().out
    assert "scanning" in out and "fatal: 2 critical findings" in out


def test_gpu_pod_without_capacity_fails_with_the_scheduler_reason(
        kpo_env: LocalKube, capsys: pytest.CaptureFixture[str]) -> None:
    from airflow.sdk.exceptions import AirflowException
    from kubernetes.client import models as k8s

    op = kpo("gpu-train", "print('training')", startup_timeout_seconds=1,
             container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"}))
    with pytest.raises(AirflowException) as failure:
        run_operator(op)
    reason = "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    assert reason in flat(str(failure.value))  # the PodScheduled condition, in KPO's remote_pod dump
    assert "too long to be scheduled" in str(failure.value.__context__)
    assert reason in capsys.readouterr().out  # the FailedScheduling event, logged while waiting


def test_gpu_pod_runs_when_the_node_has_gpus(localkube_factory: Callable[..., LocalKube],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes.client import models as k8s

    kube = localkube_factory(gpus=2)
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", kube.connection_uri())
    op = kpo("gpu-ok", "import os; from golive.runtime import write_xcom; "
                       "write_xcom(os.environ['CUDA_VISIBLE_DEVICES'])",
             do_xcom_push=True, container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "2"}))
    assert run_operator(op) == "0,1"


def test_pod_level_settings_reach_the_process(kpo_env: LocalKube) -> None:
    from kubernetes.client import models as k8s

    code = ("import os; from golive.runtime import write_xcom; "
            "write_xcom({'pod': os.environ['POD'], 'ip': os.environ['IP'], 'cwd': os.getcwd()})")
    op = kpo("settings", code, do_xcom_push=True, labels={"team": "golive"},
             env_vars=[k8s.V1EnvVar(name="POD", value_from=k8s.V1EnvVarSource(
                 field_ref=k8s.V1ObjectFieldSelector(field_path="metadata.name"))),
                 k8s.V1EnvVar(name="IP", value_from=k8s.V1EnvVarSource(
                     field_ref=k8s.V1ObjectFieldSelector(field_path="status.podIP")))],
             on_finish_action="keep_pod")
    context = task_context("settings")
    result = run_operator(op, context)
    pod = kpo_env.pod(context["ti"].xcoms["pod_name"])
    assert result["pod"] == pod["metadata"]["name"] and result["ip"] == pod["status"]["podIP"]
    assert pod["metadata"]["labels"]["team"] == "golive" and pod["status"]["phase"] == "Succeeded"
    assert pod["metadata"]["labels"]["already_checked"] == "True"  # KPO's patch after a kept pod
    kpo_env.core_v1().delete_namespaced_pod(pod["metadata"]["name"], "default")


@pytest.mark.parametrize("deferrable", [False, True], ids=["sync", "deferrable"])
def test_agent_pod_creates_its_missing_namespace_and_its_result_travels(kpo_env: LocalKube,
                                                                          deferrable: bool) -> None:
    from golive_airflow.operators.agent_pod import AgentPodOperator

    namespace = f"agents-{'d' if deferrable else 's'}"
    assert namespace not in [n.metadata.name for n in kpo_env.core_v1().list_namespace().items]
    op = AgentPodOperator(task_id=f"fresh-{namespace}", agent="testing", action="analyze", namespace=namespace,
                          image="golive-agents:test", deferrable=deferrable, cmds=["python", "-c", (
                              "from golive.runtime import write_xcom; "
                              f"write_xcom({{'agent': 'testing', 'tool': 'fuzz', 'details': {{'seed': {2**127}}}}})")],
                          arguments=[], **FAST)
    result = run_operator(op, task_context(op.task_id))
    assert result["details"]["seed"] == str(2**127)
    assert kpo_env.core_v1().read_namespace(namespace).metadata.labels["app.kubernetes.io/part-of"] == "golive"


def test_routed_pod_takes_the_plans_profile_and_the_confs_application_profile(
        localkube_factory: Callable[..., LocalKube], monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.routing import gpu_profile
    from golive_airflow.context import PLAN_TASK_ID, REQUEST_TASK_ID
    from golive_airflow.operators.agent_pod import ROUTED, AgentPodOperator

    kube = localkube_factory(gpus=1, node_labels=dict(gpu_profile().node_selector))
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", kube.connection_uri())
    code = ("import os; from golive.runtime import write_xcom; "
            "write_xcom({'gpus': os.environ.get('CUDA_VISIBLE_DEVICES'), 'profile': os.environ['GOLIVE_PROFILE'], "
            "'logs': [os.environ.get(k) for k in ('GOLIVE_RUN_ID', 'GOLIVE_APPLICATION', 'GOLIVE_VERSION', "
            "'GOLIVE_LOG_FORMAT')]})")

    def run(routing: str) -> tuple[dict[str, Any], dict[str, Any]]:
        op = AgentPodOperator(task_id=f"eval-{routing}", agent="testing", action="analyze", profile=ROUTED,
                              image="golive-agents:test", cmds=["python", "-c", code], arguments=[],
                              on_finish_action="keep_pod", startup_timeout_seconds=20, **FAST)
        context = task_context(op.task_id)
        pulled = {PLAN_TASK_ID: {"routing": {"profile": routing, "reason": "test"}},
                  REQUEST_TASK_ID: {"application": "shop", "version": "1.2.0", "profile": {"kind": "ml-service"}}}
        context["ti"].xcom_pull = lambda task_ids=None, key="return_value", **_: (  # type: ignore[method-assign]
            pulled.get(task_ids) if key == "return_value" and task_ids else context["ti"].xcoms.get(key))
        result = run_operator(op, context)
        pod = kube.pod(context["ti"].xcoms["pod_name"], op.namespace)
        assert pod is not None
        return result, pod

    gpu_result, gpu_pod = run("gpu")
    assert gpu_result == {"gpus": "0", "profile": '{"kind": "ml-service"}',  # and the logs' correlation id
                          "logs": ["manual__localkube", "shop", "1.2.0", "text"]}
    assert gpu_pod["metadata"]["labels"]["golive.io/profile"] == "gpu"
    assert gpu_pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    cpu_result, cpu_pod = run("cpu")
    assert not cpu_result["gpus"] and cpu_pod["metadata"]["labels"]["golive.io/profile"] == "cpu"
    assert "nvidia.com/gpu" not in cpu_pod["spec"]["containers"][0]["resources"].get("limits", {})


def test_an_ml_target_is_planned_onto_the_gpu_profile_and_evaluated_on_a_gpu_node(
        localkube_factory: Callable[..., LocalKube], monkeypatch: pytest.MonkeyPatch) -> None:
    from repo_paths import TEST_DATA

    from golive.agents.orchestrator import plan
    from golive.routing import gpu_profile
    from golive.settings import get_settings
    from golive_airflow.context import PLAN_TASK_ID
    from golive_airflow.operators.agent_pod import ROUTED, AgentPodOperator

    ml_app = TEST_DATA / "targets" / "ml_app"
    monkeypatch.setenv("GOLIVE_PROFILE", '{"kind": "ml-service"}')  # the conf's profile: a model it serves
    get_settings.cache_clear()
    try:
        planned = plan(str(ml_app))
    finally:
        get_settings.cache_clear()
    assert planned["routing"]["profile"] == "gpu", planned["routing"]
    kube = localkube_factory(gpus=1, node_labels=dict(gpu_profile().node_selector))
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", kube.connection_uri())
    op = AgentPodOperator(task_id="model_eval", agent="testing", action="analyze", profile=ROUTED,
                          image="golive-agents:test", startup_timeout_seconds=20,
                          agent_args=["--tool", "model_eval", "--url", "http://127.0.0.1:9", "--source", str(ml_app)],
                          **FAST)
    context = task_context(op.task_id)
    context["ti"].xcom_pull = lambda task_ids=None, key="return_value", **_: (  # type: ignore[method-assign]
        planned if task_ids == PLAN_TASK_ID else context["ti"].xcoms.get(key))
    result = run_operator(op, context)
    assert result["error"] is None and result["details"]["gpu"]["cuda_visible_devices"] == "0"
    assert next(m for m in result["measurements"] if m["name"] == "model_accuracy")["value"] == 98.0


def test_the_git_credentials_secret_reaches_git_only(kpo_env: LocalKube, monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes.client import models as k8s

    from golive.settings import get_settings
    from golive_airflow.operators.agent_pod import AgentPodOperator

    namespace = "agents-creds"
    core = kpo_env.core_v1()
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=namespace)))
    core.create_namespaced_secret(namespace, k8s.V1Secret(metadata=k8s.V1ObjectMeta(name="git-creds"), string_data={
        "GIT_ASKPASS": "/secrets/askpass.sh", "GIT_TOKEN": "tok-from-the-secret"}))
    monkeypatch.setenv("GOLIVE_GIT_CREDENTIALS_SECRET", "git-creds")
    get_settings.cache_clear()
    code = ("from golive.runtime import write_xcom; from golive.settings import git_credentials_env; "
            "from golive.tools import clean_env; git = git_credentials_env(); tools = clean_env(); "
            "write_xcom({'agent': 'quality', 'tool': 'env', 'details': {'askpass': git.get('GIT_ASKPASS'), "
            "'token': git.get('GIT_TOKEN') == 'tok-from-the-secret', "
            "'tools_see': sorted(k for k, v in tools.items() if 'tok-from-the-secret' in v or 'GITCRED' in k)}})")
    op = AgentPodOperator(task_id="creds", agent="quality", action="analyze", namespace=namespace,
                          image="golive-agents:test", cmds=["python", "-c", code], arguments=[], **FAST)
    assert op.env_from[0].secret_ref.name == "git-creds"
    result = run_operator(op, task_context(op.task_id))
    # git gets the Secret's keys; the analyzed project's tools (clean_env) get none of them
    assert result["details"] == {"askpass": "/secrets/askpass.sh", "token": True, "tools_see": []}
