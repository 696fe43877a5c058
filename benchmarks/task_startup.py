"""What a task process spends parsing the golive DAG file: fresh, and forked from a preloaded parent.

Under LocalExecutor each task runs in a process forked from a worker and parses its DAG file first.
``PreloadedLocalExecutor`` imports the task-time modules once before the workers fork. This script
measures, side by side in one run, the CPU seconds of parsing ``dags/golive_pipeline.py`` in a child
forked from a bare parent and in a child forked from a preloaded parent (median of --repeat), and
prints the ratio.

    .venv/bin/python benchmarks/task_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import runpy
import statistics
import sys
import time
from pathlib import Path

DAG_FILE = Path(__file__).resolve().parents[1] / "dags" / "golive_pipeline.py"


def child_parse_cpu(preloaded: bool) -> float:
    """CPU seconds a forked child spends parsing the DAG file (after preloading in a first fork)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "worker": optionally preload, then fork the "task process"
        os.close(read)
        if preloaded:
            from golive_airflow.executors.local import preload

            preload()
        r2, w2 = os.pipe()
        task = os.fork()
        if task == 0:
            os.close(r2)
            start = time.process_time()
            runpy.run_path(str(DAG_FILE))
            os.write(w2, f"{time.process_time() - start:.4f}".encode())
            os._exit(0)
        os.close(w2)
        value = os.read(r2, 64)
        os.waitpid(task, 0)
        os.write(write, value)
        os._exit(0)
    os.close(write)
    value = float(os.read(read, 64).decode())
    os.waitpid(pid, 0)
    return value


def main() -> int:
    """Print both medians and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(DAG_FILE.parent))
    fresh = statistics.median(child_parse_cpu(False) for _ in range(args.repeat))
    preloaded = statistics.median(child_parse_cpu(True) for _ in range(args.repeat))
    print(f"task process DAG parse, CPU seconds (median of {args.repeat}):")
    print(f"  forked from a bare worker (LocalExecutor):          {fresh:.3f}")
    print(f"  forked from a preloaded worker (PreloadedLocalExecutor): {preloaded:.3f}")
    print(f"  ratio: {fresh / preloaded:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
