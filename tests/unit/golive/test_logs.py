"""golive's log records: JSON with the correlation id (from the pod's environment or bound by an
operator), secrets scrubbed; text otherwise."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest
import structlog

from golive.logs import CorrelationAdapter, JsonFormatter, configure_logging
from golive_airflow.correlation import correlated_log


@pytest.fixture(autouse=True)
def _golive_logger_level():
    """``configure_logging`` sets the golive logger's level: put it back for the other tests."""
    ours = logging.getLogger("golive")
    level = ours.level
    yield
    ours.setLevel(level)


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("golive.test", logging.WARNING, __file__, 1, message, args, None)


def test_a_record_becomes_json_with_the_correlation_fields_and_no_secret():
    formatter = JsonFormatter({"run_id": "manual__1", "application": "shop", "version": "1.2.0"})
    line = formatter.format(_record("cloning %s with token=%s", "https://bot:ghp_s3cr3t@github.com/a/b", "abc123"))
    out = json.loads(line)
    assert out["run_id"] == "manual__1" and out["application"] == "shop" and out["version"] == "1.2.0"
    assert out["level"] == "WARNING" and out["logger"] == "golive.test"
    assert out["message"] == "cloning https://***@github.com/a/b with token=***"
    assert "ghp_s3cr3t" not in line and "abc123" not in line


def test_configure_logging_reads_the_format_and_the_pod_environment(monkeypatch):
    monkeypatch.setenv("GOLIVE_LOG_FORMAT", "json")
    monkeypatch.setenv("GOLIVE_RUN_ID", "scheduled__2")
    monkeypatch.setenv("GOLIVE_APPLICATION", "cart")
    monkeypatch.setenv("GOLIVE_VERSION", "2.0.0")
    stream = io.StringIO()
    handler = configure_logging(stream)
    try:
        logging.getLogger("golive.agents.quality").info("scored %d criteria", 3)
    finally:
        logging.getLogger().removeHandler(handler)
    out = json.loads(stream.getvalue().splitlines()[-1])
    assert (out["run_id"], out["application"], out["version"], out["message"]) == (
        "scheduled__2", "cart", "2.0.0", "scored 3 criteria")


def test_text_logs_are_scrubbed_too(monkeypatch):
    monkeypatch.setenv("GOLIVE_LOG_FORMAT", "text")
    stream = io.StringIO()
    handler = configure_logging(stream)
    try:
        logging.getLogger("golive.x").warning("Authorization: Bearer eyJabc.def")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "eyJabc" not in stream.getvalue() and "Bearer ***" in stream.getvalue()


def test_operators_bind_the_correlation_fields():
    context = {"ti": SimpleNamespace(run_id="manual__7")}
    request = {"application": "shop", "version": "1.2.0", "ref": "main"}
    bound = correlated_log(structlog.get_logger("golive.op"), context, request)
    assert structlog.get_context(bound) == {"run_id": "manual__7", "application": "shop", "version": "1.2.0"}
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    std = logging.getLogger("golive.op.std")
    std.addHandler(handler)
    try:
        adapter = correlated_log(std, context, request)
        assert isinstance(adapter, CorrelationAdapter)
        adapter.warning("verdict %s", "PASS")
    finally:
        std.removeHandler(handler)
    out = json.loads(stream.getvalue())
    assert out["message"] == "[run_id=manual__7 application=shop version=1.2.0] verdict PASS"
    assert (out["run_id"], out["application"], out["version"]) == ("manual__7", "shop", "1.2.0")
