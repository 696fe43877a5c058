"""hostPath volumes only under allowed prefixes (localkube.hostpaths), at admission and in the kubelet."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from localkube import LocalKube
from localkube.hostpaths import HostPathPolicy

pytestmark = pytest.mark.localkube


def pod_with_host_path(path: str, code: str = "print('mounted')") -> dict[str, Any]:
    return {"metadata": {"name": f"hp-{uuid.uuid4().hex[:6]}"},
            "spec": {"restartPolicy": "Never", "volumes": [{"name": "host", "hostPath": {"path": path}}],
                     "containers": [{"name": "c", "image": "python:3.11", "command": ["python", "-c", code],
                                     "volumeMounts": [{"name": "host", "mountPath": "/host"}]}]}}


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(ApiException) as error:
        call()
    assert error.value.status == 403
    return json.loads(error.value.body)


def test_policy_resolves_symlinks_and_dotdot(tmp_path: Path) -> None:
    allowed = tmp_path / "allowed"
    (allowed / "sub").mkdir(parents=True)
    (allowed / "link").symlink_to("/etc")
    policy = HostPathPolicy((allowed,))
    assert policy.allows(str(allowed)) and policy.allows(str(allowed / "sub" / "new"))
    for path in ("/etc", str(allowed / "link"), str(allowed / "sub" / ".." / ".."), str(tmp_path / "allowed2"),
                 "relative/path", ""):
        assert not policy.allows(path), path
    with pytest.raises(ValueError, match="must be an absolute path"):
        HostPathPolicy(("relative",))


def test_a_pod_mounting_a_host_directory_outside_the_prefixes_is_refused(localkube: LocalKube) -> None:
    body = pod_with_host_path("/etc")
    status = refused(lambda: localkube.core_v1().create_namespaced_pod("default", body))
    assert status["reason"] == "Forbidden"
    assert 'hostPath volume "host" path \'/etc\' is outside the allowed hostPath prefixes' in status["message"]
    assert localkube.pod(body["metadata"]["name"]) is None
    assert localkube.state_dir is not None
    escape = pod_with_host_path(str(localkube.state_dir / ".." / ".."))
    refused(lambda: localkube.core_v1().create_namespaced_pod("default", escape))


def test_the_state_dir_is_allowed(localkube: LocalKube) -> None:
    assert localkube.state_dir is not None
    shared = localkube.state_dir / "shared"
    shared.mkdir(exist_ok=True)
    (shared / "note.txt").write_text("from the host")
    code = "import json, os; print(open(json.loads(os.environ['LOCALKUBE_MOUNT_MAP'])['/host'] + '/note.txt').read())"
    body = pod_with_host_path(str(shared), code)
    localkube.core_v1().create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    deadline = time.monotonic() + 15
    while (localkube.pod(name) or {}).get("status", {}).get("phase") not in ("Succeeded", "Failed"):
        assert time.monotonic() < deadline, "pod did not finish"
        time.sleep(0.05)
    assert localkube.pod(name)["status"]["phase"] == "Succeeded"  # type: ignore[index]
    log = localkube.core_v1().read_namespaced_pod_log(name, "default", _preload_content=False).data.decode()
    assert log.strip() == "from the host"


def test_workload_templates_are_checked_on_create_and_update(localkube: LocalKube) -> None:
    from kubernetes import client

    apps = client.AppsV1Api(localkube.api_client())
    name = f"hp-{uuid.uuid4().hex[:6]}"
    template = {"metadata": {"labels": {"app": name}}, "spec": pod_with_host_path("/root")["spec"]}
    template["spec"]["restartPolicy"] = "Always"
    deployment = {"metadata": {"name": name}, "spec": {"replicas": 0, "selector": {"matchLabels": {"app": name}},
                                                       "template": template}}
    status = refused(lambda: apps.create_namespaced_deployment("default", deployment))
    assert f'deployments "{name}" is forbidden' in status["message"] and "'/root'" in status["message"]
    template["spec"]["volumes"] = []
    template["spec"]["containers"][0]["volumeMounts"] = []
    apps.create_namespaced_deployment("default", deployment)
    patch = {"spec": {"template": {"spec": {"volumes": [{"name": "h", "hostPath": {"path": "/home"}}]}}}}
    refused(lambda: apps.patch_namespaced_deployment(name, "default", patch))
    apps.delete_namespaced_deployment(name, "default")


def test_extra_prefixes_are_allowed(localkube_factory: Callable[..., LocalKube], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    kube = localkube_factory(host_path_prefixes=(data,))
    kube.core_v1().create_namespaced_pod("default", pod_with_host_path(str(data / "sub")))
    refused(lambda: kube.core_v1().create_namespaced_pod("default", pod_with_host_path(str(tmp_path))))


def test_the_cli_refuses_a_relative_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    from localkube.__main__ import main

    assert main(["serve", "--allow-host-path", "data"]) == 2
    assert "--allow-host-path takes absolute directories, got 'data'" in capsys.readouterr().err
