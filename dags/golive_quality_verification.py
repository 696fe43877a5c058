"""golive_quality_verification — verify one submission's quality (see the DAG's doc_md)."""

from airflow.sdk import DAG

from golive.gates.quality import QUALITY
from golive.models import QualitySubmission
from golive_airflow.dag_defaults import DEFAULT_ARGS, SAMPLE_REQUEST, START_DATE
from golive_airflow.operators.verification import QualityVerificationOperator
from golive_airflow.params import attach_params
from golive_airflow.phases import agent_gate_phase, finish_phase, start_phase

with DAG(
    dag_id="golive_quality_verification",
    description="Quality verification of one submission (application, source, ref, submitted_by).",
    doc_md="""
### golive_quality_verification
Triggered per submission — from the UI, `airflow dags trigger -c '{...}'` or
`POST /api/v2/dags/golive_quality_verification/dagRuns`. Conf: `application`, `source`, `ref`,
`submitted_by`, `quality_threshold`.

The orchestrator pod pins the source to one commit (and resolves the profile); the quality analyzers
run in pods at that commit, the submission and its verdict are recorded in the ledger, the gate opens
on this run's verdict about that commit only, asks for approval on WARNING, and the report is written.
""",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=8,
    default_args=DEFAULT_ARGS,
    tags=["golive", "quality", "submission"],
) as dag:
    start_phase(QualitySubmission) >> agent_gate_phase(
        "quality", agent="quality", analyzers=QUALITY.analyzers, scoring=QualityVerificationOperator,
    ) >> finish_phase()

attach_params(dag, QualitySubmission, {k: SAMPLE_REQUEST[k] for k in ("application", "source")})
