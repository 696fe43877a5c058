"""What golive tells people: notification events, their words, and where they go (``GOLIVE_NOTIFY``).

No Airflow here: the Airflow notifiers (``golive_airflow.notifiers``) send what this module renders.
A message carries the application, version, environment, gate, score, reasons and a link — never a
conf, a connection or a credential; every text is scrubbed of URL user-info and ``token=…`` values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from golive.errors import GoliveError
from golive.patterns import SECRET_ASSIGNMENT, URL_USERINFO

EventKind = Literal["gate_failed", "gate_warning", "approval_requested", "approval_refused", "rollback_done",
                    "golive_finished", "golive_overrun", "advisories_found"]
SinkKind = Literal["file", "webhook", "slack", "slackapi", "smtp"]
_CONN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
_CHANNEL = re.compile(r"^[#@]?[A-Za-z0-9_.-]{1,80}$")

_TITLES: dict[str, str] = {
    "gate_failed": "{gate} gate FAILED for {application} {version}",
    "gate_warning": "{gate} gate WARNING for {application} {version}: a human decides",
    "approval_requested": "approval requested: {application} {version} ({gate})",
    "approval_refused": "approval refused: {application} {version} ({gate})",
    "rollback_done": "rolled back: {application} {version}",
    "golive_finished": "go-live {status}: {application} {version}",
    "golive_overrun": "go-live overran its deadline: {application} {version}",
    "advisories_found": "new advisories for live {application} {version}",
}


class NotifyConfigError(GoliveError, ValueError):
    """``GOLIVE_NOTIFY`` names a sink golive cannot use."""


def scrub(text: str) -> str:
    """``text`` without URL user-info, ``password=…``/``token=…`` values and bearer tokens."""
    text = URL_USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)
    return SECRET_ASSIGNMENT.sub(
        lambda m: f"{m.group('name')}***" if m.group("name") else f"{m.group('bearer')}***", text)


class NotifyEvent(BaseModel):
    """One thing worth telling: a gate's FAIL or WARNING, an approval asked for, a rollback, the end."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: EventKind
    dag_id: str
    run_id: str
    application: str = "?"
    version: str = "?"
    environment: str = "-"
    gate: str | None = None
    status: str | None = None
    score: float | None = None
    threshold: float | None = None
    reasons: tuple[str, ...] = ()
    link: str | None = None
    detail: str = ""
    extra: dict[str, str | int | float | bool | None] = Field(default_factory=dict)

    @field_validator("dag_id", "run_id", "application", "version", "environment", "gate", "status", "link",
                     "detail")
    @classmethod
    def _scrubbed(cls, value: str | None) -> str | None:
        return scrub(value) if isinstance(value, str) else value

    @field_validator("reasons")
    @classmethod
    def _scrubbed_reasons(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(scrub(str(r)) for r in value)

    @field_validator("extra")
    @classmethod
    def _scrubbed_extra(cls, value: dict[str, Any]) -> dict[str, Any]:
        return {k: scrub(v) if isinstance(v, str) else v for k, v in value.items()}

    @property
    def title(self) -> str:
        """One line: what happened to which application and version."""
        return "golive: " + _TITLES[self.kind].format(
            gate=self.gate or "?", application=self.application, version=self.version,
            status=(self.status or "?").lower())

    def text(self) -> str:
        """The message in plain text (Markdown-friendly): title, facts, reasons, link."""
        lines = [self.title, f"environment {self.environment}; run {self.run_id} of {self.dag_id}"]
        if self.gate is not None and self.score is not None:
            threshold = f" (threshold {self.threshold:g})" if self.threshold is not None else ""
            lines.append(f"{self.gate} gate {self.status or ''}: score {self.score:.1f}{threshold}".replace("  ", " "))
        if self.detail:
            lines.append(self.detail)
        lines += [f"- {reason}" for reason in self.reasons]
        if self.link:
            lines.append(f"link: {self.link}")
        return "\n".join(lines)

    def payload(self) -> dict[str, Any]:
        """The JSON document of the file and webhook sinks (with the title and text)."""
        return {**self.model_dump(mode="json"), "title": self.title, "text": self.text()}


@dataclass(frozen=True)
class Sink:
    """One destination of ``GOLIVE_NOTIFY``: a kind and its target (a path or an Airflow connection id)."""

    kind: SinkKind
    target: str
    channel: str | None = None


def _sink(entry: str) -> Sink:
    scheme, sep, rest = entry.partition(":")
    if not sep or not rest:
        raise NotifyConfigError(f"GOLIVE_NOTIFY: {entry!r} is not kind:target")
    if scheme == "file":
        if not rest.startswith("///"):
            raise NotifyConfigError(f"GOLIVE_NOTIFY: {entry!r} must be file:///absolute/path")
        return Sink("file", rest[2:])
    if scheme == "slackapi":
        conn_id, _, channel = rest.partition("#")
        if not channel or not _CHANNEL.match(channel):
            raise NotifyConfigError(f"GOLIVE_NOTIFY: {entry!r} must be slackapi:<connection id>#<channel>")
        _check_conn(conn_id, entry)
        return Sink("slackapi", conn_id, channel if channel[0] in "#@" else f"#{channel}")
    if scheme in ("webhook", "slack", "smtp"):
        _check_conn(rest, entry)
        return Sink(scheme, rest)  # type: ignore[arg-type]  # narrowed by the membership test
    raise NotifyConfigError(
        f"GOLIVE_NOTIFY: unknown sink {scheme!r} in {entry!r}; use file, webhook, slack, slackapi or smtp")


def _check_conn(conn_id: str, entry: str) -> None:
    if not _CONN_ID.match(conn_id):
        raise NotifyConfigError(f"GOLIVE_NOTIFY: {conn_id!r} in {entry!r} is not an Airflow connection id")


def parse_sinks(text: str) -> list[Sink]:
    """``GOLIVE_NOTIFY`` (comma-separated ``kind:target``) as sinks.

    :raises NotifyConfigError: naming the entry that is wrong.
    """
    return [_sink(e.strip()) for e in text.split(",") if e.strip()]
