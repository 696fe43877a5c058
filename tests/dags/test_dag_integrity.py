"""DAG integrity: every DAG file imports cleanly and fast, is documented, owned, tagged, retried,
and touches no Variable, connection, database or heavy library at parse time."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from repo_paths import REPO

DAGS_DIR = REPO / "dags"
DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))
HEAVY = ("great_expectations", "pandas", "matplotlib", "bandit", "radon", "locust", "schemathesis",
         "detect_secrets", "ruff", "interrogate", "coverage", "torch", "sklearn")


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_dag_files_exist():
    assert {p.stem for p in DAG_FILES} >= {"golive_pipeline", "golive_quality_verification", "golive_feedback",
                                           "golive_maintenance", "golive_repair"}


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) >= {"golive", "golive_quality_verification", "golive_feedback", "golive_maintenance",
                                   "golive_repair"}


def test_every_dag_is_owned_tagged_documented_and_retried(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md and len(dag.doc_md) > 100, f"{dag_id} has no docs"
        for task in dag.tasks:
            assert task.owner not in ("", "airflow"), f"{dag_id}.{task.task_id} has no owner"
            assert task.retries >= 2, f"{dag_id}.{task.task_id} retries {task.retries} < 2"


def test_golive_graph_has_phases_and_gates(dagbag):
    dag = dagbag.dags["golive"]
    ids = set(dag.task_ids)
    for agent in ("security", "quality"):
        for step in ("score", "gate", "approval"):
            assert f"preparation.{agent}.{step}" in ids
    assert {"start.validate_request", "start.plan", "finish.final_report"} <= ids
    gate = dag.get_task("preparation.quality.gate")
    assert gate.upstream_task_ids == {"preparation.quality.score"}
    score = dag.get_task("preparation.quality.score")
    assert {t.split(".")[-1] for t in score.upstream_task_ids} >= {"ruff", "coverage", "bandit"}
    assert dag.get_task("finish.final_report").trigger_rule == "all_done"


def test_params_carry_the_request_schema(dagbag):
    params = dagbag.dags["golive"].params
    assert set(params.keys()) == {"application", "version", "source", "ref", "environment", "strategy",
                                  "quality_threshold", "namespace", "profile"}
    app = params.get_param("application")
    assert app.schema["pattern"] and app.schema["title"] == "Application" and app.description
    assert params.get_param("strategy").schema["enum"] == ["rolling", "blue-green", "canary"]
    params.validate()  # the defaults take the sample app live


_PARSE_PROBE = r"""
import json, sys, time, importlib.util
import airflow.sdk, airflow.models.variable as mv
from airflow.sdk.bases.hook import BaseHook
calls = []
def forbid(name):
    def _f(*a, **k):
        calls.append(name); raise RuntimeError(name + " at parse time")
    return _f
mv.Variable.get = forbid("Variable.get")
airflow.sdk.Variable.get = forbid("Variable.get")
BaseHook.get_connection = forbid("get_connection")
import socket
socket.create_connection = forbid("network")
path = sys.argv[1]
before = set(sys.modules)
spec = importlib.util.spec_from_file_location("dagfile", path)
mod = importlib.util.module_from_spec(spec)
t0 = time.perf_counter(); spec.loader.exec_module(mod); took = time.perf_counter() - t0
print(json.dumps({"calls": calls, "modules": sorted(set(sys.modules) - before), "seconds": took}))
"""


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_parse_touches_no_variable_connection_network_or_heavy_import(path):
    out = subprocess.run([sys.executable, "-c", _PARSE_PROBE, str(path)], capture_output=True, text=True,
                         timeout=120, check=True)
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["calls"] == []
    heavy = sorted({m.split(".")[0] for m in probe["modules"]} & set(HEAVY))
    assert heavy == [], f"{path.name} imports {heavy} at parse time"


def test_golive_delivery_phases_in_order_with_rollback(dagbag):
    dag = dagbag.dags["golive"]

    def upstream(task_id):
        return dag.get_task(task_id).upstream_task_ids

    assert "preparation.quality.approval" in upstream("infrastructure.lease")
    assert upstream("infrastructure.secrets") == {"infrastructure.lease"}
    assert "infrastructure.secrets" in upstream("monitoring.setup")
    assert "monitoring.record" in upstream("deployment.deploy")
    assert upstream("verification.begin") == {"deployment.record"}
    assert upstream("verification.rollout") == {"verification.begin"}
    assert upstream("testing.begin") == {"verification.approval"}
    assert upstream("testing.load") == {"testing.fuzz", "testing.begin"}  # load never overlaps the fuzzer
    assert upstream("testing.model_eval") == {"testing.is_ml_workload", "testing.begin"}
    # steps that run whatever their predecessors did still skip when their phase was not reached
    for task_id in ("testing.load", "testing.score", "verification.ratelimit", "verification.score"):
        task = dag.get_task(task_id)
        assert task.trigger_rule == "all_done" and task.phase_task_id == task_id.split(".")[0] + ".begin"
    assert dag.get_task("testing.model_eval").profile == "routed"  # the plan chooses its pod profile at run time
    assert upstream("documentation.begin") == {"testing.approval"}
    assert "documentation.approval" in upstream("canary.is_canary")
    assert dag.get_task("preparation.security.checklist").phase_task_id == "preparation.security.begin"
    steps = sorted(t for t in dag.task_ids if t.startswith("canary.step_"))
    assert steps == ["canary.step_25", "canary.step_50"]
    assert dag.get_task("promotion.approval").ask_in_environments == ("prod",)
    assert dag.get_task("promotion.approval").trigger_rule == "none_failed_min_one_success"
    assert upstream("promotion.approval") == {"documentation.approval", "canary.analysis_50.approval"}
    decide = dag.get_task("rollback.decide")
    assert decide.trigger_rule == "all_done" and "promotion.record" in decide.upstream_task_ids
    assert {"promotion.record", "rollback.record"} <= upstream("finish.release_lease")
    assert upstream("finish.final_report") == {"finish.release_lease"}
    rollback = dag.get_task("rollback.rollback")
    assert rollback.evidence_task_ids == ["deployment.deploy"]
    assert rollback.arguments[0] == "rollback"


def test_golive_documentation_phase_after_testing(dagbag):
    dag = dagbag.dags["golive"]
    pods = {t: dag.get_task(f"documentation.{t}") for t in ("api_reference", "runbooks", "doc_quality")}
    for task_id, pod in pods.items():
        assert pod.upstream_task_ids == {"documentation.begin"}
        args = pod.arguments
        assert args[:3] == ["analyze", "--tool", task_id]
        assert {"--url", "--app-name", "--namespace", "--docs-store", "--docs-public-url", "--docs-run"} <= set(args)
        assert args[args.index("--docs-run") + 1] == "{{ run_id }}"
    score = dag.get_task("documentation.score")
    assert score.gate == "documentation" and score.trigger_rule == "all_done"
    assert {t.split(".")[-1] for t in score.upstream_task_ids} == {"begin", *pods}
    assert dag.get_task("documentation.gate").upstream_task_ids == {"documentation.score"}
    # the monitoring phase's alerts link to where the documentation phase writes the runbooks
    setup = dag.get_task("monitoring.setup").arguments
    assert setup[setup.index("--runbook-base-url") + 1].endswith("/runbooks")


def test_every_gate_reads_the_verdict_of_this_run_about_the_plans_commit(dagbag):
    from golive_airflow.sensors.gate import VerificationGateSensor

    dag = dagbag.dags["golive"]
    gates = [t for t in dag.tasks if isinstance(t, VerificationGateSensor)]
    assert {g.task_id for g in gates} >= {"preparation.quality.gate", "preparation.security.gate",
                                         "verification.gate", "canary.analysis_25.gate"}
    assert {g.plan_task_id for g in gates} == {"start.plan"}
    assert dag.get_task("verification.gate").subject_field == "version"
    assert dag.get_task("canary.analysis_25.gate").gate == "canary-25"


def test_every_pod_that_reads_the_tree_gets_the_plans_commit(dagbag):
    from golive_airflow.operators.agent_pod import AgentPodOperator

    dag = dagbag.dags["golive"]
    tree_pods = {t.task_id: t.arguments for t in dag.tasks
                 if isinstance(t, AgentPodOperator) and "--source" in t.arguments and t.task_id != "start.plan"}
    assert {"preparation.quality.coverage", "deployment.deploy", "verification.version", "promotion.promote"} <= set(
        tree_pods)
    unpinned = {task_id for task_id, args in tree_pods.items() if "--commit" not in args}
    assert unpinned == {"rollback.rollback"}  # restoring the previous revision never waits on a moved branch
    for args in tree_pods.values():
        if "--commit" in args:
            assert "xcom_pull(task_ids='start.plan')" in args[args.index("--commit") + 1]


def test_the_delivery_lease_spans_secrets_to_rollback_and_is_released_however_the_run_ends(dagbag):
    from golive_airflow.sensors.lease import DeliveryLeaseSensor

    dag = dagbag.dags["golive"]
    lease = dag.get_task("infrastructure.lease")
    assert isinstance(lease, DeliveryLeaseSensor) and lease.mode == "reschedule"
    assert "infrastructure.secrets" in lease.downstream_task_ids
    assert lease.upstream_task_ids and all(t.startswith("preparation.") for t in lease.upstream_task_ids)
    release = dag.get_task("finish.release_lease")
    assert release.trigger_rule == "all_done"
    assert {"rollback.record", "promotion.record"} <= release.upstream_task_ids
    assert dag.get_task("finish.final_report").upstream_task_ids >= {"finish.release_lease"}
    assert "finish.release_lease" not in dagbag.dags["golive_quality_verification"].task_dict


def test_a_submission_is_pinned_to_one_commit_too(dagbag):
    dag = dagbag.dags["golive_quality_verification"]
    assert dag.get_task("start.plan").upstream_task_ids == {"start.validate_request"}
    args = dag.get_task("quality.coverage").arguments
    assert "xcom_pull(task_ids='start.plan')" in args[args.index("--commit") + 1]
    assert dag.get_task("quality.gate").plan_task_id == "start.plan"


def test_golive_feedback_runs_on_the_go_live_asset_or_daily(dagbag):
    from airflow.sdk import Asset, AssetOrTimeSchedule

    timetable = dagbag.dags["golive_feedback"].timetable
    assert isinstance(timetable, AssetOrTimeSchedule)  # the asset OR the cron, whichever comes first
    assert timetable.timetable.expression == "0 6 * * *"  # GOLIVE_FEEDBACK_SCHEDULE's default, UTC
    assert [a.uri.rstrip("/") for a in timetable.asset_condition.objects] == ["x-golive://go-lives"]
    # the go-live's final step produces what the feedback DAG consumes; the quality DAG produces nothing
    outlets = dagbag.dags["golive"].get_task("finish.final_report").outlets
    assert [o.uri.rstrip("/") for o in outlets if isinstance(o, Asset)] == ["x-golive://go-lives"]
    assert dagbag.dags["golive_quality_verification"].get_task("finish.final_report").outlets == []


def test_golive_feedback_graph_runs_the_heavy_work_in_agent_pods(dagbag):
    dag = dagbag.dags["golive_feedback"]

    def upstream(task_id):
        return dag.get_task(task_id).upstream_task_ids

    assert upstream("validate") == {"collect"} and upstream("record") == {"validate"}
    assert upstream("analyze") == {"record"} and upstream("report") == {"analyze"}
    for task_id, action in (("validate", "validate"), ("analyze", "analyze")):
        pod = dag.get_task(task_id)
        assert pod.cmds == ["python", "-m", "golive.agents.feedback"] and pod.arguments[0] == action
        assert "--manifest" in pod.arguments and "{{ run_id }}" in pod.arguments
    assert set(dag.params.keys()) == {"application", "url"}
    dag.params.validate()  # no conf: every live application


def test_golive_maintenance_is_scheduled_and_maps_one_group_per_live_application(dagbag):
    from airflow.sdk import CronTriggerTimetable

    dag = dagbag.dags["golive_maintenance"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 3 * * *"  # GOLIVE_MAINTENANCE_SCHEDULE's default, UTC

    def upstream(task_id):
        return dag.get_task(task_id).upstream_task_ids

    assert upstream("maintain.prepare") == {"discover"}
    assert upstream("maintain.rescan") == {"maintain.prepare"} == upstream("maintain.rotate_secrets")
    assert upstream("maintain.propose_updates") == {"maintain.rescan"}
    assert {"maintain.propose_updates", "maintain.rotate_secrets"} <= upstream("maintain.record")
    assert upstream("retention") == {"maintain.record"}
    # one application's failure stops neither its record step nor the retention
    assert dag.get_task("maintain.record").trigger_rule == "all_done" == dag.get_task("retention").trigger_rule
    group = dag.task_group_dict["maintain"]
    assert type(group).__name__ == "MappedTaskGroup"
    for task_id, action in (("rescan", "rescan"), ("propose_updates", "propose"), ("rotate_secrets", "rotate")):
        pod = dag.get_task(f"maintain.{task_id}")
        assert pod.cmds == ["python", "-m", "golive.agents.maintenance"] and pod.arguments[0] == action
        manifest = pod.arguments[pod.arguments.index("--manifest") + 1]
        assert "task_ids='maintain.prepare', map_indexes=ti.map_index" in manifest
    assert set(dag.params.keys()) == {"application", "retention_days"}
    dag.params.validate()  # no conf: every live application


def test_golive_repair_diagnoses_repairs_records_and_reports_with_the_conf_as_pod_args(dagbag):
    dag = dagbag.dags["golive_repair"]

    def upstream(task_id):
        return dag.get_task(task_id).upstream_task_ids

    assert upstream("diagnose") == {"start.validate_request"}
    assert upstream("repair") == {"diagnose"} and upstream("record") == {"repair"} and upstream("report") == {"record"}
    for action in ("diagnose", "repair"):
        pod = dag.get_task(action)
        assert pod.cmds == ["python", "-m", "golive.agents.repair"] and pod.arguments[0] == action
        assert "{{ run_id }}" in pod.arguments and "--source" in pod.arguments
    assert set(dag.params.keys()) == {"application", "source", "ref"}
    from airflow.sdk.definitions.param import ParamsDict

    params = ParamsDict(dict(dag.params.items()))
    with pytest.raises(Exception, match="Not A Label"):
        params.update({"application": "Not A Label"})


def test_every_agent_pod_of_every_dag_is_restricted_and_holds_a_token_only_when_it_needs_the_api(
        dagbag, monkeypatch):
    from kubernetes.client import ApiClient

    from golive.kube.agentpod import agent_pod_violations, needs_api, tool_of
    from golive_airflow.operators.agent_pod import AgentPodOperator

    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", '{"conn_type": "kubernetes"}')
    pods = [t for dag in dagbag.dags.values() for t in dag.tasks if isinstance(t, AgentPodOperator)]
    with_api = set()
    for op in pods:
        pod = ApiClient().sanitize_for_serialization(op.build_pod_request_obj(dry_run=True))
        assert agent_pod_violations(pod) == [], op.task_id
        if pod["spec"]["automountServiceAccountToken"]:
            with_api.add(op.task_id)
        step = tool_of(op.arguments) or op.action
        assert pod["spec"]["automountServiceAccountToken"] is needs_api(op.agent, step), op.task_id
    assert {"deployment.deploy", "verification.rollout", "monitoring.setup", "maintain.rotate_secrets"} <= with_api
    without = {"preparation.quality.coverage", "testing.e2e", "start.plan", "verification.health", "maintain.rescan"}
    assert without <= {op.task_id for op in pods} and not without & with_api
