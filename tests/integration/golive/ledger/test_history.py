"""The board's ledger queries (``Ledger.applications_overview``, ``go_lives``, ``releases``,
``application_history``) on SQLite and PostgreSQL, over a history written through the Ledger API, and the
trends computed from them."""

from __future__ import annotations

import pytest
from board_history import build_history

from golive.ledger import Ledger
from golive.trends import Tolerance, criterion_trends

READABLE = ["golive", "golive_quality_verification"]


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path) -> Ledger:
    url = (f"sqlite:///{tmp_path / 'ledger.sqlite'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_database")("history"))  # a fresh database per test
    book = Ledger.from_url(url)
    build_history(book)
    return book


def test_the_overview_lists_each_application_with_its_newest_runs_of_readable_dags(ledger):
    assert ledger.recorded_dag_ids() == ["golive", "golive_quality_verification", "other_dag"]
    overview = {app["name"]: app for app in ledger.applications_overview(dag_ids=READABLE, runs_each=2)}
    assert list(overview) == ["cart", "shop"]
    shop = overview["shop"]
    assert shop["runs"] == 4 and shop["source"] == "/src/shop"  # the other DAG's run is not counted
    assert [r["run_id"] for r in shop["latest"]] == ["manual__shop-1.2.0", "manual__shop-1.1.0"]
    assert ledger.applications_overview(dag_ids=[]) == []


def test_go_lives_carry_gates_decisions_refusals_revisions_rollbacks_and_cost(ledger):
    runs = {r["run_id"]: r for r in ledger.go_lives(application="shop", dag_ids=READABLE)}
    assert list(runs) == ["manual__shop-1.2.0", "manual__shop-1.1.0", "manual__shop-1.0.0", "manual__shop-0.9.0"]
    failed = runs["manual__shop-1.1.0"]
    assert failed["status"] == "failed" and "<script>" in failed["error"]
    quality, verification = failed["evaluations"]
    assert (quality["gate"], quality["status"], quality["score"]) == ("quality", "WARNING", 87.5)
    lint = next(c for c in quality["criteria"] if c["name"] == "lint_findings")
    assert (lint["value"], lint["threshold"], lint["status"]) == (12.0, "<= 5 findings (warning <= 15)", "warning")
    assert lint["reason"] == "12 findings misses <= 5 findings but meets the warning level <= 15 findings"
    assert quality["approval"]["approver"] == "alice" and quality["approval"]["decision"] == "approved"
    assert [r["responder"] for r in quality["refusals"]] == ["release-bot"]
    assert verification["status"] == "FAIL" and verification["approval"] is None
    assert [r["action"] for r in failed["revisions"]] == ["deploy"]
    assert failed["rollbacks"][0]["to_version"] == "1.0.0" and failed["rollbacks"][0]["verified"]
    assert failed["cost"]["pods"] == 3 and failed["cost"]["cpu_seconds_requested"] == pytest.approx(90.0)
    assert runs["manual__shop-0.9.0"]["cost"] is None and runs["manual__shop-0.9.0"]["revisions"] == []
    assert ledger.go_lives(application="shop", dag_ids=["other_dag"])[0]["run_id"] == "manual__other"


def test_releases_are_in_version_order_and_only_of_readable_dags(ledger):
    releases = ledger.releases(application="shop", dag_ids=READABLE)
    assert [r["ref"] for r in releases] == ["0.9.0", "1.0.0", "1.1.0", "1.2.0"]
    assert set(releases[2]["gates"]) == {"quality", "verification"}
    assert [r["ref"] for r in ledger.releases(application="shop", dag_ids=READABLE, limit=2)] == ["1.1.0", "1.2.0"]
    every = ledger.releases(application="shop", dag_ids=[*READABLE, "other_dag"])
    assert [r["ref"] for r in every][-1] == "9.9.9"


def test_a_later_run_of_the_same_release_supersedes_the_earlier_one(ledger):
    from board_history import quality, record_run

    record_run(ledger, "manual__shop-1.0.0-again", "golive", {"application": "shop", "version": "1.0.0"},
               status="succeeded", day=6)
    quality(ledger, "manual__shop-1.0.0-again", "HEAD", cov=70, lint=2)
    release = next(r for r in ledger.releases(application="shop", dag_ids=READABLE) if r["ref"] == "1.0.0")
    assert release["gates"]["quality"]["run_id"] == "manual__shop-1.0.0-again"


def test_the_history_feeds_the_trends_and_flags_the_lint_regression(ledger):
    history = ledger.application_history("shop", dag_ids=READABLE)
    assert history is not None and history["name"] == "shop" and len(history["go_lives"]) == 4
    trends = {(t.gate, t.criterion): t for t in criterion_trends(history["releases"], Tolerance(relative=0.1))}
    lint = trends[("quality", "lint_findings")]
    assert lint.direction == "lower" and [p.value for p in lint.points] == [3.0, 2.0, 12.0, 8.0]
    assert [p.delta for p in lint.points] == [None, -1.0, 10.0, -4.0]
    assert [p.regressed for p in lint.points] == [False, False, True, False]
    assert "12 is worse than 2 in 1.0.0 by 10" in lint.points[2].why and "status pass in 1.0.0 → warning" in \
        lint.points[2].why
    coverage = trends[("quality", "test_coverage")]
    assert [p.regressed for p in coverage.points] == [False, False, False, False]  # 89 → 84: within 10 %
    health = trends[("verification", "health_checks_passed")]
    assert health.points[:2] == [None, None] and health.points[2].delta is None and health.points[3] is None
    assert ledger.application_history("shop", dag_ids=[]) is None
    assert ledger.application_history("nobody", dag_ids=READABLE) is None
