"""The dependencies analyzer: the target's pinned requirements against OSV advisories.

The declarations are read by ``golive.analyzers.security.requirements`` (requirements and
constraints files, ``pyproject.toml``, ``setup.py``) and matched against advisories by
``golive.analyzers.security.advisories``. A requirement pinned with ``==`` is checked; anything else
cannot be audited (the version that gets installed is unknown) and is reported as a LOW finding.

Advisories come from one of two sources, named in the measurement's detail:

* ``offline`` (default): the OSV records shipped in ``golive/data/osv`` (see its ``SNAPSHOT.md``:
  PYSEC records of the PyPA advisory database and GitHub-reviewed GHSA records, with their date).
  A snapshot cannot know what was published after it — the date is reported with every result.
* ``online`` (``GOLIVE_OSV_MODE=online``): the OSV API (``$GOLIVE_OSV_URL``, default
  ``https://api.osv.dev``): ``POST /v1/querybatch`` then ``GET /v1/vulns/{id}``. Any failure of the
  API is a tool error (no-data), never a pass.

``advisories`` says how versions, aliases and severity are read; a vulnerability with neither a
GHSA severity nor a CVSS v3 vector counts as "other" and says so.
"""

from __future__ import annotations

from golive.analyzers.base import Context
from golive.analyzers.security.advisories import (
    Vulnerability,
    load_snapshot,
    match_offline,
    match_online,
    osv_base_url,
    snapshot_info,
)
from golive.analyzers.security.requirements import Dependency, declared_dependencies
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError, tool_version

HIGH_LEVELS = ("HIGH", "CRITICAL")
_TO_SEVERITY = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM,
                "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}


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
