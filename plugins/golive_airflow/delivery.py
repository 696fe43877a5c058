"""Task-group factories of the delivery phases (plan 000, phases 2–7): infrastructure, monitoring,
deployment, verification, testing, documentation, canary analysis, promotion and rollback.

Every step that touches the cluster runs in an agent pod through the Kubernetes API, so the same
DAG deploys to localkube and to a real cluster. Each pod's JSON result is recorded in the ledger by
a small task right after it (pods hold no database credentials).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from airflow.sdk import TaskGroup, XComArg, get_current_context, task

from golive.docs.store import runbook_base_url
from golive.gates.canary import CANARY
from golive.gates.documentation import DOCUMENTATION
from golive.gates.testing import TESTING
from golive.gates.verification import VERIFICATION
from golive.settings import get_settings
from golive_airflow import tasks
from golive_airflow.context import PLAN_TASK_ID, REQUEST_TASK_ID
from golive_airflow.operators.agent_pod import ROUTED, AgentPodOperator
from golive_airflow.operators.approval import GateApprovalOperator
from golive_airflow.operators.infrastructure import SecretsProvisionOperator
from golive_airflow.operators.verification import (
    CanaryAnalysisOperator,
    DeploymentVerificationOperator,
    DocumentationOperator,
    TestingOperator,
)
from golive_airflow.phases import SOURCE_ARGS, agent_gate_phase, request_field, xcom_field
from golive_airflow.sensors.lease import DeliveryLeaseSensor

DEPLOY_TASK_ID = "deployment.deploy"


def deploy_field(name: str) -> str:
    """Jinja template for one field of the deploy step's result."""
    return xcom_field(DEPLOY_TASK_ID, name)


APP_ARGS = ("--application", request_field("application"), "--namespace", request_field("namespace"))
#: The application's tree at the plan's commit: its golive.yaml names the chart, image and endpoints the
#: delivery agents use.
TREE_ARGS = SOURCE_ARGS
#: The rollback's tree is not pinned: restoring the previous revision must not wait on a moved branch.
UNPINNED_TREE_ARGS = ("--source", request_field("source"), "--ref", request_field("ref"))


def infrastructure_phase() -> TaskGroup:
    """Phase 2: the application's delivery lease (one go-live at a time per application and environment,
    released by ``finish.release_lease``), then the namespace and the environment's secret values."""
    with TaskGroup("infrastructure", tooltip="Delivery lease, then namespace and secrets") as group:
        lease = DeliveryLeaseSensor(task_id="lease", request_task_id=REQUEST_TASK_ID)
        lease >> SecretsProvisionOperator(task_id="secrets", request_task_id=REQUEST_TASK_ID,
                                          backend=get_settings().secrets_backend)
    return group


def monitoring_phase() -> TaskGroup:
    """Phase 3: Prometheus rules, Grafana dashboard and alert routing, validated and applied."""
    with TaskGroup("monitoring", tooltip="Monitoring agent: rules, dashboard, alert routing") as group:
        runbooks = runbook_base_url(get_settings().docs_public_url, request_field("application"))
        setup = AgentPodOperator(task_id="setup", agent="monitoring", action="setup",
                                 agent_args=[*APP_ARGS, *TREE_ARGS, "--runbook-base-url", runbooks],
                                 service_account_name=get_settings().deployer_service_account)

        @task(task_id="record")
        def record() -> dict[str, Any]:
            """Record what the monitoring agent applied."""
            return tasks.record_pod_phase(get_current_context(), pod_task_id=setup.task_id, phase="monitoring")

        setup >> record()
    return group


def _deployment_pod(task_id: str, action: str, *extra: str, tree_args: Sequence[str] = TREE_ARGS,
                    **kwargs: Any) -> AgentPodOperator:
    return AgentPodOperator(
        task_id=task_id, agent="deployment", action=action,
        agent_args=[*APP_ARGS, "--version", request_field("version"), "--strategy", request_field("strategy"),
                    "--environment", request_field("environment"), *tree_args, *extra],
        service_account_name=get_settings().deployer_service_account, **kwargs)


def _recorder(task_id: str, pod: AgentPodOperator, action: str) -> XComArg:
    @task(task_id=task_id)
    def record() -> dict[str, Any]:
        """Record the revision this deployment action produced."""
        return tasks.record_revision(get_current_context(), pod_task_id=pod.task_id, action=action)

    return record()


def deployment_phase() -> TaskGroup:
    """Phase 4: render the chart with the version and apply it with the requested strategy."""
    with TaskGroup("deployment", tooltip="Deployment agent: render, apply, wait for the rollout") as group:
        deploy = _deployment_pod("deploy", "deploy")
        deploy >> _recorder("record", deploy, "deploy")
    return group


def verification_phase() -> TaskGroup:
    """Phase 5: the new version's rollout, pods, logs, health, version and live hardening, gated."""
    return agent_gate_phase(
        "verification", agent="verification", analyzers=VERIFICATION.analyzers, late=VERIFICATION.late,
        scoring=DeploymentVerificationOperator,
        target_args=["--url", deploy_field("verify_url"), "--namespace", request_field("namespace"),
                     "--deployment", deploy_field("deployment"), "--expected-version", request_field("version"),
                     "--burst-max", str(get_settings().verification_burst_max), *TREE_ARGS],
        tooltip="Verification agent: is the new version running as asked, and hardened?")


def testing_phase() -> TaskGroup:
    """Phase 6: smoke, E2E, fuzzing, load (Great Expectations), model evaluation for ML, gated."""
    return agent_gate_phase(
        "testing", agent="testing", analyzers=TESTING.analyzers, scoring=TestingOperator,
        target_args=["--url", deploy_field("verify_url"), *TREE_ARGS,
                     "--expected-version", request_field("version"),
                     "--load-duration", str(get_settings().load_test_seconds),
                     "--load-users", str(get_settings().load_test_users),
                     "--fuzz-max-examples", str(get_settings().fuzz_max_examples)],
        profiles=dict.fromkeys(TESTING.ml_only, ROUTED), only_for_ml=TESTING.ml_only, plan_task_id=PLAN_TASK_ID,
        one_at_a_time=tuple(a for a in TESTING.analyzers if a not in TESTING.ml_only),
        tooltip="Testing agent: smoke, E2E, fuzzing, load and model evaluation")


def documentation_phase() -> TaskGroup:
    """Phase 7: API reference, a runbook per alert, documentation quality (pods); the deployment
    record and the artifact index (scoring step), gated."""
    settings = get_settings()
    return agent_gate_phase(
        "documentation", agent="documentation", analyzers=DOCUMENTATION.analyzers, scoring=DocumentationOperator,
        target_args=["--url", deploy_field("verify_url"), *TREE_ARGS, "--app-name", request_field("application"),
                     "--namespace", request_field("namespace"), "--strategy", request_field("strategy"),
                     "--docs-store", settings.docs_store, "--docs-public-url", settings.docs_public_url,
                     "--docs-run", "{{ run_id }}",
                     "--links-online" if settings.docs_links_online else "--no-links-online"],
        service_account_name=settings.deployer_service_account,  # the runbooks pod reads the rules ConfigMap
        tooltip="Documentation agent: API reference, runbooks, documentation quality, deployment record")


def canary_phase(weights: Sequence[int]) -> TaskGroup:
    """Canary steps (canary strategy only): shift traffic by replica ratio, analyse each step."""
    with TaskGroup("canary", tooltip="Canary analysis: each traffic step gated on canary vs stable") as group:

        @task.short_circuit(task_id="is_canary", ignore_downstream_trigger_rules=False)
        def is_canary() -> bool:
            """Only the canary strategy has traffic steps."""
            return bool(tasks.pull_request_field(get_current_context(), "strategy") == "canary")

        previous: XComArg | TaskGroup = is_canary()
        for weight in weights:
            step = _deployment_pod(f"step_{weight}", "canary-step", "--weight", str(weight))
            record = _recorder(f"record_step_{weight}", step, f"canary-step-{weight}")
            analysis = agent_gate_phase(
                f"analysis_{weight}", agent="canary", analyzers=CANARY.analyzers, scoring=CanaryAnalysisOperator,
                gate=f"canary-{weight}",
                target_args=[*APP_ARGS, "--weight", str(weight), *TREE_ARGS,
                             "--seconds", str(get_settings().canary_analysis_seconds)],
                tooltip=f"canary at {weight}% of traffic against stable")
            previous >> step >> record >> analysis
            previous = analysis
    return group


def promotion_phase() -> TaskGroup:
    """Promote the new version (blue-green switch, canary to 100 %); prod always asks a human first."""
    with TaskGroup("promotion", tooltip="Promotion: approval for prod, then switch/promote") as group:
        # after testing, and after the canary steps when there were any (skipped for other strategies)
        approval = GateApprovalOperator(task_id="approval", gate_task_id="testing.gate",
                                        ask_in_environments=("prod",), request_task_id=REQUEST_TASK_ID,
                                        trigger_rule="none_failed_min_one_success")
        promote = _deployment_pod("promote", "promote")
        approval >> promote >> _recorder("record", promote, "promote")
    return group


def rollback_phase(watched: Sequence[TaskGroup]) -> TaskGroup:
    """Roll back when any step failed and this run deployed; verify and record it.

    ``decide`` waits for the delivery chain to settle (``all_done``) and reads the run's task
    states: a failure anywhere (a gate, a rejected approval, a crashed step) after a deploy rolls back.
    """
    with TaskGroup("rollback", tooltip="Rollback: restore the previous revision, verify, record") as group:

        @task(task_id="decide", trigger_rule="all_done")
        def decide() -> dict[str, Any]:
            """Skip when this run deployed nothing or nothing failed; otherwise name the failed steps."""
            return tasks.rollback_reason(get_current_context(), deploy_task_id=DEPLOY_TASK_ID)

        decision = decide()
        rollback = _deployment_pod("rollback", "rollback", "--reason", xcom_field("rollback.decide", "reason"),
                                   tree_args=UNPINNED_TREE_ARGS, evidence_task_ids=[DEPLOY_TASK_ID])

        @task(task_id="record")
        def record() -> dict[str, Any]:
            """Record the rollback, its reason and whether it was verified."""
            return tasks.record_rollback(get_current_context(), pod_task_id=rollback.task_id)

        list(watched) >> decision >> rollback >> record()
    return group


class DeliveryPhases(NamedTuple):
    """The delivery phases in the order they run (iterating gives that order, for ``chain``)."""

    infrastructure: TaskGroup
    monitoring: TaskGroup
    deployment: TaskGroup
    verification: TaskGroup
    testing: TaskGroup
    documentation: TaskGroup
    canary: TaskGroup
    promotion: TaskGroup


def delivery_phases(canary_steps: Sequence[int]) -> DeliveryPhases:
    """Build the delivery phases (not yet wired to each other: the DAG file chains them)."""
    return DeliveryPhases(
        infrastructure=infrastructure_phase(), monitoring=monitoring_phase(), deployment=deployment_phase(),
        verification=verification_phase(), testing=testing_phase(), documentation=documentation_phase(),
        canary=canary_phase(canary_steps),
        promotion=promotion_phase())
