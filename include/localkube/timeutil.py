"""Timestamps in the formats the Kubernetes API uses."""

from __future__ import annotations

import time
from datetime import UTC, datetime


def rfc3339(ts: float | None = None) -> str:
    """Seconds-precision RFC 3339 (``2024-05-01T12:00:00Z``), as in object timestamps."""
    value = time.time() if ts is None else ts
    return datetime.fromtimestamp(value, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_nano(ts: float) -> str:
    """RFC 3339 with nine fractional digits, as in ``kubectl logs --timestamps`` lines."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def rfc3339_micro(ts: float) -> str:
    """RFC 3339 with microseconds (``MicroTime``, used by ``eventTime``)."""
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 timestamp (any precision, ``Z`` or offset) to epoch seconds."""
    value = text.strip()
    if value.endswith("Z"):
        value = value[:-1] + "+00:00"
    if "." in value:
        head, _, rest = value.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits += rest[0]
            rest = rest[1:]
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    return datetime.fromisoformat(value).timestamp()
