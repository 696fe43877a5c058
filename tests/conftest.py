"""Shared fixtures. localkube's fixtures come from ``localkube.pytest_plugin``.

Services a test needs (PostgreSQL) are never skipped silently in CI: with ``CI=true`` a missing
service fails the test; on a laptop it is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Airflow reads its configuration at first import: point it at a throw-away home before anything
# imports it, with the same settings as the demo (golive_local.env).
# Each pytest-xdist worker is a session of its own (its own Airflow home, ledger and localkube): a
# worker inherits the controller's environment, so its state directory is made here, not inherited.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER or "GOLIVE_TEST_STATE" not in os.environ:
    os.environ["GOLIVE_TEST_STATE"] = tempfile.mkdtemp(prefix=f"golive-tests-{_WORKER or 'main'}-")
# the tests take copies of the vendored projects live from their temporary directories too
os.environ.setdefault("GOLIVE_SOURCE_ROOTS", os.pathsep.join([str(Path(__file__).resolve().parents[1]),
                                                               tempfile.gettempdir()]))
from golive_local.env import local_env  # noqa: E402 - must precede any airflow import
from golive_local.platform import free_port  # noqa: E402
from services import require_service  # noqa: E402 - tests/support: one rule for every missing service

for _key, _value in local_env(state_dir=Path(os.environ["GOLIVE_TEST_STATE"])).items():
    os.environ[_key] = _value
# One cache of the targets' test environments for the whole session (keyed by what each is built from),
# whatever GOLIVE_HOME a test uses: the sample app's environment is built once, not once per test.
# pytest-xdist's workers inherit the controller's (the cache takes a file lock per build): built once.
os.environ.setdefault("GOLIVE_ENV_CACHE_DIR", str(Path(os.environ["GOLIVE_TEST_STATE"]) / "envs"))

pytest_plugins = ["localkube.pytest_plugin"]

PG_ADMIN_URL = os.environ.get("GOLIVE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[str], str]]:
    """``make(purpose) -> URL`` of a fresh, empty PostgreSQL database (all dropped at session end)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def make(purpose: str = "test") -> str:
        name = f"golive_{purpose}_{uuid.uuid4().hex[:10]}"
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as exc:
            require_service("PostgreSQL", f"{PG_ADMIN_URL}: {exc}")
        made.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    yield make
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_url(postgres_database) -> str:
    """URL of a fresh, empty PostgreSQL database on the machine's server (dropped afterwards)."""
    return postgres_database("test")


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """``get_settings()`` is cached: each test starts and ends with it cleared, so the ``GOLIVE_*``
    variables a test sets (before its first use of the settings) are the ones it reads."""
    from golive.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def _ledger_template(tmp_path_factory) -> Path:
    """An empty embedded ledger at the newest schema, migrated once for the session."""
    from golive.ledger import Ledger

    path = tmp_path_factory.mktemp("ledger-template") / "ledger.sqlite"
    Ledger.from_url(f"sqlite:///{path}").engine.dispose()
    return path


@pytest.fixture
def golive_home(tmp_path, monkeypatch, _ledger_template) -> Iterator[object]:
    """An isolated GOLIVE_HOME (embedded ledger, reports) for one test; its empty ledger is a copy of
    one migrated once per session (a migration costs about a second)."""
    from golive.settings import get_settings

    home = tmp_path / "golive"
    home.mkdir(mode=0o700)
    shutil.copyfile(_ledger_template, home / "ledger.sqlite")
    (home / "ledger.sqlite").chmod(0o600)
    monkeypatch.setenv("GOLIVE_HOME", str(home))
    monkeypatch.delenv("GOLIVE_LEDGER_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "golive"
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def airflow_db() -> dict[str, str]:
    """A migrated Airflow metadata DB (SQLite, in the session's throw-away AIRFLOW_HOME) with the
    golive DAGs serialized; returns the environment for Airflow subprocesses."""
    import subprocess

    from golive_local.env import airflow_executable

    env = dict(os.environ)
    for args in (["db", "migrate"], ["dags", "reserialize"]):
        out = subprocess.run([airflow_executable(), *args], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"airflow {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return env


@dataclass
class SampleApp:
    """A running copy of the bundled sample application (a process group of its own)."""

    name: str
    url: str
    proc: subprocess.Popen
    log: Path

    def log_text(self) -> str:
        """What the app printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Terminate the process group (kill it if it lingers)."""
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


@pytest.fixture(scope="session")
def sample_app_factory(tmp_path_factory) -> Iterator[Callable[..., SampleApp]]:
    """Start the sample app as a process: ``start(name, wait=True, **env) -> SampleApp``.

    Defaults: version 1.0.0, no rate limit worth hitting (100000/min); ``env`` overrides
    (``FAULT_MODE=errors``, ``RATE_LIMIT_PER_MINUTE=600`` …). Every app is stopped at session end.
    """
    import httpx

    from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE

    started: list[SampleApp] = []
    logs = tmp_path_factory.mktemp("sample-apps")

    def wait_ready(app: SampleApp, timeout: float = 60) -> SampleApp:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if app.proc.poll() is not None:
                pytest.fail(f"sample app {app.name} exited with {app.proc.returncode}:\n{app.log_text()[-3000:]}")
            try:
                if httpx.get(f"{app.url}/health", timeout=1).status_code == 200:
                    return app
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        pytest.fail(f"sample app {app.name} did not answer /health within {timeout:.0f} s:\n{app.log_text()[-3000:]}")

    def start(name: str = "app", *, wait: bool = True, **env: str) -> SampleApp:
        port = free_port()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("FAULT_", "APP_", "RATE_LIMIT"))}
        full_env = {**base, "HOST": "127.0.0.1", "PORT": str(port), "APP_VERSION": "1.0.0",
                    "RATE_LIMIT_PER_MINUTE": "100000", "ACCESS_LOG": "false", "PYTHONDONTWRITEBYTECODE": "1",
                    "PYTHONUNBUFFERED": "1", **env}
        log = logs / f"{name}-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=SAMPLE_APP_SOURCE, env=full_env, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        app = SampleApp(name, f"http://127.0.0.1:{port}", proc, log)
        started.append(app)
        return wait_ready(app) if wait else app

    start.wait_ready = wait_ready  # type: ignore[attr-defined]
    yield start
    for app in started:
        app.stop()
