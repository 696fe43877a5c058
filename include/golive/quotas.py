"""Per-application quotas (``GOLIVE_QUOTAS``), checked at the door of a go-live before any side effect.

Syntax: ``shop=runs_per_day:10,cpu_seconds_per_day:20000;default=runs_per_day:50`` — per application
(or ``default`` for every application not named), comma-separated ``limit:value`` pairs. Limits:

* ``runs_per_day``: accepted go-lives in the last 24 h (rejected and refused runs do not count);
* ``pods_per_day``: agent pods in the last 24 h;
* ``cpu_seconds_per_day``: requested CPU-seconds (cores requested × wall seconds) in the last 24 h;
* ``gpu_seconds_per_day``: GPU-seconds (GPUs requested × wall seconds) in the last 24 h.

A run is refused when the application's use has already reached a limit. An application without
an entry and no ``default`` has no quota. Use is read from the ledger (``Ledger.usage_since``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from golive.errors import GoliveError
from golive.patterns import DNS1123_LABEL, MAX_APP_LENGTH

WINDOW = timedelta(hours=24)
DEFAULT = "default"
Limit = Literal["runs_per_day", "pods_per_day", "cpu_seconds_per_day", "gpu_seconds_per_day"]
#: The ``Ledger.usage_since`` figure each limit is checked against.
USE_OF: dict[str, str] = {"runs_per_day": "runs", "pods_per_day": "pods", "cpu_seconds_per_day": "cpu_seconds",
                          "gpu_seconds_per_day": "gpu_seconds"}


class QuotaError(GoliveError, ValueError):
    """``GOLIVE_QUOTAS`` cannot be parsed."""


class QuotaExceeded(GoliveError):
    """An application has used up a quota: the go-live is refused.

    :param application: the application.
    :param limit: the quota's name (``runs_per_day`` …).
    :param used: what the application used in the window.
    :param allowed: the quota's value.
    """

    def __init__(self, application: str, limit: str, used: float, allowed: float) -> None:
        self.application, self.limit, self.used, self.allowed = application, limit, used, allowed
        super().__init__(f"quota {limit} of application {application!r} is used up: {used:g} used in the last "
                         f"24 h, limit {allowed:g} (GOLIVE_QUOTAS)")


class Quota(BaseModel):
    """The limits of one application (None: no limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    runs_per_day: int | None = Field(default=None, ge=0)
    pods_per_day: int | None = Field(default=None, ge=0)
    cpu_seconds_per_day: float | None = Field(default=None, ge=0)
    gpu_seconds_per_day: float | None = Field(default=None, ge=0)

    def limits(self) -> dict[str, float]:
        """The limits that are set."""
        return {k: float(v) for k, v in self.model_dump().items() if v is not None}


class QuotaPolicy(BaseModel):
    """Every application's quota, ``default`` for the others."""

    model_config = ConfigDict(frozen=True)

    quotas: dict[str, Quota] = Field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> QuotaPolicy:
        """Parse the ``GOLIVE_QUOTAS`` syntax.

        :raises QuotaError: naming the entry and what is wrong with it.
        """
        quotas: dict[str, Quota] = {}
        for entry in (e.strip() for e in text.split(";")):
            if not entry:
                continue
            name, sep, body = entry.partition("=")
            name = name.strip()
            if not sep or not name:
                raise QuotaError(f"GOLIVE_QUOTAS: entry {entry!r} must be application=limit:value,…")
            if name != DEFAULT and (len(name) > MAX_APP_LENGTH or not re.match(DNS1123_LABEL, name)):
                raise QuotaError(f"GOLIVE_QUOTAS: {name!r} is not an application name")
            if name in quotas:
                raise QuotaError(f"GOLIVE_QUOTAS: application {name!r} is named twice")
            values: dict[str, str] = {}
            for pair in (p.strip() for p in body.split(",")):
                key, colon, value = pair.partition(":")
                if not colon or not key.strip() or not value.strip():
                    raise QuotaError(f"GOLIVE_QUOTAS: {name}: {pair!r} must be limit:value")
                values[key.strip()] = value.strip()
            try:
                quotas[name] = Quota.model_validate(values)
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
                raise QuotaError(f"GOLIVE_QUOTAS: {name}: {problems}") from None
        return cls(quotas=quotas)

    def quota_of(self, application: str) -> Quota | None:
        """The application's quota (its own entry, else ``default``, else None)."""
        return self.quotas.get(application) or self.quotas.get(DEFAULT)

    def check(self, application: str, used: Mapping[str, float]) -> None:
        """Refuse when ``used`` (``Ledger.usage_since``'s figures) has reached one of the application's limits.

        :raises QuotaExceeded: the first limit that is reached.
        """
        quota = self.quota_of(application)
        for limit, allowed in (quota.limits() if quota else {}).items():
            value = float(used.get(USE_OF[limit], 0.0))
            if value >= allowed:
                raise QuotaExceeded(application, limit, value, allowed)


def window_start(reference: datetime) -> datetime:
    """Where the quota window of a run whose reference time is ``reference`` starts."""
    return reference - WINDOW
