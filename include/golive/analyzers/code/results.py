"""The two measurements every test-suite runner (Python, Node) reports."""

from __future__ import annotations

from golive.analyzers.base import Context
from golive.analyzers.code.witness import TAMPERED
from golive.models import AnalyzerResult, Finding, Measurement, Severity


def measurements(coverage: float | None, failed: int | None, detail_cov: str,
                 detail_failed: str) -> list[Measurement]:
    """``test_coverage`` (%) and ``tests_failed`` (tests); None is no-data, with the detail saying why."""
    return [Measurement(name="test_coverage", value=coverage, unit="%", detail=detail_cov),
            Measurement(name="tests_failed", value=None if failed is None else float(failed), unit="tests",
                        detail=detail_failed)]


def tampered(ctx: Context, details: dict[str, object], findings: list[Finding],
             problems: list[str]) -> AnalyzerResult:
    """Both criteria no-data: a suite that rewrites its outcomes measured nothing golive can believe."""
    reason = f"{TAMPERED}: {'; '.join(problems)}"
    details["tampering"] = problems
    findings.append(Finding(tool="coverage", rule_id="test-outcomes-rewritten", severity=Severity.CRITICAL,
                            message=reason[:1000], path=None, line=None))
    return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, findings=findings,
                          measurements=measurements(None, None, reason, reason))
