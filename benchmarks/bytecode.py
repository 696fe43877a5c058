"""What compiled bytecode saves each interpreter golive starts, measured side by side in one run.

Every Airflow task process, DAG parse and localkube pod is a fresh interpreter that imports Airflow,
the KubernetesPodOperator and the kubernetes client. ``scripts/setup.sh`` installs with
``uv pip install --compile-bytecode`` (the Dockerfile with ``UV_COMPILE_BYTECODE=1``) because without
``.pyc`` files, and where Python may not write them (``PYTHONDONTWRITEBYTECODE``, a read-only root
filesystem), each of them compiles those sources again. This script times (median of --repeat) the
import of what a golive task process needs with the installed bytecode, and with none (a
``PYTHONPYCACHEPREFIX`` that holds nothing, writing disabled), and prints the ratio.

    .venv/bin/python benchmarks/bytecode.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

IMPORTS = "import airflow.sdk, airflow.providers.cncf.kubernetes.operators.pod, golive_airflow.operators.agent_pod"


def import_seconds(env: dict[str, str]) -> float:
    """Wall seconds of one interpreter importing :data:`IMPORTS` under ``env``."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", IMPORTS], env=env, check=True)
    return time.perf_counter() - started


def main() -> int:
    """Measure both ways alternately and print the medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="golive-no-pyc-") as empty:
        compiled = {**os.environ}
        compiled.pop("PYTHONPYCACHEPREFIX", None)
        sources = {**compiled, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        with_pyc, without = [], []
        for _ in range(args.repeat):
            with_pyc.append(import_seconds(compiled))
            without.append(import_seconds(sources))
    fast, slow = statistics.median(with_pyc), statistics.median(without)
    print(f"import of a task process's modules: {fast:.2f} s with bytecode, {slow:.2f} s compiling the sources")
    print(f"ratio without / with bytecode: {slow / fast:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
