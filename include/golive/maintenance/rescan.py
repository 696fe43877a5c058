"""Rescan: the pins of a live application's deployed tree against the current advisory snapshot.

The dependencies are the security gate's (:func:`golive.analyzers.security.inventory.collect`: lockfiles,
requirements pins, exact ``package.json`` versions); the advisories are an OSV snapshot directory in the
shape of ``golive/data/osv`` (``snapshot.json`` naming one file of JSON lines per ecosystem), matched by
:func:`golive.analyzers.security.advisories.match_offline`. Each hit carries the fingerprint the security
gate gives the same finding, so what the go-live already knew is recognised.

An advisory is **new** when the go-live did not know it: when the go-live's security evaluation is
recorded, its fingerprint is not among that evaluation's findings; when none is, it was published after
the go-live. **reported**: new since the go-live, but an earlier maintenance run reported it already
(no second notification). **known**: the go-live knew it (waived or accepted then).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.analyzers.security.advisories import OSV_DIR, load_snapshot, match_offline, snapshot_info
from golive.analyzers.security.dependencies import fingerprint
from golive.analyzers.security.dependency import Dependency
from golive.analyzers.security.inventory import collect

NEW, REPORTED, KNOWN = "new", "reported", "known"


@dataclass(frozen=True)
class Advisory:
    """One vulnerability (aliases merged) affecting one pinned dependency of the deployed tree."""

    fingerprint: str
    package: str
    ecosystem: str
    version: str
    path: str
    line: int | None
    primary: str
    ids: tuple[str, ...]
    severity: str | None
    summary: str
    fixed: tuple[str, ...]
    published: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {**asdict(self), "ids": list(self.ids), "fixed": list(self.fixed)}


def parse_moment(text: str | None) -> datetime | None:
    """An OSV or ISO 8601 timestamp as an aware UTC datetime (None when empty or unreadable)."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def snapshot_records(directory: Path, ecosystems: Iterable[str]) -> dict[str, tuple[dict[str, Any], ...]]:
    """The records of each ecosystem's snapshot in ``directory`` (an ecosystem without one: none)."""
    return {eco: load_snapshot(eco, directory) for eco in sorted(set(ecosystems))}


def _published(records: Iterable[Mapping[str, Any]], ids: Collection[str]) -> str | None:
    """The earliest publication date among the records of one vulnerability."""
    moments = [m for m in (parse_moment(r.get("published")) for r in records if r.get("id") in ids) if m]
    return min(moments).isoformat() if moments else None


def scan(deps: Iterable[Dependency], records: Mapping[str, Iterable[dict[str, Any]]]) -> list[Advisory]:
    """Every advisory of ``records`` (per ecosystem) that affects a pinned one of ``deps``."""
    found: list[Advisory] = []
    for ecosystem, eco_records in sorted(records.items()):
        listed = list(eco_records)
        pinned = [d for d in deps if d.ecosystem == ecosystem and d.version is not None]
        for dep, vulns in match_offline(pinned, listed).items():
            for vuln in vulns:
                found.append(Advisory(
                    fingerprint=fingerprint(dep, vuln.primary), package=dep.name, ecosystem=dep.ecosystem,
                    version=str(dep.version), path=dep.path, line=dep.line, primary=vuln.primary,
                    ids=tuple(vuln.ids), severity=vuln.severity, summary=vuln.summary, fixed=tuple(vuln.fixed),
                    published=_published(listed, vuln.ids)))
    return sorted(found, key=lambda a: (a.ecosystem, a.package, a.version, a.primary))


def classify(advisory: Advisory, *, live_since: datetime | None, known_at_golive: Collection[str] | None,
             reported: Collection[str]) -> tuple[str, str]:
    """``(new | reported | known, why)`` of one advisory (see the module docstring).

    :param known_at_golive: the fingerprints of the go-live's security findings; None when that
        evaluation is not recorded (then the publication date decides).
    :param reported: fingerprints earlier maintenance runs reported.
    """
    if known_at_golive is not None:
        if advisory.fingerprint in known_at_golive:
            return KNOWN, "the go-live's security gate recorded it"
        why = "not among the go-live's security findings"
    else:
        published = parse_moment(advisory.published)
        if live_since is None or published is None:
            why = "no record of what the go-live knew" + ("" if published else ", publication date unknown")
        elif published <= live_since:
            return KNOWN, f"published {published.date()}, before the go-live of {live_since.date()}"
        else:
            why = f"published {published.date()}, after the go-live of {live_since.date()}"
    if advisory.fingerprint in reported:
        return REPORTED, f"{why}; an earlier maintenance run reported it"
    return NEW, why


def rescan(tree: Path, *, kind: str = "service", snapshot_dir: Path = OSV_DIR, live_since: datetime | None = None,
           known_at_golive: Collection[str] | None = None, reported: Collection[str] = ()) -> dict[str, Any]:
    """Rescan ``tree`` (the deployed version's source) against the snapshot in ``snapshot_dir``.

    Returns the advisories, each with its ``status`` and ``why``, the counts, which snapshot was read
    and the dependency files; ``checked`` is the number of pinned dependencies matched.
    """
    inventory = collect(tree, kind)
    ecosystems = {d.ecosystem for d in inventory.deps if d.version is not None}
    records = snapshot_records(snapshot_dir, ecosystems)
    advisories = []
    for advisory in scan(inventory.deps, records):
        status, why = classify(advisory, live_since=live_since, known_at_golive=known_at_golive, reported=reported)
        advisories.append({**advisory.as_dict(), "status": status, "why": why})
    missing = sorted(eco for eco, recs in records.items() if not recs)
    return {
        "advisories": advisories,
        "counts": {s: sum(1 for a in advisories if a["status"] == s) for s in (NEW, REPORTED, KNOWN)},
        "checked": sum(1 for d in inventory.deps if d.version is not None and d.ecosystem not in missing),
        "files": inventory.files, "no_snapshot": missing,
        "snapshot": {eco: snapshot_info(eco, snapshot_dir)["cite"] for eco in sorted(records) if records[eco]},
        "live_since": live_since.isoformat() if live_since else None,
    }
