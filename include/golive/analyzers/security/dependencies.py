"""The dependencies analyzer: the target's pinned requirements against OSV advisories.

Declarations read: every ``requirements*.txt`` / ``constraints*.txt`` (and ``requirements/*.txt``)
of the tree, following ``-r``/``-c`` includes inside the tree, ``[project] dependencies`` and
``optional-dependencies`` of the root ``pyproject.toml``, and a literal ``install_requires`` list in
``setup.py``. A requirement pinned with ``==`` is checked; anything else cannot be audited (the
version that gets installed is unknown) and is reported as a LOW finding.

Advisories come from one of two sources, named in the measurement's detail:

* ``offline`` (default): the OSV records shipped in ``golive/data/osv`` (see its ``SNAPSHOT.md``:
  PYSEC records of the PyPA advisory database and GitHub-reviewed GHSA records, with their date).
  A snapshot cannot know what was published after it — the date is reported with every result.
* ``online`` (``GOLIVE_OSV_MODE=online``): the OSV API (``$GOLIVE_OSV_URL``, default
  ``https://api.osv.dev``): ``POST /v1/querybatch`` then ``GET /v1/vulns/{id}``. Any failure of the
  API is a tool error (no-data), never a pass.

Versions are compared with ``packaging.version`` following the OSV ``ECOSYSTEM`` range semantics
(``introduced`` / ``fixed`` / ``last_affected``) and the explicit ``versions`` lists. Withdrawn
advisories are ignored. Records that are aliases of each other (a PYSEC and its GHSA) are one
vulnerability. Severity: the GHSA ``database_specific.severity``, else the CVSS v3 base score of the
record's vector; a vulnerability with neither counts as "other" and says so.
"""

from __future__ import annotations

import ast
import json
import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from golive.analyzers.base import Context
from golive.analyzers.files import walk_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError, tool_version

OSV_DIR = Path(__file__).resolve().parents[2] / "data" / "osv"
HIGH_LEVELS = ("HIGH", "CRITICAL")
_ORDER = {"LOW": 1, "MODERATE": 2, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
_TO_SEVERITY = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM,
                "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}
_REQ_FILE = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$", re.IGNORECASE)


@dataclass(frozen=True)
class Dependency:
    """One declared requirement: normalized name, pinned version (or None) and where it is declared."""

    name: str
    version: str | None
    spec: str
    path: str
    line: int | None


# -- declarations -----------------------------------------------------------------------------------

def _requirement(text: str, path: str, line: int | None, notes: list[str]) -> Dependency | None:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        notes.append(f"{path}:{line}: unreadable requirement {text!r}: {exc}")
        return None
    if req.marker is not None:
        try:
            if not req.marker.evaluate():
                return None
        except Exception:  # an unknown marker variable: keep the requirement
            pass
    version = None
    specs = list(req.specifier)
    if req.url is None and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    return Dependency(name=canonicalize_name(req.name), version=version, spec=str(req), path=path, line=line)


def _requirements_file(root: Path, rel: str, seen: set[str], notes: list[str]) -> Iterator[Dependency]:
    if rel in seen:
        return
    seen.add(rel)
    path = (root / rel).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        notes.append(f"{rel}: included requirements file not found inside the tree")
        return
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buffer:
            start = number
        if text.endswith("\\"):
            buffer += text[:-1] + " "
            continue
        buffer += text
        if buffer.strip():
            logical.append((start, buffer.strip()))
        buffer = ""
    for number, text in logical:
        if text.startswith(("-r ", "-c ", "--requirement", "--constraint")):
            target = re.split(r"[\s=]+", text, maxsplit=1)[1].strip()
            yield from _requirements_file(root, (Path(rel).parent / target).as_posix(), seen, notes)
            continue
        if text.startswith("-"):
            if text.startswith(("-e", "--editable")):
                notes.append(f"{rel}:{number}: editable requirement not audited: {text}")
            continue
        requirement = re.split(r"\s+--?\w", text, maxsplit=1)[0].strip()  # drop --hash=… options
        dep = _requirement(requirement, rel, number, notes)
        if dep is not None:
            yield dep


def _pyproject(root: Path, notes: list[str]) -> Iterator[Dependency]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        notes.append(f"pyproject.toml unreadable: {exc}")
        return
    project = data.get("project", {})
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared += list(extra)
    lines = path.read_text(encoding="utf-8").splitlines()
    for spec in declared:
        line = next((i for i, text in enumerate(lines, start=1) if spec in text), None)
        dep = _requirement(spec, "pyproject.toml", line, notes)
        if dep is not None:
            yield dep


def _setup_py(root: Path, notes: list[str]) -> Iterator[Dependency]:
    path = root / "setup.py"
    if not path.is_file():
        return
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as exc:
        notes.append(f"setup.py unparsable: {exc}")
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires" and isinstance(node.value, ast.List):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    dep = _requirement(element.value, "setup.py", element.lineno, notes)
                    if dep is not None:
                        yield dep


def declared_dependencies(root: Path) -> tuple[list[Dependency], list[str]]:
    """All requirements declared in the tree (first declaration of each name+version) and notes."""
    notes: list[str] = []
    seen_files: set[str] = set()
    found: list[Dependency] = []
    for rel in walk_files(root, (".txt", ".in")):
        p = Path(rel)
        if _REQ_FILE.match(p.name) or (p.parent.name == "requirements" and p.suffix in (".txt", ".in")):
            found += list(_requirements_file(root, rel, seen_files, notes))
    found += list(_pyproject(root, notes))
    found += list(_setup_py(root, notes))
    unique: dict[tuple[str, str | None], Dependency] = {}
    for dep in found:
        unique.setdefault((dep.name, dep.version), dep)
    return list(unique.values()), notes


# -- advisories -------------------------------------------------------------------------------------

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


# -- analyzer ---------------------------------------------------------------------------------------

def _advisories(deps: list[Dependency], ctx: Context) -> tuple[dict[Dependency, list[Vulnerability]], str, str, str]:
    """Match ``deps`` in the configured mode: ``(found, source description, tool version, mode)``."""
    mode = get_settings().osv_mode.strip().lower()
    if mode == "online":
        base = osv_base_url()
        found = match_online(deps, base, timeout=ctx.timeout or 30.0)
        return found, f"online OSV API {base}", f"httpx {tool_version('httpx')}", mode
    if mode == "offline":
        date = snapshot_info().get("date", "unknown")
        records = load_snapshot()
        return match_offline(deps, records), f"offline OSV snapshot of {date} ({len(records)} records)", \
            f"snapshot {date}", mode
    raise ToolError(f"GOLIVE_OSV_MODE={mode!r} is neither 'offline' nor 'online'")


def _vulnerability_finding(dep: Dependency, vuln: Vulnerability) -> Finding:
    level = vuln.severity or "unknown severity"
    fix = f"; fixed in {', '.join(vuln.fixed)}" if vuln.fixed else "; no fixed version known"
    also = [i for i in vuln.ids + vuln.aliases if i != vuln.primary]
    return Finding(
        tool="dependencies", rule_id=vuln.primary, severity=_TO_SEVERITY.get(vuln.severity or "", Severity.MEDIUM),
        message=f"{dep.name} {dep.version} is affected by {vuln.primary} ({level}"
                + (f"; {', '.join(also)}" if also else "") + f"): {vuln.summary}{fix}",
        path=dep.path, line=dep.line, fingerprint=f"dependencies:{dep.name}:{dep.version}:{vuln.primary}")


def run_dependencies(ctx: Context) -> AnalyzerResult:
    """Vulnerable pinned dependencies (HIGH/CRITICAL and other) and unpinned requirements."""
    deps, notes = declared_dependencies(ctx.tree)
    found, source, version, mode = _advisories(deps, ctx)
    findings: list[Finding] = []
    high: list[str] = []
    other: list[str] = []
    for dep, vulns in sorted(found.items(), key=lambda kv: kv[0].name):
        (high if vulns[0].severity in HIGH_LEVELS else other).append(
            f"{dep.name}=={dep.version} ({', '.join(v.primary for v in vulns)})")
        findings += [_vulnerability_finding(dep, vuln) for vuln in vulns]
    unpinned = [d for d in deps if d.version is None]
    findings += [Finding(
        tool="dependencies", rule_id="unpinned-requirement", severity=Severity.LOW,
        message=f"{dep.spec} is not pinned with ==: the version that gets installed cannot be audited",
        path=dep.path, line=dep.line, fingerprint=f"dependencies:unpinned:{dep.name}:{dep.path}") for dep in unpinned]
    audited = len(deps) - len(unpinned)
    scope = f"{audited} pinned of {len(deps)} declared requirements checked against the {source}" if deps else \
        f"no requirements declared (requirements*.txt, pyproject.toml, setup.py); {source}"
    unknown = [f"{d.name} ({v.primary})" for d, vs in found.items() for v in vs if v.severity is None]
    return AnalyzerResult(
        agent=ctx.agent, tool="dependencies", findings=findings,
        measurements=[
            Measurement(name="vulnerable_dependencies_high", value=float(len(high)), unit="dependencies",
                        detail=(f"{'; '.join(high)} — " if high else "") + scope),
            Measurement(name="vulnerable_dependencies_other", value=float(len(other)), unit="dependencies",
                        detail=(f"{'; '.join(other)} — " if other else "") + scope
                        + (f"; severity unknown for {', '.join(unknown)}" if unknown else "")),
            Measurement(name="unpinned_dependencies", value=float(len(unpinned)), unit="dependencies",
                        detail=", ".join(d.spec for d in unpinned) or "every requirement is pinned"),
        ],
        details={"tool_version": version, "source": source, "mode": mode, "declared": len(deps),
                 "pinned": audited, "notes": notes})
