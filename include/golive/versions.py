"""The order of an application's releases: one rule for the feedback analysis and the board's trends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from packaging.version import InvalidVersion, Version


def release_order_key(version: str, first_seen: datetime) -> tuple[int, Any, datetime]:
    """Sort key of a release: by version number (PEP 440, which reads ``1.2.0``, ``v1.2``, ``1.2.0rc1``),
    then — for a version that is no number (a branch, ``1.1.0-broken``) — after every numbered one, by when
    it was first seen."""
    try:
        return (0, Version(version), first_seen)
    except InvalidVersion:
        return (1, first_seen, first_seen)
