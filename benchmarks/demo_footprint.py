"""The demo go-live's wall time and peak resident memory, against the targets (5 min, 2 GiB).

Runs ``python -m golive_local.demo`` (state in a throw-away directory unless --state-dir) and
samples the resident memory of its process tree every 0.5 s. Two figures side by side:
Airflow + localkube (the demo's own session: the ``airflow dags test`` process and localkube's
server thread) and everything (plus the pods localkube runs as process groups of their own —
analyzers, the sample app's replicas). Prints the ratios to the targets.

    python benchmarks/demo_footprint.py [--conf JSON]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 300
TARGET_BYTES = 2 * 1024**3


def sample(root: psutil.Process, stop: threading.Event, peaks: dict[str, int]) -> None:
    """Record the peak RSS of the demo's own session and of the whole tree."""
    session = os.getsid(root.pid)
    while not stop.is_set():
        own = total = 0
        try:
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                rss = proc.memory_info().rss
                total += rss
                if os.getsid(proc.pid) == session:
                    own += rss
            except (psutil.NoSuchProcess, ProcessLookupError, PermissionError):
                continue
        peaks["own"] = max(peaks["own"], own)
        peaks["total"] = max(peaks["total"], total)
        time.sleep(0.5)


def main() -> int:
    """Run the demo once and print wall time and peak memory against the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conf", default=None)
    parser.add_argument("--state-dir", default=None)
    args = parser.parse_args()
    state = Path(args.state_dir or tempfile.mkdtemp(prefix="golive-bench-"))
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "golive_local.demo", "--state-dir", str(state)]
    if args.conf:
        cmd += ["--conf", args.conf]
    peaks = {"own": 0, "total": 0}
    stop = threading.Event()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    sampler = threading.Thread(target=sample, args=(psutil.Process(proc.pid), stop, peaks), daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    wall = time.monotonic() - started
    stop.set()
    sampler.join(timeout=5)
    print(output[-1500:])
    gib = 1024**3
    print(f"{'measurement':<44} {'value':>10} {'target':>10} {'ratio':>7}")
    print(f"{'demo wall time (s)':<44} {wall:>10.1f} {TARGET_SECONDS:>10} {wall / TARGET_SECONDS:>7.2f}")
    print(f"{'peak RSS, Airflow + localkube (GiB)':<44} {peaks['own'] / gib:>10.2f} {2:>10} "
          f"{peaks['own'] / TARGET_BYTES:>7.2f}")
    print(f"{'peak RSS, everything incl. pods (GiB)':<44} {peaks['total'] / gib:>10.2f} {'-':>10} "
          f"{peaks['total'] / TARGET_BYTES:>7.2f}")
    print(f"demo exit code {proc.returncode}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
