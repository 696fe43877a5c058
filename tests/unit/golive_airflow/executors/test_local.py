"""PreloadedLocalExecutor is the LocalExecutor, with golive's task-time imports loaded before it forks."""

from __future__ import annotations

import subprocess
import sys

from airflow.executors.local_executor import LocalExecutor

from golive_airflow.executors.local import PRELOADED_MODULES, PreloadedLocalExecutor, preload


def test_it_is_a_local_executor():
    assert issubclass(PreloadedLocalExecutor, LocalExecutor)


def test_preload_imports_what_a_golive_task_parses():
    code = ("import sys; from golive_airflow.executors.local import preload, PRELOADED_MODULES; "
            "assert preload() == []; print(all(m in sys.modules for m in PRELOADED_MODULES))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().endswith("True"), out.stderr[-2000:]
    assert "airflow.providers.cncf.kubernetes.operators.pod" in PRELOADED_MODULES


def test_a_module_that_cannot_be_imported_is_reported_not_fatal():
    assert preload(("golive_airflow.no_such_module",)) == ["golive_airflow.no_such_module"]
