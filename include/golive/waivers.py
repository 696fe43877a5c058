"""Waivers: accepted findings, applied when a gate is scored — never inside the analyzers.

An analyzer counts what it found (``sast_high`` = 2) and tags each finding it counted with that
measurement (``Finding.counts_toward``). Scoring matches the application profile's waivers
(``ApplicationProfile.waivers``: a finding's fingerprint, or a rule with an optional path glob, with
a reason, an owner and an expiry day) against the findings and recounts each measurement without the
findings an active waiver covers. The raw count stays in the analyzer's result (the ledger's
evaluation inputs) and in the criterion (``raw_value``); the waived count is the criterion's
``value``; every match is an :class:`golive.models.AppliedWaiver` of the verdict:

* ``active`` — on or before its expiry day: the finding stays in the results, the ledger and the
  report, marked with the waiver; the measurement it fed is recounted without it;
* ``expired`` — past its expiry day: the finding counts again, and the verdict says so;
* ``refused`` — it matched a finding of the secrets analyzer: a waiver can never hide a detected
  secret (rotate it, or audit a false positive in ``.secrets.baseline``).

This module reads the waivers through :class:`WaiverLike` (the profile's ``Waiver`` has that shape),
so the gates import no profile loading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from fnmatch import fnmatchcase
from typing import Protocol

from golive.models import AnalyzerResult, AppliedWaiver, Finding, WaiverStatus

#: Findings of these analyzers are never waived.
UNWAIVABLE_TOOLS = frozenset({"secrets"})


class WaiverLike(Protocol):
    """What scoring reads of a waiver (``golive.profile.model.Waiver``)."""

    @property
    def id(self) -> str | None: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def path(self) -> str | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def owner(self) -> str: ...
    @property
    def expires(self) -> date: ...


def describe(waiver: WaiverLike) -> str:
    """The waiver's target in words: ``id <fingerprint>`` or ``rule <rule>[ path <glob>]``."""
    target = f"id {waiver.id}" if waiver.id is not None else f"rule {waiver.rule}"
    return target + (f" path {waiver.path}" if waiver.path else "")


def rule_names(finding: Finding) -> set[str]:
    """The names a waiver's ``rule`` may give ``finding``'s rule: ``B324:hashlib``, ``B324``,
    ``bandit:B324:hashlib``, ``bandit:B324``."""
    short = finding.rule_id.split(":", 1)[0]
    return {finding.rule_id, short, f"{finding.tool}:{finding.rule_id}", f"{finding.tool}:{short}"}


def matches(waiver: WaiverLike, finding: Finding) -> bool:
    """True when ``waiver`` names ``finding`` (by fingerprint, or by rule within its path glob)."""
    if waiver.id is not None:
        hit = waiver.id == finding.fingerprint
    else:
        hit = waiver.rule is not None and waiver.rule in rule_names(finding)
    return hit and (waiver.path is None or fnmatchcase(finding.path or "", waiver.path))


def _applied(waiver: WaiverLike, finding: Finding, status: WaiverStatus, note: str) -> AppliedWaiver:
    return AppliedWaiver(waiver=describe(waiver), fingerprint=finding.fingerprint, tool=finding.tool,
                         rule_id=finding.rule_id, path=finding.path, line=finding.line,
                         measurement=finding.counts_toward, status=status, reason=waiver.reason,
                         owner=waiver.owner, expires=waiver.expires, note=note)


def apply_waivers(results: Iterable[AnalyzerResult], waivers: Sequence[WaiverLike],
                  on: date) -> list[AppliedWaiver]:
    """Match ``waivers`` against every finding of ``results`` as of the day ``on``.

    A finding gets at most one applied waiver: a refusal when it is a secret, else the first waiver
    that still holds, else the first expired one.
    """
    applied: list[AppliedWaiver] = []
    seen: set[str] = set()
    for result in results:
        for finding in result.findings:
            if finding.fingerprint in seen:
                continue
            named = [w for w in waivers if matches(w, finding)]
            if not named:
                continue
            seen.add(finding.fingerprint)
            holding = [w for w in named if on <= w.expires]
            if finding.tool in UNWAIVABLE_TOOLS:
                applied.append(_applied(named[0], finding, WaiverStatus.REFUSED,
                                        "refused: a waiver can never hide a detected secret"))
            elif holding:
                applied.append(_applied(holding[0], finding, WaiverStatus.ACTIVE, ""))
            else:
                applied.append(_applied(named[0], finding, WaiverStatus.EXPIRED,
                                        f"expired on {named[0].expires.isoformat()}: the finding counts again"))
    return applied


def waived_by_measurement(applied: Iterable[AppliedWaiver]) -> dict[str, list[AppliedWaiver]]:
    """The active waivers of findings that fed a measurement, by measurement."""
    out: dict[str, list[AppliedWaiver]] = {}
    for a in applied:
        if a.status is WaiverStatus.ACTIVE and a.measurement:
            out.setdefault(a.measurement, []).append(a)
    return out


def waived_detail(waived: Sequence[AppliedWaiver]) -> str:
    """``N waived (B324 at app/x.py:3 by team until 2030-01-31: reason; …)`` for a criterion's reason."""
    shown = "; ".join(f"{a.rule_id.split(':', 1)[0]} at {a.path}:{a.line} by {a.owner} until "
                      f"{a.expires.isoformat()}: {a.reason}" for a in waived[:5])
    more = f"; and {len(waived) - 5} more" if len(waived) > 5 else ""
    return f"{len(waived)} waived ({shown}{more})"


def waiver_reasons(applied: Iterable[AppliedWaiver]) -> list[str]:
    """One verdict reason per expired or refused waiver."""
    return [f"waiver {a.waiver} ({a.owner}) {a.note} — {a.rule_id} at {a.path}:{a.line}"
            for a in applied if a.status is not WaiverStatus.ACTIVE]
