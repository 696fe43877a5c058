"""The demo frees the delivery lease an interrupted earlier demo left, and only what it left."""

from __future__ import annotations

from pathlib import Path

from golive_local.demo import free_interrupted_leases

from golive.ledger import Ledger


def test_an_interrupted_demos_lease_is_freed_and_reported(tmp_path: Path) -> None:
    assert free_interrupted_leases(tmp_path / "no-ledger-yet") == []
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    for app in ("sample-app", "flaskr"):
        assert ledger.acquire_lease(application=app, environment="dev", run_id=f"manual__{app}", ttl=36 * 3600)[0]
    freed = free_interrupted_leases(tmp_path)
    assert sorted((r["application"], r["run_id"]) for r in freed) == [
        ("flaskr", "manual__flaskr"), ("sample-app", "manual__sample-app")]
    assert ledger.leases() == []
    assert ledger.acquire_lease(application="sample-app", environment="dev", run_id="next", ttl=60)[0]


def test_a_silent_run_is_stopped_at_its_timeout(monkeypatch, tmp_path: Path) -> None:
    """An ``airflow dags test`` that prints nothing (a run waiting for an approval) still ends at the timeout."""
    import io
    import os

    from golive_local import demo

    monkeypatch.setattr(demo, "airflow_executable", lambda: "sleep")
    assert demo._airflow(["60"], dict(os.environ), io.StringIO(), timeout=0.5) == 124
    assert demo._airflow(["0"], dict(os.environ), io.StringIO(), timeout=30) == 0
