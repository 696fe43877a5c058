"""The deployment strategies' errors."""

from __future__ import annotations

from golive.errors import GoliveError

__all__ = ["DeployError", "DeployInputError"]


class DeployError(GoliveError):
    """A deployment action could not be carried out; the message says what happened and what to do."""


class DeployInputError(DeployError):
    """The action's input is unusable (bad option, values the chart rejects); nothing was changed."""
