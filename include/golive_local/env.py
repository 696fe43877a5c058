"""The embedded local environment: Airflow on SQLite, the SQLite ledger and localkube.

One place defines the environment variables of a laptop/CI setup; the demo, the tests and the
shell (``eval "$(python -m golive_local.env)"``) all use it.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def local_env(root: Path = REPO_ROOT, state_dir: Path | None = None) -> dict[str, str]:
    """Environment variables for running golive locally with state under ``state_dir`` (default ``var/``)."""
    state = state_dir or root / "var"
    return {
        "AIRFLOW_HOME": str(state / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__CORE__DAG_DISCOVERY_SAFE_MODE": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        # every task process parses its DAG file; on a busy 2-core laptop ten at once take more than
        # Airflow's 30 s and the tasks are rescheduled a minute later
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "GOLIVE_HOME": str(state / "golive"),
        "GOLIVE_SOURCE_ROOT": str(root),
        # local sources must lie in the repository (its tests/data, the sample app) unless the caller
        # allows more (the tests add their temporary directory)
        "GOLIVE_SOURCE_ROOTS": os.environ.get("GOLIVE_SOURCE_ROOTS") or str(root),
        # localkube answers in milliseconds: poll it often instead of KPO's cluster-friendly 2-5 s
        "GOLIVE_KPO_STARTUP_CHECK_INTERVAL": "1",
        "GOLIVE_KPO_POLL_INTERVAL": "0.2",
        "GOLIVE_KPO_STATUS_POLL_INTERVAL": "0.2",
        "GOLIVE_GATE_POLL_INTERVAL": "1",
        "GOLIVE_AGENT_NAMESPACE": "golive",
    }


def airflow_executable() -> str:
    """The ``airflow`` command of the running interpreter's environment."""
    return str(Path(sys.executable).with_name("airflow"))


def kubernetes_connection(kubeconfig: Path, namespace: str = "golive") -> str:
    """``AIRFLOW_CONN_KUBERNETES_DEFAULT`` value pointing at a kubeconfig (localkube or a cluster)."""
    return json.dumps({"conn_type": "kubernetes",
                       "extra": {"kube_config_path": str(kubeconfig), "namespace": namespace,
                                 "in_cluster": False}})


def main() -> int:
    """Print ``export`` lines for the shell."""
    for key, value in local_env().items():
        print(f"export {key}={shlex.quote(value)}")
    kubeconfig = Path(os.environ.get("LOCALKUBE_KUBECONFIG", REPO_ROOT / "var" / "localkube" / "kubeconfig"))
    print(f"export AIRFLOW_CONN_KUBERNETES_DEFAULT={shlex.quote(kubernetes_connection(kubeconfig))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
