"""A PostgreSQL server of a test's own, which the test may stop and restart without touching the
machine's shared server (Airflow's metadata DB and the other tests use that one).

``initdb`` + ``pg_ctl`` from the server's binaries (``GOLIVE_TEST_PG_BIN``, else the newest
``/usr/lib/postgresql/*/bin``), trust authentication on 127.0.0.1 and a free port. PostgreSQL refuses
to run as root: as root the server runs as the ``postgres`` user, in a data directory of its own
under the system temporary directory (a pytest tmp dir of root is not reachable for that user).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binaries() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (None when PostgreSQL's server is not installed)."""
    if configured := os.environ.get("GOLIVE_TEST_PG_BIN"):
        return Path(configured)
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


class PrivatePostgres:
    """One PostgreSQL cluster in a temporary directory: ``start``, ``stop``, ``url(db)``.

    :param bindir: where ``initdb`` and ``pg_ctl`` are.
    """

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = _free_port()
        self._user = "postgres" if os.geteuid() == 0 else None
        self.root = Path(tempfile.mkdtemp(prefix="golive-private-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        if self._user:
            owner = pwd.getpwnam(self._user)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._as_server([str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                         "--no-sync", "-E", "UTF8"], timeout=120)

    def _as_server(self, argv: list[str], timeout: float) -> str:
        done = subprocess.run(argv, user=self._user, capture_output=True, text=True, timeout=timeout,
                              check=False, cwd=self.root, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stdout[-2000:]}{done.stderr[-2000:]}"
                               f"{self.log.read_text()[-2000:] if self.log.exists() else ''}")
        return done.stdout

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._as_server([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                         "-w", "-t", "60", "start"], timeout=90)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: clients are disconnected, as in a restart by an operator;
        ``immediate``: as in a crash)."""
        self._as_server([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], timeout=90)

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create ``name``; returns its URL."""
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)

    def close(self) -> None:
        """Stop the server (if it runs) and remove its directory."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_private_postgres() -> Iterator[PrivatePostgres]:
    """A started private server, closed afterwards; no server binaries is a missing service (CI fails)."""
    from services import require_service

    bindir = server_binaries()
    if bindir is None:
        require_service("PostgreSQL server binaries", "no /usr/lib/postgresql/*/bin/pg_ctl (set GOLIVE_TEST_PG_BIN)")
    server = PrivatePostgres(bindir)
    try:
        server.start()
        yield server
    finally:
        server.close()
