"""The README's local platform, followed literally: ``./scripts/up.sh``, a REST-triggered default go-live,
``./scripts/down.sh`` — on the embedded defaults (SQLite metadata DB and ledger, LocalExecutor, all users
admin, gates in reschedule mode), from a shell that has no Airflow or golive variables set.

Only the state directory and the port are chosen here (a developer's ``var/`` and port 8080 stay theirs).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from airflow_rest import AirflowREST
from golive_local.env import REPO_ROOT
from golive_local.platform import Platform, alive, free_port
from kubernetes.client import CoreV1Api

from golive.kube.client import load_client
from golive.ledger import Ledger
from golive.settings import GoliveSettings

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube]


def fresh_shell_env() -> dict[str, str]:
    """The environment of a new terminal: none of the test session's Airflow or golive settings."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "GOLIVE_", "LOCALKUBE_"))}
    return {**keep, "GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10"}


def assert_default_go_live_report(platform: Platform, report: dict) -> None:
    """What the default go-live leaves: verdicts with raw values, monitoring, secrets, the report files."""
    gates = {e["gate"]: e for e in report["evaluations"]}
    assert report["revisions"][0]["version"] == "1.0.0" and "rollbacks" not in report
    assert all(e["approval"]["decision"] == "not-required" for e in gates.values())
    coverage = next(c for c in gates["quality"]["criteria"] if c["name"] == "test_coverage")
    assert coverage["key"] and coverage["value"] >= 80
    monitoring = next(p for p in report["phases"] if p["phase"] == "monitoring")
    assert monitoring["summary"]["valid"] and len(monitoring["summary"]["applied"]) == 3
    plan = next(p for p in report["phases"] if p["phase"] == "plan")
    assert plan["summary"]["routing"]["profile"] == "cpu"
    core = CoreV1Api(load_client(str(platform.kubeconfig)))
    assert core.read_namespaced_config_map("sample-app-prometheus-rules", "golive-apps").data
    assert core.read_namespaced_secret("sample-app-secrets", "golive-apps").data["APP_SECRET_KEY"]
    out = GoliveSettings(home=platform.state_dir / "golive").run_report_dir(report["run"]["run_id"])
    html = (out / "report.html").read_text()
    assert "test_coverage" in html and "PASS" in html
    assert json.loads((out / "report.json").read_text())["run"]["status"] == "succeeded"
    assert json.loads((out / "security.sarif").read_text())["version"] == "2.1.0"


def test_up_then_a_rest_triggered_default_go_live_succeeds_then_down_stops_everything(tmp_path: Path):
    state, port = tmp_path / "var", free_port()
    up = subprocess.run([str(REPO_ROOT / "scripts" / "up.sh"), "--state-dir", str(state), "--port", str(port)],
                        env=fresh_shell_env(), capture_output=True, text=True, timeout=600, cwd=REPO_ROOT)
    platform = Platform.started_in(state)
    assert platform is not None
    try:
        assert up.returncode == 0, up.stdout[-4000:] + up.stderr[-4000:]
        assert f"Airflow UI http://127.0.0.1:{port}" in up.stdout
        assert set(platform.health().values()) == {"healthy"}
        api = AirflowREST(platform.url)  # all users admin: the laptop default, no token
        run_id = api.trigger("golive", {})  # the README's curl: the bundled sample app, dev, rolling
        assert api.wait_finished("golive", run_id) == "success", api.states_text("golive", run_id)
        states = api.task_states("golive", run_id)
        assert states["testing.fuzz"] == "success" and states["testing.gate"] == "success"
        report = Ledger.from_url(platform.ledger_sqlalchemy_url).run_report(run_id)
        assert report["run"]["status"] == "succeeded"
        assert {e["gate"]: e["status"] for e in report["evaluations"]} == {
            "security": "PASS", "quality": "PASS", "verification": "PASS", "testing": "PASS",
            "documentation": "PASS"}
        assert [r["action"] for r in report["revisions"]] == ["deploy", "promote"]
        assert_default_go_live_report(platform, report)
    finally:
        procs = platform.processes()
        down = subprocess.run([str(REPO_ROOT / "scripts" / "down.sh"), "--state-dir", str(state)],
                              env=fresh_shell_env(), capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)
    assert down.returncode == 0, down.stdout + down.stderr
    assert {p.name for p in procs} == {"localkube", "api-server", "scheduler", "dag-processor", "triggerer"}
    assert not [p.name for p in procs if alive(p)]
    assert platform.health() == {}
