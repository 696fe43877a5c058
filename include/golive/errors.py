"""The base of golive's domain errors (one home: every golive error derives from ``GoliveError``)."""

from __future__ import annotations


class GoliveError(Exception):
    """Base class of every golive domain error; carries what a user needs to act."""
