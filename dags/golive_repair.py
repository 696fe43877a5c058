"""golive_repair — diagnose a source tree and repair a copy with safe tool fixes (see the DAG's doc_md)."""

from airflow.sdk import DAG, get_current_context, task

from golive.models import RepairRequest
from golive.settings import get_settings
from golive_airflow import repair
from golive_airflow.dag_defaults import DEFAULT_ARGS, SAMPLE_REQUEST, START_DATE
from golive_airflow.operators.agent_pod import AgentPodOperator
from golive_airflow.params import attach_params
from golive_airflow.phases import request_field, start_phase

settings = get_settings()
ARGS = ["--application", request_field("application"), "--source", request_field("source"),
        "--ref", request_field("ref"), "--run-id", "{{ run_id }}", "--store", settings.docs_store]

with DAG(
    dag_id="golive_repair",
    description="Diagnostics and repair without an LLM: issue taxonomy, safe tool fixes on a copy, re-scored by "
                "the gates, delivered as a patch (and a branch), resolution rate recorded.",
    doc_md="""
### golive_repair
Triggered per source — `airflow dags trigger golive_repair -c '{"application": "shop", "source": "/src/shop"}'`
(conf: `application`, `source`, `ref`).

* **start.validate_request** — the conf validated again (pydantic `RepairRequest`), the run recorded.
* **diagnose** (pod) — the quality and security gates' analyzers; every finding classified (style,
  correctness, security, dependency, complexity, docs, tests; auto or manual).
* **repair** (pod) — `ruff --fix` (safe fixes), `eslint --fix` and dependency bumps on a copy, the copy
  re-scored by the same analyzers and gates; `repair.patch`, and the branch `golive/repair-<run>` when
  the source is a local git repository (its work tree untouched).
* **record** — fixed / fixable / total and the resolution rate into the ledger table `repairs`.
* **report** — `report.md` next to the pods' results in the documentation store; the run's status in
  the ledger (runs also when a step failed: then the run is marked failed).
""",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["golive", "repair", "diagnostics"],
) as dag:
    diagnose = AgentPodOperator(task_id=repair.DIAGNOSE_TASK_ID, agent="repair", action="diagnose", agent_args=ARGS)
    fix = AgentPodOperator(task_id=repair.REPAIR_TASK_ID, agent="repair", action="repair", agent_args=ARGS)

    @task(task_id=repair.RECORD_TASK_ID)
    def record() -> dict:
        """Record the repair's resolution in the ledger."""
        return repair.record(get_current_context())

    @task(task_id=repair.REPORT_TASK_ID, trigger_rule="all_done")
    def report() -> dict:
        """Write the run's report and settle its status (also when a step before it failed)."""
        return repair.report(get_current_context())

    start_phase(RepairRequest, with_plan=False) >> diagnose >> fix >> record() >> report()

attach_params(dag, RepairRequest, {k: SAMPLE_REQUEST[k] for k in ("application", "source")})
