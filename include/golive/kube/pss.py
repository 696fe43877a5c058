"""Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, v1.31): one
predicate per rule of the "baseline" and "restricted" levels, over a pod as the API sees it (a dict).

``violations(pod, level)`` returns every broken rule with the field that breaks it, as
``"<rule>: <field> <why>"``; an empty list means the pod is admitted at that level by a namespace
labelled ``pod-security.kubernetes.io/enforce: <level>``. AgentPodOperator checks its own pod with
it before creating it; the unit tests check the agent pod spec with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

Pod = Mapping[str, Any]

#: Capabilities "baseline" allows a container to add.
BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                   "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
SAFE_SYSCTLS = frozenset({
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes"})
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
#: Volume types "restricted" allows.
RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                                "persistentVolumeClaim", "projected", "secret"})
#: Seccomp profile types "baseline" allows set (unset is allowed too).
BASELINE_SECCOMP = frozenset({"RuntimeDefault", "Localhost"})
_VOLUME_META = frozenset({"name"})


def containers(pod: Pod) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(field path, container)`` of every container, init container and ephemeral container."""
    spec = pod.get("spec") or {}
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            yield f"spec.{key}[{c.get('name')}]", c


def _pod_sc(pod: Pod) -> Mapping[str, Any]:
    return (pod.get("spec") or {}).get("securityContext") or {}


def _sc(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return container.get("securityContext") or {}


def _host_process(pod: Pod) -> list[str]:
    found = ["spec.securityContext.windowsOptions.hostProcess is true"] \
        if (_pod_sc(pod).get("windowsOptions") or {}).get("hostProcess") else []
    return found + [f"{path}.securityContext.windowsOptions.hostProcess is true" for path, c in containers(pod)
                    if (_sc(c).get("windowsOptions") or {}).get("hostProcess")]


def _host_namespaces(pod: Pod) -> list[str]:
    spec = pod.get("spec") or {}
    return [f"spec.{key} is true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]


def _privileged(pod: Pod) -> list[str]:
    return [f"{path}.securityContext.privileged is true" for path, c in containers(pod) if _sc(c).get("privileged")]


def _capabilities_baseline(pod: Pod) -> list[str]:
    return [f"{path}.securityContext.capabilities.add has {cap}" for path, c in containers(pod)
            for cap in (_sc(c).get("capabilities") or {}).get("add") or [] if cap not in BASELINE_CAPABILITIES]


def _host_path(pod: Pod) -> list[str]:
    return [f"spec.volumes[{v.get('name')}] is a hostPath" for v in (pod.get("spec") or {}).get("volumes") or []
            if "hostPath" in v]


def _host_ports(pod: Pod) -> list[str]:
    return [f"{path}.ports hostPort {p['hostPort']}" for path, c in containers(pod) for p in c.get("ports") or []
            if p.get("hostPort")]


def _apparmor(pod: Pod) -> list[str]:
    found = []
    profiles = [("spec.securityContext", _pod_sc(pod))] + [(f"{path}.securityContext", _sc(c))
                                                          for path, c in containers(pod)]
    for path, sc in profiles:
        kind = (sc.get("appArmorProfile") or {}).get("type")
        if kind not in (None, "RuntimeDefault", "Localhost"):
            found.append(f"{path}.appArmorProfile.type is {kind}")
    for key, value in ((pod.get("metadata") or {}).get("annotations") or {}).items():
        if key.startswith("container.apparmor.security.beta.kubernetes.io/") and value \
                and value != "runtime/default" and not value.startswith("localhost/"):
            found.append(f"metadata.annotations[{key}] is {value}")
    return found


def _selinux(pod: Pod) -> list[str]:
    found = []
    profiles = [("spec.securityContext", _pod_sc(pod))] + [(f"{path}.securityContext", _sc(c))
                                                          for path, c in containers(pod)]
    for path, sc in profiles:
        options = sc.get("seLinuxOptions") or {}
        if options.get("type", "") not in SELINUX_TYPES:
            found.append(f"{path}.seLinuxOptions.type is {options['type']}")
        found += [f"{path}.seLinuxOptions.{key} is set" for key in ("user", "role") if options.get(key)]
    return found


def _proc_mount(pod: Pod) -> list[str]:
    return [f"{path}.securityContext.procMount is {_sc(c)['procMount']}" for path, c in containers(pod)
            if _sc(c).get("procMount") not in (None, "Default")]


def _seccomp_baseline(pod: Pod) -> list[str]:
    profiles = [("spec", _pod_sc(pod))] + [(path, _sc(c)) for path, c in containers(pod)]
    return [f"{path}.securityContext.seccompProfile.type is {kind}" for path, sc in profiles
            if (kind := (sc.get("seccompProfile") or {}).get("type")) is not None and kind not in BASELINE_SECCOMP]


def _sysctls(pod: Pod) -> list[str]:
    return [f"spec.securityContext.sysctls has {s.get('name')}" for s in _pod_sc(pod).get("sysctls") or []
            if s.get("name") not in SAFE_SYSCTLS]


def _volume_types(pod: Pod) -> list[str]:
    found = []
    for volume in (pod.get("spec") or {}).get("volumes") or []:
        kinds = set(volume) - _VOLUME_META
        found += [f"spec.volumes[{volume.get('name')}] is a {kind}" for kind in sorted(kinds - RESTRICTED_VOLUMES)]
    return found


def _privilege_escalation(pod: Pod) -> list[str]:
    return [f"{path}.securityContext.allowPrivilegeEscalation is not false" for path, c in containers(pod)
            if _sc(c).get("allowPrivilegeEscalation") is not False]


def _run_as_non_root(pod: Pod) -> list[str]:
    pod_level = _pod_sc(pod).get("runAsNonRoot")
    found = ["spec.securityContext.runAsNonRoot is false"] if pod_level is False else []
    for path, c in containers(pod):
        value = _sc(c).get("runAsNonRoot")
        if value is False or (value is None and pod_level is not True):
            found.append(f"{path}.securityContext.runAsNonRoot is not true (nor the pod's)")
    return found


def _run_as_user(pod: Pod) -> list[str]:
    found = ["spec.securityContext.runAsUser is 0"] if _pod_sc(pod).get("runAsUser") == 0 else []
    return found + [f"{path}.securityContext.runAsUser is 0" for path, c in containers(pod)
                    if _sc(c).get("runAsUser") == 0]


def _seccomp_restricted(pod: Pod) -> list[str]:
    allowed = ("RuntimeDefault", "Localhost")
    pod_type = (_pod_sc(pod).get("seccompProfile") or {}).get("type")
    found = [f"spec.securityContext.seccompProfile.type is {pod_type}"] \
        if pod_type is not None and pod_type not in allowed else []
    for path, c in containers(pod):
        kind = (_sc(c).get("seccompProfile") or {}).get("type")
        if kind is None and pod_type in allowed:
            continue
        if kind not in allowed:
            found.append(f"{path}.securityContext.seccompProfile.type is {kind or 'unset'} (nor the pod's)")
    return found


def _capabilities_restricted(pod: Pod) -> list[str]:
    found = []
    for path, c in containers(pod):
        caps = _sc(c).get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            found.append(f"{path}.securityContext.capabilities.drop lacks ALL")
        found += [f"{path}.securityContext.capabilities.add has {cap}" for cap in caps.get("add") or []
                  if cap != "NET_BIND_SERVICE"]
    return found


@dataclass(frozen=True)
class Rule:
    """One control of the Pod Security Standards."""

    name: str
    level: str
    check: Callable[[Pod], list[str]]


RULES: tuple[Rule, ...] = (
    Rule("HostProcess", "baseline", _host_process),
    Rule("Host Namespaces", "baseline", _host_namespaces),
    Rule("Privileged Containers", "baseline", _privileged),
    Rule("Capabilities", "baseline", _capabilities_baseline),
    Rule("HostPath Volumes", "baseline", _host_path),
    Rule("Host Ports", "baseline", _host_ports),
    Rule("AppArmor", "baseline", _apparmor),
    Rule("SELinux", "baseline", _selinux),
    Rule("/proc Mount Type", "baseline", _proc_mount),
    Rule("Seccomp", "baseline", _seccomp_baseline),
    Rule("Sysctls", "baseline", _sysctls),
    Rule("Volume Types", "restricted", _volume_types),
    Rule("Privilege Escalation", "restricted", _privilege_escalation),
    Rule("Running as Non-root", "restricted", _run_as_non_root),
    Rule("Running as Non-root user", "restricted", _run_as_user),
    Rule("Seccomp", "restricted", _seccomp_restricted),
    Rule("Capabilities", "restricted", _capabilities_restricted),
)
LEVELS = ("baseline", "restricted")


def violations(pod: Pod, level: str = "restricted") -> list[str]:
    """Every rule of ``level`` (and the levels below it) that ``pod`` breaks, with the field."""
    if level not in LEVELS:
        raise ValueError(f"unknown Pod Security Standard level {level!r}: use {' or '.join(LEVELS)}")
    wanted = LEVELS[: LEVELS.index(level) + 1]
    return [f"{rule.name} ({rule.level}): {problem}" for rule in RULES if rule.level in wanted
            for problem in rule.check(pod)]
