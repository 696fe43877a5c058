"""golive's runtime settings, read from ``GOLIVE_*`` environment variables (one place for all).

Reading environment variables is cheap and allowed at DAG parse time; Airflow Variables and
connections are not, so nothing here touches them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class GoliveSettings(BaseSettings):
    """Settings of the golive DAGs and operators (environment prefix ``GOLIVE_``)."""

    model_config = SettingsConfigDict(env_prefix="GOLIVE_", extra="ignore")

    home: Path = Field(default=Path.home() / ".golive", description="Embedded ledger and reports live here.")
    report_dir: Path | None = Field(default=None, description="Where reports are written (default home/reports).")
    agent_image: str = Field(default="golive-agent:0.1.0", description="Workload image of the agent pods.")
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

    @property
    def reports(self) -> Path:
        """Directory of the HTML/JSON reports."""
        return self.report_dir or self.home / "reports"

    @property
    def canary_steps(self) -> list[int]:
        """The canary weights as integers (each 1-99, increasing)."""
        steps = [int(w) for w in self.canary_weights.split(",") if w.strip()]
        if not steps or steps != sorted(set(steps)) or not all(0 < w < 100 for w in steps):
            raise ValueError(f"GOLIVE_CANARY_WEIGHTS={self.canary_weights!r}: increasing percentages in 1-99")
        return steps

    def run_report_dir(self, run_id: str) -> Path:
        """Directory of one run's report files (the run id made filesystem-safe)."""
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id)
        return self.reports / safe


@lru_cache(maxsize=1)
def get_settings() -> GoliveSettings:
    """The process-wide settings (cached; tests call ``get_settings.cache_clear()``)."""
    return GoliveSettings()
