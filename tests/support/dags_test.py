"""`airflow dags test` runs of the end-to-end modules, several at once.

`airflow dags test` runs a DAG's tasks one after the other in one process: two go-lives started side
by side overlap their pods' waits (rollouts, load windows, unanswered approvals). Each run gets its own
copy of the session's migrated Airflow database (two processes writing one SQLite file lock each
other out); the golive ledger stays shared, as it is for concurrent go-lives anywhere.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive_local.env import airflow_executable


def own_airflow_db(env: dict[str, str], name: str) -> dict[str, str]:
    """``env`` with a copy of its Airflow database of its own (``<AIRFLOW_HOME>/airflow-<name>.db``)."""
    home = Path(env["AIRFLOW_HOME"])
    target = home / f"airflow-{name}.db"
    with sqlite3.connect(home / "airflow.db") as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return {**env, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{target}"}


@dataclass
class DagsTest:
    """One `airflow dags test` run in the background, its output in ``log``."""

    proc: subprocess.Popen
    log: Path

    def wait(self, timeout: float = 900) -> tuple[int, str]:
        """Its exit code and output, once it ended (killed after ``timeout`` seconds)."""
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            raise
        return rc, self.log.read_text(encoding="utf-8", errors="replace")


def start_dags_test(env: dict[str, str], conf: dict[str, Any], log: Path, *extra: str,
                    dag_id: str = "golive") -> DagsTest:
    """Start ``airflow dags test <dag_id> -c <conf> <extra…>`` on a copy of ``env``'s Airflow database."""
    name = log.stem
    run_env = own_airflow_db(env, name)
    out = log.open("w", encoding="utf-8")
    try:
        proc = subprocess.Popen([airflow_executable(), "dags", "test", dag_id, "-c", json.dumps(conf), *extra],
                                env=run_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        out.close()
    return DagsTest(proc, log)
