"""Per-task overhead of a KubernetesPodOperator task on localkube against running the same command
directly, measured side by side in one run (sync and deferrable KPO).

    python benchmarks/kpo_overhead.py [--runs 10]

Target: median KPO overhead on localkube <= 0.5 s a task. The measurement lives in
``localkube.bench`` (the same harness the localkube tests use to run KPO without a metadata DB).
"""

import sys

from localkube.bench import main

if __name__ == "__main__":
    sys.exit(main())
