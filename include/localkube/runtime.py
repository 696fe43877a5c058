"""Local processes standing in for containers.

Each container (and each ``exec`` into it) starts through a tiny launcher that runs in a fresh
session (its own process group), asks the kernel to kill it if localkube's event-loop thread dies
(``PR_SET_PDEATHSIG``), applies the process limits and then ``exec``\\ s the real argv — so no shell
is involved and limits hold from the first instruction. stdout and stderr are one stream, as in
``kubectl logs``.

A process that calls ``setsid`` leaves the process group, so the group alone does not say what a
container started. Every container process therefore carries :data:`POD_MARKER_ENV` and
:data:`CONTAINER_MARKER_ENV` in its environment, which its descendants inherit; when the container
ends (and when its pod goes, and when localkube stops) :func:`kill_tree` SIGKILLs every process
whose ``/proc/<pid>/environ`` holds the marker, plus the live descendants of the main process
(found through ``/proc/<pid>/stat``), which also catches a child that cleared its environment while
its parent still runs. Without cgroups, a process that both cleared its environment and was
orphaned escapes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from localkube.logs import LineSplitter, LogBuffer
from localkube.memory import data_limit
from localkube.podspec import Limits

# Runs under `python -I -S -c`; receives: parent pid, memory, cpu seconds, cores, argv...
LAUNCHER = """
import os, resource, signal, sys
a = sys.argv
try:
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
except Exception:
    pass
if os.getppid() != int(a[1]):
    os._exit(137)
if a[2] != "-":
    resource.setrlimit(resource.RLIMIT_DATA, (int(a[2]), int(a[2])))
if a[3] != "-":
    resource.setrlimit(resource.RLIMIT_CPU, (int(a[3]), int(a[3]) + 5))
if a[4] != "-":
    os.sched_setaffinity(0, [int(c) for c in a[4].split(",")])
try:
    os.execv(a[5], a[5:])
except OSError as exc:
    sys.stderr.write("localkube: exec %s: %s\\n" % (a[5], exc.strerror))
    sys.stderr.flush()
    os._exit(128)
"""


def launcher_argv(argv: list[str], limits: Limits) -> list[str]:
    """The full argv that starts ``argv`` under ``limits``."""
    return [
        sys.executable, "-I", "-S", "-c", LAUNCHER, str(os.getpid()),
        str(data_limit(limits.memory_bytes)) if limits.memory_bytes else "-",
        str(limits.cpu_seconds) if limits.cpu_seconds else "-",
        ",".join(str(c) for c in limits.cores) if limits.cores else "-",
        *argv,
    ]


POD_MARKER_ENV = "LOCALKUBE_POD_UID"
CONTAINER_MARKER_ENV = "LOCALKUBE_CONTAINER_ID"
_PROC = Path("/proc")


def _parent_pid(pid: str) -> int | None:
    """The parent of a live process (None for a zombie or a process that is gone)."""
    try:
        stat = (_PROC / pid / "stat").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2:].split()  # after "pid (comm) ": state, ppid, ...
    if len(fields) < 2 or fields[0] in (b"Z", b"X"):
        return None
    return int(fields[1])


def _has_marker(pid: str, needle: bytes) -> bool:
    try:
        environ = (_PROC / pid / "environ").read_bytes()
    except OSError:  # gone, or another user's
        return False
    return needle in environ.split(b"\0")


def find_processes(marker: tuple[str, str] | None, roots: tuple[int, ...] = ()) -> set[int]:
    """Pids whose environment holds ``NAME=VALUE`` of ``marker``, or that descend from ``roots``."""
    try:
        pids = [entry for entry in os.listdir(_PROC) if entry.isdigit()]
    except OSError:  # no /proc: only the process group is known
        return set()
    own = os.getpid()
    needle = f"{marker[0]}={marker[1]}".encode() if marker else None
    found: set[int] = set()
    children: dict[int, list[int]] = {}
    for pid in pids:
        if int(pid) == own:
            continue
        parent = _parent_pid(pid)
        if parent is None:
            continue
        if needle is not None and _has_marker(pid, needle):
            found.add(int(pid))
        children.setdefault(parent, []).append(int(pid))
    todo = [child for root in roots for child in children.get(root, [])]
    while todo:
        pid = todo.pop()
        if pid not in found and pid != own:
            found.add(pid)
            todo.extend(children.get(pid, []))
    return found


def kill_tree(marker: tuple[str, str] | None, roots: tuple[int, ...] = (), rounds: int = 5) -> int:
    """SIGKILL what :func:`find_processes` finds, again until nothing is left (they may fork meanwhile)."""
    killed = 0
    for _ in range(rounds):
        pids = find_processes(marker, roots)
        alive = 0
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                alive += 1
            except (ProcessLookupError, PermissionError):
                continue
        killed += alive
        if not alive:
            break
    return killed


def exit_code(returncode: int) -> int:
    """Container exit code: a death by signal N reads as 128 + N, as in a container runtime."""
    return 128 - returncode if returncode < 0 else returncode


def kill_group(pgid: int, sig: int) -> bool:
    """Signal a whole process group; False when no process is left in it."""
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


class _ExitProtocol(asyncio.subprocess.SubprocessStreamProtocol):
    """asyncio's subprocess protocol, plus an event set as soon as the main process has exited."""

    def __init__(self, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited = asyncio.Event()

    def process_exited(self) -> None:
        super().process_exited()
        self.exited.set()


class ContainerProcess:
    """One run of a container's main process, its output going to a :class:`LogBuffer`."""

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: str, limits: Limits,
                 log: LogBuffer) -> None:
        self.argv = argv
        self.env = dict(env)
        self.cwd = cwd
        self.limits = limits
        self.log = log
        self.pid: int | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self.returncode: int | None = None
        self._exited = asyncio.Event()
        self._main_exited = asyncio.Event()
        marker = self.env.get(CONTAINER_MARKER_ENV)
        self.marker = (CONTAINER_MARKER_ENV, marker) if marker else None

    async def start(self) -> int:
        """Spawn the process; returns its pid (also its process-group id)."""
        Path(self.cwd).mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        protocol = _ExitProtocol(limit=2**16, loop=loop)
        transport, _ = await loop.subprocess_exec(
            lambda: protocol, *launcher_argv(self.argv, self.limits), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=self.env,
            cwd=self.cwd, start_new_session=True,
        )
        self._proc = asyncio.subprocess.Process(transport, protocol, loop)
        self._main_exited = protocol.exited
        self.pid = self._proc.pid
        self._reader = asyncio.create_task(self._pump())
        return self.pid

    async def _pump(self) -> None:
        stdout = self._proc.stdout if self._proc is not None else None
        if stdout is None:
            return
        splitter = LineSplitter(self.log)
        try:
            while chunk := await stdout.read(65536):
                splitter.feed(chunk)
        finally:
            splitter.flush()

    async def wait(self) -> int:
        """Wait for the main process, kill what it left in its group, drain output; exit code."""
        if self._proc is None or self.pid is None:
            raise RuntimeError("ContainerProcess.wait() called before start()")
        await self._main_exited.wait()  # not proc.wait(): that also waits for every holder of the pipe
        kill_group(self.pid, signal.SIGKILL)  # the container ends with its main process…
        if self.marker is not None:  # …and with whatever it started outside its group
            await asyncio.to_thread(kill_tree, self.marker)
        returncode = await self._proc.wait()
        if self._reader is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._reader), timeout=2)
            except TimeoutError:  # a process escaped the group and holds the pipe: stop reading
                self._reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._reader
        self.returncode = exit_code(returncode)
        self._exited.set()
        return self.returncode

    def kill(self) -> None:
        """SIGKILL the process group and its descendants now (:meth:`wait` still reaps it)."""
        if self.pid is not None:
            kill_group(self.pid, signal.SIGKILL)
            kill_tree(None, (self.pid,))

    def _signal_escapees(self, sig: int) -> None:
        if self.pid is None:
            return
        for pid in find_processes(self.marker, (self.pid,)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)

    async def terminate(self, grace: float) -> None:
        """SIGTERM the process group (and what left it), then SIGKILL it after ``grace`` seconds."""
        if self.pid is None or self._exited.is_set():
            return
        if grace > 0:
            await asyncio.to_thread(self._signal_escapees, signal.SIGTERM)
        if grace > 0 and kill_group(self.pid, signal.SIGTERM):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exited.wait(), timeout=grace)
        if not self._exited.is_set():
            self.kill()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exited.wait(), timeout=5)


class ExecProcess:
    """A process started by ``pods/exec`` in a container's environment (pipes, no log)."""

    def __init__(self, argv: list[str], env: Mapping[str, str], cwd: str, limits: Limits) -> None:
        self.argv, self.env, self.cwd, self.limits = argv, dict(env), cwd, limits
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, stdin: bool) -> asyncio.subprocess.Process:
        """Spawn with pipes for stdout/stderr (and stdin when asked)."""
        self.proc = await asyncio.create_subprocess_exec(
            *launcher_argv(self.argv, self.limits),
            stdin=asyncio.subprocess.PIPE if stdin else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=self.env,
            cwd=self.cwd, start_new_session=True,
        )
        return self.proc

    def kill(self) -> None:
        """SIGKILL the exec'd process group (also what is left of it after the command exited)."""
        if self.proc is not None:
            kill_group(self.proc.pid, signal.SIGKILL)
