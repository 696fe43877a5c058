"""The go-live board inside Airflow's own API app (``create_app("core")``, golive's plugin through its entry
point) with the simple auth manager and real JWTs, over a ledger written through the Ledger API
(``board_history``) and a real human-in-the-loop request in Airflow's metadata DB: the HTML over HTTP, then
the same pages in headless Chromium served by uvicorn (screenshots in ``var/test-artifacts/board/``)."""

from __future__ import annotations

import html
import re
import secrets
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from board_history import ERROR, WAITING_RUN, build_history
from browser import chromium, screenshot, signed_in
from fastapi.testclient import TestClient

from golive_airflow.board.approvals import required_action_path
from golive_airflow.hooks.ledger import LedgerHook

pytestmark = pytest.mark.airflow

APPROVAL_TASK = "preparation.quality.approval"


def _ask(dag_id: str, run_id: str, task_id: str) -> None:
    """A real waiting approval: the DAG run, its task instance awaiting input and its HITL request (once: the
    Airflow metadata DB is the session's)."""
    from airflow.models.dag_version import DagVersion
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState

    with create_session() as session:
        if session.query(DagRun).filter_by(dag_id=dag_id, run_id=run_id).first() is None:
            session.add(DagRun(dag_id=dag_id, run_id=run_id, run_type="manual", state=DagRunState.RUNNING,
                               run_after=datetime.now(UTC)))
            session.flush()
        if session.query(TaskInstance).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id).first():
            return
        task = SerializedDagModel.get_dag(dag_id, session=session).get_task(task_id)
        ti = TaskInstance(task=task, dag_version_id=DagVersion.get_latest_version(dag_id, session=session).id,
                          run_id=run_id, state="deferred")
        session.add(ti)
        session.flush()
        session.add(HITLDetail(ti_id=ti.id, options=["Approve", "Reject"], subject="golive: quality gate WARNING "
                               "for shop — approve?", body="score 87.5", defaults=["Reject"], params={},
                               assignees=[{"id": "alice", "name": "alice"}]))


@pytest.fixture
def app(airflow_db, golive_home, monkeypatch):
    """Airflow's API app with users required, the board's history in the ledger and one waiting approval."""
    from airflow.api_fastapi.app import create_app, purge_cached_app

    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "alice:viewer")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_hex(40))
    build_history(LedgerHook().get_conn())
    _ask("golive", WAITING_RUN, APPROVAL_TASK)
    yield create_app("core")
    purge_cached_app()


def _token(role: str | None, username: str = "alice") -> str:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def _text(page: str) -> str:
    """What a reader sees of ``page``: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_unauthenticated_get_401_and_no_page(app):
    api = TestClient(app)
    for path in ("/golive/board", "/golive/board/shop"):
        response = api.get(path)
        assert response.status_code == 401, path
        assert "shop" not in response.text and "lint_findings" not in response.text
        forged = api.get(path, headers={"Authorization": f"Bearer {_token('viewer')}x"})
        assert forged.status_code == 403 and "lint_findings" not in forged.text


def test_a_user_who_may_read_no_dag_sees_no_application(app):
    api = TestClient(app)
    nobody = {"Authorization": f"Bearer {_token(None, 'mallory')}"}
    index = api.get("/golive/board", headers=nobody)
    assert index.status_code == 200 and "shop" not in index.text and "No go-live you may read" in index.text
    page = api.get("/golive/board/shop", headers=nobody)
    assert page.status_code == 404 and "lint_findings" not in page.text


def test_the_index_lists_applications_go_lives_costs_and_the_waiting_approval(app):
    api = TestClient(app)
    api.cookies.set("_token", _token("viewer"))  # how the Airflow UI keeps its token
    response = api.get("/golive/board")
    assert response.status_code == 200
    page = response.text
    assert 'href="/golive/board/shop"' in page and 'href="/golive/board/cart"' in page
    assert 'href="/golive/runs/manual__shop-1.1.0"' in page
    rows = {m[0]: _text(m[1]) for m in re.findall(r'<tr data-run="([^"]+)">(.*?)</tr>', page, re.DOTALL)}
    assert "1.1.0 prod failed ROLLED-BACK quality WARNING 87.5 verification FAIL 0" in rows["manual__shop-1.1.0"]
    assert rows["manual__shop-1.1.0"].split()[-4:] == ["3", "90", "36", "0"]  # pods, CPU-s requested, measured, GPU-s
    assert "running PENDING awaiting approval" in rows[WAITING_RUN]
    assert list(rows)[1:3] == ["manual__other", WAITING_RUN]  # a viewer reads every DAG: other_dag's run too
    link = required_action_path("golive", WAITING_RUN, APPROVAL_TASK)
    assert f'href="{link}"' in page and 'target="_top"' in page
    assert link == ("/dags/golive/runs/manual__shop-1.2.0/tasks/preparation.quality.approval/required_actions"
                    "?map_index=-1")


def test_the_application_page_shows_gates_reasons_decisions_delivery_and_trends(app):
    api = TestClient(app)
    page = api.get("/golive/board/shop", headers={"Authorization": f"Bearer {_token('viewer')}"}).text
    text = _text(page)
    assert "quality gate WARNING score 87.5 / 90" in text
    assert "12 findings misses <= 5 findings but meets the warning level <= 15 findings" in text
    assert "preparation.quality.approval: approved by alice" in text
    assert "Approve by release-bot refused — release-bot triggered this go-live (separation of duties)" in text
    assert "verification gate FAIL score 0 / 85" in text and "key criterion health_checks_passed failed" in text
    assert "deploy 1.1.0 3 rolling apps/shop-api" in text
    assert "1.1.0 1.0.0 3 → 4 verified verification.gate failed: health_checks_passed 0 %" in text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>" not in page  # autoescaped
    assert ERROR.split(" <")[0] in text
    assert "preparation.quality.approval waits for an answer" in text
    trends = re.search(r'<table class="trends">(.*?)</table>', page, re.DOTALL)
    assert trends is not None
    header = _text(re.search(r"<tr>(.*?)</tr>", trends.group(1), re.DOTALL).group(1))
    assert header.split() == ["gate", "criterion", "better", "0.9.0", "1.0.0", "1.1.0", "1.2.0", "9.9.9"]
    lint = _text(re.search(r'<tr data-criterion="quality.lint_findings" class="regressed">(.*?)</tr>',
                           trends.group(1), re.DOTALL).group(1))
    assert lint.split() == ["quality", "lint_findings", "(findings)", "lower", "3", "2", "Δ", "-1", "12", "Δ", "+10",
                            "regression", "8", "Δ", "-4", "99", "Δ", "+91", "regression"]
    flagged = _text(re.search(r'<div class="regressions">(.*?)</div>', page, re.DOTALL).group(1))
    assert ("quality test_coverage in 9.9.9: 10 is worse than 84 in 1.2.0 by 74 (more than the tolerated 8.4); "
            "status pass in 1.2.0 → fail") in flagged


def test_the_board_in_chromium_signed_in_and_refused_signed_out(app):
    import uvicorn
    from golive_local.platform import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert httpx.get(f"{base}/golive/board", timeout=10).status_code == 401
        with chromium() as browser:
            anonymous = signed_in(browser, base, None)
            response = anonymous.goto(f"{base}/golive/board/shop")
            assert response is not None and response.status == 401
            assert "lint_findings" not in anonymous.content()
            screenshot(anonymous, "integration-signed-out")

            page = signed_in(browser, base, _token("viewer"))
            response = page.goto(f"{base}/golive/board")
            assert response is not None and response.status == 200
            answer = page.locator("#waiting a.answer")
            assert answer.count() == 1 and answer.get_attribute("target") == "_top"
            screenshot(page, "integration-index")
            page.click('h2 a[href="/golive/board/shop"]')
            page.wait_for_url(f"{base}/golive/board/shop")
            gate = page.locator('section[id="run-manual__shop-1.1.0"] div.gate[data-gate="quality"]')
            assert gate.locator(".score").inner_text() == "87.5"
            assert gate.locator(".approver").inner_text() == "alice"
            lint = gate.locator('tr[data-criterion="lint_findings"] td.reason')
            assert "misses <= 5 findings" in lint.inner_text()
            regressed = page.locator('table.trends tr.regressed[data-criterion="quality.lint_findings"] .flag')
            assert regressed.count() == 2  # 1.1.0 against 1.0.0, and other_dag's 9.9.9 against 1.2.0
            assert "12 is worse than 2 in 1.0.0" in regressed.first.get_attribute("title")
            rollback = page.locator("table.rollbacks tr").nth(1).inner_text().split("\t")
            assert rollback[:2] == ["1.1.0", "1.0.0"] and rollback[3] == "verified"
            screenshot(page, "integration-application")
            page.click("#waiting a.answer")  # the link opens Airflow's own Required actions page
            page.wait_for_url(re.compile(r".*/dags/golive/runs/manual__shop-1\.2\.0/tasks/"
                                         r"preparation\.quality\.approval/required_actions\?map_index=-1$"))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
