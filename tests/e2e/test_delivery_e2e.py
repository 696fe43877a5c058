"""End to end on localkube: the deployment strategies, canary analysis and automatic rollback of the
`golive` DAG (`airflow dags test`, the real KubernetesPodOperator, the real chart and sample app).

The rolling strategy is the demo's (tests/e2e/test_golive_e2e.py). Here the previous version is put
in place with the deployment agent's own CLI (what a previous go-live leaves behind); the blue-green and
the bad canary go-live then run side by side (``dags_test``: each on a copy of the Airflow DB); the
preparation and documentation phases — covered by test_golive_e2e.py — are marked successful to keep the
suite fast.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dags_test import DagsTest, start_dags_test
from deploy_support import restricted_namespaces
from golive_local.env import kubernetes_connection

from golive.kube.client import load_client
from golive.kube.objects import get
from golive.kube.services import service_url
from golive.kube.workloads import revisions
from golive.ledger import Ledger
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube]
NAMESPACE = "golive-apps"
#: covered by test_golive_e2e.py and the scheduler's e2e: marked successful here to keep the suite fast
SKIP_PREPARATION = r"(preparation|documentation)\..*"


@pytest.fixture(scope="module")
def env(airflow_db, localkube) -> dict[str, str]:
    return {**airflow_db, "AIRFLOW_CONN_KUBERNETES_DEFAULT": kubernetes_connection(Path(localkube.kubeconfig)),
            "KUBECONFIG": str(localkube.kubeconfig), "GOLIVE_LOAD_TEST_SECONDS": "5",
            "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5",
            # a WARNING would wait for a human: `airflow dags test` (Airflow 3.3) never times an approval out
            "GOLIVE_APPROVAL_TIMEOUT_HOURS": "0.01"}


@pytest.fixture(scope="module")
def client(localkube):
    return load_client(localkube.kubeconfig)


def start(env: dict[str, str], logs: Path, application: str, version: str, strategy: str) -> DagsTest:
    conf = {"application": application, "version": version, "source": SAMPLE_APP_SOURCE, "strategy": strategy,
            "namespace": NAMESPACE}
    return start_dags_test(env, conf, logs / f"{application}-{version}.log", "--mark-success-pattern",
                           SKIP_PREPARATION)


def finished(env: dict[str, str], run: DagsTest, application: str, version: str) -> tuple[int, str, dict]:
    """The run's exit code, output and ledger report."""
    rc, out = run.wait()
    ledger = Ledger.from_url(f"sqlite:///{Path(env['GOLIVE_HOME']) / 'ledger.sqlite'}")
    with ledger.engine.connect() as conn:
        run_id = conn.exec_driver_sql("select run_id from runs where application = ? and version = ? "
                                      "order by recorded_at desc limit 1", (application, version)).scalar()
    assert run_id, out[-8000:]
    return rc, out, ledger.run_report(run_id)


def seed(env: dict[str, str], application: str, version: str, strategy: str) -> None:
    """Put ``version`` live with the deployment agent, as a previous go-live would have."""
    for action in ("deploy", "promote"):
        out = subprocess.run([sys.executable, "-m", "golive.agents.deployment", action, "--application", application,
                              "--namespace", NAMESPACE, "--version", version, "--strategy", strategy],
                             env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]


def versions(url: str, n: int = 12) -> set[str]:
    """The versions the Service answers over ``n`` fresh connections."""
    return {httpx.get(f"{url}/version", timeout=5).json()["version"] for _ in range(n)}


def gates(report: dict) -> dict[str, str]:
    return {e["gate"]: e["status"] for e in report["evaluations"]}


@pytest.fixture(scope="module", autouse=True)
def namespace(client):
    from kubernetes.client import CoreV1Api

    restricted_namespaces(CoreV1Api(client), NAMESPACE)


class VersionPoller:
    """Asks a Service for its version every 0.2 s on fresh connections, in a thread, until stopped."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.answers: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                self.answers.append(httpx.get(f"{self.url}/version", timeout=5).json()["version"])
            except (httpx.HTTPError, ValueError) as exc:
                self.answers.append(f"error: {exc}")
            time.sleep(0.2)

    def stop(self) -> list[str]:
        """Stop polling; every answer so far."""
        self._stop.set()
        self._thread.join(timeout=10)
        return self.answers


@pytest.fixture(scope="module")
def first_go_lives(env, client, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The blue-green and the bad canary go-live, started side by side once their previous versions are live."""
    logs = tmp_path_factory.mktemp("dags-test-logs")
    seed(env, "bg-app", "1.0.0", "blue-green")
    seed(env, "canary-app", "1.0.0", "canary")
    bg_live, canary_live = service_url("bg-app", NAMESPACE, client), service_url("canary-app", NAMESPACE, client)
    assert versions(bg_live) == {"1.0.0"} and versions(canary_live) == {"1.0.0"}
    started = {
        "stable_before": [r.revision for r in revisions("canary-app-stable-api", NAMESPACE, client)],
        "poller": VersionPoller(canary_live), "logs": logs,
        "blue-green": start(env, logs, "bg-app", "1.1.0", "blue-green"),
        "bad-canary": start(env, logs, "canary-app", "1.1.0-broken", "canary"),
    }
    yield started
    started["poller"].stop()
    for key in ("blue-green", "bad-canary"):
        if started[key].proc.poll() is None:
            started[key].proc.kill()


def test_blue_green_switches_only_after_verification_and_testing(env, client, first_go_lives):
    live = service_url("bg-app", NAMESPACE, client)
    rc, log, report = finished(env, first_go_lives["blue-green"], "bg-app", "1.1.0")
    assert rc == 0, log[-8000:]
    assert gates(report) == {"verification": "PASS", "testing": "PASS"}
    actions = [r["action"] for r in report["revisions"]]
    assert actions == ["deploy", "promote"]
    deploy = report["revisions"][0]["detail"]
    assert deploy["live_colour"] != deploy["new_colour"]
    assert versions(live) == {"1.1.0"}  # the Service switched to the new colour
    old = get("Deployment", f"bg-app-{deploy['live_colour']}-api", NAMESPACE, client)
    assert old is not None  # the old colour stays until cleaned up: a fast way back


def test_bad_canary_is_rolled_back_while_stable_serves_then_a_fixed_version_passes(env, client, first_go_lives):
    live = service_url("canary-app", NAMESPACE, client)
    stable_before = first_go_lives["stable_before"]
    try:
        rc, log, report = finished(env, first_go_lives["bad-canary"], "canary-app", "1.1.0-broken")
    finally:
        answers = first_go_lives["poller"].stop()
    assert rc != 0
    assert report["run"]["status"] == "failed"
    # the faults fail a gate, or land it in the warning band where the unanswered approval rejects it
    failed = [e for e in report["evaluations"] if e["status"] == "FAIL"
              or (e["status"] == "WARNING" and (e.get("approval") or {}).get("decision") == "rejected")]
    assert failed, report["evaluations"]
    off = [c for e in failed for c in e["criteria"] if c["status"] != "pass"]
    assert all(c["reason"] for c in off)
    assert any(c["value"] is not None for c in off), off  # the raw measured value is recorded
    rollback = report["rollbacks"][0]
    assert rollback["verified"] and rollback["to_version"] == "1.0.0" and rollback["from_version"] == "1.1.0-broken"
    assert rollback["reason"].startswith("failed:")
    assert not any(a.startswith("error") for a in answers), [a for a in answers if a.startswith("error")][:3]
    assert "1.0.0" in answers  # stable answered throughout
    assert versions(live) == {"1.0.0"}
    assert [r.revision for r in revisions("canary-app-stable-api", NAMESPACE, client)] == stable_before

    rc, log, report = finished(env, start(env, first_go_lives["logs"], "canary-app", "1.1.1", "canary"),
                               "canary-app", "1.1.1")
    assert rc == 0, log[-8000:]
    statuses = gates(report)
    assert statuses["canary-25"] == "PASS" and statuses["canary-50"] == "PASS"
    canary = next(e for e in report["evaluations"] if e["gate"] == "canary-50")
    error_rate = next(c for c in canary["criteria"] if c["key"] and "error" in c["name"])
    assert error_rate["value"] is not None and error_rate["value"] <= 0.05
    assert "rollbacks" not in report
    assert versions(live) == {"1.1.1"}
