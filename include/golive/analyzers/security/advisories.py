"""OSV advisories: which published vulnerabilities affect a pinned PyPI or npm dependency.

Records come from the snapshots shipped in ``golive/data/osv`` (``load_snapshot``, ``snapshot_info``,
``snapshot_index``; ``match_offline``), one per ecosystem listed in its ``snapshot.json``, or from the
OSV API (``match_online``: ``POST /v1/querybatch`` then ``GET /v1/vulns/{id}``; any failure is a
``ToolError``); the dependencies analyzer picks one.

PyPI versions are compared with ``packaging.version`` following the OSV ``ECOSYSTEM`` range semantics
(``introduced`` / ``fixed`` / ``last_affected``) and the explicit ``versions`` lists. npm versions are
compared as semver (``nodesemver``): OSV ``SEMVER`` ranges (the OSV API's GHSA records) by the same
event semantics, and the security-wg records by their own ranges (affected = in
``vulnerable_versions`` and not in ``patched_versions``, prereleases included). Withdrawn advisories
are ignored. Records that are aliases of each other (a PYSEC and its GHSA) are one ``Vulnerability``.
Severity: the GHSA ``database_specific.severity``, else the CVSS v3 base score of the record's vector,
or the security-wg ``cvss_score`` when higher, else None (the analyzer counts an unknown severity as HIGH).
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cmp_to_key, lru_cache
from pathlib import Path
from typing import Any

import nodesemver
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from golive.analyzers.security.dependency import NPM, PYPI, Dependency
from golive.settings import get_settings
from golive.tools import ToolError

OSV_DIR = Path(__file__).resolve().parents[2] / "data" / "osv"
_ORDER = {"LOW": 1, "MODERATE": 2, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}


def manifest(directory: Path = OSV_DIR) -> dict[str, Any]:
    """``snapshot.json``: per ecosystem the file, upstream repository, commit and commit date."""
    path = directory / "snapshot.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"ecosystems": {}}


def snapshot_ecosystems(directory: Path = OSV_DIR) -> tuple[str, ...]:
    """The ecosystems with a shipped snapshot."""
    return tuple(sorted(manifest(directory).get("ecosystems", {})))


@lru_cache(maxsize=8)
def load_snapshot(ecosystem: str = PYPI, directory: Path = OSV_DIR) -> tuple[dict[str, Any], ...]:
    """Every OSV record of ``ecosystem``'s snapshot (gzipped or plain JSON lines; for PyPI also the
    ``ghsa/`` records); () if none."""
    entry = manifest(directory).get("ecosystems", {}).get(ecosystem)
    if entry is None:
        return ()
    path = directory / entry["file"]
    with (gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")) as lines:
        records = [json.loads(line) for line in lines if line.strip()]
    if ecosystem == PYPI:
        records += [json.loads(p.read_text(encoding="utf-8")) for p in sorted((directory / "ghsa").glob("*.json"))]
    return tuple(records)


def index_records(records: Iterable[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Records by (ecosystem, normalized package name) of each ``affected`` entry."""
    index: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in records:
        keys = {(a.get("package", {}).get("ecosystem", ""), _normal(a.get("package", {}).get("ecosystem", ""),
                                                                      a.get("package", {}).get("name", "")))
                for a in record.get("affected", [])}
        for key in keys:
            index.setdefault(key, []).append(record)
    return index


@lru_cache(maxsize=8)
def snapshot_index(ecosystem: str = PYPI, directory: Path = OSV_DIR) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """``index_records`` of ``ecosystem``'s snapshot, built once per process."""
    return index_records(load_snapshot(ecosystem, directory))


def snapshot_info(ecosystem: str = PYPI, directory: Path = OSV_DIR) -> dict[str, Any]:
    """``ecosystem``'s manifest entry plus ``date`` (its commit date) and ``cite`` (what a verdict says)."""
    entry = dict(manifest(directory).get("ecosystems", {}).get(ecosystem) or {})
    if not entry:
        return {"date": "unknown", "cite": f"no {ecosystem} snapshot"}
    entry["date"] = str(entry["commit_date"])[:10]
    entry["cite"] = f"{ecosystem} advisories of {entry['date']} ({entry['source']} {entry['commit'][:12]})"
    return entry


def _normal(ecosystem: str, name: str) -> str:
    return canonicalize_name(name) if ecosystem == PYPI else name


def _parse(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


_SEMVER_KEY = cmp_to_key(lambda a, b: nodesemver.compare(a, b, True))


def _semver_key(version: str) -> Any:
    return _SEMVER_KEY(version) if nodesemver.valid(version, True) else None


def _in_range(version: Any, events: list[dict[str, str]], key: Callable[[str], Any] = _parse) -> bool:
    """OSV range semantics over ``events``, sorted by version (``key`` parses a version)."""
    keyed: list[tuple[Any, int, str]] = []
    for event in events:
        for kind, raw in event.items():
            if kind not in ("introduced", "fixed", "last_affected", "limit"):
                continue
            at = key("0.0.0" if key is _semver_key else "0") if raw == "0" else key(raw)
            if at is None:
                continue
            keyed.append((at, {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}[kind], kind))
    affected = False
    for at, _, kind in sorted(keyed, key=lambda item: (item[0], item[1])):
        if kind == "introduced" and version >= at:
            affected = True
        elif kind == "fixed" and version >= at:
            affected = False
        elif kind == "last_affected" and version > at:
            affected = False
        elif kind == "limit" and version >= at:
            affected = False
    return affected


def _npm_affects(affected: dict[str, Any], version: str) -> tuple[bool, list[str]]:
    """A security-wg entry (``vulnerable_versions`` / ``patched_versions``) or an OSV ``SEMVER`` range."""
    own = affected.get("database_specific") or {}
    if own.get("vulnerable_versions"):
        vulnerable = nodesemver.satisfies(version, own["vulnerable_versions"], loose=True, include_prerelease=True)
        patched = own.get("patched_versions")
        if patched and nodesemver.satisfies(version, patched, loose=True, include_prerelease=True):
            vulnerable = False
        return vulnerable, ([patched] if vulnerable and patched and patched != "<0.0.0" else [])
    hit = version in affected.get("versions", [])
    fixed: list[str] = []
    at = _semver_key(version)
    for rng in affected.get("ranges", []):
        if rng.get("type") == "SEMVER" and at is not None and _in_range(at, rng.get("events", []), _semver_key):
            hit = True
            fixed += [e["fixed"] for e in rng.get("events", []) if "fixed" in e]
    return hit, fixed


def affects(record: dict[str, Any], name: str, version: str, ecosystem: str = PYPI) -> tuple[bool, list[str]]:
    """Whether ``record`` affects package ``name`` of ``ecosystem`` at ``version``; also the fixed versions."""
    parsed = _parse(version)
    hit = False
    fixed: list[str] = []
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != ecosystem or _normal(ecosystem, package.get("name", "")) != name:
            continue
        if ecosystem == NPM:
            npm_hit, npm_fixed = _npm_affects(affected, version)
            hit, fixed = hit or npm_hit, fixed + npm_fixed
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
    """The record's severity: GHSA ``database_specific.severity``, else its highest CVSS rating, else None."""
    level = str((record.get("database_specific") or {}).get("severity") or "").upper()
    if level in _ORDER:
        return "MEDIUM" if level == "MODERATE" else level
    scores = [cvss3_base_score(e.get("score", "")) for e in record.get("severity") or [] if e.get("type") == "CVSS_V3"]
    stated = (record.get("database_specific") or {}).get("cvss_score")
    if isinstance(stated, int | float) and stated >= 0:  # security-wg: its stated score may exceed its vector's
        scores.append(float(stated))
    known = [s for s in scores if s is not None]
    return cvss_rating(max(known)) if known else None


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
        """The id to show first: a GHSA if there is one, else a PYSEC or NSWG, else the first id."""
        for prefix in ("GHSA-", "PYSEC-", "NSWG-"):
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
    fixed = sorted({f for m in members for f in fixed_by_id.get(m["id"], [])},
                   key=lambda v: (_parse(v) or Version("0"), v))
    return Vulnerability(ids=ids, aliases=aliases, summary=" ".join(summary.split())[:200], severity=severity,
                         fixed=fixed)


def group(records: Iterable[dict[str, Any]], fixed_by_id: dict[str, list[str]]) -> list[Vulnerability]:
    """Merge records that share an id or alias into vulnerabilities (withdrawn records are dropped)."""
    live = [r for r in records if not r.get("withdrawn")]
    result = [_merge(members, fixed_by_id) for members in _clusters(live)]
    return sorted(result, key=lambda v: (-_ORDER.get(v.severity or "", 0), v.primary))


def match_offline(deps: list[Dependency], records: Iterable[dict[str, Any]] | None = None
                  ) -> dict[Dependency, list[Vulnerability]]:
    """Vulnerabilities of each pinned dependency according to ``records`` (default: the shipped snapshots)."""
    given = index_records(records) if records is not None else None
    found: dict[Dependency, list[Vulnerability]] = {}
    for dep in deps:
        if dep.version is None:
            continue
        index = given if given is not None else snapshot_index(dep.ecosystem)
        hits, fixed_by_id = [], {}
        for record in {id(r): r for r in index.get((dep.ecosystem, dep.name), [])}.values():
            if record.get("withdrawn"):
                continue
            hit, fixed = affects(record, dep.name, dep.version, dep.ecosystem)
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
            query: dict[str, Any] = {"package": {"name": pinned[i].name, "ecosystem": pinned[i].ecosystem},
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
        vulns = group(hits, {r["id"]: affects(r, dep.name, dep.version or "", dep.ecosystem)[1] for r in hits})
        if vulns:
            found[dep] = vulns
    return found


def _check(response: Any, what: str) -> None:
    if response.status_code != 200:
        raise ToolError(f"the OSV API answered HTTP {response.status_code} to {what}: {response.text[:300]}")
