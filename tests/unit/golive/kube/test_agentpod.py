"""The agent pods' profiles (one document: charts/golive's, embedded or mounted) and the security half
of their spec (``golive.kube.agentpod``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.gates.documentation import DOCUMENTATION
from golive.gates.verification import VERIFICATION
from golive.kube.agentpod import API_ACCESS, KUBE_API_LABEL, agent_pod_security, needs_api, tool_of
from golive.kube.podprofiles import (
    EMBEDDED_PROFILES,
    PodProfilesError,
    load_profiles,
    load_profiles_cache_clear,
    pod_profile,
)
from golive.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("GOLIVE_POD_PROFILES", "GOLIVE_CPU_LIMIT", "GOLIVE_GPU_NODE_SELECTOR", "GOLIVE_GPU_COUNT"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    load_profiles_cache_clear()
    yield
    get_settings.cache_clear()
    load_profiles_cache_clear()


def _doc() -> dict:
    return json.loads(EMBEDDED_PROFILES.read_text(encoding="utf-8"))


def test_without_a_profiles_file_the_embedded_chart_defaults_apply() -> None:
    cpu, gpu = pod_profile("cpu"), pod_profile("gpu")
    assert cpu.limits == {"cpu": "2", "memory": "2Gi"} and cpu.active_deadline_seconds == 1800
    assert cpu.priority_class_name == "golive-critical" and not cpu.node_selector
    assert gpu.limits["nvidia.com/gpu"] == "1" and gpu.active_deadline_seconds == 7200
    assert gpu.node_selector == {"golive.io/accelerator": "nvidia-gpu"}
    with pytest.raises(ValueError, match="'tpu'"):
        pod_profile("tpu")


def test_the_mounted_profiles_file_is_what_the_pods_get(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _doc()
    doc["serviceAccountName"] = "team-agents"
    doc["profiles"]["cpu"]["resources"]["limits"] = {"cpu": "3", "memory": "3Gi"}
    doc["profiles"]["cpu"]["activeDeadlineSeconds"] = 600
    path = tmp_path / "profiles.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setenv("GOLIVE_POD_PROFILES", str(path))
    get_settings.cache_clear()
    assert load_profiles()["serviceAccountName"] == "team-agents"
    cpu = pod_profile("cpu")
    assert cpu.limits == {"cpu": "3", "memory": "3Gi"} and cpu.active_deadline_seconds == 600


def test_a_setting_overrides_one_field_only_when_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CPU_LIMIT", "500m")
    monkeypatch.setenv("GOLIVE_GPU_NODE_SELECTOR", '{"pool": "a100"}')
    monkeypatch.setenv("GOLIVE_GPU_COUNT", "2")
    get_settings.cache_clear()
    assert pod_profile("cpu").limits == {"cpu": "500m", "memory": "2Gi"}
    gpu = pod_profile("gpu")
    assert gpu.node_selector == {"pool": "a100"}
    assert gpu.limits["nvidia.com/gpu"] == gpu.requests["nvidia.com/gpu"] == "2"


@pytest.mark.parametrize(("content", "message"), [
    (None, "cannot read the pod profiles"),
    ("{not json", "not JSON"),
    ('{"version": 2}', "version 2 is not supported"),
])
def test_a_bad_profiles_file_names_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               content: str | None, message: str) -> None:
    path = tmp_path / "profiles.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setenv("GOLIVE_POD_PROFILES", str(path))
    get_settings.cache_clear()
    with pytest.raises(PodProfilesError, match=f"GOLIVE_POD_PROFILES={path}.*{message}"):
        pod_profile("cpu")


def test_the_api_table_names_real_analyzers_and_decides_the_token() -> None:
    analyzers = {"verification": set(VERIFICATION.analyzers), "documentation": set(DOCUMENTATION.analyzers),
                 "maintenance": {"rescan", "propose", "rotate"}}  # its actions: its pods name no --tool
    for agent, tools in API_ACCESS.items():
        if tools is not None:
            assert tools <= analyzers[agent], f"{agent}: {tools - analyzers[agent]} is no analyzer of the agent"
    assert needs_api("deployment", None) and needs_api("canary", "canary")
    assert needs_api("verification", "rollout") and not needs_api("verification", "health")
    assert needs_api("documentation", "runbooks") and not needs_api("documentation", "api_reference")
    assert not needs_api("quality", "coverage") and not needs_api("security", None)
    assert needs_api("maintenance", "rotate") and not needs_api("maintenance", "rescan")
    assert tool_of(["analyze", "--tool", "pods", "--url", "x"]) == "pods" and tool_of(["analyze"]) is None
    assert tool_of(["analyze", "--tool=logs"]) == "logs"


def test_the_pod_security_of_an_analyzer_with_and_without_the_api() -> None:
    doc, cpu = _doc(), pod_profile("cpu")
    quality = agent_pod_security("quality", "coverage", cpu, doc)
    assert quality.automount_service_account_token is False and KUBE_API_LABEL not in quality.labels
    assert quality.service_account_name == doc["serviceAccountName"] and quality.labels == doc["labels"]
    assert quality.active_deadline_seconds == cpu.active_deadline_seconds
    assert quality.priority_class_name == cpu.priority_class_name
    assert {m["mountPath"] for m in quality.volume_mounts} >= {"/tmp", "/home/airflow"}  # nosec B108
    assert {v["name"] for v in quality.volumes} == {m["name"] for m in quality.volume_mounts}
    assert quality.sidecar_resources["limits"].keys() == {"cpu", "memory"}
    assert quality.container_security_context["readOnlyRootFilesystem"] is True
    deploy = agent_pod_security("deployment", None, cpu, doc, service_account_name="golive-deployer")
    assert deploy.automount_service_account_token is True and deploy.labels[KUBE_API_LABEL] == "true"
    assert deploy.service_account_name == "golive-deployer"
