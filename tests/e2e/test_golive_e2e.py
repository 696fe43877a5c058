"""End to end: `airflow dags test golive` on localkube, the SQLite ledger and the real analyzers.

A real web application nobody here wrote (the Flask tutorial app, with its own profile, chart values,
secret key, tests and E2E suite) goes live through every phase. A copy of the sample app with a
hard-coded secret and an untested module fails both preparation gates, with the measured values and the
reasons in the ledger and in the report. The two go-lives run side by side. The default go-live that
succeeds runs through the scheduler (``test_platform_sqlite.py``, ``test_scheduler_e2e.py``); a conf
refused at the door, with only its rejection recorded, is ``tests/unit/golive_airflow/test_tasks.py``'s
corpus and the scheduler's REST and CLI refusals.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from dags_test import DagsTest, start_dags_test
from deploy_support import restricted_namespaces
from flaskr_trees import HARDENED, PROFILE
from golive_local.env import kubernetes_connection

from golive.kube.client import load_client
from golive.kube.objects import get
from golive.kube.services import service_url
from golive.ledger import Ledger
from golive.settings import GoliveSettings
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube]

UNTESTED_MODULE = '''"""Billing rules nobody tested."""


def invoice_total(lines: list[tuple[str, int, float]], discount: float = 0.0) -> float:
    """Sum quantity x price, then apply a discount."""
    total = 0.0
    for _sku, quantity, price in lines:
        total += quantity * price
    return round(total * (1 - discount), 2)
'''


@pytest.fixture(scope="module")
def env(airflow_db, localkube) -> dict[str, str]:
    return {**airflow_db, "AIRFLOW_CONN_KUBERNETES_DEFAULT": kubernetes_connection(Path(localkube.kubeconfig)),
            # shorter load test, fuzzing and canary windows: the tools still run for real
            "GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5",
            # a WARNING would wait for a human: `airflow dags test` (Airflow 3.3) never times an approval out
            "GOLIVE_APPROVAL_TIMEOUT_HOURS": "0.01"}


def bad_app_copy(directory: Path) -> Path:
    """The sample app with a hard-coded AWS key pair and 41 untested billing functions."""
    app = directory / "bad-app"
    shutil.copytree(SAMPLE_APP_SOURCE, app, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    (app / "app" / "billing.py").write_text(UNTESTED_MODULE * 1)
    big = "\n\n".join(UNTESTED_MODULE.replace("invoice_total", f"invoice_total_{i}").split('"""', 2)[2]
                      for i in range(40))
    (app / "app" / "billing_rules.py").write_text('"""More untested billing rules."""\n' + big)
    (app / "app" / "cloud.py").write_text(
        '"""Cloud credentials (hard-coded: the security gate must catch this)."""\n\n'
        'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLF"\n'
        'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ"\n')
    return app


@pytest.fixture(scope="module")
def go_lives(env, localkube, tmp_path_factory) -> Iterator[dict[str, DagsTest]]:
    """Both go-lives, started side by side (``dags_test``: each on a copy of the Airflow DB), in namespaces
    that enforce Pod Security "restricted" (the worker's localkube is shared: an earlier module may have
    made one without the labels)."""
    restricted_namespaces(localkube.core_v1(), "golive", "golive-apps")
    logs = tmp_path_factory.mktemp("dags-test-logs")
    bad_app = bad_app_copy(tmp_path_factory.mktemp("sources"))
    started = {
        "flaskr": start_dags_test(env, {"application": "flaskr", "version": "1.0.0", "source": str(HARDENED),
                                        "profile": yaml.safe_load(PROFILE)}, logs / "flaskr.log"),
        "bad-app": start_dags_test(env, {"application": "bad-app", "version": "1.0.1", "source": str(bad_app)},
                                   logs / "bad-app.log"),
    }
    yield started
    for run in started.values():
        if run.proc.poll() is None:
            run.proc.kill()


def latest_run(env: dict[str, str], application: str) -> tuple[Ledger, dict]:
    ledger = Ledger.from_url(f"sqlite:///{Path(env['GOLIVE_HOME']) / 'ledger.sqlite'}")
    with ledger.engine.connect() as conn:
        run_id = conn.exec_driver_sql(
            "select run_id from runs where application = ? order by recorded_at desc limit 1", (application,)
        ).scalar()
    assert run_id, f"no run of {application} in the ledger"
    return ledger, ledger.run_report(run_id)


def report_dir(env: dict[str, str], run_id: str) -> Path:
    return GoliveSettings(home=Path(env["GOLIVE_HOME"])).run_report_dir(run_id)


def test_a_real_web_application_goes_live_through_every_phase(env, localkube, go_lives):
    rc, out = go_lives["flaskr"].wait()
    assert rc == 0, out[-8000:]
    _, report = latest_run(env, "flaskr")
    assert report["run"]["status"] == "succeeded"
    assert {e["gate"]: e["status"] for e in report["evaluations"]} == dict.fromkeys(
        ("quality", "security", "verification", "testing", "documentation"), "PASS")
    criteria = {c["name"]: c for e in report["evaluations"] for c in e["criteria"]}
    # its own 34 tests in an environment built from its pyproject.toml (flask, pydantic, prometheus-client)
    assert criteria["tests_failed"]["value"] == 0 and criteria["test_coverage"]["value"] > 95
    assert criteria["typehint_coverage"]["status"] == "fail"  # true: the tutorial annotates nothing
    password = criteria["weak_password_refused"]
    assert password["value"] == 1 and "strong → 302" in password["reason"]  # its HTML form's redirect
    assert criteria["rate_limited"]["value"] == 1 and "/auth/login" in criteria["rate_limited"]["reason"]
    assert criteria["e2e"]["value"] == 100 and "tests_e2e" in criteria["e2e"]["reason"]
    for name in ("version", "fuzz_server_errors", "fuzz_failures", "model_accuracy"):
        assert criteria[name]["status"] == "not-applicable", criteria[name]
    assert [r["action"] for r in report["revisions"]] == ["deploy", "promote"]
    client = load_client(localkube.kubeconfig)
    assert httpx.get(f"{service_url('flaskr', 'golive-apps', client)}/hello", timeout=5).text == "Hello, World!"
    for namespace in ("golive", "golive-apps"):  # its pods and the agents' passed Pod Security "restricted"
        labels = localkube.core_v1().read_namespace(namespace).metadata.labels
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted", namespace
    secret = get("Secret", "flaskr-secrets", "golive-apps", client)
    assert secret is not None, "the infrastructure agent creates the profile's secret_keys"
    key = base64.b64decode(secret["data"]["FLASKR_SECRET_KEY"]).decode()
    html = (report_dir(env, report["run"]["run_id"]) / "report.html").read_text()
    assert len(key) >= 32 and key not in json.dumps(report, default=str) and key not in html


def test_copy_with_secret_and_untested_module_fails_its_gates(env, go_lives):
    rc, _ = go_lives["bad-app"].wait()
    assert rc != 0
    _, report = latest_run(env, "bad-app")
    assert report["run"]["status"] == "failed"
    gates = {e["gate"]: e for e in report["evaluations"]}
    assert gates["security"]["status"] == "FAIL" and gates["quality"]["status"] == "FAIL"
    secrets = next(c for c in gates["security"]["criteria"] if c["name"] == "secrets")
    assert secrets["status"] == "fail" and secrets["value"] >= 1 and secrets["key"]
    assert any(f["path"] and f["path"].endswith("cloud.py") for f in gates["security"]["findings"])
    assert not any("wJalrXUtnFEMI" in f["message"] for f in gates["security"]["findings"])  # never the secret
    coverage = next(c for c in gates["quality"]["criteria"] if c["name"] == "test_coverage")
    assert coverage["status"] == "fail" and coverage["value"] < 80
    assert any("test_coverage" in r for r in gates["quality"]["reasons"])
    html = (report_dir(env, report["run"]["run_id"]) / "report.html").read_text()
    assert "secrets" in html and "test_coverage" in html and f"{coverage['value']:g}" in html
    assert "wJalrXUtnFEMI" not in html
