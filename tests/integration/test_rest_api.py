"""Airflow's REST API and CLI in front of golive: Params reject bad conf with the field and the rule
(HTTP 400, nothing recorded), and a REST-triggered submission runs through the scheduler, the
LocalExecutor, KubernetesPodOperator on localkube and the ledger."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive.ledger import Ledger
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE
from golive_airflow.localenv import airflow_executable, kubernetes_connection

pytestmark = [pytest.mark.airflow, pytest.mark.localkube]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{url} process exited {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="module")
def api(airflow_db, localkube, tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """Airflow's API server on a free loopback port (all users admin: loopback tests only)."""
    port = _free_port()
    env = {**airflow_db, "AIRFLOW__API__PORT": str(port),
           "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
           "AIRFLOW_CONN_KUBERNETES_DEFAULT": kubernetes_connection(Path(localkube.kubeconfig))}
    log = tmp_path_factory.mktemp("api") / "api-server.log"
    with open(log, "w") as fh:
        proc = subprocess.Popen([airflow_executable(), "api-server", "-H", "127.0.0.1", "-p", str(port), "-w", "1"],
                                env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", proc, log)
        yield f"http://127.0.0.1:{port}", env
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)


def _ledger(env: dict[str, str]) -> Ledger:
    return Ledger.from_url(f"sqlite:///{Path(env['GOLIVE_HOME']) / 'ledger.sqlite'}")


@pytest.mark.parametrize(("conf", "field", "words"), [
    ({"application": "Bad_App"}, "application", "does not match"),
    ({"strategy": "big-bang"}, "strategy", "is not one of"),
    ({"quality_threshold": 150}, "quality_threshold", "greater than the maximum"),
])
def test_rest_rejects_bad_conf_with_the_params_message(api, conf, field, words):
    base, env = api
    before = _ledger(env).engine.connect().exec_driver_sql("select count(*) from runs").scalar()
    resp = httpx.post(f"{base}/api/v2/dags/golive/dagRuns", json={"logical_date": None, "conf": conf}, timeout=30)
    assert resp.status_code == 400, resp.text
    assert field in resp.text and words in resp.text
    after = _ledger(env).engine.connect().exec_driver_sql("select count(*) from runs").scalar()
    assert after == before  # rejected at the door: nothing recorded, no pod started


def test_cli_trigger_rejects_bad_conf(api):
    _, env = api
    out = subprocess.run([airflow_executable(), "dags", "trigger", "golive", "-c", '{"namespace": "Prod NS"}'],
                         env=env, capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert "namespace" in text


def test_rest_triggered_submission_runs_end_to_end(api, tmp_path):
    """POST a submission, let the scheduler run it on localkube, find the verdict in the ledger."""
    base, env = api
    conf = {"application": "sample-app", "source": SAMPLE_APP_SOURCE, "ref": "rest-test",
            "submitted_by": "release-bot"}
    resp = httpx.post(f"{base}/api/v2/dags/golive_quality_verification/dagRuns",
                      json={"logical_date": None, "conf": conf}, timeout=30)
    assert resp.status_code == 200, resp.text
    run_id = resp.json()["dag_run_id"]
    log = tmp_path / "scheduler.log"
    with open(log, "w") as fh:
        sched = subprocess.Popen([airflow_executable(), "scheduler"], env=env, stdout=fh, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    try:
        deadline = time.monotonic() + 420
        state = None
        while time.monotonic() < deadline:
            state = httpx.get(f"{base}/api/v2/dags/golive_quality_verification/dagRuns/{run_id}",
                              timeout=10).json()["state"]
            if state in ("success", "failed"):
                break
            time.sleep(2)
    finally:
        os.killpg(sched.pid, 15)
        sched.wait(timeout=60)
    assert state == "success", f"run ended {state}:\n{log.read_text()[-6000:]}"
    ledger = _ledger(env)
    evaluation = ledger.latest_evaluation(gate="quality", application="sample-app", ref="rest-test")
    assert evaluation is not None and evaluation["status"] == "PASS"
    with ledger.engine.connect() as conn:
        who = conn.exec_driver_sql("select submitted_by from submissions where run_id = ?", (run_id,)).scalar()
    assert who == "release-bot"
    assert ledger.run_record(run_id)["status"] == "succeeded"
