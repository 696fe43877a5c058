"""The error of a lockfile that cannot be read."""

from __future__ import annotations

from golive.errors import GoliveError


class LockfileError(GoliveError):
    """A lockfile that is not valid TOML/JSON or not in the format its name says."""
