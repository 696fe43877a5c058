"""The bandit analyzer (SAST), shared by the quality and the security gate: one implementation."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from golive.analyzers.base import Context, no_python_source, relative_path, tool_timeout
from golive.analyzers.files import python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, parse_json, run_tool, tool_command, tool_version

_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_COUNTS_TOWARD = {"HIGH": "bandit_high", "MEDIUM": "bandit_medium"}
_BANDIT_SECRET_TESTS = {"B105", "B106", "B107"}
_QUOTED = re.compile(r"""(['"]).*?\1""")


def _bandit_message(item: dict[str, Any]) -> str:
    text = str(item.get("issue_text", ""))
    if item.get("test_id") in _BANDIT_SECRET_TESTS:  # these quote the password: never keep it
        text = _QUOTED.sub("'***'", text)
        text = re.sub(r"(hardcoded password:)\s*\S.*$", r"\1 '***'", text, flags=re.IGNORECASE)
    return text


def run_bandit(ctx: Context) -> AnalyzerResult:
    """Security linting with bandit: findings and counts of HIGH and MEDIUM severity issues.

    Shared by the quality and the security agent (one implementation). ``# nosec`` is honoured.
    Messages of the hard-coded-password checks are redacted: the finding never carries the value.
    Each HIGH and MEDIUM finding is one unit of ``bandit_high`` / ``bandit_medium`` (``counts_toward``).
    """
    version = tool_version("bandit")
    files = python_files(ctx.tree)
    names = ["bandit_high", "bandit_medium"]
    if not files:
        return no_python_source(ctx, "bandit", names, version)
    argv = [*tool_command("bandit"), "-f", "json", "-q", "--", *files]
    run = run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx), ok_codes=(0, 1))
    data = parse_json(run, "bandit")
    findings = []
    counts = {"HIGH": 0, "MEDIUM": 0, "LOW": 0}
    for item in data.get("results", []):
        sev = item.get("issue_severity", "LOW").upper()
        counts[sev] = counts.get(sev, 0) + 1
        rel = relative_path(ctx.tree, item.get("filename", ""))
        line = item.get("line_number")
        digest = hashlib.sha256(f"{item.get('test_id')}:{rel}:{item.get('code', '')}".encode()).hexdigest()[:16]
        findings.append(Finding(
            tool="bandit", rule_id=f"{item.get('test_id')}:{item.get('test_name')}",
            severity=_SEVERITY.get(sev, Severity.LOW),
            message=f"{_bandit_message(item)} (confidence {item.get('issue_confidence', '?').lower()})",
            path=rel, line=line, fingerprint=f"bandit:{item.get('test_id')}:{rel}:{digest}",
            counts_toward=_COUNTS_TOWARD.get(sev)))
    errors = [f"{relative_path(ctx.tree, e.get('filename', '?'))}: {e.get('reason', '')}"
              for e in data.get("errors", [])]
    if errors and len(errors) >= len(files):
        raise ToolError(f"bandit could not analyze any file: {'; '.join(errors)[:1500]}")
    detail_suffix = f"; {len(errors)} files not analyzed: {'; '.join(errors)[:500]}" if errors else ""
    return AnalyzerResult(
        agent=ctx.agent, tool="bandit", findings=findings,
        measurements=[
            Measurement(name="bandit_high", value=float(counts["HIGH"]), unit="issues",
                        detail=_worst(findings, Severity.HIGH) + detail_suffix),
            Measurement(name="bandit_medium", value=float(counts["MEDIUM"]), unit="issues",
                        detail=_worst(findings, Severity.MEDIUM) + detail_suffix),
        ],
        details={"tool_version": version, "files": len(files), "low": counts["LOW"], "errors": errors})


def _worst(findings: list[Finding], severity: Severity) -> str:
    hits = [f for f in findings if f.severity is severity]
    if not hits:
        return f"no {severity.value} severity issues"
    shown = ", ".join(f"{f.rule_id.split(':')[0]} at {f.path}:{f.line}" for f in hits[:5])
    return shown + (f" and {len(hits) - 5} more" if len(hits) > 5 else "")
