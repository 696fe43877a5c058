"""The dependencies analyzer: the target's locked and declared dependencies against OSV advisories.

What is checked comes from ``inventory`` (lockfiles first; manifests and requirements files where
there is no lockfile; a library's declared ranges too). An exact version is checked; a range cannot
be (the version installed is unknown) and is reported as a LOW ``unpinned-requirement`` finding, and
the criteria's detail says how many could not be checked.

No data is never a pass: the two ``vulnerable_dependencies_*`` measurements have no value when
nothing is declared (no dependency file at all), when nothing declared is pinned, when an ecosystem
found has no reader (Go, Maven, …) or, offline, no snapshot, and the detail says which.

Advisories come from one of two sources, named in the measurement's detail:

* ``offline`` (default): the snapshots shipped in ``golive/data/osv`` (``SNAPSHOT.md``: the whole
  PyPA advisory database plus GitHub-reviewed GHSA records for severities, and the Node.js
  security-wg npm database), each cited by date and upstream commit.
* ``online`` (``GOLIVE_OSV_MODE=online``): the OSV API (``$GOLIVE_OSV_URL``) for PyPI and npm alike.
  Any failure of the API is a tool error (no-data), never a pass.

Severity: a vulnerability whose records carry no severity (most PYSEC records, whose GHSA alias is not
in the snapshot) counts as HIGH — unknown is not harmless — and the detail says "severity unknown".
"""

from __future__ import annotations

from golive.analyzers.base import Context, tool_timeout
from golive.analyzers.security.advisories import (
    Vulnerability,
    match_offline,
    match_online,
    osv_base_url,
    snapshot_ecosystems,
    snapshot_index,
    snapshot_info,
)
from golive.analyzers.security.dependency import PYPI, Dependency
from golive.analyzers.security.inventory import Inventory, collect
from golive.analyzers.security.resolution import resolve_ranges
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError, tool_version

HIGH_LEVELS = ("HIGH", "CRITICAL")
_TO_SEVERITY = {"LOW": Severity.LOW, "MODERATE": Severity.MEDIUM, "MEDIUM": Severity.MEDIUM,
                "HIGH": Severity.HIGH, "CRITICAL": Severity.CRITICAL}


def _advisories(deps: list[Dependency], ctx: Context
                ) -> tuple[dict[Dependency, list[Vulnerability]], str, str, str, list[str]]:
    """Match ``deps``: ``(found, source description, tool version, mode, ecosystems without advisories)``."""
    mode = get_settings().osv_mode.strip().lower()
    ecosystems = sorted({d.ecosystem for d in deps if d.version is not None})
    if mode == "online":
        base = osv_base_url()
        found = match_online(deps, base, timeout=ctx.timeout or 30.0)
        return found, f"online OSV API {base}", f"httpx {tool_version('httpx')}", mode, []
    if mode == "offline":
        shipped = snapshot_ecosystems()
        missing = [e for e in ecosystems if e not in shipped]
        cited = [snapshot_info(e)["cite"] for e in ecosystems if e in shipped]
        counts = {e: sum(len(v) for v in snapshot_index(e).values()) for e in ecosystems if e in shipped}
        found = match_offline([d for d in deps if d.ecosystem not in missing])
        source = "; ".join(cited) or "offline snapshots " + ", ".join(snapshot_info(e)["cite"] for e in shipped)
        return found, source, ", ".join(f"{e} {snapshot_info(e)['date']}" for e in counts) or "snapshot", \
            mode, missing
    raise ToolError(f"GOLIVE_OSV_MODE={mode!r} is neither 'offline' nor 'online'")


def _role(dep: Dependency) -> str:
    direct = {True: "direct", False: "transitive", None: "direct or transitive unknown"}[dep.direct]
    return f"{direct}{', dev' if dep.dev else ''}"


def _vulnerability_finding(dep: Dependency, vuln: Vulnerability) -> Finding:
    level = vuln.severity or "severity unknown, counted as HIGH"
    fix = f"; fixed in {', '.join(vuln.fixed)}" if vuln.fixed else "; no fixed version known"
    also = [i for i in vuln.ids + vuln.aliases if i != vuln.primary]
    return Finding(
        tool="dependencies", rule_id=vuln.primary,
        severity=_TO_SEVERITY.get(vuln.severity or "HIGH", Severity.HIGH),
        message=f"{dep.name} {dep.version} is affected by {vuln.primary} ({level}"
                + (f"; {', '.join(also)}" if also else "") + f"): {vuln.summary}{fix} [{dep.ecosystem}, {_role(dep)}]",
        path=dep.path, line=dep.line, fingerprint=fingerprint(dep, vuln.primary))


def fingerprint(dep: Dependency, rule: str) -> str:
    """The finding's fingerprint: ``dependencies:name:version:id`` (PyPI, as before npm existed); npm
    ones say ``npm:`` first."""
    prefix = "" if dep.ecosystem == PYPI else f"{dep.ecosystem}:"
    return f"dependencies:{prefix}{dep.name}:{dep.version}:{rule}"


def _summary(dep: Dependency, vulns: list[Vulnerability]) -> str:
    parts = []
    for v in vulns:
        fix = ", ".join(v.fixed) or "no fix"
        parts.append(f"{v.primary} {v.severity or 'unknown→HIGH'} fixed {fix}")
    return f"{dep.label} [{_role(dep)}] ({'; '.join(parts)})"


def _no_data(inv: Inventory, deps: list[Dependency], missing: list[str]) -> str | None:
    """Why the vulnerable-dependency counts have no value, or None when they do."""
    if not inv.files and not inv.unsupported:
        return "nothing declared to check: no lockfile, requirements file, pyproject.toml, Pipfile or package.json"
    reasons = [f"{eco} dependencies ({', '.join(files)}) cannot be checked: no reader for them"
               for eco, files in sorted(inv.unsupported.items())]
    reasons += [f"{eco} dependencies cannot be checked offline: no {eco} advisory snapshot" for eco in missing]
    if deps and all(d.version is None for d in deps):
        reasons.append(f"none of the {len(deps)} declared dependencies is pinned: nothing could be checked")
    if not deps and inv.files and not reasons:
        reasons.append(f"no dependency found in {', '.join(inv.files)}")
    return "; ".join(reasons) or None


def run_dependencies(ctx: Context) -> AnalyzerResult:
    """Vulnerable dependencies (HIGH/CRITICAL or unknown, and other) and unpinned ones."""
    inv = collect(ctx.tree, ctx.profile.profile.kind)
    resolved, resolution = resolve_ranges(inv.deps, tool_timeout(ctx))
    if resolution:
        inv.notes.append(resolution)
    deps = [*inv.deps, *resolved]
    found, source, version, mode, missing = _advisories(deps, ctx)
    findings: list[Finding] = []
    high: list[str] = []
    other: list[str] = []
    for dep, vulns in sorted(found.items(), key=lambda kv: (kv[0].ecosystem, kv[0].name, kv[0].version or "")):
        worst_high = any(v.severity in HIGH_LEVELS or v.severity is None for v in vulns)
        (high if worst_high else other).append(_summary(dep, vulns))
        findings += [_vulnerability_finding(dep, vuln) for vuln in vulns]
    unpinned = [d for d in inv.deps if d.version is None]
    findings += [Finding(
        tool="dependencies", rule_id="unpinned-requirement", severity=Severity.LOW,
        message=f"{dep.spec} is not pinned to one version: the version that gets installed cannot be audited",
        path=dep.path, line=dep.line, fingerprint=f"dependencies:unpinned:{dep.name}:{dep.path}") for dep in unpinned]
    pinned = [d for d in deps if d.version is not None and d.ecosystem not in missing]
    resolved_names = {(d.ecosystem, d.name.lower()) for d in resolved}
    unchecked = [d for d in deps if d.ecosystem in missing
                 or (d.version is None and (d.ecosystem, d.name.lower()) not in resolved_names)]
    by_eco = ", ".join(f"{sum(1 for d in pinned if d.ecosystem == e)} {e}"
                       for e in sorted({d.ecosystem for d in pinned}))
    scope = (f"{len(pinned)} pinned dependencies ({by_eco}) from {', '.join(inv.files)} checked against {source}; "
             f"{len(unchecked)} could not be checked")
    if resolution:
        scope = f"{scope}; {resolution}"
    reason = _no_data(inv, deps, missing)
    if reason:
        scope = f"{reason} — {scope}"
    return AnalyzerResult(
        agent=ctx.agent, tool="dependencies", findings=findings,
        measurements=[
            Measurement(name="vulnerable_dependencies_high", value=None if reason else float(len(high)),
                        unit="dependencies", detail=(f"{'; '.join(high)} — " if high else "") + scope),
            Measurement(name="vulnerable_dependencies_other", value=None if reason else float(len(other)),
                        unit="dependencies", detail=(f"{'; '.join(other)} — " if other else "") + scope),
            Measurement(name="unpinned_dependencies", value=float(len(unpinned)), unit="dependencies",
                        detail=", ".join(d.spec for d in unpinned) or "every dependency is pinned"),
        ],
        details={"tool_version": version, "source": source, "mode": mode, "declared": len(deps),
                 "pinned": len(pinned), "files": inv.files, "unsupported": inv.unsupported,
                 "notes": inv.notes[:200]})
