"""Pod Security admission, as kube-apiserver's PodSecurity plugin does it (k8s.io/pod-security-admission).

A namespace's labels ``pod-security.kubernetes.io/<mode>: privileged|baseline|restricted`` (and
``<mode>-version: latest|v1.N``) choose the policy; :func:`policy_from_labels` reads them as upstream
does (an invalid enforce level fails closed to ``restricted``, ``warn`` defaults to a stricter
``enforce``). On a pod create (API or controller) or an image change, a violation of the enforce
level is ``403 Forbidden`` — ``pods "x" is forbidden: violates PodSecurity "restricted:latest":
<reason> (<detail>), …`` — and of the warn level a ``Warning`` header; a Deployment, ReplicaSet,
StatefulSet or Job only gets the warn-level warning (its pods are refused when its controller creates
them). ``audit`` is parsed and otherwise ignored; there are no exemptions and namespace label changes
do not warn about existing pods.

Each check is a pure predicate ``(metadata, spec, minor) -> Forbidden | None`` with upstream's check ID,
level, first policy version and wording; a restricted check may replace a baseline one (``overrides``).
``latest`` is the minor version localkube reports (:data:`localkube.scheduler.VERSION`), as
kube-apiserver evaluates ``latest`` with its own version's checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from localkube.errors import ApiError, invalid
from localkube.scheduler import VERSION
from localkube.store import NAMESPACES, Store

Obj = Mapping[str, Any]
PREFIX = "pod-security.kubernetes.io/"
ENFORCE_LABEL = PREFIX + "enforce"
WARN_LABEL = PREFIX + "warn"
AUDIT_LABEL = PREFIX + "audit"
LEVELS = ("privileged", "baseline", "restricted")
#: The policy version ``latest`` stands for: this server's minor version.
LATEST_MINOR = int(VERSION["minor"])
_VERSION = re.compile(r"^v1\.(0|[1-9][0-9]*)$")

_BASELINE_CAPABILITIES = frozenset({"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
                                    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"})
#: Safe sysctls by the policy version that allowed them.
_SYSCTLS = ((0, ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                 "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start")),
            (27, ("net.ipv4.ip_local_reserved_ports",)),
            (29, ("net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                  "net.ipv4.tcp_keepalive_probes")),
            (32, ("net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")),
            (37, ("net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat")))
_RESTRICTED_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image",
                                 "persistentVolumeClaim", "projected", "secret"})
_SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
_SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
_APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


@dataclass(frozen=True)
class LevelVersion:
    """A level at a policy version (``minor`` None: latest)."""

    level: str = "privileged"
    minor: int | None = None

    def __str__(self) -> str:
        return f"{self.level}:{'latest' if self.minor is None else f'v1.{self.minor}'}"

    @property
    def effective_minor(self) -> int:
        """The version whose checks apply (newer than this server: its own)."""
        return LATEST_MINOR if self.minor is None else min(self.minor, LATEST_MINOR)


@dataclass(frozen=True)
class Policy:
    """What a namespace's labels ask for."""

    enforce: LevelVersion = LevelVersion()
    warn: LevelVersion = LevelVersion()
    audit: LevelVersion = LevelVersion()


@dataclass(frozen=True)
class Forbidden:
    """Why a check refused: ``reason`` is always shown, ``detail`` names the containers and fields."""

    reason: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


# ----------------------------------------------------------------------------- labels
def policy_from_labels(labels: Mapping[str, str] | None) -> tuple[Policy, list[str]]:
    """The namespace's policy and the problems with its labels (``<label>: Invalid value: …``)."""
    labels = labels or {}
    problems: list[str] = []
    modes: dict[str, LevelVersion] = {}
    for mode in ("enforce", "warn", "audit"):
        level, minor = "privileged", None
        raw_level, raw_version = labels.get(PREFIX + mode), labels.get(f"{PREFIX}{mode}-version")
        if raw_level is not None:
            if raw_level in LEVELS:
                level = raw_level
            else:
                problems.append(f'metadata.labels[{PREFIX + mode}]: Invalid value: "{raw_level}": must be one of '
                                + ", ".join(LEVELS))
                level = "restricted" if mode == "enforce" else "privileged"  # enforce fails closed
        if raw_version is not None and raw_version != "latest":
            match = _VERSION.match(raw_version)
            if match:
                minor = int(match.group(1))
            else:
                problems.append(f'metadata.labels[{PREFIX}{mode}-version]: Invalid value: "{raw_version}": must be '
                                '"latest" or "v1.x"')
        modes[mode] = LevelVersion(level, minor)
    enforce, warn = modes["enforce"], modes["warn"]
    enforce_ok = labels.get(ENFORCE_LABEL) in LEVELS
    if WARN_LABEL not in labels and enforce_ok and LEVELS.index(enforce.level) > LEVELS.index(warn.level):
        warn = LevelVersion(enforce.level, warn.minor if f"{WARN_LABEL}-version" in labels else enforce.minor)
    return Policy(enforce=enforce, warn=warn, audit=modes["audit"]), problems


# ----------------------------------------------------------------------------- helpers
def _containers(spec: Obj) -> Iterator[Obj]:
    for key in ("initContainers", "containers", "ephemeralContainers"):
        yield from spec.get(key) or []


def _sc(obj: Obj) -> Obj:
    return obj.get("securityContext") or {}


def _quote(items: list[str] | set[str]) -> str:
    ordered = sorted(items) if isinstance(items, set) else items
    return ", ".join(f'"{item}"' for item in ordered)


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def _named(kind: str, names: list[str]) -> str:
    return f"{_plural(kind, kind + 's', len(names))} {_quote(names)}"


def _windows(spec: Obj, minor: int) -> bool:
    return minor >= 25 and (spec.get("os") or {}).get("name") == "windows"


def _user_namespace(spec: Obj, minor: int) -> bool:
    return minor >= 35 and spec.get("hostUsers") is False


# ----------------------------------------------------------------------------- baseline checks
def app_armor_profile(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """AppArmor: only ``RuntimeDefault``/``Localhost`` types and ``runtime/default``/``localhost/*`` annotations."""
    setters: list[str] = []
    values: set[str] = set()
    kind = (_sc(spec).get("appArmorProfile") or {}).get("type")
    if _sc(spec).get("appArmorProfile") is not None and kind not in ("RuntimeDefault", "Localhost"):
        setters.append("pod")
        values.add(str(kind))
    bad = []
    for c in _containers(spec):
        profile = _sc(c).get("appArmorProfile")
        if profile is not None and profile.get("type") not in ("RuntimeDefault", "Localhost"):
            bad.append(c.get("name", ""))
            values.add(str(profile.get("type")))
    if bad:
        setters.append(_named("container", bad))
    annotations = sorted(f'{k}="{v}"' for k, v in (meta.get("annotations") or {}).items()
                         if k.startswith(_APPARMOR_ANNOTATION) and v and v != "runtime/default"
                         and not v.startswith("localhost/"))
    listed = sorted(values) + annotations
    if annotations:
        setters.append(_plural("annotation", "annotations", len(annotations)))
    if not setters:
        return None
    return Forbidden(_plural("forbidden AppArmor profile", "forbidden AppArmor profiles", len(listed)),
                     f"{' and '.join(setters)} must not set AppArmor profile type to {_quote(listed)}")


def capabilities_baseline(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Capabilities: only the container runtime's default set may be added."""
    bad, caps = [], set()
    for c in _containers(spec):
        extra = {str(cap) for cap in (_sc(c).get("capabilities") or {}).get("add") or []
                 if cap not in _BASELINE_CAPABILITIES}
        if extra:
            bad.append(c.get("name", ""))
            caps |= extra
    if not bad:
        return None
    return Forbidden("non-default capabilities",
                     f"{_named('container', bad)} must not include {_quote(caps)} in securityContext.capabilities.add")


def host_namespaces(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Host namespaces: no hostNetwork, hostPID or hostIPC."""
    shared = [f"{key}=true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]
    return Forbidden("host namespaces", ", ".join(shared)) if shared else None


def host_path_volumes(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """HostPath volumes: none."""
    names = [v.get("name", "") for v in spec.get("volumes") or [] if v.get("hostPath") is not None]
    return Forbidden("hostPath volumes", _named("volume", names)) if names else None


def host_ports(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Host ports: none."""
    bad, ports = [], set()
    for c in _containers(spec):
        used = {str(p["hostPort"]) for p in c.get("ports") or [] if p.get("hostPort")}
        if used:
            bad.append(c.get("name", ""))
            ports |= used
    if not bad:
        return None
    return Forbidden("hostPort", f"{_named('container', bad)} {_plural('uses', 'use', len(bad))} "
                     f"{_plural('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}")


def host_probes_and_lifecycle(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Probes and lifecycle handlers: no ``host`` (v1.34+)."""
    bad, hosts = set(), set()
    for c in _containers(spec):
        handlers = [c.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        handlers += [(c.get("lifecycle") or {}).get(h) for h in ("postStart", "preStop")]
        for handler in filter(None, handlers):
            for action in ("httpGet", "tcpSocket"):
                host = (handler.get(action) or {}).get("host")
                if host:
                    bad.add(c.get("name", ""))
                    hosts.add(host)
    if not bad:
        return None
    return Forbidden("probe or lifecycle host",
                     f"{_plural('container', 'containers', len(bad))} {_quote(bad)} {_plural('uses', 'use', len(bad))} "
                     f"{_plural('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {_quote(hosts)}")


def privileged(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Privileged containers: none."""
    bad = [c.get("name", "") for c in _containers(spec) if _sc(c).get("privileged") is True]
    return Forbidden("privileged", f"{_named('container', bad)} must not set securityContext.privileged=true") \
        if bad else None


def proc_mount(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """/proc mount type: ``Default`` (baseline: any in a user namespace, v1.35+)."""
    if _user_namespace(spec, minor):
        return None
    return proc_mount_restricted(meta, spec, minor)


def proc_mount_restricted(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """/proc mount type: ``Default``, user namespace or not (restricted, v1.35+)."""
    bad, kinds = [], set()
    for c in _containers(spec):
        mount = _sc(c).get("procMount")
        if mount is not None and mount != "Default":
            bad.append(c.get("name", ""))
            kinds.add(str(mount))
    if not bad:
        return None
    return Forbidden("procMount",
                     f"{_named('container', bad)} must not set securityContext.procMount to {_quote(kinds)}")


def se_linux_options(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """SELinux: only the container types; no user or role."""
    allowed = {"", "container_t", "container_init_t", "container_kvm_t"} | ({"container_engine_t"} if minor >= 31
                                                                           else set())
    types: set[str] = set()
    found = {"user": False, "role": False}

    def bad(options: Obj | None) -> bool:
        if options is None:
            return False
        wrong = False
        if options.get("type", "") not in allowed:
            types.add(options["type"])
            wrong = True
        for key in found:
            if options.get(key):
                found[key] = wrong = True
        return wrong

    setters = ["pod"] if bad(_sc(spec).get("seLinuxOptions")) else []
    containers = [c.get("name", "") for c in _containers(spec) if bad(_sc(c).get("seLinuxOptions"))]
    if containers:
        setters.append(_named("container", containers))
    if not setters:
        return None
    data = [f"{_plural('type', 'types', len(types))} {_quote(types)}"] if types else []
    data += [f"{key} may not be set" for key, was in found.items() if was]
    return Forbidden("seLinuxOptions", f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: "
                     + "; ".join(data))


def _seccomp_annotation_ok(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Seccomp: if set, ``RuntimeDefault`` or ``Localhost`` (before v1.19: the annotations)."""
    if minor < 19:
        annotations = meta.get("annotations") or {}
        keys = [_SECCOMP_POD_ANNOTATION] + [_SECCOMP_CONTAINER_ANNOTATION + c.get("name", "")
                                            for c in _containers(spec)]
        forbidden = sorted(f'{k}="{annotations[k]}"' for k in set(keys)
                           if k in annotations and not _seccomp_annotation_ok(annotations[k]))
        if not forbidden:
            return None
        return Forbidden("seccompProfile", f"forbidden {_plural('annotation', 'annotations', len(forbidden))} "
                         + ", ".join(forbidden))
    return _seccomp(spec, required=False)


def _seccomp(spec: Obj, required: bool) -> Forbidden | None:
    allowed = ("RuntimeDefault", "Localhost")
    values: set[str] = set()
    setters: list[str] = []
    pod_profile = _sc(spec).get("seccompProfile")
    if pod_profile is not None and pod_profile.get("type") not in allowed:
        setters.append("pod")
        values.add(str(pod_profile.get("type", "")))
    pod_set = pod_profile is not None and pod_profile.get("type") in allowed
    explicit, implicit = [], []
    for c in _containers(spec):
        profile = _sc(c).get("seccompProfile")
        if profile is not None:
            if profile.get("type") not in allowed:
                explicit.append(c.get("name", ""))
                values.add(str(profile.get("type", "")))
        elif not pod_set:
            implicit.append(c.get("name", ""))
    if explicit:
        setters.append(_named("container", explicit))
    if setters:
        return Forbidden("seccompProfile", f"{' and '.join(setters)} must not set securityContext.seccompProfile.type "
                         f"to {_quote(values)}")
    if required and implicit:
        return Forbidden("seccompProfile", f"pod or {_named('container', implicit)} must set "
                         'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"')
    return None


def sysctls(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Sysctls: only the safe, namespaced ones of the policy version."""
    safe = {name for since, names in _SYSCTLS if minor >= since for name in names}
    bad = [str(s.get("name")) for s in _sc(spec).get("sysctls") or [] if s.get("name") not in safe]
    return Forbidden("forbidden sysctls", ", ".join(bad)) if bad else None


def windows_host_process(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Windows HostProcess: not on the pod nor on a container."""
    setters = ["pod"] if (_sc(spec).get("windowsOptions") or {}).get("hostProcess") is True else []
    bad = [c.get("name", "") for c in _containers(spec)
           if (_sc(c).get("windowsOptions") or {}).get("hostProcess") is True]
    if bad:
        setters.append(_named("container", bad))
    if not setters:
        return None
    return Forbidden("hostProcess",
                     f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true")


# ----------------------------------------------------------------------------- restricted checks
def allow_privilege_escalation(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Every container sets ``allowPrivilegeEscalation: false`` (not checked for Windows pods, v1.25+)."""
    if _windows(spec, minor):
        return None
    bad = [c.get("name", "") for c in _containers(spec) if _sc(c).get("allowPrivilegeEscalation") is not False]
    return Forbidden("allowPrivilegeEscalation != false",
                     f"{_named('container', bad)} must set securityContext.allowPrivilegeEscalation=false") \
        if bad else None


def capabilities_restricted(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Every container drops ``ALL`` and adds at most ``NET_BIND_SERVICE``."""
    if _windows(spec, minor):
        return None
    missing, adding, caps = [], [], set()
    for c in _containers(spec):
        capabilities = _sc(c).get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            missing.append(c.get("name", ""))
        extra = {str(cap) for cap in capabilities.get("add") or [] if cap != "NET_BIND_SERVICE"}
        if extra:
            adding.append(c.get("name", ""))
            caps |= extra
    details = [f'{_named("container", missing)} must set securityContext.capabilities.drop=["ALL"]'] if missing else []
    if adding:
        details.append(f"{_named('container', adding)} must not include {_quote(caps)} in "
                       "securityContext.capabilities.add")
    return Forbidden("unrestricted capabilities", "; ".join(details)) if details else None


def restricted_volumes(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Volumes: only configMap, csi, downwardAPI, emptyDir, ephemeral, image, PVC, projected, secret."""
    bad, kinds = [], set()
    for volume in spec.get("volumes") or []:
        sources = [k for k, v in volume.items() if k != "name" and v is not None]
        if any(k in _RESTRICTED_VOLUMES for k in sources):
            continue
        bad.append(volume.get("name", ""))
        kinds.add(sources[0] if sources else "unknown")
    if not bad:
        return None
    return Forbidden("restricted volume types",
                     f"{_named('volume', bad)} {_plural('uses', 'use', len(bad))} "
                     f"{_plural('restricted volume type', 'restricted volume types', len(kinds))} {_quote(kinds)}")


def run_as_non_root(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """``runAsNonRoot: true`` on the pod or on every container, and ``false`` nowhere."""
    if _user_namespace(spec, minor):
        return None
    pod_value = _sc(spec).get("runAsNonRoot")
    setters = ["pod"] if pod_value is False else []
    explicit, implicit = [], []
    for c in _containers(spec):
        value = _sc(c).get("runAsNonRoot")
        if value is False:
            explicit.append(c.get("name", ""))
        elif value is None and pod_value is not True:
            implicit.append(c.get("name", ""))
    if explicit:
        setters.append(_named("container", explicit))
    if setters:
        return Forbidden("runAsNonRoot != true",
                         f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false")
    if implicit:
        return Forbidden("runAsNonRoot != true",
                         f"pod or {_named('container', implicit)} must set securityContext.runAsNonRoot=true")
    return None


def run_as_user(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """``runAsUser: 0`` nowhere."""
    if _user_namespace(spec, minor):
        return None
    setters = ["pod"] if _sc(spec).get("runAsUser") == 0 else []
    bad = [c.get("name", "") for c in _containers(spec) if _sc(c).get("runAsUser") == 0]
    if bad:
        setters.append(_named("container", bad))
    return Forbidden("runAsUser=0", f"{' and '.join(setters)} must not set runAsUser=0") if setters else None


def seccomp_profile_restricted(meta: Obj, spec: Obj, minor: int) -> Forbidden | None:
    """Seccomp ``RuntimeDefault`` or ``Localhost`` on the pod or on every container (Windows pods exempt, v1.25+)."""
    return None if _windows(spec, minor) else _seccomp(spec, required=True)


# ----------------------------------------------------------------------------- registry
Predicate = Callable[[Obj, Obj, int], "Forbidden | None"]


@dataclass(frozen=True)
class Check:
    """One upstream check: its ID, level, first policy version and the baseline checks it replaces."""

    id: str
    level: str
    since: int
    predicate: Predicate
    overrides: tuple[str, ...] = ()


CHECKS: tuple[Check, ...] = (
    Check("appArmorProfile", "baseline", 0, app_armor_profile),
    Check("capabilities_baseline", "baseline", 0, capabilities_baseline),
    Check("hostNamespaces", "baseline", 0, host_namespaces),
    Check("hostPathVolumes", "baseline", 0, host_path_volumes),
    Check("hostPorts", "baseline", 0, host_ports),
    Check("hostProbesAndHostLifecycle", "baseline", 34, host_probes_and_lifecycle),
    Check("privileged", "baseline", 0, privileged),
    Check("procMount", "baseline", 0, proc_mount),
    Check("seLinuxOptions", "baseline", 0, se_linux_options),
    Check("seccompProfile_baseline", "baseline", 0, seccomp_profile_baseline),
    Check("sysctls", "baseline", 0, sysctls),
    Check("windowsHostProcess", "baseline", 0, windows_host_process),
    Check("allowPrivilegeEscalation", "restricted", 8, allow_privilege_escalation),
    Check("capabilities_restricted", "restricted", 22, capabilities_restricted, ("capabilities_baseline",)),
    Check("procMount_restricted", "restricted", 35, proc_mount_restricted, ("procMount",)),
    Check("restrictedVolumes", "restricted", 0, restricted_volumes, ("hostPathVolumes",)),
    Check("runAsNonRoot", "restricted", 0, run_as_non_root),
    Check("runAsUser", "restricted", 23, run_as_user),
    Check("seccompProfile_restricted", "restricted", 19, seccomp_profile_restricted, ("seccompProfile_baseline",)),
)


def evaluate(policy: LevelVersion, meta: Obj, spec: Obj) -> list[Forbidden]:
    """Every check of ``policy`` that the pod (its metadata and spec) fails, baseline checks first, by ID."""
    if policy.level == "privileged":
        return []
    minor = policy.effective_minor
    active = [c for c in CHECKS if c.since <= minor and (c.level == "baseline" or policy.level == "restricted")]
    replaced = {o for c in active for o in c.overrides}
    return [found for c in active if c.id not in replaced
            for found in [c.predicate(meta or {}, spec or {}, minor)] if found is not None]


def detail(found: list[Forbidden]) -> str:
    """Upstream's ForbiddenDetail: ``reason (detail), reason (detail)``."""
    return ", ".join(str(f) for f in found)


# ----------------------------------------------------------------------------- admission
def warning_header(text: str) -> str:
    """A ``Warning`` header value as kube-apiserver writes it (RFC 7234 code 299)."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class PodSecurity:
    """Admission of pods and pod templates against the labels of their namespace in ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _policy(self, namespace: str) -> Policy:
        found = self.store.find(NAMESPACES, None, namespace) or {}
        return policy_from_labels((found.get("metadata") or {}).get("labels"))[0]

    def admit_pod(self, pod: Obj, old: Obj | None = None) -> list[str]:
        """Raise 403 when a pod create (or an image change) violates the enforce level; else the warnings."""
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        if old is not None and _images(old.get("spec") or {}) == _images(spec):
            return []
        policy = self._policy(meta.get("namespace") or "default")
        found = evaluate(policy.enforce, meta, spec)
        if found:
            raise ApiError(403, "Forbidden", f'pods "{meta.get("name", "")}" is forbidden: violates PodSecurity '
                           f'"{policy.enforce}": {detail(found)}', {"name": meta.get("name", ""), "kind": "pods"})
        return _warnings(policy.warn, meta, spec)

    def template_warnings(self, obj: Obj) -> list[str]:
        """The warn level's warning for a workload's pod template (workloads are never refused)."""
        meta = obj.get("metadata") or {}
        template = (obj.get("spec") or {}).get("template") or {}
        return _warnings(self._policy(meta.get("namespace") or "default").warn, template.get("metadata") or {},
                         template.get("spec") or {})


def check_namespace_labels(namespace: Obj, old: Obj | None = None) -> None:
    """422 Invalid when a namespace's pod-security labels do not parse (on update: only new problems)."""
    meta = namespace.get("metadata") or {}
    problems = policy_from_labels(meta.get("labels"))[1]
    if problems and (old is None or problems != policy_from_labels((old.get("metadata") or {}).get("labels"))[1]):
        raise invalid("Namespace", meta.get("name", ""), problems)


def _warnings(policy: LevelVersion, meta: Obj, spec: Obj) -> list[str]:
    found = evaluate(policy, meta, spec)
    return [f'would violate PodSecurity "{policy}": {detail(found)}'] if found else []


def _images(spec: Obj) -> list[Any]:
    return [c.get("image") for key in ("initContainers", "containers") for c in spec.get(key) or []]
