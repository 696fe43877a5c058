"""The SAST analyzer (task id ``bandit``), shared by the quality and the security gate: one implementation.

bandit for the tree's Python source, semgrep with golive's rules (:mod:`golive.analyzers.security.semgrep`)
for its JavaScript/TypeScript; which languages is the profile's (:mod:`golive.analyzers.languages`).
Both feed ``sast_high`` and ``sast_medium``.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from golive.analyzers.base import Context, relative_path, tool_timeout
from golive.analyzers.languages import sources, tool_versions, unmeasured_result
from golive.analyzers.security.semgrep import semgrep_scan, semgrep_version
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, parse_json, run_tool, tool_command

_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
#: The measurement each severity's findings are units of (``Finding.counts_toward``, for waivers).
_COUNTS_TOWARD = {Severity.HIGH: "sast_high", Severity.MEDIUM: "sast_medium"}
_BANDIT_SECRET_TESTS = {"B105", "B106", "B107"}
_QUOTED = re.compile(r"""(['"]).*?\1""")


def _bandit_message(item: dict[str, Any]) -> str:
    text = str(item.get("issue_text", ""))
    if item.get("test_id") in _BANDIT_SECRET_TESTS:  # these quote the password: never keep it
        text = _QUOTED.sub("'***'", text)
        text = re.sub(r"(hardcoded password:)\s*\S.*$", r"\1 '***'", text, flags=re.IGNORECASE)
    return text


def bandit_scan(ctx: Context, files: list[str]) -> tuple[list[Finding], list[str]]:
    """bandit's findings over Python ``files`` (``# nosec`` honoured) and the files it could not read.

    Messages of the hard-coded-password checks are redacted: the finding never carries the value.
    :raises ToolError: bandit failed or could not analyze any file.
    """
    argv = [*tool_command("bandit"), "-f", "json", "-q", "--", *files]
    run = run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx), ok_codes=(0, 1))
    data = parse_json(run, "bandit")
    findings = []
    for item in data.get("results", []):
        sev = item.get("issue_severity", "LOW").upper()
        rel = relative_path(ctx.tree, item.get("filename", ""))
        line = item.get("line_number")
        digest = hashlib.sha256(f"{item.get('test_id')}:{rel}:{item.get('code', '')}".encode()).hexdigest()[:16]
        findings.append(Finding(
            tool="bandit", rule_id=f"{item.get('test_id')}:{item.get('test_name')}",
            severity=_SEVERITY.get(sev, Severity.LOW),
            message=f"{_bandit_message(item)} (confidence {item.get('issue_confidence', '?').lower()})",
            path=rel, line=line, fingerprint=f"bandit:{item.get('test_id')}:{rel}:{digest}"))
    errors = [f"{relative_path(ctx.tree, e.get('filename', '?'))}: {e.get('reason', '')}"
              for e in data.get("errors", [])]
    if errors and len(errors) >= len(files):
        raise ToolError(f"bandit could not analyze any file: {'; '.join(errors)[:1500]}")
    return findings, errors


def run_bandit(ctx: Context) -> AnalyzerResult:
    """Static application security testing: findings and counts of high and medium severity issues
    (``sast_high``, ``sast_medium``) by bandit (Python) and semgrep (JavaScript/TypeScript); each HIGH and
    MEDIUM finding is one unit of its count (``counts_toward``)."""
    src = sources(ctx)
    version = tool_versions(src, "bandit", "semgrep", semgrep_version)
    if not src.python and not src.node:
        return unmeasured_result(ctx, "bandit", ["sast_high", "sast_medium"], version, src, what="SAST")
    findings, errors = bandit_scan(ctx, src.python) if src.python else ([], [])
    if src.node:
        more, more_errors = semgrep_scan(ctx, src.node)
        findings, errors = findings + more, errors + more_errors
    findings = [f.model_copy(update={"counts_toward": _COUNTS_TOWARD.get(f.severity)}) for f in findings]
    counts = {sev: sum(1 for f in findings if f.severity is sev)
              for sev in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)}
    detail_suffix = f"; {len(errors)} files not analyzed: {'; '.join(errors)[:500]}" if errors else ""
    return AnalyzerResult(
        agent=ctx.agent, tool="bandit", findings=findings,
        measurements=[
            Measurement(name="sast_high", value=float(counts[Severity.HIGH]), unit="issues",
                        detail=_worst(findings, Severity.HIGH) + detail_suffix),
            Measurement(name="sast_medium", value=float(counts[Severity.MEDIUM]), unit="issues",
                        detail=_worst(findings, Severity.MEDIUM) + detail_suffix),
        ],
        details={"tool_version": version, "files": len(src.python) + len(src.node), "low": counts[Severity.LOW],
                 "errors": errors,
                 "by_tool": {t: sum(1 for f in findings if f.tool == t) for t in ("bandit", "semgrep")}})


def _worst(findings: list[Finding], severity: Severity) -> str:
    hits = [f for f in findings if f.severity is severity]
    if not hits:
        return f"no {severity.value} severity issues"
    shown = ", ".join(f"{f.rule_id.split(':')[0]} at {f.path}:{f.line}" for f in hits[:5])
    return shown + (f" and {len(hits) - 5} more" if len(hits) > 5 else "")
