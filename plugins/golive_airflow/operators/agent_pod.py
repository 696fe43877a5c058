"""AgentPodOperator: runs one golive agent action in a Kubernetes pod (cpu or gpu profile)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import ApiClient, Configuration
from kubernetes.client import models as k8s

from golive.kube.agentpod import SIDECAR_NAME, AgentPodSecurity, agent_pod_security, agent_pod_violations, tool_of
from golive.kube.podprofiles import load_profiles
from golive.results import travel_safe_result
from golive.routing import PodProfile, profile_named
from golive.settings import (
    APPLICATION_ENV,
    ENVIRONMENT_ENV,
    EVIDENCE_ENV,
    GIT_CREDENTIALS_ENV_PREFIX,
    LOG_FORMAT_ENV,
    PROFILE_ENV,
    RUN_ID_ENV,
    VERSION_ENV,
    get_settings,
)
from golive_airflow.context import PLAN_TASK_ID, REQUEST_TASK_ID, require_phase_reached
from golive_airflow.exceptions import NamespaceUnavailable, UnsafeAgentPod

#: The pod profile an ML step asks for: the orchestrator's plan chooses it at run time.
ROUTED = "routed"


@cache
def _model_configuration() -> Configuration:
    """One client configuration for the model objects the DAG file builds.

    A kubernetes model built without one copies the default configuration (and resets its loggers'
    levels), which made up most of an agent pod's construction: once per pod, at every DAG parse.
    The models only read it for client-side validation.
    """
    return Configuration.get_default_copy()


def _resources(profile: PodProfile) -> k8s.V1ResourceRequirements:
    return k8s.V1ResourceRequirements(requests=dict(profile.requests), limits=dict(profile.limits),
                                      local_vars_configuration=_model_configuration())


def _tolerations(profile: PodProfile) -> list[k8s.V1Toleration]:
    return [k8s.V1Toleration(**t, local_vars_configuration=_model_configuration()) for t in profile.tolerations]


def _security_kwargs(security: AgentPodSecurity) -> dict[str, Any]:
    """KubernetesPodOperator's arguments for the security half of the pod spec."""
    conf = _model_configuration()
    return {
        "service_account_name": security.service_account_name,
        "automount_service_account_token": security.automount_service_account_token,
        "security_context": security.security_context,
        "container_security_context": security.container_security_context,
        "xcom_sidecar_container_security_context": security.sidecar_security_context,
        "active_deadline_seconds": security.active_deadline_seconds,
        "priority_class_name": security.priority_class_name,
        "volumes": [k8s.V1Volume(name=v["name"], empty_dir=k8s.V1EmptyDirVolumeSource(
            local_vars_configuration=conf), local_vars_configuration=conf) for v in security.volumes],
        "volume_mounts": [k8s.V1VolumeMount(name=m["name"], mount_path=m["mountPath"], local_vars_configuration=conf)
                          for m in security.volume_mounts],
    }


def _sidecar_resources(current: Any) -> k8s.V1ResourceRequirements:
    """The sidecar's resources (a connection's ``xcom_sidecar_container_resources`` or KPO's requests)
    with golive's limits where none are set."""
    from golive.kube.agentpod import SIDECAR_RESOURCES

    raw = current.to_dict() if isinstance(current, k8s.V1ResourceRequirements) else dict(current or {})
    requests = dict(raw.get("requests") or SIDECAR_RESOURCES["requests"])
    limits = {**SIDECAR_RESOURCES["limits"], **(raw.get("limits") or {})}
    return k8s.V1ResourceRequirements(requests=requests, limits=limits, local_vars_configuration=_model_configuration())


def agent_image(profile: PodProfile) -> str:
    """An agent pod's image on ``profile``: ``GOLIVE_AGENT_GPU_IMAGE`` for gpu when set, else ``GOLIVE_AGENT_IMAGE``."""
    settings = get_settings()
    return (settings.agent_gpu_image if profile.name == "gpu" else None) or settings.agent_image


class AgentPodOperator(KubernetesPodOperator):
    """Run ``python -m golive.agents.<agent> <action> <args…>`` in the workload image.

    The command is an argv list: conf values reach the pod as arguments or environment
    variables, never through a shell. The agent prints its result as JSON and writes it to the
    XCom sidecar's file, so the result lands in XCom (``do_xcom_push``) for the scoring step.

    :param agent: agent module name under ``golive.agents`` (``quality``, ``security`` …).
    :param action: the agent's CLI action (``analyze``, ``scan`` …).
    :param agent_args: further argv elements (templated through KPO's ``arguments``).
    :param profile: ``cpu``, ``gpu`` or ``routed``; ``gpu`` sets ``nvidia.com/gpu`` limits, the GPU
        toleration, the GPU node selector (see ``golive.routing.gpu_profile``) and ``GOLIVE_AGENT_GPU_IMAGE``
        when set; ``routed`` takes the profile ``_routed_profile`` chooses at run time (here: the one the
        orchestrator's plan, ``plan_task_id``, chose for this application).
    :param plan_task_id: the plan a ``routed`` pod reads.
    :param evidence_task_ids: tasks whose results (findings dropped, to stay small) this pod receives
        as a JSON list in ``$GOLIVE_EVIDENCE`` — for steps that build on others (the checklist, a rollback).
    :param phase_task_id: for an ``all_done`` step: its phase's entry task; the pod is skipped
        (not started) when that task did not succeed.
    :param kwargs: anything ``KubernetesPodOperator`` takes (overrides the defaults set here; the pod
        must still pass ``golive.kube.agentpod.agent_pod_violations``, or the task fails before it starts).

    The pod's security (``golive.kube.agentpod.agent_pod_security``): Pod Security Standard "restricted"
    on the pod and every container (the XCom sidecar too, with limits), the pod profiles' service
    account, its token only for the agents that need the Kubernetes API, the profile's deadline and
    priority class. Profiles, labels and service account come from ``golive.kube.podprofiles``.
    """

    EVIDENCE_ENV = EVIDENCE_ENV

    def __init__(self, *, agent: str, action: str, agent_args: Sequence[str] = (), profile: str = "cpu",
                 evidence_task_ids: Sequence[str] = (), phase_task_id: str | None = None,
                 plan_task_id: str = PLAN_TASK_ID, **kwargs: Any) -> None:
        settings = get_settings()
        chosen = profile_named("cpu" if profile == ROUTED else profile)
        if kwargs.get("service_account_name") is None:  # the callers' "no deployer configured"
            kwargs.pop("service_account_name", None)
        security = agent_pod_security(agent, tool_of(list(agent_args)) or action, chosen, load_profiles())
        self.agent = agent
        self.action = action
        self.profile = profile if profile == ROUTED else chosen.name
        self.plan_task_id = plan_task_id
        self.evidence_task_ids = list(evidence_task_ids)
        self.phase_task_id = phase_task_id
        self.image_given = "image" in kwargs
        defaults: dict[str, Any] = {
            "kubernetes_conn_id": settings.kubernetes_conn_id,
            "namespace": settings.agent_namespace,
            "image": agent_image(chosen),
            "name": f"golive-{agent}-{action}",
            "cmds": ["python", "-m", f"golive.agents.{agent}"],
            "arguments": [action, *agent_args],
            "container_resources": _resources(chosen),
            "node_selector": dict(chosen.node_selector) or None,
            "tolerations": _tolerations(chosen) or None,
            "labels": {**security.labels, "golive.io/agent": agent, "golive.io/profile": chosen.name},
            "do_xcom_push": True,
            "get_logs": True,
            "startup_timeout_seconds": settings.kpo_startup_timeout,
            "startup_check_interval_seconds": settings.kpo_startup_check_interval,
            "poll_interval": settings.kpo_poll_interval,
            "base_container_status_polling_interval": settings.kpo_status_poll_interval,
            "on_finish_action": "delete_pod",
            "reattach_on_restart": True,
            "log_events_on_failure": True,
            **_security_kwargs(security),
        }
        if settings.git_credentials_secret:
            defaults["env_from"] = [k8s.V1EnvFromSource(
                prefix=GIT_CREDENTIALS_ENV_PREFIX,
                secret_ref=k8s.V1SecretEnvSource(name=settings.git_credentials_secret))]
        deferrable = settings.deferrable if settings.pod_deferrable is None else settings.pod_deferrable
        if deferrable is not None:
            defaults["deferrable"] = deferrable
        defaults.update(kwargs)
        super().__init__(**defaults)

    def execute(self, context: Any) -> Any:
        """Route the pod, hand it the run's id, application, version and environment (the correlation
        fields of its logs), the log format, the conf's profile and the evidence (if any) through its
        environment variables, then run it."""
        require_phase_reached(context, self.phase_task_id)
        if self.profile == ROUTED:
            self._apply_profile(self._routed_profile(context))
        request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID)
        env: dict[str, Any] = {RUN_ID_ENV: context["ti"].run_id, LOG_FORMAT_ENV: get_settings().log_format}
        if isinstance(request, dict):
            env.update({ENVIRONMENT_ENV: request.get("environment"), APPLICATION_ENV: request.get("application"),
                        VERSION_ENV: request.get("version")})
            if request.get("profile"):
                env[PROFILE_ENV] = json.dumps(request["profile"])
        self.env_vars = [*(self.env_vars or []),
                         *(k8s.V1EnvVar(name=k, value=str(v)) for k, v in env.items() if v)]
        self._ensure_namespace()
        if self.evidence_task_ids:
            evidence = []
            for task_id in self.evidence_task_ids:
                result = context["ti"].xcom_pull(task_ids=task_id)
                if isinstance(result, dict):
                    evidence.append({k: v for k, v in result.items() if k != "findings"})
            self.env_vars = [*(self.env_vars or []),
                             k8s.V1EnvVar(name=self.EVIDENCE_ENV, value=json.dumps(evidence))]
        return super().execute(context)

    def _routed_profile(self, context: Any) -> PodProfile:
        """The pod profile the orchestrator's plan chose (``routing.profile``); cpu without a plan."""
        plan = context["ti"].xcom_pull(task_ids=self.plan_task_id)
        name = (plan or {}).get("routing", {}).get("profile", "cpu") if isinstance(plan, dict) else "cpu"
        chosen = profile_named(name)
        self.log.info("pod profile %s, routed by %s: %s", chosen.name, self.plan_task_id,
                      (plan or {}).get("routing", {}).get("reason", "no plan: cpu"))
        return chosen

    def _apply_profile(self, chosen: PodProfile) -> None:
        if not self.image_given:
            self.image = agent_image(chosen)
        self.container_resources = _resources(chosen)
        self.node_selector = dict(chosen.node_selector) or {}
        self.tolerations = _tolerations(chosen)
        self.labels = {**(self.labels or {}), "golive.io/profile": chosen.name}
        self.active_deadline_seconds = chosen.active_deadline_seconds
        self.priority_class_name = chosen.priority_class_name

    def build_pod_request_obj(self, context: Any = None, *, dry_run: bool = False) -> k8s.V1Pod:
        """KubernetesPodOperator's pod, with limits on its XCom sidecar, checked against the agent pod rules.

        :raises UnsafeAgentPod: the pod breaks PSS "restricted" or golive's rules; nothing was created.
        """
        pod = super().build_pod_request_obj(context, dry_run=dry_run)
        for container in pod.spec.containers:
            if container.name == SIDECAR_NAME:
                container.resources = _sidecar_resources(container.resources)
        problems = agent_pod_violations(ApiClient().sanitize_for_serialization(pod))
        if problems:
            raise UnsafeAgentPod(f"agent pod {pod.metadata.name} would break the agent pod rules: "
                                 + "; ".join(problems))
        return pod

    def _ensure_namespace(self) -> None:
        """Create the pod's namespace when it is missing (a fresh localkube or cluster has none)."""
        from golive.kube.client import KubeError
        from golive.kube.namespaces import ensure_namespace

        if not self.namespace:
            return
        try:
            if ensure_namespace(self.hook.core_v1_client, self.namespace):
                self.log.info("created namespace %s for the agent pods", self.namespace)
        except KubeError as exc:
            raise NamespaceUnavailable(str(exc)) from exc

    def post_complete_action(self, *, pod: k8s.V1Pod, remote_pod: k8s.V1Pod, context: Any,
                             result: dict[str, Any] | None, **kwargs: Any) -> None:
        """Record what the pod used (``record_usage``), then let KubernetesPodOperator clean up."""
        if remote_pod is not None and context is not None:
            self.record_usage(remote_pod, context)
        super().post_complete_action(pod=pod, remote_pod=remote_pod, context=context, result=result, **kwargs)

    def record_usage(self, remote_pod: Any, context: Any) -> None:
        """Write the finished pod's requests, wall time and (where measured) CPU seconds and peak memory
        to the ledger's ``usage`` table. A ledger or parsing failure is logged, never fails the step:
        the pod's work is done and its result must still reach XCom."""
        from golive.usage import UsageError, pod_usage
        from golive_airflow.context import record_key
        from golive_airflow.hooks.ledger import LedgerHook

        raw = remote_pod if isinstance(remote_pod, dict) else ApiClient().sanitize_for_serialization(remote_pod)
        labels = (raw.get("metadata") or {}).get("labels") or {}
        try:
            usage = pod_usage(raw, profile=str(labels.get("golive.io/profile") or self.profile))
        except UsageError as exc:
            self.log.warning("usage of pod %s not recorded: %s", (raw.get("metadata") or {}).get("name"), exc)
            return
        request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID)
        application = request.get("application") if isinstance(request, dict) else None
        key = record_key(context)
        try:
            LedgerHook(get_settings().ledger_conn_id).get_conn().record_usage(
                key, pod_name=usage.pod_name, application=application, phase=key.task_id.split(".")[0],
                **usage.fields())
        except Exception as exc:  # any ledger failure: the pod's result matters more
            self.log.warning("usage of pod %s not recorded in the ledger: %s", usage.pod_name, exc)
            return
        self.log.info("pod %s used: wall %.1fs, cpu request %.2f, cpu measured %s s, peak memory %s bytes",
                      usage.pod_name, usage.wall_seconds or 0.0, usage.cpu_request,
                      "not measured" if usage.cpu_seconds is None else f"{usage.cpu_seconds:.2f}",
                      "not measured" if usage.peak_memory_bytes is None else usage.peak_memory_bytes)

    def extract_xcom(self, pod: k8s.V1Pod, *, ignore_kill_failure: bool = True) -> Any:
        """The pod's result, made travel-safe (``golive.results``) on both the sync and deferred paths.

        A result from an image that predates ``golive.results`` (a 128-bit integer, NaN, megabytes of
        findings) would otherwise fail the task SDK's XCom push and lose the whole result.
        """
        return travel_safe_result(super().extract_xcom(pod, ignore_kill_failure=ignore_kill_failure))
