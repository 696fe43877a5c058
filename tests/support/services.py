"""What a test does when a service it needs is missing: fail in CI, skip (with the reason) elsewhere."""

from __future__ import annotations

import os

import pytest


def require_service(name: str, reason: str) -> None:
    """Fail in CI, skip elsewhere: a test that needs ``name`` cannot run."""
    message = f"{name} is not available: {reason}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message} (CI=true: required services must run)")
    pytest.skip(message)
