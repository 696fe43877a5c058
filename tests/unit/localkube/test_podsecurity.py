"""localkube.podsecurity: each check refuses what upstream's does, with its wording, and allows the rest."""

from __future__ import annotations

from typing import Any

import pytest

from localkube import podsecurity as ps
from localkube.podsecurity import ENFORCE_LABEL, WARN_LABEL, Forbidden, LevelVersion, evaluate, policy_from_labels

LATEST = ps.LATEST_MINOR
SC_OK = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
         "seccompProfile": {"type": "RuntimeDefault"}}


def spec(*containers: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {"containers": list(containers) or [{"name": "app", "securityContext": dict(SC_OK)}], **pod}


def c(name: str = "app", **sc: Any) -> dict[str, Any]:
    return {"name": name, "securityContext": {**SC_OK, **sc}}


# (predicate, allowed spec, refused spec, expected Forbidden)
CASES = [
    (ps.host_namespaces, spec(hostNetwork=False), spec(hostNetwork=True, hostPID=True),
     Forbidden("host namespaces", "hostNetwork=true, hostPID=true")),
    (ps.privileged, spec(c(privileged=False)), spec(c("a", privileged=True)),
     Forbidden("privileged", 'container "a" must not set securityContext.privileged=true')),
    (ps.capabilities_baseline, spec(c(capabilities={"add": ["CHOWN"]})),
     spec(c("a", capabilities={"add": ["SYS_ADMIN", "NET_RAW"]})),
     Forbidden("non-default capabilities",
               'container "a" must not include "NET_RAW", "SYS_ADMIN" in securityContext.capabilities.add')),
    (ps.host_path_volumes, spec(volumes=[{"name": "t", "emptyDir": {}}]),
     spec(volumes=[{"name": "h", "hostPath": {"path": "/"}}]), Forbidden("hostPath volumes", 'volume "h"')),
    (ps.host_ports, spec({"name": "a", "ports": [{"containerPort": 80}]}),
     spec({"name": "a", "ports": [{"containerPort": 80, "hostPort": 8080}]}),
     Forbidden("hostPort", 'container "a" uses hostPort 8080')),
    (ps.app_armor_profile, spec(c(appArmorProfile={"type": "RuntimeDefault"})),
     spec(c("a", appArmorProfile={"type": "Unconfined"})),
     Forbidden("forbidden AppArmor profile", 'container "a" must not set AppArmor profile type to "Unconfined"')),
    (ps.se_linux_options, spec(securityContext={"seLinuxOptions": {"type": "container_t"}}),
     spec(securityContext={"seLinuxOptions": {"type": "spc_t", "user": "root"}}),
     Forbidden("seLinuxOptions",
               'pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set')),
    (ps.proc_mount, spec(c(procMount="Default")), spec(c("a", procMount="Unmasked")),
     Forbidden("procMount", 'container "a" must not set securityContext.procMount to "Unmasked"')),
    (ps.seccomp_profile_baseline, spec({"name": "a"}), spec(c("a", seccompProfile={"type": "Unconfined"})),
     Forbidden("seccompProfile", 'container "a" must not set securityContext.seccompProfile.type to "Unconfined"')),
    (ps.sysctls, spec(securityContext={"sysctls": [{"name": "net.ipv4.tcp_syncookies", "value": "1"}]}),
     spec(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]}),
     Forbidden("forbidden sysctls", "kernel.msgmax")),
    (ps.windows_host_process, spec(), spec(securityContext={"windowsOptions": {"hostProcess": True}}),
     Forbidden("hostProcess", "pod must not set securityContext.windowsOptions.hostProcess=true")),
    (ps.allow_privilege_escalation, spec(c()), spec(c("a", allowPrivilegeEscalation=None), {"name": "b"}),
     Forbidden("allowPrivilegeEscalation != false",
               'containers "a", "b" must set securityContext.allowPrivilegeEscalation=false')),
    (ps.capabilities_restricted, spec(c(capabilities={"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]})),
     spec(c("a", capabilities={"drop": ["NET_RAW"], "add": ["CHOWN"]})),
     Forbidden("unrestricted capabilities", 'container "a" must set securityContext.capabilities.drop=["ALL"]; '
               'container "a" must not include "CHOWN" in securityContext.capabilities.add')),
    (ps.restricted_volumes, spec(volumes=[{"name": "p", "persistentVolumeClaim": {"claimName": "x"}}]),
     spec(volumes=[{"name": "n", "nfs": {"server": "s", "path": "/"}}, {"name": "h", "hostPath": {"path": "/"}}]),
     Forbidden("restricted volume types", 'volumes "n", "h" use restricted volume types "hostPath", "nfs"')),
    (ps.run_as_non_root, spec({"name": "a"}, securityContext={"runAsNonRoot": True}), spec({"name": "a"}),
     Forbidden("runAsNonRoot != true", 'pod or container "a" must set securityContext.runAsNonRoot=true')),
    (ps.run_as_user, spec(securityContext={"runAsUser": 50000}), spec(c("a", runAsUser=0)),
     Forbidden("runAsUser=0", 'container "a" must not set runAsUser=0')),
    (ps.seccomp_profile_restricted, spec({"name": "a"}, securityContext={"seccompProfile": {"type": "Localhost"}}),
     spec({"name": "a"}),
     Forbidden("seccompProfile",
               'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"')),
]


@pytest.mark.parametrize(("check", "allowed", "refused", "expected"), CASES, ids=[case[0].__name__ for case in CASES])
def test_each_check_allows_and_refuses_as_upstream(check: ps.Predicate, allowed: dict[str, Any],
                                                   refused: dict[str, Any], expected: Forbidden) -> None:
    assert check({}, allowed, LATEST) is None
    assert check({}, refused, LATEST) == expected


def test_a_false_setting_is_named_before_the_missing_ones() -> None:
    pod = spec({"name": "a"}, c("b", runAsNonRoot=False), securityContext={"runAsNonRoot": False})
    assert ps.run_as_non_root({}, pod, LATEST) == Forbidden(
        "runAsNonRoot != true", 'pod and container "b" must not set securityContext.runAsNonRoot=false')


def test_versioned_checks_follow_the_policy_version() -> None:
    probe = spec({"name": "a", "livenessProbe": {"httpGet": {"host": "10.0.0.1", "port": 80}}})
    assert ps.host_probes_and_lifecycle({}, probe, 34) == Forbidden(
        "probe or lifecycle host", 'container "a" uses probe or lifecycle host "10.0.0.1"')
    newer_sysctl = spec(securityContext={"sysctls": [{"name": "net.ipv4.tcp_rmem"}]})
    assert ps.sysctls({}, newer_sysctl, 31) is not None and ps.sysctls({}, newer_sysctl, 32) is None
    windows = spec({"name": "a"}, os={"name": "windows"})
    assert ps.allow_privilege_escalation({}, windows, 24) is not None
    assert ps.allow_privilege_escalation({}, windows, 25) is None
    assert [f.reason for f in evaluate(LevelVersion("restricted", 18), {}, spec({"name": "a"}))] == [
        "allowPrivilegeEscalation != false", "runAsNonRoot != true"]  # capabilities from 1.22, seccomp from 1.19


def test_levels_overrides_and_order() -> None:
    bare = spec({"name": "x"}, volumes=[{"name": "h", "hostPath": {"path": "/data"}}])
    assert evaluate(LevelVersion("privileged"), {}, bare) == []
    assert [str(f) for f in evaluate(LevelVersion("baseline"), {}, bare)] == ['hostPath volumes (volume "h")']
    restricted = [f.reason for f in evaluate(LevelVersion("restricted"), {}, bare)]
    assert restricted == ["allowPrivilegeEscalation != false", "unrestricted capabilities",
                          "restricted volume types", "runAsNonRoot != true", "seccompProfile"]
    assert "hostPath volumes" not in restricted  # restrictedVolumes replaces it
    assert evaluate(LevelVersion("restricted"), {}, spec(c(), c("b"))) == []


@pytest.mark.parametrize(("labels", "enforce", "warn", "problems"), [
    ({}, "privileged:latest", "privileged:latest", 0),
    ({ENFORCE_LABEL: "restricted"}, "restricted:latest", "restricted:latest", 0),  # warn follows enforce
    ({ENFORCE_LABEL: "baseline", f"{ENFORCE_LABEL}-version": "v1.29", WARN_LABEL: "restricted"},
     "baseline:v1.29", "restricted:latest", 0),
    ({ENFORCE_LABEL: "baseline", WARN_LABEL: "privileged"}, "baseline:latest", "privileged:latest", 0),
    ({ENFORCE_LABEL: "strict"}, "restricted:latest", "privileged:latest", 1),  # fails closed, warn not defaulted
    ({WARN_LABEL: "nope", f"{WARN_LABEL}-version": "1.30"}, "privileged:latest", "privileged:latest", 2),
])
def test_policy_from_labels(labels: dict[str, str], enforce: str, warn: str, problems: int) -> None:
    policy, found = policy_from_labels(labels)
    assert (str(policy.enforce), str(policy.warn), len(found)) == (enforce, warn, problems)


def test_warning_header_quotes_as_rfc_7234() -> None:
    assert ps.warning_header('a "b" \\ c') == '299 - "a \\"b\\" \\\\ c"'
