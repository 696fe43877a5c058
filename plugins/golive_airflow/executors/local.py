"""PreloadedLocalExecutor: Airflow's LocalExecutor whose task processes start with golive's imports loaded.

Under LocalExecutor every task runs in a process forked from a worker, and each one parses its DAG
file before it runs. For golive's DAGs almost all of that parse is importing KubernetesPodOperator
and the kubernetes client (``benchmarks/task_startup.py`` measures it against a preloaded parse),
paid again by every task and, for deferrable tasks, once more on resume. Importing those modules
once in the scheduler before the workers are forked lets every task process inherit them. Nothing
else changes: it is the LocalExecutor, configured as
``AIRFLOW__CORE__EXECUTOR=golive_airflow.executors.local.PreloadedLocalExecutor``.
"""

from __future__ import annotations

import importlib

from airflow.executors.local_executor import LocalExecutor

PRELOADED_MODULES = (
    "airflow.sdk",
    "airflow.sdk.execution_time.task_runner",
    "airflow.providers.cncf.kubernetes.operators.pod",
    "airflow.providers.cncf.kubernetes.triggers.pod",
    "airflow.providers.standard.operators.hitl",
    "golive_airflow.delivery",
    "golive_airflow.phases",
    "golive_airflow.operators.verification",
)


def preload(modules: tuple[str, ...] = PRELOADED_MODULES) -> list[str]:
    """Import ``modules`` into this process; returns those that could not be imported (logged, not fatal)."""
    missing = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    return missing


class PreloadedLocalExecutor(LocalExecutor):
    """LocalExecutor that imports golive's task-time modules before forking its workers."""

    def start(self) -> None:
        """Preload, then start the workers as LocalExecutor does."""
        missing = preload()
        if missing:
            self.log.warning("could not preload %s; tasks import them themselves", ", ".join(missing))
        super().start()
