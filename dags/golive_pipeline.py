"""The golive DAG — take an application live (see its doc_md). Not named golive.py: the dags folder
is on sys.path and a golive.py there would shadow the golive package."""

from airflow.sdk import DAG, TaskGroup, chain

from golive.gates.quality import QUALITY
from golive.gates.security import SECURITY
from golive.models import GoLiveRequest
from golive.settings import get_settings
from golive_airflow.assets import GO_LIVES
from golive_airflow.dag_defaults import DEFAULT_ARGS, SAMPLE_REQUEST, START_DATE
from golive_airflow.delivery import delivery_phases, rollback_phase
from golive_airflow.notifiers.deadline import golive_deadline
from golive_airflow.operators.verification import QualityVerificationOperator, SecurityHardeningOperator
from golive_airflow.params import attach_params
from golive_airflow.phases import agent_gate_phase, finish_phase, start_phase

with DAG(
    dag_id="golive",
    description="Take an application live: gates, secrets, monitoring, deployment strategies, verification, "
                "testing, documentation, canary analysis, promotion, automatic rollback, report.",
    doc_md="""
### golive
One run takes one application version live. Conf (validated by the Params below and again by
`GoLiveRequest` in `start.validate_request`): `application`, `version`, `source` (path or git URL),
`ref`, `environment`, `strategy`, `quality_threshold` (default 85), `namespace`, and optionally
`profile` (the application's golive.yaml as an object; see docs/golive.schema.json).

* **start** — validate and record the run; the orchestrator pod resolves the application's profile
  and plans it (ML workload → the ML steps take the gpu pod profile at run time).
* **preparation.security** — bandit, detect-secrets, dependency advisories (OSV), static hardening
  checks and the security checklist, each in its own pod → score → gate → approval on WARNING.
* **preparation.quality** — ruff, radon, coverage of the app's own tests, docstrings, type hints,
  bandit → score (threshold 85, coverage ≥ 80 % is key) → gate → approval on WARNING.
* **infrastructure** — the application's delivery lease (a second go-live of the same application
  and environment waits here until the first releases it in `finish`), then the namespace and the
  environment's secret values (Kubernetes Secret, or
  GCP Secret Manager with `GOLIVE_SECRETS_BACKEND=gcp-secret-manager`); only key names are recorded.
* **monitoring** — PrometheusRule, Grafana dashboard and alert routing from the SLOs, validated
  (PromQL parses, runbook links) and applied as ConfigMaps.
* **deployment** — the chart rendered with the version and applied through the Kubernetes API:
  rolling, blue-green (preview service until promotion) or canary (traffic by replica ratio).
* **verification** — rollout, pods, logs, health, version and live hardening (headers, CORS,
  rate limit, password policy) → score → gate → approval on WARNING.
* **testing** — smoke, the app's E2E suite, schemathesis fuzzing, locust load checked by Great
  Expectations, model evaluation on the gpu profile for ML workloads → gate.
* **documentation** — the API reference from the OpenAPI document (validated), a runbook per alert
  the monitoring phase created (each `runbook_url` checked), the documentation quality (docstrings,
  JSDoc, broken links, README sections) → gate; the deployment record from the ledger. Artifacts
  under `GOLIVE_DOCS_STORE_URL`, linked from the report.
* **canary** (canary strategy) — each traffic step analysed, canary against stable → gate.
* **promotion** — prod always asks a human; then switch (blue-green) or promote (canary).
* **rollback** — when anything after the deploy failed: restore the previous revision, verify it,
  record it.
* **finish** — release the delivery lease (however the run ended), then the HTML/JSON report from
  the ledger; fails the run when anything failed. A successful run updates the asset
  `x-golive://go-lives`, which triggers `golive_feedback`.

Notifications (`GOLIVE_NOTIFY`: file, webhook, Slack, SMTP) tell of a gate's FAIL or WARNING, an
approval asked for (with the link), a refused answer, a rollback, the end of the run and — with
`GOLIVE_DEADLINE_MINUTES` — a go-live that overran its deadline. Who may approve: `GOLIVE_APPROVERS`
per environment; in prod the triggering user may not approve their own go-live.

A failed gate names each criterion's raw value, threshold and reason. The defaults take the
bundled sample application live.
""",
    schedule=None,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=4,
    deadline=golive_deadline(),
    default_args=DEFAULT_ARGS,
    tags=["golive", "go-live", "gates"],
) as dag:
    start = start_phase(GoLiveRequest)
    with TaskGroup("preparation", tooltip="Phase 1: security hardening and quality verification") as preparation:
        agent_gate_phase("security", agent="security", analyzers=SECURITY.analyzers, late=SECURITY.late,
                         scoring=SecurityHardeningOperator)
        agent_gate_phase("quality", agent="quality", analyzers=QUALITY.analyzers,
                         scoring=QualityVerificationOperator)
    delivery = delivery_phases(canary_steps=get_settings().canary_steps)
    chain(start, preparation, *delivery)
    delivery.documentation >> delivery.promotion  # promotion also follows it directly: the canary steps may be skipped
    rollback = rollback_phase([delivery.promotion])
    [delivery.promotion, rollback] >> finish_phase(outlets=[GO_LIVES], release_lease=True)

attach_params(dag, GoLiveRequest, SAMPLE_REQUEST)
