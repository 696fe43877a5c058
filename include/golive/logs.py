"""golive's log records: text, or one JSON object a line carrying the run's correlation id.

The correlation fields are ``run_id``, ``application`` and ``version``: inside an agent pod they come
from ``GOLIVE_RUN_ID`` / ``GOLIVE_APPLICATION`` / ``GOLIVE_VERSION`` (``AgentPodOperator`` sets them),
in an operator from the task's context (:class:`CorrelationAdapter`). Every message and string field
is scrubbed the way notifications are (``golive.notify.scrub``: URL user-info, ``token=…`` values,
bearer tokens), so a secret that slipped into a message never reaches the log.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping, MutableMapping
from datetime import UTC, datetime
from typing import Any

from golive.notify import scrub
from golive.settings import get_settings

__all__ = ["CORRELATION_FIELDS", "CorrelationAdapter", "JsonFormatter", "ScrubbingFormatter", "configure_logging"]

CORRELATION_FIELDS = ("run_id", "application", "version")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the correlation fields, the exception.

    :param correlation: the fields every record carries (a record's own ``run_id`` … attributes, set by
        :class:`CorrelationAdapter`, take precedence).
    """

    def __init__(self, correlation: Mapping[str, str | None] | None = None) -> None:
        super().__init__()
        self.correlation = {k: v for k, v in (correlation or {}).items() if v}

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON, secrets scrubbed."""
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        for name in CORRELATION_FIELDS:
            value = getattr(record, name, None) or self.correlation.get(name)
            if value:
                out[name] = scrub(str(value))
        if record.exc_info:
            out["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class ScrubbingFormatter(logging.Formatter):
    """The text format, secrets scrubbed from the message and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text, scrubbed."""
        return scrub(super().format(record))


def configure_logging(stream: Any = None) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in ``GOLIVE_LOG_FORMAT`` (text or json),
    with the pod's correlation fields, and golive's own loggers' from INFO up; returns the handler
    (replacing a previous golive one)."""
    settings = get_settings()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name("golive")
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter({"run_id": settings.run_id, "application": settings.application,
                                            "version": settings.version}))
    else:
        handler.setFormatter(ScrubbingFormatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "golive"]:
        root.removeHandler(old)
    root.addHandler(handler)
    ours = logging.getLogger("golive")
    if ours.level == logging.NOTSET:
        ours.setLevel(logging.INFO)  # golive's own INFO records; other libraries keep the root's WARNING
    return handler


class CorrelationAdapter(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A logger adapter putting the correlation fields on each record (as attributes, for
    :class:`JsonFormatter` and any structured handler) and in front of the message, for text logs.

    :param logger: the logger to wrap (an operator's ``self.log``).
    :param correlation: ``run_id``, ``application`` and ``version``.
    """

    def __init__(self, logger: Any, correlation: Mapping[str, Any]) -> None:
        fields = {k: str(correlation[k]) for k in CORRELATION_FIELDS if correlation.get(k)}
        super().__init__(logger, fields)
        self.prefix = " ".join(f"{k}={v}" for k, v in fields.items()).replace("%", "%%")

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        """Add the fields to the record's ``extra`` and prefix the message with them."""
        kwargs["extra"] = {**dict(self.extra or {}), **kwargs.get("extra", {})}
        return (f"[{self.prefix}] {msg}" if self.prefix else msg), kwargs
