"""The local platform's bookkeeping: its environment, and `down` stopping exactly what `up` started."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from golive_local.platform import Platform, Process, alive


def test_env_points_every_component_at_the_same_state_and_databases(tmp_path: Path):
    plat = Platform(state_dir=tmp_path, api_port=8123, db_url="postgresql+psycopg2://airflow@db/airflow",
                    ledger_url="postgresql+psycopg2://golive@db/golive", parallelism=6,
                    extra_env={"GOLIVE_DEFERRABLE": "true"})
    env = plat.env()
    assert env["AIRFLOW_HOME"] == str(tmp_path / "airflow") and env["GOLIVE_HOME"] == str(tmp_path / "golive")
    assert env["AIRFLOW__CORE__EXECUTOR"].endswith("PreloadedLocalExecutor")
    assert env["AIRFLOW__CORE__PARALLELISM"] == "6"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:8123/execution/"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://airflow@db/airflow"
    assert env["AIRFLOW_CONN_GOLIVE_LEDGER"] == "postgres://golive@db/golive"
    assert json.loads(env["AIRFLOW_CONN_KUBERNETES_DEFAULT"])["extra"]["kube_config_path"] == str(plat.kubeconfig)
    assert env["PATH"].split(":")[0] == str(Path(sys.executable).parent)  # `airflow` on PATH for its own children
    assert env["GOLIVE_DEFERRABLE"] == "true"


def test_the_embedded_defaults_need_no_database_server(tmp_path: Path):
    env = Platform(state_dir=tmp_path).env()
    assert "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in env and "AIRFLOW_CONN_GOLIVE_LEDGER" not in env
    assert Platform(state_dir=tmp_path).ledger_sqlalchemy_url == f"sqlite:///{tmp_path / 'golive' / 'ledger.sqlite'}"


def test_down_stops_what_up_recorded_and_never_a_recycled_pid(tmp_path: Path):
    plat = Platform(state_dir=tmp_path)
    ours = plat._spawn("scheduler", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        # the stranger's pid recorded with another start time: what a reused pid looks like
        plat._record([ours, Process(name="triggerer", pid=stranger.pid, started="1", log="")])
        assert alive(ours) and not alive(Process("triggerer", stranger.pid, "1", ""))
        assert plat.down(timeout=10, log=lambda *_: None) == ["scheduler"]
        deadline = time.monotonic() + 10
        while alive(ours) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not alive(ours)
        assert stranger.poll() is None  # untouched
        assert plat.processes() == []
    finally:
        stranger.kill()
        stranger.wait()


def test_settings_of_a_started_platform_are_found_again(tmp_path: Path):
    plat = Platform(state_dir=tmp_path, api_port=8124, db_url="postgresql+psycopg2://a@b/c")
    plat._save_settings()
    again = Platform.started_in(tmp_path)
    assert again is not None and again.api_port == 8124 and again.db_url == plat.db_url
    assert (tmp_path / "platform" / "settings.json").stat().st_mode & 0o077 == 0  # URLs may hold passwords
    assert Platform.started_in(tmp_path / "elsewhere") is None
