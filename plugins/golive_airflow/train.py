"""The ``golive_release_train`` DAG's worker tasks (the domain is :mod:`golive.train`).

* ``validate`` — the conf (``TrainRequest``) and the manifest the DAG was built from, checked again;
  the run recorded; each application's ``golive`` conf and run id planned.
* ``checkpoint`` (before each phase) — every application's live revision, into the ledger.
* ``monitor`` (after each phase) — plan 002's thresholds on every service live so far → the
  ``train-phase-<n>`` verdict; a FAIL fails the phase.
* ``rollback`` (when a phase failed) — that phase and every later one back to its checkpoint.

The cluster is reached through the ``kubernetes_default`` connection (``KubernetesHook``), the ledger
through the ``LedgerHook``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from golive.settings import get_settings
from golive_airflow.context import record_key

VALIDATE_TASK_ID = "start.validate_request"
ROLLBACK_TASK_ID = "rollback.rollback"


def phase_group(phase: int) -> str:
    """The task group of one phase (``phase_1`` …)."""
    return f"phase_{phase}"


def golive_run_id(train_run_id: str, application: str) -> str:
    """The run id of an application's ``golive`` run in a train run (a retried trigger finds it again)."""
    return f"train__{application}__{train_run_id}"[:250]


def _ledger() -> Any:
    from golive_airflow.hooks.ledger import LedgerHook

    return LedgerHook(get_settings().ledger_conn_id).get_conn()


def _cluster(namespace: str) -> Any:
    from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

    from golive.deploy.cluster import KubeCluster

    return KubeCluster(namespace, KubernetesHook(conn_id=get_settings().kubernetes_conn_id).get_conn())


def _plan(context: Mapping[str, Any]) -> dict[str, Any]:
    plan = context["ti"].xcom_pull(task_ids=VALIDATE_TASK_ID)
    if not isinstance(plan, dict) or "phases" not in plan:
        raise ValueError(f"task {VALIDATE_TASK_ID!r} pushed no train plan; it must run first")
    return plan


def validate(context: Mapping[str, Any], manifest_path: str, layers: list[list[str]]) -> dict[str, Any]:
    """Validate the conf and the manifest again and record the run; the train's plan.

    ``layers`` are the phases the DAG was built with: a manifest changed since the DAG file was parsed
    (other applications or another order) is refused, since the graph would not show what runs.
    """
    from pydantic import ValidationError

    from golive.models import TrainRequest
    from golive.sources import SourceError, resolve_source
    from golive.train.manifest import ManifestError, load_manifest
    from golive_airflow.exceptions import GoLiveConfError
    from golive_airflow.tasks import format_validation_error

    ti = context["ti"]
    raw = dict(context["params"])
    ledger = _ledger()
    settings = get_settings()

    def refuse(message: str, request: Mapping[str, Any]) -> GoLiveConfError:
        ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=dict(request), status="rejected",
                          logical_date=context.get("logical_date"), error=message)
        return GoLiveConfError(f"conf rejected: {message}")

    try:
        request = TrainRequest.model_validate(raw)
    except ValidationError as exc:
        raise refuse(format_validation_error(exc), {"manifest": manifest_path}) from None
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as exc:
        raise refuse(str(exc), {"manifest": manifest_path}) from None
    record = {"train": manifest.name, "manifest": manifest_path, **request.model_dump(mode="json")}
    if manifest.layers() != layers:
        raise refuse(f"manifest {manifest_path} changed since the DAG was parsed (phases {manifest.layers()} "
                     f"instead of {layers}); let the DAG processor parse it again", record)
    unknown = sorted(set(request.versions) - {a.name for a in manifest.applications})
    if unknown:
        raise refuse("; ".join(f"versions.{name}: not an application of the manifest {manifest.name}"
                               for name in unknown), record)
    environment = str(request.environment or manifest.environment)
    phase_of = manifest.phase_of()
    applications: dict[str, Any] = {}
    for app in manifest.applications:
        try:
            source = resolve_source(app.source or str(settings.sample_app_source),
                                    settings.source_root or Path(os.getcwd()), settings.allowed_source_roots)
        except SourceError as exc:
            raise refuse(f"applications[{manifest.applications.index(app)}].source: {exc}", record) from None
        version = request.versions.get(app.name, app.version)
        applications[app.name] = {
            "phase": phase_of[app.name], "version": version, "depends_on": app.depends_on,
            "golive_run_id": golive_run_id(ti.run_id, app.name),
            "conf": app.golive_conf(source=source, namespace=manifest.namespace, environment=environment,
                                    version=version),
        }
    ledger.record_run(run_id=ti.run_id, dag_id=ti.dag_id, request=record, status="accepted",
                      logical_date=context.get("logical_date"))
    for name, app in applications.items():
        ledger.record_train_application(run_id=ti.run_id, train=manifest.name, application=name, phase=app["phase"],
                                        version=app["version"], golive_run_id=app["golive_run_id"], status="planned")
    return {"train": manifest.name, "namespace": manifest.namespace, "environment": environment,
            "phases": manifest.layers(), "applications": applications}


def checkpoint(context: Mapping[str, Any], phase: int) -> dict[str, Any]:
    """Record every application's live revision before ``phase``."""
    from golive.train.checkpoint import capture

    plan = _plan(context)
    state = capture(_cluster(plan["namespace"]), plan["applications"])
    _ledger().record_checkpoint(run_id=context["ti"].run_id, train=plan["train"], phase=phase, applications=state)
    return {"phase": phase, "applications": state}


def _endpoints(app: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The health path and traffic paths of an application (its conf's profile, else its tree's)."""
    from golive.profile.load import ProfileError, load_profile
    from golive.profile.model import ApplicationProfile

    conf = app["conf"]
    try:
        if conf.get("profile"):
            profile = ApplicationProfile.model_validate(conf["profile"])
        elif Path(conf["source"]).is_dir():
            profile = load_profile(Path(conf["source"])).profile
        else:
            return "/health", []
    except (ProfileError, ValueError):
        return "/health", []
    return profile.endpoints.health, list(profile.endpoints.traffic_paths)


def probe_service(cluster: Any, name: str, app: Mapping[str, Any], requests: int) -> Any:
    """Measure one live service: HTTP through its Service, pod metrics against its pods' limits."""
    from golive.deploy.naming import service_name
    from golive.deploy.ops import app_selector
    from golive.kube.client import KubeError
    from golive.train.monitor import ServiceProbe, measure_http, pod_usage_percent, probe_paths

    probe = ServiceProbe(name)
    url = cluster.service_url(service_name(name))
    if url is None:
        for m in ("response_time_p95", "error_rate"):
            probe.errors[m] = f"Service {service_name(name)} has no URL (not deployed?)"
    else:
        health, traffic = _endpoints(app)
        values, detail = measure_http(url, probe_paths(health, traffic), requests)
        probe.values.update(values)
        probe.detail["http"] = {"url": url, **detail}
    selector = app_selector(name)
    try:
        pods = [p for p in cluster.pods(selector) if (p.get("status") or {}).get("phase") == "Running"]
        metrics = pod_metrics(cluster, selector)
    except KubeError as exc:
        pods, metrics = [], []
        probe.errors.update({"memory_usage": str(exc), "cpu_usage": str(exc)})
    usage, errors, per_pod = pod_usage_percent(pods, metrics)
    probe.values.update(usage)
    for k, v in errors.items():
        probe.errors.setdefault(k, v)
    probe.detail["pods"] = per_pod
    return probe


def pod_metrics(cluster: Any, selector: Mapping[str, str]) -> list[dict[str, Any]]:
    """The ``metrics.k8s.io`` PodMetrics of the pods ``selector`` matches (empty without the API)."""
    from kubernetes.client import CustomObjectsApi
    from kubernetes.client.exceptions import ApiException

    from golive.kube.workloads import selector_string

    try:
        found = CustomObjectsApi(cluster.client).list_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", cluster.namespace, "pods", label_selector=selector_string(selector))
    except ApiException as exc:
        if exc.status in (404, 503):
            return []
        raise
    return list(found.get("items") or [])


def monitor(context: Mapping[str, Any], phase: int) -> dict[str, Any]:
    """Gate ``phase`` on plan 002's thresholds, measured on every service live so far; FAIL fails it."""
    from airflow.sdk.exceptions import AirflowFailException

    from golive.models import VerdictStatus
    from golive.train.monitor import evaluate_phase

    plan = _plan(context)
    cluster = _cluster(plan["namespace"])
    live = [(name, app) for name, app in plan["applications"].items() if app["phase"] <= phase]
    probes = [probe_service(cluster, name, app, get_settings().train_monitor_requests) for name, app in live]
    verdict = evaluate_phase(phase, probes)
    ledger = _ledger()
    inputs = {p.application: {"values": p.values, "errors": p.errors, **p.detail} for p in probes}
    ledger.record_evaluation(record_key(context), application=plan["train"], ref=f"phase-{phase}", verdict=verdict,
                             inputs=inputs)
    for name, app in plan["applications"].items():
        if app["phase"] == phase:
            ledger.record_train_application(run_id=context["ti"].run_id, train=plan["train"], application=name,
                                            phase=phase, version=app["version"], golive_run_id=app["golive_run_id"],
                                            status="success" if verdict.status is VerdictStatus.PASS else "failed")
    for criterion in verdict.criteria:
        print(f"golive train monitor: {criterion.name} {criterion.status.value}: {criterion.reason}")
    if verdict.status is not VerdictStatus.PASS:
        raise AirflowFailException(f"phase {phase} failed the progress monitor: {'; '.join(verdict.reasons[:6])}")
    return {"phase": phase, "status": verdict.status.value, "score": verdict.score}


def failed_phase(context: Mapping[str, Any], plan: Mapping[str, Any]) -> int | None:
    """The first phase with a failed task (None when none failed)."""
    ti = context["ti"]
    states = ti.get_task_states(dag_id=ti.dag_id, run_ids=[ti.run_id]).get(ti.run_id, {})
    for phase in range(1, len(plan["phases"]) + 1):
        prefix = phase_group(phase) + "."
        if any(t.startswith(prefix) and s == "failed" for t, s in states.items()):
            return phase
    return None


def rollback(context: Mapping[str, Any]) -> dict[str, Any]:
    """Roll the failed phase and every later one back to the failed phase's checkpoint; record it.

    :raises GoLiveFailed: a step could not be carried out or verified (the ledger holds each outcome).
    """
    from golive.train.checkpoint import capture, execute, rollback_plan
    from golive_airflow.exceptions import GoLiveFailed

    plan = _plan(context)
    ti = context["ti"]
    ledger = _ledger()
    checkpoints = {c["phase"]: c["applications"] for c in ledger.checkpoints(ti.run_id)}
    phase = failed_phase(context, plan)
    if phase is None or phase not in checkpoints:
        phase = max(checkpoints) if checkpoints else None
    if phase is None:
        raise GoLiveFailed("no checkpoint was recorded: nothing to roll back to")
    scope = [name for name, app in plan["applications"].items() if app["phase"] >= phase]
    cluster = _cluster(plan["namespace"])
    steps = rollback_plan(checkpoints[phase], capture(cluster, scope), scope)
    reason = f"phase {phase} of train {plan['train']} failed"
    outcomes = [execute(cluster, step, namespace=plan["namespace"], reason=reason) for step in steps]
    ok = all(o["ok"] for o in outcomes)
    ledger.record_train_rollback(run_id=ti.run_id, train=plan["train"], phase=phase, reason=reason, ok=ok,
                                 steps=_jsonable(outcomes))
    for name in scope:
        app = plan["applications"][name]
        ledger.record_train_application(run_id=ti.run_id, train=plan["train"], application=name, phase=app["phase"],
                                        version=app["version"], golive_run_id=app["golive_run_id"],
                                        status="rolled-back")
    for o in outcomes:
        print(f"golive train rollback: {o['application']}: {o['action']} ({o['reason']}): "
              f"{'ok' if o['ok'] else 'FAILED ' + str(o.get('error'))}")
    if not ok:
        raise GoLiveFailed(f"the rollback to phase {phase}'s checkpoint did not complete: "
                           + "; ".join(f"{o['application']}: {o.get('error')}" for o in outcomes if not o["ok"]))
    return {"phase": phase, "steps": [{k: o[k] for k in ("application", "action", "ok")} for o in outcomes]}


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
