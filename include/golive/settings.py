"""golive's runtime settings, read from ``GOLIVE_*`` environment variables (one place for all).

Reading environment variables is cheap and allowed at DAG parse time; Airflow Variables and
connections are not, so nothing here touches them.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

if TYPE_CHECKING:
    from golive.approvers import ApproverPolicy
    from golive.notify import Sink
    from golive.quotas import QuotaPolicy

#: Variables golive sets for the processes it starts (read back there through ``GoliveSettings``
#: where golive itself runs in the child).
EVIDENCE_ENV = "GOLIVE_EVIDENCE"
LOAD_OPERATIONS_ENV = "GOLIVE_LOAD_OPERATIONS"
LOAD_HEALTH_PATH_ENV = "GOLIVE_LOAD_HEALTH_PATH"
METRICS_PATH_ENV = "GOLIVE_METRICS_PATH"
DEVICE_ENV = "GOLIVE_DEVICE"
APP_URL_ENV = "GOLIVE_APP_URL"
#: The feedback topics backend (``GoliveSettings.feedback_topics``) the worker hands the analyze pod.
FEEDBACK_TOPICS_ENV = "GOLIVE_FEEDBACK_TOPICS"
#: The application profile the run's conf carried (JSON), for the agents in its pods.
PROFILE_ENV = "GOLIVE_PROFILE"
#: The go-live's environment (dev, staging, prod), for the agents in its pods.
ENVIRONMENT_ENV = "GOLIVE_ENVIRONMENT"
#: The run, application and version an agent pod works for (set by AgentPodOperator): the correlation
#: fields of its JSON log records.
RUN_ID_ENV = "GOLIVE_RUN_ID"
APPLICATION_ENV = "GOLIVE_APPLICATION"
VERSION_ENV = "GOLIVE_VERSION"
#: How golive's processes write log records (``GoliveSettings.log_format``), handed on to the agent pods.
LOG_FORMAT_ENV = "GOLIVE_LOG_FORMAT"
#: The file golive's pytest witness plugin (``golive/data/pytest/golive_witness.py``) records a target's
#: test run in; the plugin removes it from the environment before the target's code loads. Not a golive
#: setting (no ``GOLIVE_`` prefix): a channel to the target's own process, where golive is not installed.
WITNESS_ENV = "PYTEST_WITNESS_FILE"
#: ``GOLIVE_TOOL_<NAME>`` overrides the command of analyzer tool ``<name>`` (``GoliveSettings.tool_overrides``).
TOOL_ENV_PREFIX = "GOLIVE_TOOL_"

#: The agent pods hold the keys of the git credentials Secret (``git_credentials_secret``) as env under
#: this prefix: only git's environment gets them back unprefixed (``git_credentials_env``), and
#: ``golive.tools.clean_env`` drops them, so an analyzed project's tests and tools never see them.
GIT_CREDENTIALS_ENV_PREFIX = "GOLIVE_GITCRED_"

#: The public OSV API (``GOLIVE_OSV_URL`` points the dependencies analyzer elsewhere).
DEFAULT_OSV_URL = "https://api.osv.dev"
_DEFAULT_GPU_NODE_SELECTOR = {"golive.io/accelerator": "nvidia-gpu"}
_DEFAULT_GPU_TOLERATIONS = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def _tool_overrides_from_env() -> dict[str, str]:
    return {key.removeprefix(TOOL_ENV_PREFIX): value for key, value in os.environ.items()
            if key.startswith(TOOL_ENV_PREFIX) and value}


def git_credentials_env() -> dict[str, str]:
    """The git credentials this process holds (the Secret's keys, prefix removed), for git's env only."""
    return {key.removeprefix(GIT_CREDENTIALS_ENV_PREFIX): value for key, value in os.environ.items()
            if key.startswith(GIT_CREDENTIALS_ENV_PREFIX) and key != GIT_CREDENTIALS_ENV_PREFIX}


def _json_or_default(value: Any, default: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value else default
    return default if value is None else value


class GoliveSettings(BaseSettings):
    """Settings of the golive DAGs and operators (environment prefix ``GOLIVE_``)."""

    model_config = SettingsConfigDict(env_prefix="GOLIVE_", extra="ignore")

    home: Path = Field(default=Path.home() / ".golive", description="Embedded ledger and reports live here.")
    report_dir: Path | None = Field(default=None, description="Where reports are written (default home/reports).")
    agent_image: str = Field(default="golive-agent:0.1.0", description="Workload image of the agent pods.")
    agent_gpu_image: str | None = Field(
        default=None, description="Image of the gpu-profile agent pods (the Dockerfile's VARIANT=gpu build: the "
                                  "embeddings extra with CUDA torch); default agent_image.")
    agent_namespace: str = Field(default="golive", description="Namespace of the agent pods.")
    kubernetes_conn_id: str = "kubernetes_default"
    ledger_conn_id: str = "golive_ledger"
    kpo_startup_check_interval: int = Field(default=5, ge=1, description="KPO startup poll (s); 1 on localkube.")
    kpo_poll_interval: float = Field(default=2.0, gt=0, description="KPO/trigger poll interval (s).")
    kpo_status_poll_interval: float = Field(default=1.0, gt=0, description="KPO container status poll (s).")
    kpo_startup_timeout: int = Field(default=300, ge=1, description="Seconds a pod may stay Pending.")
    gate_poll_interval: float = Field(default=5.0, gt=0, description="Gate sensor poll interval (s).")
    gate_timeout: float = Field(default=3600.0, gt=0, description="Seconds a gate waits for a verdict.")
    approval_timeout_hours: float = Field(default=24.0, gt=0, description="How long a WARNING waits for a human.")
    delivery_lease_ttl: float = Field(
        default=129600.0, gt=0, description="Seconds a go-live holds its application's delivery lease before another "
                                            "may take it over (longer than a go-live, approvals included).")
    delivery_lease_timeout: float = Field(
        default=7200.0, gt=0, description="Seconds a go-live waits for the delivery lease before it fails.")
    deferrable: bool | None = Field(default=None, description="Force deferrable gates/pods on or off.")
    pod_deferrable: bool | None = Field(
        default=None, description="Force deferrable agent pods on or off (default: as `deferrable`).")
    secrets_backend: str = Field(default="kubernetes", description="kubernetes or gcp-secret-manager.")
    deployer_service_account: str | None = Field(
        default=None, description="Service account of the deployment/monitoring pods (charts/golive's deployer).")
    verification_burst_max: int = Field(
        default=8000, ge=1, description="Most requests the rate-limit check sends (> limit/min × replicas).")
    load_test_seconds: int = Field(default=15, ge=1, le=120, description="Duration of the locust load test.")
    load_test_users: int = Field(default=5, ge=1, le=50, description="Simulated users of the load test.")
    fuzz_max_examples: int = Field(default=25, ge=1, le=200, description="Schemathesis examples per operation.")
    canary_analysis_seconds: int = Field(default=8, ge=1, le=600, description="Traffic window of each canary step.")
    canary_weights: str = Field(default="25,50", description="Canary traffic steps in %, before promotion to 100.")
    sample_app_source: Path = Field(default=Path(__file__).resolve().parents[1] / "sample_app",
                                    description="The bundled sample application (the demo's default source).")
    train_manifest: Path = Field(default=Path(__file__).resolve().parent / "data" / "trains" / "agents.yaml",
                                 description="The release train's manifest (golive_release_train is built from it "
                                             "when its DAG file is parsed; default: plan 002's ten agents).")
    train_monitor_requests: int = Field(default=40, ge=1, le=10_000,
                                        description="HTTP requests the train's progress monitor sends to each service.")
    train_poll_interval: float = Field(default=10.0, gt=0,
                                       description="Seconds between the train's looks at a triggered go-live.")
    source_root: Path | None = Field(
        default=None, description="Directory a local ``source`` of a run's conf is relative to (default: cwd).")
    source_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Directories a local ``source`` (or a ``file://`` URL) must resolve under, separated by "
                    "os.pathsep (default: source_root, else cwd; the bundled sample app is always allowed).")
    git_credentials_secret: str | None = Field(
        default=None, description="Kubernetes Secret (in the agents' namespace) whose keys become git's env in "
                                  "every agent pod: git credentials for private sources (GIT_ASKPASS, a token "
                                  "the askpass script reads, GIT_CONFIG_* for a credential helper); the pods hold "
                                  "them under GIT_CREDENTIALS_ENV_PREFIX.")
    ledger_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the ledger (default: the embedded SQLite file under home).")
    chart_dir: Path | None = Field(
        default=None, description="The chart of a deployment without a profile (default: charts/sample-app "
                                  "of the repository).")
    environment: Literal["dev", "staging", "prod"] | None = Field(
        default=None, description="The environment of the go-live, for agent pods (the intrusive live checks "
                                  "need the profile's consent in prod; unset: allowed, as in dev).")
    charts_home: Path | None = Field(
        default=None, description="Where golive's own charts (golive-app, sample-app) live (default: charts/ of "
                                  "the repository; the image sets /opt/airflow/charts).")
    evidence: str | None = Field(
        default=None, description="Other analyzers' results (JSON) handed to an agent pod (set by AgentPodOperator).")
    profile: str | None = Field(
        default=None, description="The application profile of the run's conf (JSON; set for the agent pods); "
                                  "it replaces the tree's golive.yaml.")
    log_format: Literal["text", "json"] = Field(
        default="text", description="How golive's processes write log records: text, or one JSON object a line "
                                    "with the run's correlation fields (run_id, application, version).")
    run_id: str | None = Field(default=None, description="The run an agent pod works for (set by AgentPodOperator).")
    application: str | None = Field(
        default=None, description="The application an agent pod works for (set by AgentPodOperator).")
    version: str | None = Field(
        default=None, description="The version an agent pod works for (set by AgentPodOperator).")
    git_timeout: float = Field(default=300.0, gt=0, description="Seconds each git command of a checkout may take.")
    coverage_timeout: float = Field(default=300.0, gt=0, description="Seconds the coverage run of the tests may take.")
    env_cache_dir: Path | None = Field(
        default=None, description="Where the targets' test environments are cached (default home/envs).")
    env_offline: bool = Field(default=False, description="Build test environments from the installers' caches "
                                                         "only (uv --offline, npm --offline).")
    env_build_timeout: float = Field(default=900.0, gt=0, description="Seconds building one test environment "
                                                                     "may take.")
    env_ignore_scripts: bool = Field(default=True, description="npm installs without running the packages' "
                                                               "install scripts (--ignore-scripts).")
    ruff_select: str | None = Field(
        default=None, description="ruff rules the quality agent selects (default: codetools.RUFF_SELECT).")
    osv_mode: str = Field(default="offline", description="offline (bundled OSV snapshot) or online (the OSV API).")
    osv_url: str = Field(default=DEFAULT_OSV_URL, description="OSV API base URL (online mode).")
    tool_overrides: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=_tool_overrides_from_env,
        description="GOLIVE_TOOL_<NAME>: argv (split like a shell would) that replaces analyzer tool <name>.")
    load_operations: str = Field(
        default="[]", description="GET operations the generic locustfile requests (JSON; set by the load analyzer).")
    load_health_path: str = Field(
        default="/health", description="The health path the generic locustfile requests (the profile's; set by "
                                       "the load analyzer).")
    load_bearer_token: SecretStr | None = Field(
        default=None, description="Bearer token the generic locustfile sends (never logged).")
    docs_store_url: str | None = Field(
        default=None, description="Where the documentation phase writes its artifacts: a file://, gs:// or s3:// "
                                  "URL (default file://<home>/docs; gs:// needs gcsfs, s3:// s3fs in the image).")
    docs_public_url: str = Field(
        default="http://127.0.0.1:8080/golive/docs",
        description="Where the /golive plugin app serves those artifacts (the alerts' runbook_url point under it).")
    docs_links_online: bool = Field(
        default=False, description="The documentation phase's link checker also checks http(s) links (offline they "
                                   "are no data, never a pass).")
    feedback_store_url: str | None = Field(
        default=None, description="Where the feedback DAG stages batches and keeps quarantined and processed files: "
                                  "a file://, gs:// or s3:// URL (default file://<home>/feedback).")
    feedback_inbox_url: str | None = Field(
        default=None, description="The feedback drop folder: <inbox>/<application>/*.csv|*.json (default "
                                  "<feedback store>/inbox).")
    feedback_schedule: str = Field(
        default="0 6 * * *", description="Cron of the golive_feedback DAG (UTC); it also runs after every go-live.")
    feedback_topics: Literal["auto", "tfidf", "embeddings"] = Field(
        default="auto", description="Topics backend of the feedback analysis: tfidf (TF-IDF + k-means), embeddings "
                                    "(MiniLM sentence embeddings + k-means; the embeddings extra), auto (embeddings "
                                    "when the extra is installed and torch sees a GPU, else tfidf). The analyze pod "
                                    "runs on the gpu profile when this is not tfidf and the cluster has a GPU node "
                                    "(golive.routing.route_feedback_topics).")
    approvers: str = Field(
        default="", description="Who may approve, per environment: 'prod=alice,bob;staging=*;default=*' (user ids "
                                "of the auth manager; * anyone; unnamed environments: anyone). See golive.approvers.")
    quotas: str = Field(
        default="", description="Per-application quotas over the last 24 h: 'shop=runs_per_day:10,"
                                "cpu_seconds_per_day:20000;default=runs_per_day:50' (runs_per_day, pods_per_day, "
                                "cpu_seconds_per_day, gpu_seconds_per_day). See golive.quotas.")
    separation_of_duties: str = Field(
        default="prod", description="Environments (comma-separated) whose triggering user may not approve their "
                                    "own go-live.")
    notify: str = Field(
        default="", description="Notification sinks, comma-separated: file:///abs/events.jsonl, webhook:<http conn>, "
                                "slack:<slack webhook conn>, slackapi:<slack conn>#<channel>, smtp:<smtp conn>.")
    notify_email_to: str = Field(default="", description="Recipients (comma-separated) of the smtp: sink.")
    notify_timeout: float = Field(default=10.0, gt=0, description="Seconds a webhook notification may take.")
    ui_base_url: str | None = Field(
        default=None, description="The Airflow UI's base URL for links in notifications (default: [api] base_url).")
    trend_relative_tolerance: float = Field(
        default=0.10, ge=0, description="The board's trends: a criterion regressed when it got worse than the previous "
                                        "release by more than this share of the previous value (golive.trends).")
    trend_absolute_tolerance: float = Field(
        default=0.0, ge=0, description="The board's trends: ... or by more than this much in the criterion's unit, "
                                       "whichever allows more (golive.trends).")
    deadline_minutes: float | None = Field(
        default=None, gt=0, description="A go-live still running this many minutes after it was queued sends a "
                                        "deadline alert (Airflow DeadlineAlert); unset: none.")
    maintenance_schedule: str = Field(
        default="0 3 * * *", description="Cron of the golive_maintenance DAG (UTC); it can also be triggered by hand.")
    maintenance_retention_days: int = Field(
        default=90, ge=1, le=3650, description="Default retention of the golive_maintenance DAG: ledger rows and "
                                               "reports of runs older than this many days (not the live ones).")
    maintenance_snapshot_dir: Path | None = Field(
        default=None, description="Advisory snapshot directory the maintenance rescan reads (snapshot.json and its "
                                  "files; default: the snapshots shipped in golive/data/osv).")
    maintenance_health_timeout: float = Field(
        default=120.0, gt=0, description="Seconds a secret rotation waits for the restarted pods and /health.")
    pod_profiles: Path | None = Field(
        default=None, description="The agent pods' cpu/gpu profiles: the profiles.json of charts/golive's "
                                  "golive-pod-profiles ConfigMap, mounted (default: the chart's defaults, "
                                  "embedded in golive).")
    cpu_request: str = Field(default="250m", description="Overrides the cpu pod profile's CPU request when set.")
    memory_request: str = Field(default="256Mi", description="Overrides the cpu pod profile's memory request "
                                                             "when set.")
    cpu_limit: str = Field(default="2", description="Overrides the cpu pod profile's CPU limit when set.")
    memory_limit: str = Field(default="2Gi", description="Overrides the cpu pod profile's memory limit when set.")
    gpu_count: str = Field(default="1", description="Overrides the gpu pod profile's GPU count when set.")
    gpu_node_selector: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: dict(_DEFAULT_GPU_NODE_SELECTOR),
        description="Overrides the gpu pod profile's node selector when set (JSON object).")
    gpu_tolerations: Annotated[list[dict[str, Any]], NoDecode] = Field(
        default_factory=lambda: [dict(t) for t in _DEFAULT_GPU_TOLERATIONS],
        description="Overrides the gpu pod profile's tolerations when set (JSON list).")

    @field_validator("gpu_node_selector", mode="before")
    @classmethod
    def _node_selector_json(cls, value: Any) -> Any:
        return _json_or_default(value, dict(_DEFAULT_GPU_NODE_SELECTOR))

    @field_validator("gpu_tolerations", mode="before")
    @classmethod
    def _tolerations_json(cls, value: Any) -> Any:
        return _json_or_default(value, [dict(t) for t in _DEFAULT_GPU_TOLERATIONS])

    @field_validator("approvers")
    @classmethod
    def _approvers_parse(cls, value: str) -> str:
        from golive.approvers import ApproverPolicy

        ApproverPolicy.parse(value)
        return value

    @field_validator("quotas")
    @classmethod
    def _quotas_parse(cls, value: str) -> str:
        from golive.quotas import QuotaPolicy

        QuotaPolicy.parse(value)
        return value

    @field_validator("separation_of_duties")
    @classmethod
    def _separation_parse(cls, value: str) -> str:
        from golive.approvers import ApproverPolicy

        ApproverPolicy.parse("", value)
        return value

    @field_validator("notify")
    @classmethod
    def _notify_parse(cls, value: str) -> str:
        from golive.notify import parse_sinks

        parse_sinks(value)
        return value

    @field_validator("source_roots", mode="before")
    @classmethod
    def _source_roots_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [Path(p) for p in value.split(os.pathsep) if p.strip()]
        return value

    @field_validator("tool_overrides", mode="before")
    @classmethod
    def _tool_overrides_json(cls, value: Any) -> Any:
        return _json_or_default(value, {})

    @property
    def quota_policy(self) -> QuotaPolicy:
        """``quotas`` parsed."""
        from golive.quotas import QuotaPolicy

        return QuotaPolicy.parse(self.quotas)

    @property
    def approver_policy(self) -> ApproverPolicy:
        """``approvers`` and ``separation_of_duties`` parsed."""
        from golive.approvers import ApproverPolicy

        return ApproverPolicy.parse(self.approvers, self.separation_of_duties)

    @property
    def notify_sinks(self) -> list[Sink]:
        """``notify`` parsed: where notifications go."""
        from golive.notify import parse_sinks

        return parse_sinks(self.notify)

    @property
    def reports(self) -> Path:
        """Directory of the HTML/JSON reports."""
        return self.report_dir or self.home / "reports"

    @property
    def envs(self) -> Path:
        """Directory of the cached test environments of the targets."""
        return self.env_cache_dir or self.home / "envs"

    @property
    def canary_steps(self) -> list[int]:
        """The canary weights as integers (each 1-99, increasing)."""
        steps = [int(w) for w in self.canary_weights.split(",") if w.strip()]
        if not steps or steps != sorted(set(steps)) or not all(0 < w < 100 for w in steps):
            raise ValueError(f"GOLIVE_CANARY_WEIGHTS={self.canary_weights!r}: increasing percentages in 1-99")
        return steps

    @property
    def docs_store(self) -> str:
        """Base URL of the documentation artifacts (``docs_store_url``, else ``file://<home>/docs``)."""
        return (self.docs_store_url or (self.home / "docs").resolve().as_uri()).rstrip("/")

    @property
    def feedback_store(self) -> str:
        """Base URL of the feedback files (``feedback_store_url``, else ``file://<home>/feedback``)."""
        return (self.feedback_store_url or (self.home / "feedback").resolve().as_uri()).rstrip("/")

    @property
    def feedback_inbox(self) -> str:
        """Base URL of the feedback drop folder (``feedback_inbox_url``, else ``<feedback store>/inbox``)."""
        return (self.feedback_inbox_url or f"{self.feedback_store}/inbox").rstrip("/")

    @property
    def allowed_source_roots(self) -> list[Path]:
        """The resolved directories a local source must lie under (``source_roots``, else the base of
        relative sources), and the bundled sample app."""
        roots = self.source_roots or [self.source_root or Path.cwd()]
        return [*(r.expanduser().resolve() for r in roots), self.sample_app_source.resolve()]

    def run_report_dir(self, run_id: str) -> Path:
        """Directory of one run's report files: the run id made filesystem-safe, always one new path
        component under ``reports`` (a run id of dots or a path never lands on ``reports`` or above it)."""
        return self.reports / safe_name(run_id)


def safe_name(run_id: str) -> str:
    """A run id made safe as one path segment (directory and file names, object keys): characters other
    than letters, digits, '-', '_' and '.' become '_'; a name that changed, starts with '.' or is empty
    gets a short hash of the original, so two run ids never share a segment and none is '.', '..' or
    hidden."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in run_id)[:150]
    if safe == run_id and safe and not safe.startswith("."):
        return safe
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:12]
    return f"{safe.lstrip('.')}-{digest}" if safe.lstrip(".") else f"run-{digest}"


@lru_cache(maxsize=1)
def get_settings() -> GoliveSettings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return GoliveSettings()
