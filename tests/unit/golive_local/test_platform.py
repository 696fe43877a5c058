"""The local platform's bookkeeping: its environment, `down` stopping exactly what `up` started, and the
fault-injection helpers finding and signalling one component, a task's processes."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from golive_local.platform import Platform, PlatformError, Process, _kubeconfig_port, alive

from localkube.kubeconfig import write_kubeconfig


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


SLEEPING_PARENT = ("import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
                   "'import os, time; os.setpgid(0, 0); time.sleep(60)']); time.sleep(60)")


def _wait_gone(pid: int, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_kill_takes_a_component_with_what_it_started_even_in_another_process_group(tmp_path: Path):
    plat = Platform(state_dir=tmp_path)
    scheduler = plat._spawn("scheduler", [sys.executable, "-c", SLEEPING_PARENT], {})
    triggerer = plat._spawn("triggerer", [sys.executable, "-c", "import time; time.sleep(60)"], {})
    plat._record([scheduler, triggerer])
    try:
        deadline = time.monotonic() + 10
        while len(pids := plat.kill("scheduler", sig=0)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # signal 0: only finds them, until the child is up
        child = pids[1]
        assert plat.kill("scheduler") == pids
        assert not alive(scheduler) and _wait_gone(child)  # the task process in its own group went too
        assert alive(triggerer)
    finally:
        plat.down(timeout=5, log=lambda *_: None)


def test_a_component_is_named_and_started_only_when_it_is_not_running(tmp_path: Path):
    plat = Platform(state_dir=tmp_path)
    with pytest.raises(PlatformError, match="no component 'schedular'"):
        plat.component("schedular")
    with pytest.raises(PlatformError, match="scheduler is not running"):
        plat.component("scheduler")
    plat._record([plat._spawn("scheduler", [sys.executable, "-c", "import time; time.sleep(60)"], {})])
    try:
        with pytest.raises(PlatformError, match="already running"):
            plat.start("scheduler")
    finally:
        plat.down(timeout=5, log=lambda *_: None)


def test_a_restarted_localkube_keeps_the_port_its_kubeconfig_names(tmp_path: Path):
    plat = Platform(state_dir=tmp_path)
    assert _kubeconfig_port(plat.kubeconfig) == 0
    write_kubeconfig(plat.kubeconfig, "http://127.0.0.1:43121", "token")
    assert _kubeconfig_port(plat.kubeconfig) == 43121
    assert plat._argv("localkube", localkube_port=43121)[-2:] == ["--port", "43121"]


def test_a_task_instance_is_found_by_the_title_airflow_gives_its_processes(tmp_path: Path):
    ti_id = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
    titled = subprocess.Popen([sys.executable, "-c", ("import setproctitle, sys, time; "
                               "setproctitle.setproctitle(sys.argv[1]); time.sleep(60)"), f"airflow worker -- {ti_id}"])
    other = subprocess.Popen([sys.executable, "-c", ("import setproctitle, time; "
                              "setproctitle.setproctitle('airflow worker -- another'); time.sleep(60)")])
    try:
        plat = Platform(state_dir=tmp_path)
        deadline = time.monotonic() + 10
        while not plat.task_processes(ti_id) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert plat.task_processes(ti_id) == [titled.pid]
    finally:
        for proc in (titled, other):
            proc.kill()
            proc.wait()
