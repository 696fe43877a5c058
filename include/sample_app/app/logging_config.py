"""Logging to standard output, for the service and for uvicorn."""

from __future__ import annotations

import logging
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ServiceFormatter(logging.Formatter):
    """Plain-text formatter that shows uvicorn's server logger as ``uvicorn``.

    uvicorn names that logger ``uvicorn.error`` although it logs startup and
    shutdown at INFO; the rename keeps log scans for "error" meaningful.
    """

    def format(self, record: logging.LogRecord) -> str:
        """Format ``record`` after renaming ``uvicorn.error``."""
        if record.name == "uvicorn.error":
            record.name = "uvicorn"
        return super().format(record)


def build_log_config(level: str) -> dict[str, Any]:
    """Return a :func:`logging.config.dictConfig` mapping that writes everything to stdout.

    uvicorn's own access log is switched off: :class:`app.metrics.MetricsMiddleware`
    writes one line per request with the route template instead of the raw path.
    """
    handler = {"handlers": ["stdout"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"()": ServiceFormatter, "fmt": LOG_FORMAT}},
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stdout"}
        },
        "loggers": {
            "uvicorn": dict(handler),
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "app": dict(handler),
        },
    }
