"""End to end through the scheduler, the way users trigger a go-live: the REST API and `airflow dags trigger`.

One platform (``golive_local.platform``: localkube, api-server, scheduler, dag-processor, triggerer) on
PostgreSQL (Airflow's metadata DB and the ledger), LocalExecutor, gates and approvals deferrable (they
wait in the triggerer), real users of the simple auth manager. The go-lives run concurrently:

* a bad build (``-broken``: every API request answers 500), triggered with ``airflow dags trigger``: its
  verification gate fails, the previous version is restored, and the file sink is told;
* a prod go-live of a copy of the sample app with 40 lint findings, whose quality verdict (about 89.5)
  lands in the warning band of a 90 threshold: a human approves it
  over REST (``PATCH …/hitlDetails``); the triggerer's own Approve of the prod promotion is refused
  (separation of duties, recorded), then the approver's stands: promoted, the approver recorded;
* a prod go-live whose promotion is rejected over REST: rolled back, the rejection and approver recorded;
* a quality-verification submission of the clean sample app as release ``0.9.0`` of the warning-band
  application, so the go-live board (headless Chromium, signed in as alice with the UI's ``_token`` cookie)
  has two releases to compare: its lint findings regressed in ``1.0.0``. The board shows the waiting
  approval (with the link that answers it in the UI) while it waits, then the gates, reasons, approvers,
  rollbacks and trends; signed out it answers 401. Screenshots: ``var/test-artifacts/board/``.

Secret values are seeded (a git token in the agents' git-credentials Secret, the metadata DB's and the
ledger's passwords) or generated (the applications' Secrets); once every run ended, none of them is in a
task log, an XCom, a ledger row or a report.

The SQLite default (``./scripts/up.sh`` as the README says, gates in reschedule mode) is
``test_platform_sqlite.py``.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from airflow_rest import AirflowREST
from browser import chromium, screenshot, signed_in
from e2e_apps import lint_heavy_copy, seed_previous_version
from golive_local.env import airflow_executable
from golive_local.platform import Platform, free_port
from kubernetes.client import CoreV1Api, V1ObjectMeta, V1Secret
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from golive.kube.client import load_client
from golive.kube.namespaces import ensure_namespace
from golive.kube.services import service_url
from golive.ledger import Ledger
from golive_airflow.board.render import number
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube, pytest.mark.postgres]

NAMESPACE = "golive-apps"
USERS = {"release-bot": "bot-password-for-tests", "alice": "alice-password-for-tests"}  # pragma: allowlist secret
#: Secret values seeded into the platform: none may appear in a task log, an XCom, the ledger or a report.
SEEDED = {"git token": "ghp_" + "seededGitToken" * 2 + "0000000042",  # pragma: allowlist secret
          "database password": "seeded-DB-password-7f3a9c",  # pragma: allowlist secret
          }
GIT_CREDENTIALS = "git-credentials"
FAST = {"GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5"}


@pytest.fixture(scope="module")
def platform(postgres_database, tmp_path_factory) -> Iterator[Platform]:
    state = tmp_path_factory.mktemp("platform-pg")
    passwords = state / "passwords.json"
    passwords.write_text(json.dumps(USERS))
    plat = Platform(state_dir=state, api_port=free_port(), db_url=with_password(postgres_database("airflow")),
                    ledger_url=with_password(postgres_database("ledger")),
                    # gates and approvals wait in the triggerer; pods run in their worker slot: a localkube
                    # pod ends in seconds, and on a starved 2-core runner Airflow 3.3 then sees the resumed
                    # task "queued" before the deferral's own exit is reported, and retries it
                    extra_env={**FAST, "GOLIVE_DEFERRABLE": "true", "GOLIVE_POD_DEFERRABLE": "false",
                               "GOLIVE_NOTIFY": f"file://{state / 'notifications.jsonl'}",
                               "GOLIVE_GIT_CREDENTIALS_SECRET": GIT_CREDENTIALS,
                               "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
                               "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "release-bot:admin,alice:admin",
                               "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords)})
    try:
        plat.up(timeout=420, log=lambda *_: None)
        core = CoreV1Api(load_client(str(plat.kubeconfig)))
        ensure_namespace(core, "golive")
        core.create_namespaced_secret("golive", V1Secret(metadata=V1ObjectMeta(name=GIT_CREDENTIALS),
                                                         string_data={"GIT_TOKEN": SEEDED["git token"]}))
        yield plat
    finally:
        plat.down(log=lambda *_: None)


def with_password(url: str) -> str:
    """``url`` with the seeded database password (the server trusts 127.0.0.1 and ignores it)."""
    return make_url(url).set(password=SEEDED["database password"]).render_as_string(hide_password=False)


def rest(platform: Platform, user: str) -> AirflowREST:
    return AirflowREST(platform.url, username=user, password=USERS[user])


def ledger(platform: Platform) -> Ledger:
    return Ledger.from_url(platform.ledger_sqlalchemy_url)


@pytest.fixture(scope="module")
def runs(platform, tmp_path_factory) -> dict[str, str]:
    """Start every go-live at once; each test then follows its own."""
    seed_previous_version(platform, "bad-build", "1.0.0", NAMESPACE)
    bot = rest(platform, "release-bot")
    lint_heavy = lint_heavy_copy(tmp_path_factory.mktemp("sources"))
    started = {
        "warning-band-prod": bot.trigger("golive", {"application": "shop-approve", "environment": "prod",
                                                    "source": str(lint_heavy), "quality_threshold": 90}),
        "rejected-prod": bot.trigger("golive", {"application": "shop-reject", "environment": "prod"}),
        # the clean sample app as the warning-band application's earlier release: the board's trends
        "submission": bot.trigger("golive_quality_verification", {
            "application": "shop-approve", "source": SAMPLE_APP_SOURCE, "ref": "0.9.0",
            "submitted_by": "release-bot"}),
    }
    cli = subprocess.run([airflow_executable(), "dags", "trigger", "golive", "--output", "json", "-c",
                          json.dumps({"application": "bad-build", "version": "1.1.0-broken"})],
                         env=platform.env(), capture_output=True, text=True, timeout=180)
    assert cli.returncode == 0, cli.stdout[-3000:] + cli.stderr[-3000:]
    printed = next(line for line in reversed(cli.stdout.splitlines()) if line.startswith("[{"))  # after log lines
    started["bad-build"] = json.loads(printed)[0]["dag_run_id"]
    return started


def report(platform: Platform, run_id: str) -> dict:
    return ledger(platform).run_report(run_id)


def gates(rep: dict) -> dict[str, dict]:
    return {e["gate"]: e for e in rep["evaluations"]}


def refusals(platform: Platform, run_id: str) -> list[tuple]:
    """The answers the approver policy refused in ``run_id``: (responder, chosen, reason)."""
    with ledger(platform).engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(
            "select responder, chosen, reason from approval_refusals where run_id = %s order by id", (run_id,))]


def notifications(platform: Platform, run_id: str) -> list[dict]:
    """What the file sink received about ``run_id``."""
    path = platform.state_dir / "notifications.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [event for event in map(json.loads, lines) if event["run_id"] == run_id]


def recorded_runs(platform: Platform) -> int:
    with ledger(platform).engine.connect() as conn:
        return conn.exec_driver_sql("select count(*) from runs").scalar()


def test_bad_conf_is_refused_at_the_door_over_rest_and_the_cli(platform):
    bot = rest(platform, "release-bot")
    before = recorded_runs(platform)
    for conf, field, words in [({"application": "Bad_App"}, "application", "does not match"),
                               ({"strategy": "big-bang"}, "strategy", "is not one of"),
                               ({"quality_threshold": 150}, "quality_threshold", "greater than the maximum")]:
        resp = bot.request("POST", "/dags/golive/dagRuns", json={"logical_date": None, "conf": conf})
        assert resp.status_code == 400, resp.text
        assert field in resp.text and words in resp.text
    out = subprocess.run([airflow_executable(), "dags", "trigger", "golive", "-c", '{"namespace": "Prod NS"}'],
                         env=platform.env(), capture_output=True, text=True, timeout=180)
    assert out.returncode != 0 and "namespace" in out.stdout + out.stderr
    assert recorded_runs(platform) == before  # refused at the door: nothing recorded, no pod started
    assert httpx.get(f"{platform.url}/api/v2/dags", timeout=10).status_code == 401  # no token, no answer


def test_warning_band_and_prod_promotion_approved_over_rest_by_a_named_approver(platform, runs):
    run_id = runs["warning-band-prod"]
    alice = rest(platform, "alice")
    asked = alice.wait_for_approval("golive", run_id, "preparation.quality.approval")
    assert "quality gate WARNING" in asked["subject"] and "score" in asked["body"]
    assert alice.task_states("golive", run_id)["preparation.quality.approval"] == "awaiting_input"  # in the triggerer
    board_shows_the_waiting_approval(platform, alice, run_id, "preparation.quality.approval")
    assert alice.decide("golive", run_id, "preparation.quality.approval", "Approve")["state"] == "success"
    asked = alice.wait_for_approval("golive", run_id, "promotion.approval")
    assert "promote shop-approve" in asked["subject"]
    assert "release-bot triggered this go-live and may not approve it" in asked["body"]
    # separation of duties: the triggerer's own Approve is refused in the worker, recorded, and asked again
    bot = rest(platform, "release-bot")
    time.sleep(3)
    bot.answer("golive", run_id, "promotion.approval", "Approve")
    refused = bot.wait("the triggerer's Approve refused", lambda: refusals(platform, run_id), 600,
                       lambda: bot.states_text("golive", run_id))
    assert refused[0][:2] == ("release-bot", "Approve") and "separation of duties" in refused[0][2]
    answered = alice.decide("golive", run_id, "promotion.approval", "Approve")
    assert answered["responded_by"]["name"] == "alice" and answered["state"] == "success"
    assert alice.wait_finished("golive", run_id) == "success", alice.states_text("golive", run_id)
    rep = report(platform, run_id)
    assert rep["run"]["status"] == "succeeded"
    quality = gates(rep)["quality"]
    assert quality["status"] == "WARNING" and quality["threshold"] == 90
    lint = next(c for c in quality["criteria"] if c["name"] == "lint_findings")
    assert lint["status"] == "fail" and lint["value"] > 15 and lint["reason"]
    assert quality["approval"]["decision"] == "approved" and quality["approval"]["approver"] == "alice"
    assert gates(rep)["testing"]["status"] == "PASS"
    assert [r["action"] for r in rep["revisions"]] == ["deploy", "promote"]
    fuzz = next(c for c in gates(rep)["testing"]["criteria"] if "fuzz" in c["name"] or "server_error" in c["name"])
    assert fuzz["value"] is not None  # the fuzz result (128-bit seed inside) travelled through XCom
    with ledger(platform).engine.connect() as conn:
        approvers = conn.exec_driver_sql(
            "select task_id, decision, approver from approvals where run_id = %s order by task_id", (run_id,)).all()
    assert ("promotion.approval", "approved", "alice") in [tuple(a) for a in approvers]


def test_prod_promotion_rejected_over_rest_is_rolled_back(platform, runs):
    run_id = runs["rejected-prod"]
    alice = rest(platform, "alice")
    assert alice.decide("golive", run_id, "promotion.approval", "Reject")["state"] == "failed"
    assert alice.wait_finished("golive", run_id) == "failed"
    rep = report(platform, run_id)
    assert rep["run"]["status"] == "failed"
    rollback = rep["rollbacks"][0]
    assert rollback["verified"] and "promotion.approval" in rollback["reason"]
    with ledger(platform).engine.connect() as conn:
        decision = conn.exec_driver_sql("select decision, approver from approvals where run_id = %s and "
                                        "task_id = 'promotion.approval'", (run_id,)).one()
    assert tuple(decision) == ("rejected", "alice")


def test_bad_build_triggered_from_the_cli_fails_its_gate_and_the_previous_version_is_restored(platform, runs):
    run_id = runs["bad-build"]
    bot = rest(platform, "release-bot")
    assert bot.wait_finished("golive", run_id) == "failed"
    rep = report(platform, run_id)
    failed = [e for e in rep["evaluations"] if e["status"] == "FAIL"]
    assert failed and all(c["reason"] for e in failed for c in e["criteria"] if c["status"] != "pass")
    rollback = rep["rollbacks"][0]
    assert rollback["verified"] and rollback["from_version"] == "1.1.0-broken" and rollback["to_version"] == "1.0.0"
    told = {(e["kind"], e.get("gate")): e for e in notifications(platform, run_id)}
    failed_gate = told[("gate_failed", "verification")]
    assert failed_gate["score"] is not None and failed_gate["reasons"]
    assert ("rollback_done", None) in told and told[("golive_finished", None)]["status"] == "failed"
    url = service_url("bad-build", NAMESPACE, load_client(str(platform.kubeconfig)))
    assert httpx.get(f"{url}/version", timeout=10).json()["version"] == "1.0.0"


def test_rest_triggered_submission_is_verified_and_recorded(platform, runs):
    run_id = runs["submission"]
    bot = rest(platform, "release-bot")
    assert bot.wait_finished("golive_quality_verification", run_id) == "success"
    evaluation = ledger(platform).latest_evaluation(gate="quality", application="shop-approve", ref="0.9.0")
    assert evaluation is not None and evaluation["status"] == "PASS"
    with ledger(platform).engine.connect() as conn:
        who = conn.exec_driver_sql("select submitted_by from submissions where run_id = %s", (run_id,)).scalar()
    assert who == "release-bot"


def board_shows_the_waiting_approval(platform: Platform, user: AirflowREST, run_id: str, task_id: str) -> None:
    """While ``task_id`` waits (nobody answers before this returns), the board lists it with the link to
    its Required actions page in the Airflow UI."""
    with chromium() as browser:
        page = signed_in(browser, platform.url, user.token())
        response = page.goto(f"{platform.url}/golive/board/shop-approve")
        assert response is not None and response.status == 200
        link = page.locator(f'#waiting tr[data-task="{task_id}"] a.answer')
        assert link.count() == 1, page.content()[-3000:]
        assert link.get_attribute("href") == (f"/dags/golive/runs/{quote(run_id, safe='')}/tasks/{task_id}"
                                              "/required_actions?map_index=-1")
        row = page.locator(f'#waiting tr[data-task="{task_id}"]').inner_text()
        assert "quality gate WARNING" in row and "anyone allowed" in row  # no GOLIVE_APPROVERS here
        screenshot(page, "e2e-waiting-approval")


def board_page(browser, platform: Platform, token: str, application: str) -> tuple:
    page = signed_in(browser, platform.url, token)
    response = page.goto(f"{platform.url}/golive/board/{application}")
    assert response is not None and response.status == 200, application
    return page, ledger(platform).application_history(application, dag_ids=["golive", "golive_quality_verification"])


def test_the_board_shows_gates_reasons_approvals_rollbacks_and_trends_in_chromium(platform, runs):
    """Done when "the board shows gates, reasons, approvals and trends in Chromium, and refuses the
    unauthenticated" — on this platform, after the runs above ended; what it shows is checked against the
    ledger."""
    alice = rest(platform, "alice")
    for name in ("warning-band-prod", "rejected-prod", "bad-build"):
        alice.wait_finished("golive", runs[name])
    alice.wait_finished("golive_quality_verification", runs["submission"])
    assert httpx.get(f"{platform.url}/golive/board", timeout=10).status_code == 401
    with chromium() as browser:
        anonymous = signed_in(browser, platform.url, None)
        response = anonymous.goto(f"{platform.url}/golive/board/shop-approve")
        assert response is not None and response.status == 401 and "lint_findings" not in anonymous.content()
        screenshot(anonymous, "e2e-signed-out")

        index = signed_in(browser, platform.url, alice.token())
        assert index.goto(f"{platform.url}/golive/board").status == 200
        for application in ("shop-approve", "shop-reject", "bad-build"):
            assert index.locator(f'h2 a[href="/golive/board/{application}"]').count() == 1
        assert index.locator(f'tr[data-run="{runs["bad-build"]}"]').inner_text().count("ROLLED-BACK") == 1
        screenshot(index, "e2e-index")

        page, history = board_page(browser, platform, alice.token(), "shop-approve")
        run = next(r for r in history["go_lives"] if r["run_id"] == runs["warning-band-prod"])
        quality = [e for e in run["evaluations"] if e["gate"] == "quality"][-1]  # the newest counts
        gate = page.locator(f'section[id="run-{run["run_id"]}"] div.gate[data-gate="quality"]')
        assert gate.locator(".score").inner_text() == number(quality["score"])
        assert "alice" in gate.locator(".approver").all_inner_texts()
        assert "separation of duties" in page.locator(f'section[id="run-{run["run_id"]}"]').inner_text()
        lint = next(c for c in quality["criteria"] if c["name"] == "lint_findings")
        assert gate.locator('tr[data-criterion="lint_findings"] td.reason').inner_text() == lint["reason"]
        header = page.locator("table.trends tr").first.inner_text().split()
        assert header[-2:] == ["0.9.0", "1.0.0"]  # the submission, then the go-live: two releases
        flagged = page.locator('table.trends tr.regressed[data-criterion="quality.lint_findings"] .flag')
        assert flagged.count() == 1 and "in 0.9.0" in flagged.get_attribute("title")
        assert "quality lint_findings in 1.0.0" in page.locator("div.regressions").inner_text()
        screenshot(page, "e2e-shop-approve")

        page, _ = board_page(browser, platform, alice.token(), "shop-reject")
        section = page.locator(f'section[id="run-{runs["rejected-prod"]}"]')
        assert "promotion.approval: rejected by alice" in " ".join(section.locator(".approval").all_inner_texts())
        assert "verified" in section.locator("table.rollbacks").inner_text()
        screenshot(page, "e2e-shop-reject")

        page, history = board_page(browser, platform, alice.token(), "bad-build")
        section = page.locator(f'section[id="run-{runs["bad-build"]}"]')
        rollback = section.locator("table.rollbacks tr").nth(1).inner_text().split()
        assert rollback[:2] == ["1.1.0-broken", "1.0.0"] and "verified" in rollback
        assert section.locator('div.gate[data-gate="verification"] .badge').first.inner_text() == "FAIL"
        screenshot(page, "e2e-bad-build")


def _application_secret_values(platform: Platform) -> dict[str, str]:
    """The values golive generated into the applications' Secrets (the infrastructure phase)."""
    core = CoreV1Api(load_client(str(platform.kubeconfig)))
    values = {}
    for secret in core.list_namespaced_secret(NAMESPACE).items:
        for key, value in (secret.data or {}).items():
            decoded = base64.b64decode(value).decode()
            if len(decoded) >= 16:
                values[f"{secret.metadata.name}/{key}"] = decoded
    return values


def _database_text(url: str, tables: list[str] | None = None) -> str:
    """Every row of ``tables`` (default: all) of the database at ``url``, as text."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            names = tables or inspect(conn).get_table_names()
            return "\n".join(str(row) for name in names
                             for row in conn.execute(text(f'select * from "{name}"')))
    finally:
        engine.dispose()


def test_no_seeded_secret_reaches_a_log_an_xcom_the_ledger_or_a_report(platform, runs):
    # the tests above waited for each run to end (one that failed may have left its run waiting: swept as is)
    seeded = {**SEEDED, **_application_secret_values(platform)}
    assert any(name.startswith("shop-approve-secrets/") for name in seeded), seeded.keys()
    env = platform.env()
    places = {f"file {path}": path.read_text(encoding="utf-8", errors="replace")
              for root in (Path(env["AIRFLOW_HOME"]) / "logs", Path(env["GOLIVE_HOME"]))
              for path in root.rglob("*") if path.is_file() and "envs" not in path.parts
              and path.suffix not in (".sqlite", ".pyc", ".whl", ".so")}
    places["the ledger"] = _database_text(platform.ledger_sqlalchemy_url)
    places["the XComs"] = _database_text(platform.db_url, ["xcom"])
    assert len(places) > 50  # task logs and reports of four runs were read
    hits = [f"{what} in {where}" for where, content in places.items() for what, value in seeded.items()
            if value in content]
    assert not hits, hits[:10]
