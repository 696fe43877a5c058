"""golive_feedback — collect, validate and analyse the feedback of live applications (see its doc_md)."""

from airflow.sdk import DAG, AssetOrTimeSchedule, CronTriggerTimetable, get_current_context, task

from golive.models import FeedbackRequest
from golive.settings import get_settings
from golive_airflow import feedback
from golive_airflow.assets import GO_LIVES
from golive_airflow.dag_defaults import DEFAULT_ARGS, START_DATE
from golive_airflow.operators.agent_pod import AgentPodOperator
from golive_airflow.operators.feedback_pod import FeedbackAnalyzePodOperator
from golive_airflow.params import attach_params
from golive_airflow.phases import xcom_field

settings = get_settings()

with DAG(
    dag_id="golive_feedback",
    description="Feedback of the live applications: collected, validated (Great Expectations), bad batches "
                "quarantined, analysed (sentiment, topics, priorities, CSAT/NPS per release), reported.",
    doc_md="""
### golive_feedback
Runs daily (`GOLIVE_FEEDBACK_SCHEDULE`, default 06:00 UTC) **and** after every successful go-live
(the `golive` DAG's `finish.final_report` updates the asset `x-golive://go-lives`). Triggered by hand:
`airflow dags trigger golive_feedback -c '{"application": "shop"}'` (conf optional: without
`application`, every application live in the ledger — or, when a go-live triggered the run, that one).

* **collect** — per application: its `received` rows of the ledger table `feedback` (staged), each
  CSV/JSON file of the drop folder `GOLIVE_FEEDBACK_INBOX_URL/<application>/`, and its feedback
  endpoint when its profile declares `endpoints.feedback` (at its live service URL, or the conf's `url`).
* **validate** (pod) — every batch through a Great Expectations suite: schema, nulls, ranges
  (rating 1–5, NPS 0–10), dates, duplicate ids.
* **record** — accepted rows into the ledger; a failed batch is **quarantined**, never dropped: a row
  in `feedback_quarantine` with the failed expectations, its file moved to `quarantine/`.
* **analyze** (pod) — sentiment (VADER), topics (`GOLIVE_FEEDBACK_TOPICS`: TF-IDF or MiniLM sentence
  embeddings + k-means; on the gpu profile when the cluster has a GPU node and the backend may embed,
  decided when the task runs), priority (frequency × severity × recency), CSAT and NPS per release with
  their trend → the insights report (HTML with plots, JSON).
* **report** — each report linked from the ledger (`feedback_reports`) and served at `/golive/docs/…`.
""",
    schedule=AssetOrTimeSchedule(timetable=CronTriggerTimetable(settings.feedback_schedule, timezone="UTC"),
                                 assets=[GO_LIVES]),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["golive", "feedback", "scheduled"],
) as dag:

    @task(task_id=feedback.COLLECT_TASK_ID)
    def collect() -> dict:
        """Stage the ledger's received feedback and list the drop files and endpoints to validate."""
        return feedback.collect(get_current_context())

    validate = AgentPodOperator(
        task_id=feedback.VALIDATE_TASK_ID, agent="feedback", action="validate",
        agent_args=["--manifest", xcom_field(feedback.COLLECT_TASK_ID, "manifest"), "--run", "{{ run_id }}",
                    "--store", settings.feedback_store])

    @task(task_id=feedback.RECORD_TASK_ID)
    def record() -> dict:
        """Accept the valid batches, quarantine the others, export the accepted feedback for the analysis."""
        return feedback.record(get_current_context())

    analyze = FeedbackAnalyzePodOperator(
        task_id=feedback.ANALYZE_TASK_ID,
        agent_args=["--manifest", xcom_field(feedback.RECORD_TASK_ID, "manifest"), "--run", "{{ run_id }}",
                    "--docs-store", settings.docs_store,
                    "--as-of", "{{ (logical_date or dag_run.run_after).isoformat() }}"])

    @task(task_id="report")
    def report() -> dict:
        """Link each insights report from the ledger."""
        return feedback.record_reports(get_current_context())

    collect() >> validate >> record() >> analyze >> report()

attach_params(dag, FeedbackRequest)
