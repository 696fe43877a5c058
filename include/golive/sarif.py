"""Findings as SARIF 2.1.0, the format code-scanning tools read (GitHub code scanning, IDEs, DefectDojo).

One run per tool; each run lists the rules its findings use, and each result carries a level derived
from the finding's severity, its location (``artifactLocation.uri`` relative to the source root, with
the ``SRCROOT`` base id, and ``region.startLine``) and a stable ``partialFingerprints`` entry so a
viewer can follow a finding across runs. Findings without a file (a missing control, an open checklist
item) have no location, which SARIF allows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from golive.models import AnalyzerResult, Finding, Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
FINGERPRINT_KEY = "golive/v1"


def _uri(path: str, source_root: str | None) -> str:
    p = Path(path)
    if p.is_absolute() and source_root:
        try:
            p = p.relative_to(Path(source_root).resolve())
        except ValueError:
            return p.as_uri()
    posix = PurePosixPath(p.as_posix().removeprefix("./"))
    return quote(str(posix), safe="/")


def _result(finding: Finding, rule_index: int, source_root: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message or finding.rule_id},
        "partialFingerprints": {FINGERPRINT_KEY: hashlib.sha256(finding.fingerprint.encode()).hexdigest()},
        "properties": {"severity": finding.severity.value},
    }
    if finding.path:
        physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.path, source_root),
                                                         "uriBaseId": "SRCROOT"}}
        if finding.line and finding.line >= 1:
            physical["region"] = {"startLine": finding.line}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def to_sarif(findings_by_tool: Mapping[str, Sequence[Finding]], tool_versions: Mapping[str, str], *,
             source_root: str | None = None, errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run per tool.

    :param findings_by_tool: tool name → its findings (paths relative to the source root).
    :param tool_versions: tool name → version string (``unknown`` when absent).
    :param source_root: absolute path of the analyzed tree; becomes ``originalUriBaseIds.SRCROOT``.
    :param errors: tool name → why it could not run; recorded as a failed invocation of that run.
    """
    errors = errors or {}
    runs = []
    for tool in sorted(set(findings_by_tool) | set(errors)):
        findings = findings_by_tool.get(tool, ())
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        results = []
        for finding in findings:
            if finding.rule_id not in index:
                index[finding.rule_id] = len(rules)
                rules.append({"id": finding.rule_id,
                              "shortDescription": {"text": f"{tool} rule {finding.rule_id}"},
                              "defaultConfiguration": {"level": LEVELS[finding.severity]}})
            results.append(_result(finding, index[finding.rule_id], source_root))
        run: dict[str, Any] = {
            "tool": {"driver": {"name": tool, "version": str(tool_versions.get(tool, "unknown")),
                                "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": tool not in errors}],
            "columnKind": "unicodeCodePoints",
        }
        if tool in errors:
            run["invocations"][0]["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": errors[tool]}}]
        if source_root:
            run["originalUriBaseIds"] = {"SRCROOT": {"uri": Path(source_root).resolve().as_uri() + "/"}}
        runs.append(run)
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": runs}


def results_to_sarif(results: Sequence[AnalyzerResult], source_root: str | None = None) -> dict[str, Any]:
    """Analyzer results as a SARIF 2.1.0 log (one run per analyzer; failed ones marked so)."""
    return to_sarif({r.tool: r.findings for r in results},
                    {r.tool: str(r.details.get("tool_version", "unknown")) for r in results},
                    source_root=source_root, errors={r.tool: r.error for r in results if r.error})
