"""Migration 0005a on SQLite and PostgreSQL: verdicts keyed by run and commit, the delivery lease."""

import threading
from datetime import UTC, datetime, timedelta

import pytest

from golive.ledger import Ledger, RecordKey
from golive.models import CriterionRule
from golive.scoring import apply_rule, evaluate

COV = CriterionRule(name="test_coverage", measurement="cov", unit="%", comparison=">=", pass_at=80,
                    weight=3, key=True)
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request, tmp_path) -> Ledger:
    if request.param == "sqlite":
        return Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    return Ledger.from_url(request.getfixturevalue("postgres_database")("lease"))  # one database per test


def test_a_verdict_of_another_run_or_commit_never_matches(ledger):
    app = "shop"
    ledger.record_evaluation(RecordKey("run-1", "preparation.quality.score"), application=app, ref="main",
                             verdict=evaluate("quality", [apply_rule(COV, 95)]), commit="a" * 40)
    assert ledger.latest_evaluation(gate="quality", application=app, ref="main", run_id="run-2") is None
    assert ledger.latest_evaluation(gate="quality", application=app, ref="main", run_id="run-1",
                                    commit="b" * 40) is None
    row = ledger.latest_evaluation(gate="quality", application=app, ref="main", run_id="run-1", commit="a" * 40)
    assert row is not None and row["commit"] == "a" * 40 and row["status"] == "PASS"


def test_a_retry_in_the_same_run_is_the_newest_and_keeps_the_old(ledger):
    app = "shop"
    ledger.record_run(run_id="run-1", dag_id="golive", request={"application": app}, status="accepted")
    for attempt, cov in ((1, 50.0), (2, 95.0)):
        ledger.record_evaluation(RecordKey("run-1", "preparation.quality.score", attempt), application=app,
                                 ref="main", verdict=evaluate("quality", [apply_rule(COV, cov)]), commit="c" * 40)
    row = ledger.latest_evaluation(gate="quality", application=app, ref="main", run_id="run-1", commit="c" * 40)
    assert row["status"] == "PASS" and row["try_number"] == 2
    assert [e["status"] for e in ledger.run_report("run-1")["evaluations"]] == ["FAIL", "PASS"]


def test_the_second_run_waits_until_the_first_releases(ledger):
    kw = {"application": "shop", "environment": "staging", "ttl": 600}
    assert ledger.acquire_lease(run_id="run-1", now=T0, **kw)[0]
    acquired, holder = ledger.acquire_lease(run_id="run-2", now=T0 + timedelta(seconds=5), **kw)
    assert not acquired and holder["run_id"] == "run-1"
    assert ledger.acquire_lease(run_id="run-1", now=T0 + timedelta(seconds=9), **kw)[0]  # renewal
    assert ledger.acquire_lease(application="shop", environment="prod", run_id="run-2", ttl=600, now=T0)[0]
    assert not ledger.release_lease(application="shop", environment="staging", run_id="run-2")
    assert ledger.release_lease(application="shop", environment="staging", run_id="run-1")
    acquired, holder = ledger.acquire_lease(run_id="run-2", now=T0 + timedelta(seconds=20), **kw)
    assert acquired and holder["run_id"] == "run-2" and holder["acquired_at"] == T0 + timedelta(seconds=20)


def test_an_expired_lease_is_taken_over_and_the_old_holder_releases_nothing(ledger):
    kw = {"application": "shop", "environment": "staging", "ttl": 60}
    ledger.acquire_lease(run_id="run-1", now=T0, **kw)
    assert not ledger.acquire_lease(run_id="run-2", now=T0 + timedelta(seconds=59), **kw)[0]
    acquired, holder = ledger.acquire_lease(run_id="run-2", now=T0 + timedelta(seconds=61), **kw)
    assert acquired and holder["run_id"] == "run-2"
    assert holder["expires_at"] == T0 + timedelta(seconds=121)
    assert not ledger.release_lease(application="shop", environment="staging", run_id="run-1")
    assert ledger.lease("shop", "staging")["run_id"] == "run-2"


def test_concurrent_acquires_give_the_lease_to_exactly_one_run(ledger):
    outcomes: dict[str, bool] = {}

    def take(run_id: str) -> None:
        outcomes[run_id] = ledger.acquire_lease(application="race", environment="dev", run_id=run_id,
                                                ttl=600)[0]

    threads = [threading.Thread(target=take, args=(f"run-{i}",)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    winners = [r for r, won in outcomes.items() if won]
    assert len(winners) == 1 and ledger.lease("race", "dev")["run_id"] == winners[0]


def test_a_heartbeat_extends_only_the_holders_lease(ledger):
    kw = {"application": "shop", "environment": "staging", "ttl": 60}
    ledger.acquire_lease(run_id="run-1", now=T0, **kw)
    assert ledger.renew_lease(run_id="run-1", now=T0 + timedelta(seconds=50), **kw)
    assert not ledger.renew_lease(run_id="run-2", now=T0 + timedelta(seconds=50), **kw)
    assert not ledger.acquire_lease(run_id="run-2", now=T0 + timedelta(seconds=100), **kw)[0]  # still held
    assert ledger.lease("shop", "staging")["heartbeat_at"] == T0 + timedelta(seconds=50)


def test_the_migrations_create_exactly_the_tables_of_schema_py(ledger):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from golive.ledger import schema

    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert [d for d in diff if not (d[0] == "remove_table" and d[1].name == "golive_alembic_version")] == []
