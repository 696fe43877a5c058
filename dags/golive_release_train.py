"""golive_release_train — take a set of applications live in dependency order (see the DAG's doc_md)."""

from airflow.configuration import conf
from airflow.sdk import DAG, TaskGroup, chain, get_current_context, task

from golive.models import TrainRequest
from golive.settings import get_settings
from golive.train.manifest import load_manifest
from golive_airflow import train
from golive_airflow.dag_defaults import DEFAULT_ARGS, START_DATE
from golive_airflow.operators.train import TrainGoLiveOperator
from golive_airflow.params import attach_params
from golive_airflow.phases import finish_phase

settings = get_settings()
MANIFEST = load_manifest(settings.train_manifest)
LAYERS = MANIFEST.layers()
DEFERRABLE = settings.deferrable if settings.deferrable is not None else conf.getboolean(
    "operators", "default_deferrable", fallback=False)

with DAG(
    dag_id="golive_release_train",
    description=f"Release train {MANIFEST.name}: {len(MANIFEST.applications)} applications in {len(LAYERS)} phases "
                "(dependency order), each a full go-live; checkpoints, progress monitor, rollback to the checkpoint.",
    doc_md=f"""
### golive_release_train — train `{MANIFEST.name}`
Built from the manifest `GOLIVE_TRAIN_MANIFEST` ({settings.train_manifest.name}) when this file is
parsed: {len(MANIFEST.applications)} applications, one phase per topological layer of `depends_on`.
Conf (Params and `TrainRequest`): `versions` (application → version instead of the manifest's),
`environment` (default: the manifest's).

* **start.validate_request** — conf and manifest validated again, the run and its planned go-lives recorded.
* **phase_N** — `checkpoint` (every application's live revision, ledger `train_checkpoints`) →
  one `golive` run per application of the phase, in parallel (`TriggerDagRunOperator`, waits for it: each
  is a full go-live with its own gates and its own rollback) → `monitor` (plan 002's thresholds on every
  service live so far: p95 response time < 2 s, error rate < 5 %, memory < 80 % and CPU < 70 % of the
  pods' limits; gate `train-phase-N`).
* **rollback.rollback** — when a phase failed: that phase and every later one back to its checkpoint
  (rolling undo to the recorded revision, verified; an application not deployed then is removed).
* **finish.final_report** — the report with the train (phases, go-lives, checkpoints, rollbacks).

Phases: {" → ".join("[" + ", ".join(layer) + "]" for layer in LAYERS)}
""",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["golive", "release-train", "plan-002"],
) as dag:
    with TaskGroup("start", tooltip="Validate the conf and the manifest, record the run") as start:

        @task(task_id="validate_request")
        def validate_request() -> dict:
            """Validate the conf and the manifest again; plan each application's go-live."""
            return train.validate(get_current_context(), str(settings.train_manifest), LAYERS)

        validate_request()

    phases, phase_tasks = [], []
    for number, layer in enumerate(LAYERS, start=1):
        with TaskGroup(train.phase_group(number), tooltip=f"Phase {number}: {', '.join(layer)}") as phase:

            @task(task_id="checkpoint")
            def checkpoint(phase: int = number) -> dict:
                """Record every application's live revision before this phase."""
                return train.checkpoint(get_current_context(), phase)

            go_lives = [TrainGoLiveOperator(
                task_id=name, application=name, trigger_dag_id="golive",
                trigger_run_id=train.golive_run_id("{{ run_id }}", name),
                conf=(f"{{{{ ti.xcom_pull(task_ids='{train.VALIDATE_TASK_ID}')['applications']['{name}']['conf']"
                      " | tojson }}"),
                wait_for_completion=True, deferrable=DEFERRABLE, poke_interval=int(settings.train_poll_interval),
                allowed_states=["success"], failed_states=["failed"],
            ) for name in layer]

            @task(task_id="monitor")
            def monitor(phase: int = number) -> dict:
                """Gate this phase on plan 002's thresholds, measured on the live services."""
                return train.monitor(get_current_context(), phase)

            entry, gate = checkpoint(), monitor()
            entry >> go_lives >> gate
        phases.append(phase)
        phase_tasks += [entry, *go_lives, gate]

    with TaskGroup("rollback", tooltip="A failed phase and every later one back to its checkpoint") as rollback:

        @task(task_id="rollback", trigger_rule="all_done")
        def roll_back() -> dict:
            """Roll back to the failed phase's checkpoint (skipped when no phase failed)."""
            from airflow.sdk.exceptions import AirflowSkipException

            context = get_current_context()
            plan = context["ti"].xcom_pull(task_ids=train.VALIDATE_TASK_ID)
            if not isinstance(plan, dict) or train.failed_phase(context, plan) is None:
                raise AirflowSkipException("no phase failed: nothing to roll back")
            return train.rollback(context)

        # after every phase task (all_done): never while a sibling go-live of the failed phase still runs
        phase_tasks >> roll_back()

    chain(start, *phases, rollback, finish_phase())

attach_params(dag, TrainRequest, {"versions": {}})
