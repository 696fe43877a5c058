"""The Pod Security Standards checker: each rule catches the field that breaks it, and only that."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from golive.kube.pss import RULES, violations

SAFE_SC = {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]},
           "seccompProfile": {"type": "RuntimeDefault"}}


def restricted_pod() -> dict[str, Any]:
    return {"metadata": {"name": "p", "annotations": {}},
            "spec": {"securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                         "seccompProfile": {"type": "RuntimeDefault"}},
                     "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c"}}],
                     "initContainers": [{"name": "init", "securityContext": copy.deepcopy(SAFE_SC)}],
                     "containers": [{"name": "base", "securityContext": copy.deepcopy(SAFE_SC),
                                     "ports": [{"containerPort": 8080}]}]}}


def test_a_restricted_pod_breaks_no_rule() -> None:
    assert violations(restricted_pod(), "restricted") == []
    assert {r.name for r in RULES if r.level == "restricted"} == {
        "Volume Types", "Privilege Escalation", "Running as Non-root", "Running as Non-root user", "Seccomp",
        "Capabilities"}
    assert len([r for r in RULES if r.level == "baseline"]) == 11


def _set(pod: dict[str, Any], path: str, value: Any) -> None:
    node: Any = pod
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    node[last] = value


# (a change to the restricted pod, the rule it breaks, the field named, the lowest level that forbids it)
BREAKS = [
    ("spec.securityContext.windowsOptions", {"hostProcess": True}, "HostProcess", "windowsOptions", "baseline"),
    ("spec.hostNetwork", True, "Host Namespaces", "spec.hostNetwork", "baseline"),
    ("spec.hostPID", True, "Host Namespaces", "spec.hostPID", "baseline"),
    ("spec.containers.0.securityContext.privileged", True, "Privileged Containers", "[base]", "baseline"),
    ("spec.containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["SYS_ADMIN"]}, "Capabilities",
     "SYS_ADMIN", "baseline"),
    ("spec.volumes", [{"name": "host", "hostPath": {"path": "/"}}], "HostPath Volumes", "[host]", "baseline"),
    ("spec.containers.0.ports", [{"containerPort": 80, "hostPort": 80}], "Host Ports", "hostPort 80", "baseline"),
    ("spec.securityContext.appArmorProfile", {"type": "Unconfined"}, "AppArmor", "appArmorProfile", "baseline"),
    ("spec.securityContext.seLinuxOptions", {"type": "spc_t"}, "SELinux", "spc_t", "baseline"),
    ("spec.containers.0.securityContext.procMount", "Unmasked", "/proc Mount Type", "Unmasked", "baseline"),
    ("spec.securityContext.seccompProfile", {"type": "Unconfined"}, "Seccomp", "Unconfined", "baseline"),
    ("spec.securityContext.sysctls", [{"name": "kernel.msgmax", "value": "1"}], "Sysctls", "kernel.msgmax",
     "baseline"),
    ("spec.volumes", [{"name": "nfs", "nfs": {"server": "x", "path": "/"}}], "Volume Types", "nfs", "restricted"),
    ("spec.initContainers.0.securityContext.allowPrivilegeEscalation", True, "Privilege Escalation", "[init]",
     "restricted"),
    ("spec.securityContext.runAsNonRoot", False, "Running as Non-root", "runAsNonRoot", "restricted"),
    ("spec.containers.0.securityContext.runAsUser", 0, "Running as Non-root user", "runAsUser is 0",
     "restricted"),
    ("spec.containers.0.securityContext.seccompProfile", {"type": "Localhost-less"}, "Seccomp", "Localhost-less",
     "baseline"),  # upstream's baseline: unset, RuntimeDefault or Localhost — a typo is no profile
    ("spec.containers.0.securityContext.capabilities", {"drop": ["NET_RAW"]}, "Capabilities", "drop lacks ALL",
     "restricted"),
    ("spec.containers.0.securityContext.capabilities", {"drop": ["ALL"], "add": ["CHOWN"]}, "Capabilities",
     "add has CHOWN", "restricted"),
]


@pytest.mark.parametrize(("path", "value", "rule", "named", "level"), BREAKS,
                         ids=[f"{b[2]}-{b[3]}" for b in BREAKS])
def test_each_rule_names_the_field_that_breaks_it(path: str, value: Any, rule: str, named: str,
                                                  level: str) -> None:
    pod = restricted_pod()
    _set(pod, path, value)
    found = violations(pod, "restricted")
    assert any(v.startswith(f"{rule} (") and named in v for v in found), found
    baseline = violations(pod, "baseline")
    assert bool(baseline) == (level == "baseline")
    assert all(v.startswith(f"{rule} (baseline)") for v in baseline), baseline


def test_a_container_without_its_own_context_inherits_the_pods() -> None:
    pod = restricted_pod()
    pod["spec"]["containers"][0]["securityContext"] = {"allowPrivilegeEscalation": False,
                                                       "capabilities": {"drop": ["ALL"]}}
    assert violations(pod) == []
    del pod["spec"]["securityContext"]
    assert {v.split(":")[0] for v in violations(pod)} == {"Running as Non-root (restricted)",
                                                          "Seccomp (restricted)"}


def test_what_upstream_admits_is_admitted() -> None:
    """kubernetes/pod-security-admission: an empty AppArmor annotation and an image volume pass restricted."""
    pod = restricted_pod()
    pod["metadata"]["annotations"]["container.apparmor.security.beta.kubernetes.io/base"] = ""
    pod["spec"]["volumes"].append({"name": "model", "image": {"reference": "registry.example/model:1"}})
    assert violations(pod, "restricted") == []


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="privileged"):
        violations(restricted_pod(), "privileged")


@pytest.mark.parametrize(("path", "value", "rule", "named", "level"), BREAKS,
                         ids=[f"{b[2]}-{b[3]}" for b in BREAKS])
def test_golives_check_and_localkubes_admission_agree(path: str, value: Any, rule: str, named: str,
                                                      level: str) -> None:
    """Two implementations on purpose (a shared bug would pass both), held to the same answers: golive's
    pre-launch check and localkube's port of kube-apiserver's PodSecurity admission."""
    from localkube.podsecurity import LevelVersion, evaluate

    pod = restricted_pod()
    _set(pod, path, value)
    for lvl in ("baseline", "restricted"):
        assert bool(violations(pod, lvl)) == bool(evaluate(LevelVersion(lvl), pod["metadata"], pod["spec"])), lvl
