"""What makes an agent pod safe to run untrusted code in: the security half of its spec, as a pure function.

Agent pods run the analyzed application's own code (its test suite, its build backend), so each one
follows Pod Security Standard "restricted" (``golive.kube.pss``) on the pod and on every container,
KubernetesPodOperator's XCom sidecar included: non-root (the image's ``airflow`` user, uid 50000), a
read-only root filesystem with emptyDirs where the agents write (``/tmp``, ``$HOME``, ``$GOLIVE_HOME``),
no privilege escalation, every capability dropped, seccomp ``RuntimeDefault``, limits on every
container, ``activeDeadlineSeconds`` from the profile, the chart's dedicated service account, and a
service-account token only for the agents that talk to the Kubernetes API (``API_ACCESS``: the one
table; such pods also carry ``KUBE_API_LABEL``, which charts/golive's NetworkPolicy lets reach the API).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.gates.verification import KUBERNETES_ANALYZERS
from golive.kube.podprofiles import PodProfile
from golive.kube.pss import containers, violations

#: Agent → the analyzers (``--tool``), or for pods without one the actions, of its pods that need the
#: Kubernetes API; None: every pod of the agent.
#: Deployment and monitoring apply objects, the canary analysis reads the pods of both tracks, the
#: verification reads rollout, pods and logs, and the runbooks read the alert rules' ConfigMap.
#: (Phase 2's infrastructure step runs in the Airflow worker, not in an agent pod.)
API_ACCESS: Mapping[str, frozenset[str] | None] = {
    "deployment": None,
    "monitoring": None,
    "canary": None,
    "verification": frozenset(KUBERNETES_ANALYZERS),
    "documentation": frozenset({"runbooks"}),
    "maintenance": frozenset({"rotate"}),  # rotation writes the Secret and restarts the Deployment
}
#: Label of the agent pods that may reach the Kubernetes API (charts/golive's golive-agents-kube-api policy).
KUBE_API_LABEL = "golive.io/kube-api"
#: The image's user (Dockerfile: ``useradd --uid 50000 airflow``).
RUN_AS_USER = 50000
#: emptyDir name → where an agent writes, the root filesystem being read-only (Dockerfile: HOME of the
#: airflow user, GOLIVE_HOME).
WRITABLE_PATHS: Mapping[str, str] = {"tmp": "/tmp", "home": "/home/airflow", "golive-home": "/opt/airflow/golive"}  # nosec B108
#: KubernetesPodOperator's XCom sidecar (a shell loop until killed): requests as KPO sets them, limits added.
SIDECAR_RESOURCES: Mapping[str, Mapping[str, str]] = {"requests": {"cpu": "1m", "memory": "10Mi"},
                                                      "limits": {"cpu": "50m", "memory": "32Mi"}}
SIDECAR_NAME = "airflow-xcom-sidecar"


def needs_api(agent: str, tool: str | None) -> bool:
    """Whether the pod of ``agent`` running analyzer (or, without one, action) ``tool`` needs the API."""
    if agent not in API_ACCESS:
        return False
    tools = API_ACCESS[agent]
    return tools is None or (tool is not None and tool in tools)


def tool_of(arguments: Sequence[str]) -> str | None:
    """The analyzer an agent's argv names (``--tool X`` or ``--tool=X``), or None."""
    for i, arg in enumerate(arguments):
        if arg == "--tool" and i + 1 < len(arguments):
            return str(arguments[i + 1])
        if isinstance(arg, str) and arg.startswith("--tool="):
            return arg.split("=", 1)[1]
    return None


def container_security_context() -> dict[str, Any]:
    """The securityContext of every agent pod container ("restricted", read-only root filesystem)."""
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def pod_security_context() -> dict[str, Any]:
    """The pod-level securityContext: non-root uid, seccomp RuntimeDefault."""
    return {"runAsNonRoot": True, "runAsUser": RUN_AS_USER, "seccompProfile": {"type": "RuntimeDefault"}}


@dataclass(frozen=True)
class AgentPodSecurity:
    """The security fields of one agent pod (KubernetesPodOperator's names, plain dicts)."""

    service_account_name: str
    automount_service_account_token: bool
    security_context: dict[str, Any]
    container_security_context: dict[str, Any]
    sidecar_security_context: dict[str, Any]
    sidecar_resources: dict[str, dict[str, str]]
    active_deadline_seconds: int | None
    priority_class_name: str | None
    labels: dict[str, str]
    volumes: list[dict[str, Any]] = field(default_factory=list)
    volume_mounts: list[dict[str, Any]] = field(default_factory=list)


def agent_pod_security(agent: str, tool: str | None, profile: PodProfile, profiles_doc: Mapping[str, Any],
                       service_account_name: str | None = None) -> AgentPodSecurity:
    """The security half of the pod spec of ``agent``'s pod running ``tool`` on ``profile``.

    :param profiles_doc: the pod profiles document (``golive.kube.podprofiles.load_profiles``): its
        service account and the labels the NetworkPolicy selects agent pods by.
    :param service_account_name: another service account (the deployer's), instead of the document's.
    """
    api = needs_api(agent, tool)
    labels = {str(k): str(v) for k, v in (profiles_doc.get("labels") or {}).items()}
    if api:
        labels[KUBE_API_LABEL] = "true"
    return AgentPodSecurity(
        service_account_name=service_account_name or str(profiles_doc["serviceAccountName"]),
        automount_service_account_token=api,
        security_context=pod_security_context(),
        container_security_context=container_security_context(),
        sidecar_security_context=container_security_context(),
        sidecar_resources={k: dict(v) for k, v in SIDECAR_RESOURCES.items()},
        active_deadline_seconds=profile.active_deadline_seconds,
        priority_class_name=profile.priority_class_name,
        labels=labels,
        volumes=[{"name": name, "emptyDir": {}} for name in WRITABLE_PATHS],
        volume_mounts=[{"name": name, "mountPath": path} for name, path in WRITABLE_PATHS.items()],
    )


def _golive_rules(pod: Mapping[str, Any]) -> list[str]:
    """What golive adds to "restricted": limits, read-only root, a deadline, a token only for API pods."""
    found = []
    spec = pod.get("spec") or {}
    for path, c in containers(pod):
        limits = (c.get("resources") or {}).get("limits") or {}
        found += [f"Limits: {path}.resources.limits has no {r}" for r in ("cpu", "memory") if r not in limits]
        if (c.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            found.append(f"Read-only root filesystem: {path}.securityContext.readOnlyRootFilesystem is not true")
    if not spec.get("activeDeadlineSeconds"):
        found.append("Deadline: spec.activeDeadlineSeconds is not set")
    wants_api = ((pod.get("metadata") or {}).get("labels") or {}).get(KUBE_API_LABEL) == "true"
    if spec.get("automountServiceAccountToken") is not False and not wants_api:
        found.append("Service-account token: spec.automountServiceAccountToken is not false for a pod that "
                     "does not need the Kubernetes API")
    return found


def agent_pod_violations(pod: Mapping[str, Any]) -> list[str]:
    """Every way ``pod`` (a dict as the API sees it) falls short of an agent pod: PSS restricted plus
    golive's own rules (limits on every container, read-only root filesystem, a deadline, no token
    unless the pod needs the API)."""
    return violations(pod, "restricted") + _golive_rules(pod)
