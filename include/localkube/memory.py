"""Memory limits, as close to a cgroup as a process tree gets.

A container's ``limits.memory`` is enforced twice:

* the kubelet's watchdog sums the resident memory (RSS) of the container's process group every
  second and, above the limit, SIGKILLs it: the container ends ``OOMKilled`` with exit code 137,
  as the kernel's cgroup OOM killer would end it;
* ``RLIMIT_DATA`` at :data:`DATA_LIMIT_FACTOR` × the limit stops a sudden huge allocation at once
  (Python raises ``MemoryError``). It cannot be the limit itself: RLIMIT_DATA counts *reserved*
  private memory, such as the 8 MiB stack of every thread, so a threaded server (uvicorn's
  thread pool) would fail far below its real footprint.
"""

from __future__ import annotations

from collections.abc import Iterable

DATA_LIMIT_FACTOR = 4


def data_limit(memory_bytes: int | None) -> int | None:
    """The ``RLIMIT_DATA`` for a memory limit."""
    return None if memory_bytes is None else memory_bytes * DATA_LIMIT_FACTOR


def rss_by_group(groups: Iterable[int], proc: str = "/proc") -> dict[int, int]:
    """Resident bytes of every process in each process group of ``groups`` (one pass over /proc)."""
    from localkube.usage import usage_by_group  # usage reads the same /proc stat lines, CPU time too

    return {group: rss for group, (_cpu, rss) in usage_by_group(groups, proc).items()}
