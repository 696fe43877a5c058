"""golive's final report: one run of the ledger rendered as ``report.html`` and ``report.json``.

Public API::

    from golive.ledger import Ledger
    from golive.report import render_report, summarize, format_summary

    report = Ledger.from_url().run_report(run_id)
    paths = render_report(report, Path("reports") / run_id)   # -> ReportPaths(html=…, json=…)
    print(format_summary(summarize(report)))                  # outcome, one line per gate, findings

The HTML is a single self-contained file (inline CSS, embedded PNG charts, no JavaScript); the
JSON is the full report, JSON-safe with sorted keys, plus its ``summary``.
"""

from golive.report.render import MAX_FINDINGS, ReportPaths, render_html, render_report, report_json
from golive.report.summary import (
    OUTCOMES,
    ReportError,
    effective_status,
    format_summary,
    summarize,
    to_jsonable,
)

__all__ = [
    "MAX_FINDINGS", "OUTCOMES", "ReportError", "ReportPaths", "effective_status", "format_summary",
    "render_html", "render_report", "report_json", "summarize", "to_jsonable",
]
