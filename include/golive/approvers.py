"""Who may approve a go-live: approvers per environment and separation of duties.

``GOLIVE_APPROVERS`` is ``environment=users`` pairs separated by ``;`` — ``prod=alice,bob;staging=*``.
A user is the id the Airflow auth manager reports (the simple auth manager: the username; FAB: the
numeric user id, written ``7:alice`` to show a name), ``*`` is anyone allowed to answer the task.
``default=…`` covers the environments not named; an environment neither named nor covered by a
default is open to anyone (the laptop default). ``GOLIVE_SEPARATION_OF_DUTIES`` names the environments
(default ``prod``) whose triggering user may not approve their own go-live.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from golive.errors import GoliveError

ANYONE = "*"
DEFAULT_KEY = "default"
ENVIRONMENTS = ("dev", "staging", "prod")


class ApproverPolicyError(GoliveError, ValueError):
    """The approver configuration is malformed, or leaves a question without anyone to answer it."""


class Approver(TypedDict):
    """One assignee of an Airflow HITL task (the shape of ``HITLUser``)."""

    id: str
    name: str


def _approver(entry: str, where: str) -> Approver:
    user_id, _, name = entry.partition(":")
    user_id, name = user_id.strip(), name.strip()
    if not user_id or ANYONE in entry or any(ch.isspace() for ch in user_id):
        raise ApproverPolicyError(f"GOLIVE_APPROVERS: {entry!r} in {where} is not a user id")
    return Approver(id=user_id, name=name or user_id)


def _parse_users(text: str, where: str) -> tuple[Approver, ...] | None:
    entries = [e.strip() for e in text.split(",") if e.strip()]
    if not entries:
        raise ApproverPolicyError(f"GOLIVE_APPROVERS: {where} names no approver (use * for anyone)")
    if ANYONE in entries:
        if len(entries) > 1:
            raise ApproverPolicyError(f"GOLIVE_APPROVERS: {where} mixes * with named users")
        return None
    return tuple(_approver(e, where) for e in entries)


def _parse_environments(text: str, setting: str) -> frozenset[str]:
    names = frozenset(e.strip() for e in text.split(",") if e.strip())
    unknown = sorted(names - set(ENVIRONMENTS))
    if unknown:
        raise ApproverPolicyError(f"{setting}: unknown environment(s) {unknown}; known: {list(ENVIRONMENTS)}")
    return names


@dataclass(frozen=True)
class ApproverPolicy:
    """Approvers per environment (``None``: anyone) and where the triggering user may not approve."""

    approvers: Mapping[str, tuple[Approver, ...] | None] = field(default_factory=dict)
    separation_of_duties: frozenset[str] = frozenset({"prod"})

    @classmethod
    def parse(cls, approvers: str, separation_of_duties: str = "prod") -> ApproverPolicy:
        """Read ``GOLIVE_APPROVERS`` and ``GOLIVE_SEPARATION_OF_DUTIES``.

        :raises ApproverPolicyError: naming the setting and the part that is wrong.
        """
        table: dict[str, tuple[Approver, ...] | None] = {}
        for part in (p.strip() for p in approvers.split(";")):
            if not part:
                continue
            env, sep, users = part.partition("=")
            env = env.strip()
            if not sep or env not in (*ENVIRONMENTS, DEFAULT_KEY):
                raise ApproverPolicyError(
                    f"GOLIVE_APPROVERS: {part!r} is not environment=users (environment one of "
                    f"{[*ENVIRONMENTS, DEFAULT_KEY]})")
            if env in table:
                raise ApproverPolicyError(f"GOLIVE_APPROVERS: {env} is named twice")
            table[env] = _parse_users(users, env)
        return cls(table, _parse_environments(separation_of_duties, "GOLIVE_SEPARATION_OF_DUTIES"))

    def approvers_for(self, environment: str | None) -> tuple[Approver, ...] | None:
        """The configured approvers of ``environment`` (``None``: anyone may answer)."""
        key = environment if environment is not None and environment in self.approvers else DEFAULT_KEY
        return self.approvers.get(key)

    def triggerer_excluded(self, environment: str | None) -> bool:
        """True when the user who triggered a go-live to ``environment`` may not approve it."""
        return environment in self.separation_of_duties

    def assigned_users(self, environment: str | None, triggerer: str | None) -> list[Approver] | None:
        """The HITL ``assigned_users`` of a question about a go-live to ``environment`` (``None``: anyone):
        the configured approvers less the triggering user where separation of duties applies.

        :raises ApproverPolicyError: only the triggering user could have answered.
        """
        named = self.approvers_for(environment)
        if named is None:
            return None
        allowed = [a for a in named if not (self.triggerer_excluded(environment) and _is(a, triggerer))]
        if not allowed:
            raise ApproverPolicyError(
                f"GOLIVE_APPROVERS: no one may approve this {environment} go-live — its only approver "
                f"{triggerer!r} triggered it (separation of duties); add another approver")
        return allowed

    def refusal(self, environment: str | None, triggerer: str | None, responder: Approver, *,
                approving: bool) -> str | None:
        """Why ``responder``'s answer about a go-live to ``environment`` may not stand; ``None`` if it may.

        Someone not among the named approvers may not answer at all; the triggering user may reject
        their own go-live but, where separation of duties applies, not approve it.
        """
        named = self.approvers_for(environment)
        if named is not None and not any(a["id"] == responder["id"] for a in named):
            return f"{responder['name']} is not an approver for {environment or 'this environment'}"
        if approving and self.triggerer_excluded(environment) and _is(responder, triggerer):
            return (f"{responder['name']} triggered this {environment} go-live and may not approve it "
                    "(separation of duties)")
        return None


def _is(user: Approver, name: str | None) -> bool:
    return bool(name) and name in (user["id"], user["name"])
