"""Tests of golive.report: the final HTML/JSON report and its summary."""

from __future__ import annotations

import base64
import copy
import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from golive.ledger import Ledger, RecordKey
from golive.models import AnalyzerResult, ApprovalDecision, CriterionRule, Finding, Measurement, Severity
from golive.report import (
    ReportError,
    ReportPaths,
    format_summary,
    render_report,
    report_json,
    summarize,
)

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
XSS = "<script>alert('pwned')</script> in eval()"


def _crit(*fields: Any, key: bool = False, optional: bool = False) -> dict[str, Any]:
    """A criteria row from (name, value, unit, threshold, status, weight, reason)."""
    names = ("name", "value", "unit", "threshold", "status", "weight", "reason")
    return {**dict(zip(names, fields, strict=True)), "key": key, "optional": optional}


def _finding(i: int, severity: str, message: str, tool: str = "bandit") -> dict[str, Any]:
    return {"tool": tool, "rule_id": f"B{i:03d}", "severity": severity, "message": message,
            "path": "app/main.py", "line": i, "fingerprint": f"{tool}:B{i:03d}:{i}"}


def _evaluation(ev_id: int, gate: str, try_number: int, status: str, score: float, *,
                criteria: list[dict[str, Any]], findings: list[dict[str, Any]] | None = None,
                approval: dict[str, Any] | None = None, reasons: list[str] | None = None) -> dict[str, Any]:
    return {"id": ev_id, "run_id": "manual__demo", "task_id": f"{gate}_gate.evaluate",
            "try_number": try_number,
            "gate": gate, "application": "shop", "ref": "HEAD", "status": status, "score": score,
            "threshold": 85.0, "warning_floor": 70.0, "reasons": reasons or [f"{gate} verdict {status}"],
            "inputs": [{"agent": gate, "tool": "ruff", "measurements": [
                {"name": "lint_errors_per_kloc", "value": 1.5, "unit": "/kloc", "detail": "3 in 2000 lines"}],
                "findings": [], "error": None, "details": {}}],
            "recorded_at": T0, "criteria": criteria, "findings": findings or [], "approval": approval}


def hand_report() -> dict[str, Any]:
    """A run with a PASS quality gate (approved), a security gate retried twice (FAIL both times,
    with findings, one carrying a <script> message) and a no-data criterion."""
    quality = _evaluation(
        1, "quality", 1, "PASS", 93.5,
        criteria=[
            _crit("test_coverage", 87.25, "%", ">= 80 %", "pass", 3, "87.25 % meets >= 80 %", key=True),
            _crit("lint_errors", 1.5, "/kloc", "<= 5 /kloc", "pass", 2, "1.5 /kloc meets <= 5 /kloc"),
            _crit("docstring_coverage", 72.0, "%", ">= 80 % (warning >= 60)", "warning", 1,
                  "72 % misses >= 80 % but meets the warning level >= 60 %"),
            _crit("type_hints", None, "%", ">= 50 %", "no-data", 1, "no data: mypy not installed",
                  optional=True),
        ],
        approval={"decision": "approved", "approver": "alice", "comment": "<b>looks good</b>",
                  "recorded_at": T0})
    security_1 = _evaluation(
        2, "security", 1, "FAIL", 40.0,
        criteria=[_crit("high_findings", 3.0, "findings", "<= 0 findings", "fail", 3,
                        "3 findings misses <= 0 findings", key=True),
                  _crit("medium_findings", 1.0, "findings", "<= 5 findings", "pass", 2,
                        "1 findings meets <= 5 findings")],
        findings=[_finding(1, "high", "first try finding")])
    security_2 = _evaluation(
        3, "security", 2, "FAIL", 50.0,
        criteria=[
            _crit("high_findings", 2.0, "findings", "<= 0 findings", "fail", 5,
                  "2 findings misses <= 0 findings", key=True),
            _crit("secrets", None, "secrets", "<= 0 secrets", "no-data", 5,
                  "no data: detect-secrets status 2"),
            _crit("medium_findings", 0.0, "findings", "<= 5 findings", "pass", 10,
                  "0 findings meets <= 5 findings"),
        ],
        findings=[_finding(2, "high", XSS), _finding(3, "critical", "hard-coded password"),
                  _finding(4, "low", "assert used"), _finding(5, "high", "subprocess with shell=True")],
        reasons=["key criterion high_findings failed: 2 findings misses <= 0 findings",
                 "criterion secrets has no data, which never passes: no data: detect-secrets status 2"])
    return {
        "run": {"run_id": "manual__demo", "dag_id": "golive", "application": "shop", "version": "1.4.2",
                "environment": "staging", "strategy": "canary", "status": "failed",
                "request": {"application": "shop", "version": "1.4.2", "source": "/src/shop"},
                "error": "security gate failed", "logical_date": T0, "recorded_at": T0},
        "phases": [
            {"phase": "intake", "task_id": "intake.validate", "try_number": 1, "status": "succeeded",
             "summary": {"application": "shop"}, "recorded_at": T0},
            {"phase": "security", "task_id": "security_gate.evaluate", "try_number": 1, "status": "failed",
             "summary": {"score": 40.0}, "recorded_at": T0},
            {"phase": "security", "task_id": "security_gate.evaluate", "try_number": 2, "status": "failed",
             "summary": {"score": 50.0}, "recorded_at": T0},
        ],
        "evaluations": [quality, security_1, security_2],
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], ReportPaths, str]:
    report = hand_report()
    paths = render_report(report, tmp_path_factory.mktemp("report") / "nested" / "out")
    return report, paths, paths.html.read_text(encoding="utf-8")


def _article(html: str, anchor: str) -> str:
    match = re.search(rf'<article class="([^"]*)" id="{anchor}">(.*?)</article>', html, re.DOTALL)
    assert match, f"no evaluation article {anchor}"
    return match.group(1) + "\n" + match.group(2)


def test_writes_both_files_into_created_dir(rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    _, paths, html = rendered
    assert paths.html.name == "report.html" and paths.json.name == "report.json"
    assert paths.html.parent.is_dir() and paths.json.is_file()
    assert html.startswith("<!DOCTYPE html>")


def test_html_explains_every_verdict_with_raw_values_and_reasons(
        rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    report, _, html = rendered
    for token in ("shop", "1.4.2", "staging", "canary", "manual__demo"):
        assert token in html
    for ev in report["evaluations"]:
        article = _article(html, f"eval-{ev['id']}")
        for c in ev["criteria"]:
            assert c["name"] in article
            assert c["reason"].replace(">", "&gt;").replace("<", "&lt;") in article
        assert "87.25" in article if ev["gate"] == "quality" else True
    quality = _article(html, "eval-1")
    assert "<td class=\"num\">87.25</td>" in quality and "<td class=\"num\">1.5</td>" in quality
    assert "no data" in quality and "not counted" in quality  # optional no-data leaves the maximum
    assert "5.5 / 6" in quality  # 3 + 2 + 0.5 points of 6 counted
    assert "points 10 / 20" in _article(html, "eval-3")
    security = _article(html, "eval-3")
    assert "no data: detect-secrets status 2" in security
    assert "s-nodata" in security
    assert "approved" in html and "alice" in html
    assert "&lt;b&gt;looks good&lt;/b&gt;" in html


class _TagBalance(HTMLParser):
    VOID = frozenset({"meta", "img", "br", "hr", "input", "link"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]} at {self.getpos()}")
        else:
            self.stack.pop()


def test_html_tags_are_balanced(rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    parser = _TagBalance()
    parser.feed(rendered[2])
    parser.close()
    assert parser.errors == [] and parser.stack == []


def test_untrusted_text_is_escaped(rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    _, _, html = rendered
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; in eval()" in html
    assert "<script" not in html.lower()
    assert "<b>looks good</b>" not in html


def test_html_is_self_contained_with_embedded_charts(
        rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    _, _, html = rendered
    images = re.findall(r'<img[^>]* src="([^"]+)"', html)
    assert len(images) == 4  # the overview + one per evaluation (3)
    for src in images:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<link" not in html and "@import" not in html


def test_retried_gate_marks_superseded_evaluation(rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    _, _, html = rendered
    first, second = _article(html, "eval-2"), _article(html, "eval-3")
    assert first.startswith("evaluation s-fail superseded") and "superseded by a retry" in first
    assert 'href="#eval-3"' in first and "evaluation 1 of 2" in first
    assert "superseded" not in second.split("\n", 1)[0] and "evaluation 2 of 2" in second
    assert "retried: 2 evaluations" in html
    assert '<tr class="superseded">' in html  # the first try of the security phase task


def test_findings_grouped_by_severity_most_severe_first(
        rendered: tuple[dict[str, Any], ReportPaths, str]) -> None:
    _, _, html = rendered
    security = _article(html, "eval-3")
    heads = re.findall(r'<tr class="sevhead"><td colspan="5" class="sev-(\w+)">\w+ \((\d+)\)', security)
    assert heads == [("critical", "1"), ("high", "2"), ("low", "1")]


def test_json_round_trips_with_summary(rendered: tuple[dict[str, Any], ReportPaths, str],
                                       tmp_path: Path) -> None:
    report, paths, _ = rendered
    text = paths.json.read_text(encoding="utf-8")
    data = json.loads(text)
    assert data == report_json(report)
    assert data["run"]["logical_date"] == "2025-03-01T12:00:00+00:00"
    assert data["evaluations"][2]["findings"][0]["message"] == XSS
    assert data["summary"] == summarize(report)
    assert list(data) == sorted(data)
    again = render_report(copy.deepcopy(report), tmp_path, plots=False)
    assert again.json.read_text(encoding="utf-8") == text  # deterministic


def test_summarize_hand_report() -> None:
    summary = summarize(hand_report())
    assert summary["outcome"] == "FAIL"
    assert "security FAIL 50/85" in summary["outcome_reason"]
    assert summary["gates"] == ["quality PASS 93.5/85 [approved by alice]",
                                "security FAIL 50/85 [2 evaluations]"]
    # only current evaluations count: the superseded try's finding is not counted
    assert summary["findings"] == {"critical": 1, "high": 2, "medium": 0, "low": 1, "info": 0}
    assert summary["findings_total"] == 4
    assert summary["evaluations_total"] == 3 and summary["evaluations_superseded"] == 1
    text = format_summary(summary)
    assert "FAIL" in text and "gate quality PASS 93.5/85" in text and "critical 1" in text


def _with(report: dict[str, Any], **changes: Any) -> dict[str, Any]:
    report = copy.deepcopy(report)
    for key, value in changes.items():
        if key == "run_status":
            report["run"]["status"] = value
        else:
            report[key] = value
    return report


def _quality(status: str, score: float, decision: str | None = None) -> dict[str, Any]:
    approval = {"decision": decision, "approver": "bob", "comment": ""} if decision else None
    return _evaluation(10, "quality", 1, status, score, approval=approval, criteria=[
        _crit("test_coverage", 80.0, "%", ">= 80 %", "pass", 1, "80 % meets >= 80 %")])


@pytest.mark.parametrize(("evaluations", "run_status", "extra", "outcome"), [
    ([_quality("PASS", 90)], "succeeded", {}, "PASS"),
    ([_quality("WARNING", 75, "approved")], "succeeded", {}, "WARNING"),
    ([_quality("WARNING", 75, "rejected")], "failed", {}, "REJECTED"),
    ([_quality("WARNING", 75)], "accepted", {}, "PENDING"),
    ([_quality("FAIL", 20)], "failed", {}, "FAIL"),
    ([], "rejected", {}, "REJECTED"),
    ([], "accepted", {}, "NO-GATES"),
    ([], "failed", {}, "FAIL"),
    ([_quality("PASS", 90)], "failed", {"rollbacks": [{"from_revision": 2, "to_revision": 1}]},
     "ROLLED-BACK"),
    ([_quality("PASS", 90)], "failed", {}, "FAIL"),  # a failure outside the gates fails the run
    # a retried gate: the FAIL of try 1 is superseded by the PASS of try 2
    ([{**_quality("FAIL", 20), "id": 1}, {**_quality("PASS", 95), "id": 2, "try_number": 2}],
     "succeeded", {}, "PASS"),
])
def test_summarize_outcomes(evaluations: list[dict[str, Any]], run_status: str, extra: dict[str, Any],
                            outcome: str) -> None:
    report = _with(hand_report(), evaluations=evaluations, run_status=run_status, **extra)
    assert summarize(report)["outcome"] == outcome


def test_empty_evaluations_render_a_report_saying_no_gate_ran(tmp_path: Path) -> None:
    report = _with(hand_report(), evaluations=[], run_status="accepted")
    paths = render_report(report, tmp_path)
    html = paths.html.read_text(encoding="utf-8")
    assert "No gate ran in this run" in html and "NO-GATES" in html
    assert "<img" not in html
    assert json.loads(paths.json.read_text())["summary"]["gates"] == []


def test_findings_are_capped_in_html_but_complete_in_json(tmp_path: Path) -> None:
    report = hand_report()
    report["evaluations"][2]["findings"] = [_finding(i, "medium", f"finding number {i}") for i in range(250)]
    paths = render_report(report, tmp_path, plots=False, max_findings=200)
    html = paths.html.read_text(encoding="utf-8")
    assert "50 more in report.json" in html
    assert "finding number 199<" in html and "finding number 200<" not in html
    assert len(json.loads(paths.json.read_text())["evaluations"][2]["findings"]) == 250


def test_revisions_and_rollbacks_render_when_present_only(tmp_path: Path) -> None:
    plain = render_report(hand_report(), tmp_path / "a", plots=False).html.read_text(encoding="utf-8")
    assert "Deployment revisions" not in plain and "Rollbacks" not in plain
    report = _with(hand_report(),
                   revisions=[{"revision": 1, "version": "1.4.1", "strategy": "rolling",
                               "status": "superseded", "recorded_at": T0},
                              {"revision": 2, "version": "1.4.2", "strategy": "canary", "status": "failed",
                               "recorded_at": T0}],
                   rollbacks=[{"from_revision": 2, "to_revision": 1, "reason": "canary <error rate> 7 %",
                               "verified": True}])
    html = render_report(report, tmp_path / "b", plots=False).html.read_text(encoding="utf-8")
    section = html.split('<section id="revisions">', 1)[1].split("</section>", 1)[0]
    assert "<th>revision</th>" in section and "1.4.1" in section and "2025-03-01 12:00:00+00:00" in section
    rollbacks = html.split('<section id="rollbacks">', 1)[1].split("</section>", 1)[0]
    assert "<th>from_revision</th>" in rollbacks and "canary &lt;error rate&gt; 7 %" in rollbacks
    assert summarize(report)["outcome"] == "ROLLED-BACK"


@pytest.mark.parametrize("bad", [None, [], {"phases": []}, {"run": {}, "evaluations": [{"score": 1}]}])
def test_bad_input_is_a_report_error(bad: Any, tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="run_report"):
        render_report(bad, tmp_path)


def test_render_from_real_sqlite_ledger(tmp_path: Path) -> None:
    from golive.scoring import apply_rule, evaluate

    ledger = Ledger.from_url("sqlite:///" + str(tmp_path / "ledger.sqlite"))
    run_id = "manual__2025-03-01T12:00:00+00:00"
    ledger.record_run(run_id=run_id, dag_id="golive", status="accepted", logical_date=T0,
                      request={"application": "shop", "version": "2.0.0", "source": "/src/shop",
                               "environment": "prod", "strategy": "blue-green"})
    key = RecordKey(run_id=run_id, task_id="quality_gate.evaluate", try_number=1)
    ledger.record_phase(key, phase="quality", status="succeeded", summary={"score": "see ledger"})
    coverage = CriterionRule(name="test_coverage", measurement="coverage", unit="%", comparison=">=",
                             pass_at=80, warn_at=60, weight=3, key=True)
    lint = CriterionRule(name="lint_errors", measurement="lint", unit="/kloc", comparison="<=", pass_at=5,
                         weight=1)
    docs = CriterionRule(name="docstrings", measurement="docs", unit="%", comparison=">=", pass_at=80,
                         weight=1)
    criteria = [apply_rule(coverage, 91.3), apply_rule(lint, 7.25),
                apply_rule(docs, None, "interrogate crashed")]
    verdict = evaluate("quality", criteria, threshold=85)
    finding = Finding(tool="ruff", rule_id="S602", severity=Severity.HIGH, message=XSS, path="app.py", line=3)
    analyzers = [AnalyzerResult(agent="quality", tool="coverage",
                                measurements=[Measurement(name="coverage", value=91.3, unit="%")]),
                 AnalyzerResult(agent="quality", tool="interrogate", error="interrogate crashed")]
    eval_id = ledger.record_evaluation(key, application="shop", ref="HEAD", verdict=verdict,
                                       findings=[finding], inputs=[a.model_dump(mode="json") for a in analyzers])
    ledger.record_approval(evaluation_id=eval_id, run_id=run_id, task_id=key.task_id,
                           decision=ApprovalDecision(decision="rejected", approver="carol", comment="no"))

    report = ledger.run_report(run_id)
    paths = render_report(report, tmp_path / "report")
    html = paths.html.read_text(encoding="utf-8")
    assert verdict.status.value == "FAIL"  # docstrings has no data, which never passes
    assert "91.3" in html and "7.25" in html and "no data: interrogate crashed" in html
    for c in verdict.criteria:
        assert c.reason.replace(">", "&gt;").replace("<", "&lt;") in html
    assert "&lt;script&gt;" in html and "<script" not in html.lower()
    assert "tool error:</strong> interrogate crashed" in html
    assert "carol" in html and html.count("data:image/png;base64,") == 2
    data = json.loads(paths.json.read_text(encoding="utf-8"))
    assert data["summary"]["outcome"] == "FAIL"
    assert data["summary"]["gates"] == [f"quality FAIL {verdict.score:g}/85 [rejected by carol]"]
    assert data["evaluations"][0]["criteria"][0]["value"] == 91.3
    assert data["summary"]["findings"]["high"] == 1
    assert isinstance(data["run"]["recorded_at"], str)


# -- not-applicable criteria ------------------------------------------------------------------------
def _not_applicable_report() -> dict[str, Any]:
    ev = _evaluation(1, "security", 1, "PASS", 100.0, criteria=[
        _crit("secrets", 0.0, "secrets", "<= 0 secrets", "pass", 4.0, "0 secrets meets <= 0", key=True),
        _crit("cors_restricted", None, "", ">= 1", "not-applicable", 2.0,
              "not applicable: a library has no HTTP surface (kind library: no web framework)"),
        _crit("sast_medium", None, "issues", "<= 0 issues", "no-data", 1.0, "no data: bandit stopped",
              optional=True),
    ])
    return {"run": {"run_id": "manual__lib", "dag_id": "golive", "application": "lib", "status": "succeeded",
                    "request": {}}, "phases": [], "evaluations": [ev]}


def test_not_applicable_criteria_are_shown_with_their_reason_apart_from_no_data(tmp_path):
    report = _not_applicable_report()
    summary = summarize(report)
    gate = summary["gate_results"][0]
    assert gate["criteria"]["not-applicable"] == 1 and gate["criteria"]["no-data"] == 1
    assert gate["criteria"]["pass"] == 1
    assert summary["gates"] == ["security PASS 100/85 [1 not applicable]"]
    paths = render_report(report, tmp_path, plots=True)
    html = paths.html.read_text(encoding="utf-8")
    assert '<tr class="s-notapplicable">' in html
    assert "not applicable: a library has no HTTP surface (kind library: no web framework)" in html
    assert "not counted (not applicable)" in html and "not counted (optional, no data)" in html
    assert "points 4 / 4" in html  # neither the n/a nor the optional no-data criterion is in the maximum
    assert "criteria without data: 1 · not applicable: 1" in html
    data = json.loads(paths.json.read_text(encoding="utf-8"))
    assert data["summary"]["gate_results"][0]["criteria"]["not-applicable"] == 1
