"""Task-group factories: the phases of the seed plan as Airflow tasks, for the thin DAG files.

Each agent phase is: its analyzers in parallel pods → one scoring step (records the verdict) →
the gate sensor → the approval step (a human only when the verdict is WARNING).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import Asset, TaskGroup, TriggerRule, get_current_context, task
from pydantic import BaseModel

from golive_airflow import tasks
from golive_airflow.context import PLAN_TASK_ID, REQUEST_TASK_ID
from golive_airflow.operators.agent_pod import AgentPodOperator
from golive_airflow.operators.approval import GateApprovalOperator
from golive_airflow.operators.verification import GateScoringOperator
from golive_airflow.sensors.gate import VerificationGateSensor


def xcom_field(task_id: str, name: str) -> str:
    """Jinja template for one field of a task's XCom result (rendered into pod argv, never a shell).

    Renders empty when the task pushed nothing — a step whose phase was never reached must get as
    far as skipping itself instead of failing while its arguments are rendered.
    """
    return f"{{{{ (ti.xcom_pull(task_ids='{task_id}') or {{}}).get('{name}', '') }}}}"


def request_field(name: str, request_task_id: str = REQUEST_TASK_ID) -> str:
    """Jinja template for one field of the validated request."""
    return xcom_field(request_task_id, name)


def start_phase(model: type[BaseModel], *, with_plan: bool = True) -> TaskGroup:
    """Validate the conf with ``model`` and record the run; then (optionally) plan it in a pod."""
    group_id, validate_id = REQUEST_TASK_ID.split(".")
    with TaskGroup(group_id, tooltip="Orchestrator: validate the request, record the run, plan") as group:

        @task(task_id=validate_id)
        def validate_request() -> dict[str, Any]:
            """Second validation of the conf (pydantic) and the run's first ledger record."""
            return tasks.validate_request(model, get_current_context())

        validated = validate_request()
        if with_plan:
            plan = AgentPodOperator(task_id="plan", agent="orchestrator", action="plan",
                                    agent_args=["--source", request_field("source"),
                                                "--ref", request_field("ref")])

            @task(task_id="record_plan")
            def record_plan() -> dict[str, Any]:
                """Record the routing decision (ML score → cpu/gpu profile) in the ledger."""
                return tasks.record_plan(get_current_context(), plan_task_id=plan.task_id)

            validated >> plan >> record_plan()
    return group


def plan_field(name: str, plan_task_id: str = PLAN_TASK_ID) -> str:
    """Jinja template for one field of the orchestrator's plan (empty in a DAG without a plan)."""
    return xcom_field(plan_task_id, name)


#: The application's tree at the one commit the plan pinned (``--commit``: the pod refuses another).
SOURCE_ARGS = ("--source", request_field("source"), "--ref", request_field("ref"), "--commit", plan_field("commit"))


def agent_gate_phase(group_id: str, *, agent: str, analyzers: Sequence[str],
                     scoring: type[GateScoringOperator], late: Sequence[str] = (),
                     target_args: Sequence[str] = SOURCE_ARGS, gate: str | None = None,
                     profiles: dict[str, str] | None = None, only_for_ml: Sequence[str] = (),
                     one_at_a_time: Sequence[str] = (), service_account_name: str | None = None,
                     plan_task_id: str = PLAN_TASK_ID, tooltip: str = "") -> TaskGroup:
    """One agent behind its gate: analyzer pods → scoring → gate sensor → approval.

    :param target_args: what the analyzers analyze (templated argv): the source tree by default,
        the deployed service (``--url …``) for the delivery agents.
    :param late: analyzers that run after the others and receive their results as evidence.
    :param gate: gate name when one agent gates several steps (``canary-10``).
    :param profiles: pod profile per analyzer (default cpu): ``cpu``, ``gpu``, or ``routed`` (the
        orchestrator's plan chooses at run time), e.g. ``{"model_eval": "routed"}``.
    :param one_at_a_time: analyzers that share their target and must not overlap (a load test
        next to a fuzzer measures the fuzzer): chained in this order, each after the previous ends.
    :param service_account_name: service account of the phase's pods (default: the namespace's), e.g.
        the deployer's for analyzers that read the application's objects.
    :param only_for_ml: analyzers that run only when the orchestrator's plan routed the application
        to the gpu profile (an ML workload); otherwise they are skipped and their optional criteria
        leave the score.
    """
    gate_name = gate or scoring.gate
    with TaskGroup(group_id, tooltip=tooltip or f"{agent} agent and its gate") as group:
        # The phase's entry. Steps that run "after the previous one, whatever its outcome" (chained
        # and late analyzers, the scoring) are all_done and skip themselves unless it succeeded,
        # so a phase that was never reached records nothing.
        begin = EmptyOperator(task_id="begin")

        def pod(tool: str, **kwargs: Any) -> AgentPodOperator:
            analyzer = AgentPodOperator(task_id=tool, agent=agent, action="analyze",
                                        agent_args=["--tool", tool, *target_args],
                                        profile=(profiles or {}).get(tool, "cpu"),
                                        service_account_name=service_account_name, **kwargs)
            begin >> analyzer
            return analyzer

        first = [pod(tool) for tool in analyzers if tool not in late]
        serial = [p for tool in one_at_a_time for p in first if p.task_id.rsplit(".", 1)[-1] == tool]
        for before, after in pairwise(serial):
            after.trigger_rule = TriggerRule.ALL_DONE
            after.phase_task_id = begin.task_id
            before >> after
        if only_for_ml:

            @task.short_circuit(task_id="is_ml_workload", ignore_downstream_trigger_rules=False)
            def is_ml_workload() -> bool:
                """True when the plan routed the application to the gpu profile."""
                plan = get_current_context()["ti"].xcom_pull(task_ids=plan_task_id) or {}
                return bool(plan.get("routing", {}).get("profile") == "gpu")

            check = is_ml_workload()
            begin >> check
            for p in first:
                if p.task_id.rsplit(".", 1)[-1] in only_for_ml:
                    check >> p
        pods = list(first)
        for tool in late:
            late_pod = pod(tool, evidence_task_ids=[p.task_id for p in first], trigger_rule="all_done",
                           phase_task_id=begin.task_id)
            first >> late_pod
            pods.append(late_pod)
        score = scoring(task_id="score", analyzer_task_ids=[p.task_id for p in pods],
                        request_task_id=REQUEST_TASK_ID, gate=gate_name, phase_task_id=begin.task_id)
        sensor = VerificationGateSensor(task_id="gate", gate=gate_name, request_task_id=REQUEST_TASK_ID,
                                        subject_field=scoring.subject_field, plan_task_id=plan_task_id)
        approval = GateApprovalOperator(task_id="approval", gate_task_id=sensor.task_id)
        [begin, *pods] >> score >> sensor >> approval
    return group


def finish_phase(outlets: Sequence[Asset] = (), *, release_lease: bool = False) -> TaskGroup:
    """Final report (always runs) — HTML and JSON with the scores, criteria and findings.

    :param outlets: assets a successful run updates (the go-live asset: the event's ``extra`` names
        the application and version); a failed run fails this task and so updates none.
    :param release_lease: first give back the run's delivery lease (``all_done``: also when it failed).
    """
    with TaskGroup("finish", tooltip="Orchestrator: final report and run status") as group:

        @task(task_id="final_report", trigger_rule="all_done", outlets=list(outlets))
        def final_report() -> dict[str, Any]:
            """Render the report from the ledger; fail the run if any task failed."""
            context = get_current_context()
            result = tasks.final_report(context)
            if outlets:
                from golive_airflow.feedback import go_live_event

                extra = go_live_event(context)
                for asset in outlets:
                    context["outlet_events"][asset].extra = extra
            return result

        report = final_report()
        if release_lease:

            @task(task_id="release_lease", trigger_rule="all_done")
            def release() -> dict[str, Any]:
                """Give back the delivery lease, however the run ended."""
                return tasks.release_delivery_lease(get_current_context())

            release() >> report
    return group
