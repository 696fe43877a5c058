"""What a coverage analyzer's result says when the witness caught a suite rewriting its own outcomes."""

from __future__ import annotations

from golive.analyzers.code.witness import TAMPERED
from golive.models import AnalyzerResult


def assert_tampered(result: AnalyzerResult) -> str:
    """Both coverage criteria no-data with the TAMPERED reason and a critical finding; returns the reason."""
    details = {m.name: m for m in result.measurements}
    assert details["test_coverage"].value is None and details["tests_failed"].value is None, result.measurements
    reason = details["tests_failed"].detail
    assert reason.startswith(TAMPERED) and details["test_coverage"].detail == reason
    assert any(f.rule_id == "test-outcomes-rewritten" and f.severity == "critical" for f in result.findings)
    return reason
