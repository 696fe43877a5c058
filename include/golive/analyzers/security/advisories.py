"""OSV advisories: which published vulnerabilities affect a pinned PyPI dependency.

Records come from the snapshot shipped in ``golive/data/osv`` (``load_snapshot``, ``snapshot_info``;
``match_offline``) or from the OSV API (``match_online``: ``POST /v1/querybatch`` then
``GET /v1/vulns/{id}``; any failure is a ``ToolError``); the dependencies analyzer picks one.

Versions are compared with ``packaging.version`` following the OSV ``ECOSYSTEM`` range semantics
(``introduced`` / ``fixed`` / ``last_affected``) and the explicit ``versions`` lists. Withdrawn
advisories are ignored. Records that are aliases of each other (a PYSEC and its GHSA) are one
``Vulnerability``. Severity: the GHSA ``database_specific.severity``, else the CVSS v3 base score of
the record's vector, else None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from golive.analyzers.security.requirements import Dependency
from golive.settings import get_settings
from golive.tools import ToolError

OSV_DIR = Path(__file__).resolve().parents[2] / "data" / "osv"
_ORDER = {"LOW": 1, "MODERATE": 2, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


@lru_cache(maxsize=4)
def load_snapshot(directory: Path = OSV_DIR) -> tuple[dict[str, Any], ...]:
    """Every OSV record (``*.json``) under ``directory``."""
    records = []
    for path in sorted(directory.rglob("*.json")):
        if path.name == "snapshot.json":
            continue
        records.append(json.loads(path.read_text(encoding="utf-8")))
    return tuple(records)


def snapshot_info(directory: Path = OSV_DIR) -> dict[str, Any]:
    """The snapshot's metadata (``snapshot.json``: date and sources)."""
    path = directory / "snapshot.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"date": "unknown"}


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV ECOSYSTEM range semantics over ``events``, sorted by version."""
    keyed: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, raw in event.items():
            if kind not in ("introduced", "fixed", "last_affected", "limit"):
                continue
            at = Version("0") if raw == "0" else _parse(raw)
            if at is None:
                continue
            keyed.append((at, {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}[kind], kind))
    affected = False
    for at, _, kind in sorted(keyed):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
        elif kind == "limit" and version >= at:
            affected = False
    return affected


def affects(record: dict[str, Any], name: str, version: str) -> tuple[bool, list[str]]:
    """Whether ``record`` affects PyPI package ``name`` at ``version``; also the fixed versions above it."""
    parsed = _parse(version)
    hit = False
    fixed: list[str] = []
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or canonicalize_name(package.get("name", "")) != name:
            continue
        listed = affected.get("versions", [])
        if version in listed or (parsed is not None and any(_parse(v) == parsed for v in listed)):
            hit = True
        for rng in affected.get("ranges", []):
            if rng.get("type") != "ECOSYSTEM" or parsed is None:
                continue
            if _in_range(parsed, rng.get("events", [])):
                hit = True
                fixed += [e["fixed"] for e in rng.get("events", []) if "fixed" in e
                          and (_parse(e["fixed"]) or Version("0")) > parsed]
    return hit, fixed


# -- CVSS v3 base score (FIRST CVSS v3.1 specification, section 7) ---------------------------------

_CVSS = {"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}, "AC": {"L": 0.77, "H": 0.44},
         "UI": {"N": 0.85, "R": 0.62}, "CIA": {"H": 0.56, "L": 0.22, "N": 0.0}}


def _roundup(value: float) -> float:
    scaled = round(value * 100000)
    return scaled / 100000.0 if scaled % 10000 == 0 else (math.floor(scaled / 10000) + 1) / 10.0


def cvss3_base_score(vector: str) -> float | None:
    """Base score of a ``CVSS:3.x/AV:…`` vector, or None when it is not a complete v3 vector."""
    if not vector.startswith("CVSS:3."):
        return None
    metrics = dict(part.split(":", 1) for part in vector.split("/")[1:] if ":" in part)
    try:
        changed = metrics["S"] == "C"
        pr = {"N": 0.85, "L": 0.68 if changed else 0.62, "H": 0.5 if changed else 0.27}[metrics["PR"]]
        iss = 1 - math.prod(1 - _CVSS["CIA"][metrics[k]] for k in ("C", "I", "A"))
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
        exploitability = 8.22 * _CVSS["AV"][metrics["AV"]] * _CVSS["AC"][metrics["AC"]] * pr \
            * _CVSS["UI"][metrics["UI"]]
    except KeyError:
        return None
    if impact <= 0:
        return 0.0
    total = 1.08 * (impact + exploitability) if changed else impact + exploitability
    return _roundup(min(total, 10.0))


def cvss_rating(score: float) -> str:
    """CVSS qualitative rating: NONE, LOW, MEDIUM, HIGH, CRITICAL."""
    if score >= 9.0:
        return "CRITICAL"
    if score >= 7.0:
        return "HIGH"
    if score >= 4.0:
        return "MEDIUM"
    return "LOW" if score > 0 else "NONE"


def record_severity(record: dict[str, Any]) -> str | None:
    """The record's severity: GHSA ``database_specific.severity``, else its CVSS v3 rating, else None."""
    level = str((record.get("database_specific") or {}).get("severity") or "").upper()
    if level in _ORDER:
        return "MEDIUM" if level == "MODERATE" else level
    for entry in record.get("severity") or []:
        if entry.get("type") == "CVSS_V3":
            score = cvss3_base_score(entry.get("score", ""))
            if score is not None:
                return cvss_rating(score)
    return None


# -- matching ---------------------------------------------------------------------------------------

@dataclass
class Vulnerability:
    """Advisories (aliases of one another) that affect one dependency."""

    ids: list[str]
    aliases: list[str]
    summary: str
    severity: str | None
    fixed: list[str]

    @property
    def primary(self) -> str:
        """The id to show first: a GHSA if there is one, else a PYSEC, else the first id."""
        for prefix in ("GHSA-", "PYSEC-"):
            for i in self.ids:
                if i.startswith(prefix):
                    return i
        return self.ids[0]


def _clusters(records: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Records connected by a shared id or alias (union-find)."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, record in enumerate(records):
        for key in [record["id"], *record.get("aliases", [])]:
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    clusters: dict[int, list[dict[str, Any]]] = {}
    for i, record in enumerate(records):
        clusters.setdefault(find(i), []).append(record)
    return list(clusters.values())


def _merge(members: list[dict[str, Any]], fixed_by_id: dict[str, list[str]]) -> Vulnerability:
    """One vulnerability from alias records: all ids, the highest known severity, the fixed versions."""
    ids = sorted(m["id"] for m in members)
    aliases = sorted({a for m in members for a in m.get("aliases", [])} - set(ids))
    levels = [s for s in (record_severity(m) for m in members) if s]
    severity = max(levels, key=lambda s: _ORDER.get(s, 0)) if levels else None
    summary = next((m["summary"] for m in members if m.get("summary")), "") or \
        next((m.get("details", "") for m in members), "")
    fixed = sorted({f for m in members for f in fixed_by_id.get(m["id"], [])}, key=lambda v: _parse(v) or Version("0"))
    return Vulnerability(ids=ids, aliases=aliases, summary=" ".join(summary.split())[:200], severity=severity,
                         fixed=fixed)


def group(records: Iterable[dict[str, Any]], fixed_by_id: dict[str, list[str]]) -> list[Vulnerability]:
    """Merge records that share an id or alias into vulnerabilities (withdrawn records are dropped)."""
    live = [r for r in records if not r.get("withdrawn")]
    result = [_merge(members, fixed_by_id) for members in _clusters(live)]
    return sorted(result, key=lambda v: (-_ORDER.get(v.severity or "", 0), v.primary))


def match_offline(deps: list[Dependency], records: Iterable[dict[str, Any]]) -> dict[Dependency, list[Vulnerability]]:
    """Vulnerabilities of each pinned dependency according to ``records``."""
    by_package: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        for affected in record.get("affected", []):
            package = affected.get("package", {})
            if package.get("ecosystem") == "PyPI":
                by_package.setdefault(canonicalize_name(package.get("name", "")), []).append(record)
    found: dict[Dependency, list[Vulnerability]] = {}
    for dep in deps:
        if dep.version is None:
            continue
        hits, fixed_by_id = [], {}
        for record in {id(r): r for r in by_package.get(dep.name, [])}.values():
            if record.get("withdrawn"):
                continue
            hit, fixed = affects(record, dep.name, dep.version)
            if hit:
                hits.append(record)
                fixed_by_id[record["id"]] = fixed
        if hits:
            found[dep] = group(hits, fixed_by_id)
    return found


def osv_base_url() -> str:
    """The OSV API base URL (``$GOLIVE_OSV_URL``; a full ``…/v1/querybatch`` URL is accepted too)."""
    url = get_settings().osv_url.rstrip("/")
    return url.removesuffix("/v1/querybatch").removesuffix("/v1")


def _query_ids(client: Any, base_url: str, pinned: list[Dependency]) -> list[list[str]]:
    """``POST /v1/querybatch`` (following ``next_page_token``): the advisory ids of each dependency."""
    ids_per_dep: list[list[str]] = [[] for _ in pinned]
    pending: list[tuple[int, str | None]] = [(i, None) for i in range(len(pinned))]
    while pending:
        queries = []
        for i, token in pending:
            query: dict[str, Any] = {"package": {"name": pinned[i].name, "ecosystem": "PyPI"},
                                     "version": pinned[i].version}
            if token:
                query["page_token"] = token
            queries.append(query)
        response = client.post(f"{base_url}/v1/querybatch", json={"queries": queries})
        _check(response, "querybatch")
        results = response.json().get("results", [])
        if len(results) != len(queries):
            raise ToolError(f"OSV querybatch at {base_url} answered {len(results)} results for "
                            f"{len(queries)} queries")
        next_pending = []
        for (i, _), result in zip(pending, results, strict=True):
            ids_per_dep[i] += [v["id"] for v in result.get("vulns", []) or []]
            if result.get("next_page_token"):
                next_pending.append((i, result["next_page_token"]))
        pending = next_pending
    return ids_per_dep


def match_online(deps: list[Dependency], base_url: str, timeout: float = 30.0) -> dict[Dependency, list[Vulnerability]]:
    """Ask the OSV API which advisories affect each pinned dependency; fetch each advisory once.

    :raises ToolError: any transport error or non-200 answer (the gate must not pass on a failed query).
    """
    import httpx

    pinned = [d for d in deps if d.version is not None]
    if not pinned:
        return {}
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False,
                          headers={"User-Agent": "golive-security-agent"}) as client:
            ids_per_dep = _query_ids(client, base_url, pinned)
            records: dict[str, dict[str, Any]] = {}
            for vuln_id in sorted({v for ids in ids_per_dep for v in ids}):
                response = client.get(f"{base_url}/v1/vulns/{vuln_id}")
                _check(response, f"vulns/{vuln_id}")
                records[vuln_id] = response.json()
    except httpx.HTTPError as exc:
        raise ToolError(f"the OSV API at {base_url} could not be queried: {type(exc).__name__}: {exc}") from exc
    except ValueError as exc:
        raise ToolError(f"the OSV API at {base_url} answered something that is not OSV JSON: {exc}") from exc
    found: dict[Dependency, list[Vulnerability]] = {}
    for dep, ids in zip(pinned, ids_per_dep, strict=True):
        hits = [records[i] for i in dict.fromkeys(ids)]
        vulns = group(hits, {r["id"]: affects(r, dep.name, dep.version or "")[1] for r in hits})
        if vulns:
            found[dep] = vulns
    return found


def _check(response: Any, what: str) -> None:
    if response.status_code != 200:
        raise ToolError(f"the OSV API answered HTTP {response.status_code} to {what}: {response.text[:300]}")
