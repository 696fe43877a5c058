"""The golive_maintenance DAG's steps for one live application on localkube and an SQLite ledger: the
worker tasks (prepare, record) around the maintenance agent's rescan and rotate pod actions (run
in-process, as a pod runs ``main``).

The sample app is deployed by the deployment agent and recorded as having gone live on 2026-06-01;
the advisory snapshot of ``tests/data/maintenance/osv`` holds one advisory of its pins published
before that day and one after: the later one is a new finding with a notice, the earlier one known.
The rotation changes ``APP_SECRET_KEY`` in the Secret, restarts the pods, finds ``/health`` ok; a
token the restarted app signs verifies with the new value only; the ledger holds the key name, never
a value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from http.server import BaseHTTPRequestHandler

import httpx
import pytest
from deploy_support import APP, namespace_env
from local_http import serving
from repo_paths import REPO

from golive.agents import maintenance as agent
from golive.deploy.naming import deployment_name, secret_name
from golive.feedback.layout import read_json
from golive.kube.pods import pods_for
from golive.ledger import RecordKey
from golive.settings import get_settings
from golive_airflow import maintenance
from golive_airflow.exceptions import MaintenanceIncomplete
from golive_airflow.hooks.ledger import LedgerHook

RUN = "scheduled__2026-12-02T03:00:00+00:00"
GOLIVE_RUN = "manual__2026-06-01T00:00:00+00:00"
SNAPSHOT = REPO / "tests" / "data" / "maintenance" / "osv"
SAMPLE_APP = REPO / "include" / "sample_app"


class FakeTI:
    dag_id, run_id, try_number, map_index = "golive_maintenance", RUN, 1, 0

    def __init__(self, task_id: str) -> None:
        self.task_id = f"maintain.{task_id}"


def _pod(capsys, argv):
    capsys.readouterr()
    code = agent.main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err[-3000:]
    return json.loads(out.out.strip().splitlines()[-1])


def _secret_values(env) -> dict[str, str]:
    from kubernetes.client import CoreV1Api

    secret = CoreV1Api(env.client).read_namespaced_secret(secret_name(APP), env.namespace)
    return {k: base64.b64decode(v).decode() for k, v in secret.data.items()}


def _signed_with(token: str, key: str) -> bool:
    body, _, signature = token.partition(".")
    expected = base64.urlsafe_b64encode(hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return hmac.compare_digest(expected.decode(), signature)


def _token(url: str) -> str:
    user = {"username": "rotation-check", "password": "Rotat10n!check-pw"}
    with httpx.Client(base_url=url, timeout=10) as http:
        assert http.post("/api/v1/auth/register", json=user).status_code in (201, 409)
        response = http.post("/api/v1/auth/login", json=user)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _seed(ledger, env) -> None:
    """The sample app live since 2026-06-01: its run, its deploy revision, its secret key names."""
    ledger.record_run(run_id=GOLIVE_RUN, dag_id="golive", status="succeeded", request={
        "application": APP, "version": "1.0.0", "source": str(SAMPLE_APP), "environment": "dev",
        "namespace": env.namespace})
    ledger.record_revision(RecordKey(GOLIVE_RUN, "deployment.deploy"), application=APP, namespace=env.namespace,
                           deployment=deployment_name(APP, "stable"), revision=1, version="1.0.0",
                           strategy="rolling", action="deploy", detail={"service_url": env.url()})
    ledger.record_secret_keys(run_id=GOLIVE_RUN, application=APP, environment="dev", backend="kubernetes",
                              location=f"{env.namespace}/{secret_name(APP)}", created={"APP_SECRET_KEY": True})
    with ledger.engine.begin() as conn:
        for table in ("runs", "revisions"):
            conn.exec_driver_sql(f"update {table} set recorded_at = '2026-06-01 00:00:00' where run_id = ?",
                                 (GOLIVE_RUN,))


def test_rescan_finds_the_advisory_published_after_go_live_and_rotation_keeps_the_app_healthy(
        golive_home, localkube, monkeypatch, capsys):
    sink = golive_home / "notifications.jsonl"
    monkeypatch.setenv("GOLIVE_NOTIFY", f"file://{sink}")
    get_settings.cache_clear()
    with namespace_env(localkube, monkeypatch, capsys, "maint") as env:
        code, deployed = env.deployment("deploy", "--version", "1.0.0")
        assert code == 0, deployed
        ledger = LedgerHook().get_conn()
        _seed(ledger, env)
        store = get_settings().docs_store
        assert maintenance.discover({"params": {}}) == [APP]
        prepared = maintenance.prepare({"ti": FakeTI("prepare")}, APP)
        manifest = read_json(prepared["manifest"])
        assert manifest["keys"] == ["APP_SECRET_KEY"] and manifest["live_since"].startswith("2026-06-01")
        assert manifest["known_at_golive"] is None  # no security evaluation recorded: the dates decide

        scan = _pod(capsys, ["rescan", "--manifest", prepared["manifest"], "--store", store,
                             "--snapshot", str(SNAPSHOT)])
        status = {a["primary"]: a["status"] for a in scan["advisories"]}
        assert status == {"GOLIVE-TEST-2026-0001": "known", "GOLIVE-TEST-2026-0002": "new"}

        before = _secret_values(env)
        old_pods = {p["metadata"]["name"] for p in pods_for(deployment_name(APP, "stable"), env.namespace, env.client)}
        rotation = _pod(capsys, ["rotate", "--manifest", prepared["manifest"], "--store", store, "--timeout", "90"])
        assert rotation["status"] == "rotated" and rotation["keys"] == ["APP_SECRET_KEY"]
        after = _secret_values(env)
        assert after["APP_SECRET_KEY"] != before["APP_SECRET_KEY"] and len(after["APP_SECRET_KEY"]) >= 32
        assert {k: v for k, v in after.items() if k != "APP_SECRET_KEY"} == {
            k: v for k, v in before.items() if k != "APP_SECRET_KEY"}
        new_pods = {p["metadata"]["name"] for p in pods_for(deployment_name(APP, "stable"), env.namespace, env.client)}
        assert new_pods and not new_pods & old_pods  # restarted
        health = httpx.get(f"{env.url()}/health", timeout=10)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        token = _token(env.url())
        assert _signed_with(token, after["APP_SECRET_KEY"]) and not _signed_with(token, before["APP_SECRET_KEY"])
        assert not env.exists("Secret", f"{secret_name(APP)}-previous")  # the old value kept only until healthy

        # propose_updates did not run here: record says so, and records the rest
        with pytest.raises(MaintenanceIncomplete, match="propose_updates"):
            maintenance.record({"ti": FakeTI("record")}, APP)
        findings = {r["item"]: r for r in ledger.maintenance_rows(application=APP, kind="finding")}
        new = findings["dependencies:uvicorn:0.54.0:GOLIVE-TEST-2026-0002"]
        assert new["status"] == "new" and new["detail"]["published"].startswith("2026-11-20")
        notice = (golive_home / "docs" / APP / "maintenance").rglob("notice.md")
        assert "GOLIVE-TEST-2026-0002" in next(notice).read_text()
        [told] = [json.loads(line) for line in sink.read_text().splitlines()]  # the notice reached the sink
        assert told["kind"] == "advisories_found" and told["application"] == APP and told["status"] == "1 new"
        assert any("GOLIVE-TEST-2026-0002" in r for r in told["reasons"]) and "notice.md" in told["detail"]
        [rotated] = ledger.maintenance_rows(application=APP, kind="rotation")
        assert rotated["item"] == "APP_SECRET_KEY" and rotated["status"] == "rotated"
        with ledger.engine.connect() as conn:
            stored = json.dumps([list(r) for t in ("maintenance", "phase_results", "secret_keys")
                                 for r in conn.exec_driver_sql(f"select * from {t}")], default=str)
        assert after["APP_SECRET_KEY"] not in stored and before["APP_SECRET_KEY"] not in stored


def _health_probe(env, healthy_values: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    """A /health that is ok only while the Secret holds ``healthy_values`` (an app that cannot use new ones)."""

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            ok = _secret_values(env) == healthy_values
            body = json.dumps({"status": "ok" if ok else "degraded"}).encode()
            self.send_response(200 if ok else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Health


def test_a_rotation_the_app_is_not_healthy_with_restores_the_old_values_and_a_sick_app_is_not_rotated(
        localkube, monkeypatch, capsys):
    from golive.maintenance.rotation import RotationError, rotate

    with namespace_env(localkube, monkeypatch, capsys, "maint-restore") as env:
        code, deployed = env.deployment("deploy", "--version", "1.0.0")
        assert code == 0, deployed
        before = _secret_values(env)
        with serving(_health_probe(env, {})) as url, pytest.raises(RotationError, match="not healthy before"):
            rotate(client=env.client, namespace=env.namespace, secret=secret_name(APP), keys=["APP_SECRET_KEY"],
                   health_url=f"{url}/health", timeout=2)  # an unhealthy app is never rotated
        assert _secret_values(env) == before and not env.exists("Secret", f"{secret_name(APP)}-previous")
        with serving(_health_probe(env, before)) as url:
            result = rotate(client=env.client, namespace=env.namespace, secret=secret_name(APP),
                            keys=["APP_SECRET_KEY"], health_url=f"{url}/health", timeout=12)
        assert result.status == "restored" and result.error, result.checks
        assert "old values restored" in result.checks
        assert _secret_values(env) == before
        assert not env.exists("Secret", f"{secret_name(APP)}-previous")
