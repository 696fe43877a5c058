"""``python -m app``, its logging and the container health check."""

from __future__ import annotations

import logging
import logging.config
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

import app.__main__ as entrypoint
from app import healthcheck
from app.logging_config import ServiceFormatter, build_log_config

APP_ROOT = Path(__file__).resolve().parents[1]


def test_main_runs_uvicorn_with_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(entrypoint.uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    assert entrypoint.main() == 0
    ((app, kwargs),) = calls
    assert isinstance(app, FastAPI)
    assert (kwargs["host"], kwargs["port"]) == ("0.0.0.0", 9123)
    assert kwargs["server_header"] is False and kwargs["access_log"] is False
    assert kwargs["proxy_headers"] is False
    assert kwargs["log_config"]["loggers"]["app"]["level"] == "WARNING"


def test_main_reports_configuration_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    assert entrypoint.main() == 2
    assert "configuration error: PORT must be an integer" in capsys.readouterr().err


def test_log_config_writes_to_stdout_and_renames_uvicorn_error(capsys: pytest.CaptureFixture[str]) -> None:
    config = build_log_config("INFO")
    assert config["handlers"]["stdout"]["stream"] == "ext://sys.stdout"
    formatter = ServiceFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord("uvicorn.error", logging.INFO, __file__, 1, "Started", None, None)
    assert formatter.format(record) == "INFO uvicorn: Started"
    other = logging.LogRecord("app", logging.INFO, __file__, 1, "hello", None, None)
    assert formatter.format(other) == "INFO app: hello"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """``python -m app`` on a free loopback port, stopped after the test."""
    port = _free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "APP_VERSION": "4.5.6",
        "FAULT_MODE": "none",
        "LOG_LEVEL": "INFO",
        "ACCESS_LOG": "true",
    }
    env.pop("APP_SECRET_KEY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=APP_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not healthcheck.is_healthy("127.0.0.1", port, timeout=0.5):
            assert proc.poll() is None, proc.communicate()[0]
            assert time.monotonic() < deadline, "service did not become healthy"
            time.sleep(0.05)
        yield port, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_python_m_app_serves_and_logs_to_stdout(
    server: tuple[int, subprocess.Popen[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, proc = server
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", str(port))
    assert healthcheck.main() == 0
    proc.terminate()
    output = proc.communicate(timeout=10)[0]
    assert "starting inventory-service version=4.5.6 fault_mode=none" in output
    assert "GET /health 200" in output
    assert "ERROR" not in output and "uvicorn.error" not in output


def test_healthcheck_fails_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", str(_free_port()))
    assert healthcheck.main() == 1
    monkeypatch.setenv("PORT", "x")
    assert healthcheck.main() == 2


def test_probe_host_maps_wildcards_to_loopback() -> None:
    assert healthcheck.probe_host("0.0.0.0") == "127.0.0.1"
    assert healthcheck.probe_host("::") == "127.0.0.1"
    assert healthcheck.probe_host("") == "127.0.0.1"
    assert healthcheck.probe_host("127.0.0.5") == "127.0.0.5"
    assert healthcheck.probe_host("inventory.local") == "inventory.local"
