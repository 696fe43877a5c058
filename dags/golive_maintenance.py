"""golive_maintenance — keep the live applications safe after their go-live (see its doc_md)."""

from airflow.sdk import DAG, CronTriggerTimetable, get_current_context, task, task_group

from golive.models import MaintenanceRequest
from golive.settings import get_settings
from golive_airflow import maintenance
from golive_airflow.dag_defaults import DEFAULT_ARGS, START_DATE
from golive_airflow.operators.agent_pod import AgentPodOperator
from golive_airflow.params import attach_params

settings = get_settings()
PREPARED = f"{maintenance.GROUP_ID}.{maintenance.PREPARE_TASK_ID}"
#: The manifest of this map index's application (a mapped group's tasks share its index).
MANIFEST = (f"{{{{ (ti.xcom_pull(task_ids='{PREPARED}', map_indexes=ti.map_index) or {{}})"
            f".get('manifest', '') }}}}")
STORE_ARGS = ["--manifest", MANIFEST, "--store", settings.docs_store]

with DAG(
    dag_id="golive_maintenance",
    description="Maintenance of the live applications: advisories since go-live, dependency updates re-verified "
                "by the gates, secret rotation with a health-checked rolling restart, retention.",
    doc_md="""
### golive_maintenance
Runs daily (`GOLIVE_MAINTENANCE_SCHEDULE`, default 03:00 UTC). By hand:
`airflow dags trigger golive_maintenance -c '{"application": "shop"}'` (conf optional: without
`application`, every application live in the ledger; `retention_days` overrides
`GOLIVE_MAINTENANCE_RETENTION_DAYS`).

* **discover** — the live applications (the ledger's newest succeeded `golive` run of each).
* **maintain** — one mapped task group per application (one failing does not stop the others):
  * **prepare** — the manifest: deployed source and pinned commit, go-live time, what its security gate
    knew, namespace, Deployments, Secret key names.
  * **rescan** (pod) — the deployed pins against the current advisory snapshot; advisories the go-live
    did not know are *new*: findings in the ledger and a notice.
  * **propose_updates** (pod) — pins bumped to the first fixed versions as `updates.patch`, the patched
    copy re-verified by the quality and security gates.
  * **rotate_secrets** (pod) — new values in the Kubernetes Secret, rolling restart, rollout and
    `/health` verified; the old values restored when not healthy. Key names only are recorded.
  * **record** — the findings, proposals and rotations into the ledger table `maintenance`.
* **retention** — ledger rows and reports of runs older than the policy (never the live go-lives').
""",
    schedule=CronTriggerTimetable(settings.maintenance_schedule, timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["golive", "maintenance", "scheduled"],
) as dag:

    @task(task_id=maintenance.DISCOVER_TASK_ID)
    def discover() -> list[str]:
        """The applications live in the ledger (or the conf's one)."""
        return maintenance.discover(get_current_context())

    @task_group(group_id=maintenance.GROUP_ID)
    def maintain(application: str) -> None:
        """One live application: rescan, updates, rotation, record."""

        @task(task_id=maintenance.PREPARE_TASK_ID)
        def prepare(application: str) -> dict:
            """Write the application's manifest for the pods."""
            return maintenance.prepare(get_current_context(), application)

        rescan = AgentPodOperator(task_id=maintenance.RESCAN_TASK_ID, agent="maintenance", action="rescan",
                                  agent_args=STORE_ARGS)
        propose = AgentPodOperator(task_id=maintenance.PROPOSE_TASK_ID, agent="maintenance", action="propose",
                                   agent_args=STORE_ARGS)
        rotate = AgentPodOperator(task_id=maintenance.ROTATE_TASK_ID, agent="maintenance", action="rotate",
                                  agent_args=STORE_ARGS, service_account_name=settings.deployer_service_account)

        @task(task_id=maintenance.RECORD_TASK_ID, trigger_rule="all_done")
        def record(application: str) -> dict:
            """Record what the pods found and did (also when one of them failed)."""
            return maintenance.record(get_current_context(), application)

        prepared = prepare(application)
        prepared >> rescan >> propose
        prepared >> rotate
        [propose, rotate] >> record(application)

    @task(task_id=maintenance.RETENTION_TASK_ID, trigger_rule="all_done")
    def retention() -> dict:
        """Delete ledger rows and reports older than the policy."""
        return maintenance.retention(get_current_context())

    maintain.expand(application=discover()) >> retention()

attach_params(dag, MaintenanceRequest, {"retention_days": settings.maintenance_retention_days})
