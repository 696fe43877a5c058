"""What each container used: CPU time (user + system) and peak resident memory of its process group.

Without cgroups, the kubelet samples ``/proc`` every :data:`SAMPLE_SECONDS` for every running
container: the CPU time of a process group is the sum over its live processes of their own and their
reaped children's user and system time (``utime + stime + cutime + cstime``), its memory the sum of
their RSS. A container's figure is the largest sum seen during a run, so it is a lower bound: what
the main process did after the last sample, and a child that left the group, are not counted.

When a container ends, the kubelet publishes the totals (all runs of the container) on the pod as
the :data:`USAGE_ANNOTATION` annotation, a JSON object ``{container: {"cpuSeconds": …,
"peakMemoryBytes": …, "samples": …}}``: annotations survive the Kubernetes client's deserialisation,
a custom status field would not.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

USAGE_ANNOTATION = "localkube.io/usage"
SAMPLE_SECONDS = 0.25
#: Samples the live CPU rate is taken over (metrics-server's window is about 15 s; here 5 s)
RATE_SAMPLES = 21
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class ContainerUsage:
    """What one container used over all its runs (``run_*``: the current run's largest sample)."""

    done_cpu_seconds: float = 0.0
    run_cpu_seconds: float = 0.0
    peak_memory_bytes: int = 0
    samples: int = 0
    #: the running group's latest samples (monotonic time, CPU seconds, RSS): what ``current`` reports
    recent: deque[tuple[float, float, int]] = field(default_factory=lambda: deque(maxlen=RATE_SAMPLES))

    def observe(self, cpu_seconds: float, rss_bytes: int, at: float | None = None) -> None:
        """Fold one sample of the running process group in."""
        self.run_cpu_seconds = max(self.run_cpu_seconds, cpu_seconds)
        self.peak_memory_bytes = max(self.peak_memory_bytes, rss_bytes)
        self.samples += 1
        self.recent.append((time.monotonic() if at is None else at, cpu_seconds, rss_bytes))

    def current(self) -> tuple[float, int, float] | None:
        """What the running group uses now, as metrics-server reports it: CPU cores (the rate over the
        recent samples), resident bytes (the latest sample) and the window's seconds; None before two
        samples of this run."""
        if len(self.recent) < 2:
            return None
        (t0, cpu0, _), (t1, cpu1, rss) = self.recent[0], self.recent[-1]
        window = t1 - t0
        return (max(0.0, cpu1 - cpu0) / window if window > 0 else 0.0), rss, window

    def end_run(self) -> None:
        """The run ended: its CPU time joins the total."""
        self.done_cpu_seconds += self.run_cpu_seconds
        self.run_cpu_seconds = 0.0
        self.recent.clear()

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of every run so far."""
        return self.done_cpu_seconds + self.run_cpu_seconds

    def as_dict(self) -> dict[str, Any]:
        """The annotation's object for this container."""
        return {"cpuSeconds": round(self.cpu_seconds, 3), "peakMemoryBytes": self.peak_memory_bytes,
                "samples": self.samples}


def usage_by_group(groups: Iterable[int], proc: str = "/proc") -> dict[int, tuple[float, int]]:
    """CPU seconds and resident bytes of every process group in ``groups`` (one pass over /proc)."""
    wanted = set(groups)
    ticks = dict.fromkeys(wanted, 0)
    rss = dict.fromkeys(wanted, 0)
    try:
        entries = os.listdir(proc) if wanted else []
    except OSError:
        entries = []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"{proc}/{entry}/stat", "rb") as fh:
                raw = fh.read()
        except OSError:  # the process ended meanwhile
            continue
        fields = raw[raw.rfind(b")") + 2:].split()  # state, ppid, pgrp, … (proc(5) field 3 onwards)
        if len(fields) < 22:
            continue
        group = int(fields[2])
        if group in wanted:
            ticks[group] += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
            rss[group] += int(fields[21]) * _PAGE
    return {g: (ticks[g] / _TICKS, rss[g]) for g in wanted}


def annotation_value(usage: Mapping[str, ContainerUsage]) -> str:
    """The :data:`USAGE_ANNOTATION` value for the measured containers of a pod."""
    return json.dumps({name: u.as_dict() for name, u in sorted(usage.items())}, sort_keys=True)


def parse_annotation(annotations: Mapping[str, str] | None) -> dict[str, dict[str, Any]]:
    """The per-container usage a pod's annotations carry ({} when there is none or it is not valid)."""
    raw = (annotations or {}).get(USAGE_ANNOTATION)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, dict)} if isinstance(value, dict) else {}
