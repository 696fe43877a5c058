"""The local platform: localkube plus Airflow (api-server, scheduler, dag-processor, triggerer).

``python -m golive_local.platform up`` (``./scripts/up.sh``) starts what a go-live triggered from
the UI, ``airflow dags trigger``, the REST API or a schedule needs, on the embedded defaults
(SQLite metadata DB, SQLite ledger, LocalExecutor) or on PostgreSQL (``--db-url``,
``--ledger-url``), waits until every component reports healthy and prints the UI URL.
``down`` (``./scripts/down.sh``) stops exactly the processes ``up`` started: their process ids and
start times are kept in ``<state>/platform/processes.json``, so a recycled pid is never signalled.
``env`` prints the ``export`` lines that point an ``airflow`` CLI in your shell at the platform.
For fault injection (``tests/e2e/test_faults_e2e.py``), :class:`Platform` kills, stops and restarts
one component (:meth:`Platform.kill`, :meth:`Platform.restart`) and finds a task's worker processes
and a pod's processes (:meth:`Platform.task_processes`, :meth:`Platform.pod_processes`).

No Airflow import here: this module only starts programs, with argv lists and environments.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from golive.kube.namespaces import POD_SECURITY_LABELS
from golive_local.env import REPO_ROOT, airflow_executable, kubernetes_connection, local_env
from localkube.runtime import POD_MARKER_ENV, find_processes

EXECUTOR = "golive_airflow.executors.local.PreloadedLocalExecutor"  # LocalExecutor, task imports preloaded
AIRFLOW_COMPONENTS = ("dag-processor", "scheduler", "triggerer", "api-server")
HEALTH_KEYS = {"metadatabase": "metadatabase", "scheduler": "scheduler", "triggerer": "triggerer",
               "dag-processor": "dag_processor"}


class PlatformError(Exception):
    """The platform could not be started or stopped; the message says which component and why."""


@dataclass
class Process:
    """One started component: enough to find it again and to know it is still the same process."""

    name: str
    pid: int
    started: str  # /proc/<pid>/stat start time: a recycled pid has another
    log: str


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks after boot); None when it is gone or a zombie."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


def alive(proc: Process) -> bool:
    """Whether ``proc`` still runs (and is the process that was started, not a reused pid)."""
    return _start_time(proc.pid) == proc.started


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def default_parallelism() -> int:
    """LocalExecutor slots: four per core (pods do the heavy work; a task mostly waits), 8 to 32."""
    return max(8, min(32, 4 * (os.cpu_count() or 2)))


def _sqlalchemy_to_conn_uri(url: str) -> str:
    """``postgresql+psycopg2://…`` → ``postgres://…`` (an Airflow connection URI)."""
    scheme, rest = url.split("://", 1)
    return f"{'postgres' if scheme.startswith('postgres') else scheme}://{rest}"


@dataclass
class Platform:
    """localkube and Airflow's four components under one state directory.

    :param state_dir: where the Airflow home, the ledger, localkube's pods and the logs live.
    :param api_port: the API server's port (UI and REST).
    :param db_url: Airflow's metadata DB (SQLAlchemy URL); default SQLite in the Airflow home.
    :param ledger_url: the ledger (SQLAlchemy URL, becomes the ``golive_ledger`` connection);
        default the embedded SQLite ledger in ``GOLIVE_HOME``.
    :param parallelism: task slots of the LocalExecutor.
    :param api_workers: API server worker processes.
    :param extra_env: further variables for every component (``GOLIVE_*`` settings).
    """

    state_dir: Path = REPO_ROOT / "var"
    api_port: int = 8080
    db_url: str | None = None
    ledger_url: str | None = None
    parallelism: int = field(default_factory=default_parallelism)
    api_workers: int = 2
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        """The platform's own files: process table and logs."""
        return self.state_dir / "platform"

    @property
    def kubeconfig(self) -> Path:
        """The kubeconfig localkube writes (what Airflow's ``kubernetes_default`` points at)."""
        return self.state_dir / "localkube" / "kubeconfig"

    @property
    def url(self) -> str:
        """The Airflow UI and REST API."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def ledger_sqlalchemy_url(self) -> str:
        """Where the go-lives' verdicts are recorded."""
        return self.ledger_url or f"sqlite:///{self.state_dir / 'golive' / 'ledger.sqlite'}"

    def env(self) -> dict[str, str]:
        """The variables that every component, and an ``airflow`` CLI talking to this platform, needs."""
        venv_bin = str(Path(airflow_executable()).parent)
        env = {
            **local_env(state_dir=self.state_dir),
            "PATH": os.pathsep.join([venv_bin, os.environ.get("PATH", "/usr/bin:/bin")]),
            "AIRFLOW__CORE__EXECUTOR": EXECUTOR,
            "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
            "AIRFLOW__API__PORT": str(self.api_port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW_CONN_KUBERNETES_DEFAULT": kubernetes_connection(self.kubeconfig),
            **self.extra_env,
        }
        if self.db_url:
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.db_url
        if self.ledger_url:
            env["AIRFLOW_CONN_GOLIVE_LEDGER"] = _sqlalchemy_to_conn_uri(self.ledger_url)
        return env

    # -- what `up` was started with, and what it started -----------------------------------------

    @property
    def _settings_file(self) -> Path:
        return self.home / "settings.json"

    def _save_settings(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._settings_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # URLs may hold passwords
        with os.fdopen(fd, "w") as fh:
            json.dump({"api_port": self.api_port, "db_url": self.db_url, "ledger_url": self.ledger_url,
                       "parallelism": self.parallelism, "api_workers": self.api_workers,
                       "extra_env": dict(self.extra_env)}, fh)

    @classmethod
    def started_in(cls, state_dir: Path) -> Platform | None:
        """The platform that ``up`` started in ``state_dir`` (None when it never ran there)."""
        try:
            saved = json.loads((state_dir / "platform" / "settings.json").read_text())
        except (OSError, ValueError):
            return None
        return cls(state_dir=state_dir, **saved)


    @property
    def _table(self) -> Path:
        return self.home / "processes.json"

    def processes(self) -> list[Process]:
        """The processes ``up`` started and recorded (alive or not)."""
        if not self._table.exists():
            return []
        return [Process(**p) for p in json.loads(self._table.read_text())]

    def _record(self, procs: Sequence[Process]) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self._table.with_suffix(".tmp")
        tmp.write_text(json.dumps([asdict(p) for p in procs], indent=2))
        tmp.replace(self._table)

    def _spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Process:
        log = self.home / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            popen = subprocess.Popen(list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=REPO_ROOT, start_new_session=True)
        started = _start_time(popen.pid)
        if started is None:
            raise PlatformError(f"{name} exited at once; see {log}")
        return Process(name=name, pid=popen.pid, started=started, log=str(log))

    def _argv(self, name: str, localkube_port: int = 0) -> list[str]:
        """How ``name`` is started (``localkube_port`` 0: localkube picks a free port)."""
        if name == "localkube":
            return [sys.executable, "-m", "localkube", "serve", "--kubeconfig", str(self.kubeconfig),
                    "--state-dir", str(self.kubeconfig.parent / "state"), "--namespace", "golive",
                    *(arg for item in POD_SECURITY_LABELS.items() for arg in ("--namespace-label", "=".join(item))),
                    "--port", str(localkube_port)]
        if name not in AIRFLOW_COMPONENTS:
            raise PlatformError(f"no component {name!r}: one of localkube, {', '.join(AIRFLOW_COMPONENTS)}")
        argv = [airflow_executable(), name]
        if name == "api-server":
            argv += ["--host", "127.0.0.1", "--port", str(self.api_port), "--workers", str(self.api_workers)]
        return argv

    # -- up ------------------------------------------------------------------------------------

    def _run(self, argv: Sequence[str], env: Mapping[str, str], what: str, timeout: float) -> None:
        log = self.home / "logs" / "setup.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            done = subprocess.run(list(argv), env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, cwd=REPO_ROOT, timeout=timeout, check=False)
        if done.returncode != 0:
            raise PlatformError(f"{what} failed (exit {done.returncode}); see {log}")

    def _wait(self, what: str, ready, procs: Sequence[Process], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in procs:
                if not alive(proc):
                    raise PlatformError(f"{proc.name} exited while starting; see {proc.log}")
            if ready():
                return
            time.sleep(0.5)
        raise PlatformError(f"{what} not ready within {timeout:.0f} s; logs in {self.home / 'logs'}")

    def health(self) -> dict[str, str]:
        """Each component's status as the API server's health endpoint reports it ({} when it is down)."""
        try:
            body = httpx.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
        except (httpx.HTTPError, ValueError):
            return {}
        return {name: (body.get(key) or {}).get("status", "unknown") for name, key in HEALTH_KEYS.items()}

    def up(self, timeout: float = 300, log=print) -> None:
        """Start localkube and Airflow, wait until all are healthy; idempotent while they run."""
        running = [p for p in self.processes() if alive(p)]
        if running:
            if {p.name for p in running} == {"localkube", *AIRFLOW_COMPONENTS}:
                log(f"already running (state {self.state_dir}); `down` stops it")
                return
            raise PlatformError(f"a partly running platform in {self.state_dir}: "
                                f"{', '.join(p.name for p in running)}; run `down` first")
        if _port_in_use(self.api_port):
            raise PlatformError(f"port {self.api_port} is in use; choose another with --port")
        env = {**os.environ, **self.env()}
        for path in (Path(env["AIRFLOW_HOME"]), Path(env["GOLIVE_HOME"]), self.kubeconfig.parent):
            path.mkdir(parents=True, exist_ok=True)
        started: list[Process] = []
        self._save_settings()
        try:
            self.kubeconfig.unlink(missing_ok=True)
            log("starting localkube…")
            started.append(self._spawn("localkube", self._argv("localkube"), env))
            self._record(started)
            self._wait("localkube", self.kubeconfig.exists, started, 60)
            log("migrating the Airflow metadata database…")
            self._run([airflow_executable(), "db", "migrate"], env, "airflow db migrate", timeout)
            self._run([airflow_executable(), "dags", "reserialize"], env, "airflow dags reserialize", timeout)
            for name in AIRFLOW_COMPONENTS:
                log(f"starting airflow {name}…")
                started.append(self._spawn(name, self._argv(name), env))
                self._record(started)
            self._wait("Airflow", lambda: set(self.health().values()) == {"healthy"}, started, timeout)
        except BaseException:
            self.down(log=lambda *_: None)
            raise

    # -- down ----------------------------------------------------------------------------------

    def down(self, timeout: float = 60, log=print) -> list[str]:
        """Stop the recorded processes (Airflow first, localkube last, which stops its pods); returns their names."""
        procs = self.processes()
        order = sorted(procs, key=lambda p: p.name == "localkube")
        stopped: list[str] = []
        for proc in order:
            if not alive(proc):
                continue
            log(f"stopping {proc.name} (pid {proc.pid})…")
            _signal_group(proc, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while alive(proc) and time.monotonic() < deadline:
                time.sleep(0.2)
            if alive(proc):
                _signal_group(proc, signal.SIGKILL)
            _reap(proc)
            stopped.append(proc.name)
        self._table.unlink(missing_ok=True)
        return stopped


    # -- faults: one component at a time ---------------------------------------------------------

    def component(self, name: str) -> Process:
        """The running process of component ``name`` (PlatformError when it is not running)."""
        self._argv(name)  # names a component, or says which exist
        for proc in self.processes():
            if proc.name == name and alive(proc):
                return proc
        raise PlatformError(f"{name} is not running in {self.state_dir}")

    def kill(self, name: str, sig: int = signal.SIGKILL, timeout: float = 30) -> list[int]:
        """Send ``sig`` to component ``name`` and every process it started, as when its container dies.

        The scheduler's descendants are its LocalExecutor workers and their task processes (each in
        its own process group), so they are found through their parents, not the group. With
        SIGKILL it waits until they are gone; returns the pids signalled.
        """
        proc = self.component(name)
        pids = [proc.pid, *sorted(find_processes(None, (proc.pid,)))]
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                continue
        if sig == signal.SIGKILL:
            deadline = time.monotonic() + timeout
            while alive(proc) and time.monotonic() < deadline:
                _reap(proc)
                time.sleep(0.1)
            _reap(proc)
        return pids

    def stop(self, name: str, timeout: float = 60) -> None:
        """Stop component ``name`` the way ``down`` does (SIGTERM, SIGKILL after ``timeout``)."""
        proc = self.component(name)
        _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while alive(proc) and time.monotonic() < deadline:
            _reap(proc)
            time.sleep(0.2)
        if alive(proc):
            self.kill(name)
        _reap(proc)

    def start(self, name: str, timeout: float = 300) -> Process:
        """Start component ``name`` again (it must not be running) and wait until it is healthy.

        localkube comes back on the port it served before (read from the kubeconfig it wrote), so the
        kubeconfig that Airflow and the pods hold stays right and a client that was polling reconnects.
        """
        if any(p.name == name and alive(p) for p in self.processes()):
            raise PlatformError(f"{name} is already running; stop or kill it first")
        port = _kubeconfig_port(self.kubeconfig) if name == "localkube" else 0
        proc = self._spawn(name, self._argv(name, localkube_port=port), {**os.environ, **self.env()})
        self._record([*(p for p in self.processes() if p.name != name), proc])
        if name == "localkube":
            self._wait("localkube", lambda: _kubeconfig_port(self.kubeconfig) == port and _port_in_use(port),
                       [proc], timeout)
        else:
            ready = (lambda: bool(self.health())) if name == "api-server" else (
                lambda: self.health().get(name) == "healthy")
            self._wait(f"airflow {name}", ready, [proc], timeout)
        return proc

    def restart(self, name: str, sig: int = signal.SIGTERM, timeout: float = 300) -> Process:
        """Stop component ``name`` (``sig``: SIGTERM for a clean stop, SIGKILL for a crash), start it again."""
        if sig == signal.SIGTERM:
            self.stop(name)
        else:
            self.kill(name, sig)
        return self.start(name, timeout=timeout)

    def task_processes(self, ti_id: str) -> list[int]:
        """The LocalExecutor processes running the task instance ``ti_id`` (the id the REST API shows):
        the worker supervising it and the task process, which Airflow titles with that id."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if title.startswith("airflow worker -- ") and title.rstrip().endswith(ti_id):
                found.append(int(entry.name))
        return sorted(found)

    def pod_processes(self, pod_uid: str) -> set[int]:
        """The processes of the localkube pod with ``metadata.uid`` ``pod_uid`` (they carry its marker)."""
        return find_processes((POD_MARKER_ENV, pod_uid))


def _kubeconfig_port(path: Path) -> int:
    """The port of the server a localkube kubeconfig names (0 when there is none yet)."""
    import yaml  # comes with the kubernetes client

    try:
        server = yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"]
    except (OSError, ValueError, KeyError, IndexError, TypeError, yaml.YAMLError):
        return 0
    return int(server.rsplit(":", 1)[1].split("/", 1)[0])


def _signal_group(proc: Process, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _reap(proc: Process) -> None:
    """Collect the exit status when ``up`` ran in this process (a test), so no zombie is left."""
    try:
        os.waitpid(proc.pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m golive_local.platform", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("up", "down", "status", "env"))
    parser.add_argument("--state-dir", type=Path, default=REPO_ROOT / "var",
                        help="Airflow home, ledger, localkube state and logs (default var/)")
    parser.add_argument("--port", type=int, default=8080,
                        help="API server port: UI and REST (default 8080)")
    parser.add_argument("--db-url", default=os.environ.get("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"),
                        help="Airflow metadata DB, e.g. postgresql+psycopg2://user@host/airflow (default SQLite)")
    parser.add_argument("--ledger-url", default=None,
                        help="golive ledger, e.g. postgresql+psycopg2://user@host/golive (default SQLite)")
    parser.add_argument("--parallelism", type=int, default=default_parallelism(),
                        help="LocalExecutor task slots (default: 4 per core, 8 to 32)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for a healthy platform")
    return parser


def _banner(platform: Platform) -> Iterator[str]:
    yield f"golive platform up: Airflow UI {platform.url}  (all users admin: a laptop default)"
    state = "" if platform.state_dir == REPO_ROOT / "var" else f" --state-dir {platform.state_dir}"
    yield (f"  trigger a go-live: curl -X POST {platform.url}/api/v2/dags/golive/dagRuns "
           """-H 'Content-Type: application/json' -d '{"logical_date": null, "conf": {}}'""")
    yield f'  airflow CLI in this shell: eval "$(.venv/bin/python -m golive_local.platform env{state})"'

    yield f"  logs: {platform.home / 'logs'}   ledger: {platform.ledger_sqlalchemy_url}"
    yield "  stop: ./scripts/down.sh"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m golive_local.platform``."""
    args = _parser().parse_args(argv)
    state_dir = args.state_dir.resolve()
    platform = Platform(state_dir=state_dir, api_port=args.port, db_url=args.db_url,
                        ledger_url=args.ledger_url, parallelism=args.parallelism)
    if args.command != "up":
        platform = Platform.started_in(state_dir) or platform
    if args.command == "env":
        for key, value in platform.env().items():
            print(f"export {key}={shlex.quote(value)}")
        return 0
    if args.command == "status":
        procs = platform.processes()
        for proc in procs:
            print(f"{proc.name:<14} pid {proc.pid:<8} {'running' if alive(proc) else 'stopped'}  {proc.log}")
        health = platform.health()
        print("health: " + (", ".join(f"{k} {v}" for k, v in health.items()) if health else "API server down"))
        return 0 if procs and all(alive(p) for p in procs) else 1
    try:
        if args.command == "up":
            platform.up(timeout=args.timeout, log=lambda m: print(m, flush=True))
            print("\n".join(_banner(platform)))
        else:
            stopped = platform.down(log=lambda m: print(m, flush=True))
            print(f"stopped {', '.join(stopped)}" if stopped else "nothing was running")
    except PlatformError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
