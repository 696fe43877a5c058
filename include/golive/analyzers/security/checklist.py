"""The checklist analyzer: the go-live security checklist (``golive/data/security_checklist.yaml``).

Each item is ticked by evidence: a measurement of another security analyzer (secrets, dependencies,
bandit, hardening) or a static check of its own (``golive.analyzers.security.appsec``). With ``Context.evidence``
(the other analyzers' results, as ``scan`` passes them) nothing runs twice; without it — one pod of
its own — the analyzers it needs run here first.

``checklist_completion`` is the share of ticked items. Its items overlap the other criteria on
purpose (the checklist is the plan's deliverable); the security rules give it a small weight so the
overlap does not count twice in the score.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from golive.analyzers.base import Analyzer, Context, run_analyzers
from golive.analyzers.security.appsec.endpoints import auth_on_mutations, input_validation
from golive.analyzers.security.appsec.exposure import no_debug_mode, no_secret_logging
from golive.analyzers.security.appsec.headers import security_headers
from golive.analyzers.security.appsec.index import Check, SourceIndex
from golive.analyzers.security.bandit import run_bandit
from golive.analyzers.security.dependencies import run_dependencies
from golive.analyzers.security.hardening import run_hardening
from golive.analyzers.security.secrets import run_secrets
from golive.models import AnalyzerResult, Finding, Measurement, Severity

CHECKLIST_PATH = Path(__file__).resolve().parents[2] / "data" / "security_checklist.yaml"

#: The security analyzers whose measurements the items use (the security agent runs them too).
EVIDENCE_ANALYZERS: dict[str, Analyzer] = {
    "bandit": run_bandit,
    "secrets": run_secrets,
    "dependencies": run_dependencies,
    "hardening": run_hardening,
}


def _hsts(index: SourceIndex) -> Check:
    headers = security_headers(index)
    hit = [e for e in headers.evidence if e.startswith("Strict-Transport-Security")]
    return Check("hsts", bool(hit), 1.0 if hit else 0.0, hit,
                 "" if hit else "Strict-Transport-Security is not set in the code")


CHECKS: dict[str, Callable[[SourceIndex], Check]] = {
    "hsts": _hsts,
    "input_validation": input_validation,
    "auth_on_mutations": auth_on_mutations,
    "no_secret_logging": no_secret_logging,
    "no_debug_mode": no_debug_mode,
}


@lru_cache(maxsize=2)
def load_checklist(path: Path = CHECKLIST_PATH) -> tuple[dict[str, Any], ...]:
    """The checklist items; every item must name a known check or a measurement with its tool."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = tuple(data["items"])
    for item in items:
        evidence = item.get("evidence", {})
        if "check" in evidence and evidence["check"] not in CHECKS:
            raise ValueError(f"checklist item {item['id']}: unknown check {evidence['check']!r}")
        if "check" not in evidence and not {"measurement", "tool", "comparison", "value"} <= set(evidence):
            raise ValueError(f"checklist item {item['id']}: evidence needs measurement, tool, comparison, value")
    return items


def _needed_tools(items: tuple[dict[str, Any], ...]) -> list[str]:
    return sorted({i["evidence"]["tool"] for i in items if "tool" in i["evidence"]})


def run_checklist(ctx: Context) -> AnalyzerResult:
    """Tick each checklist item from its evidence: ``checklist_completion`` (%) and a finding per open item."""
    items = load_checklist()
    evidence = {r.tool: r for r in (ctx.evidence or ())}
    missing_tools = [t for t in _needed_tools(items) if t not in evidence]
    if missing_tools:
        for result in run_analyzers(EVIDENCE_ANALYZERS, ctx, missing_tools):
            evidence[result.tool] = result
    index = SourceIndex(ctx.tree)
    check_cache: dict[str, Check] = {}
    ticked = 0
    findings: list[Finding] = []
    lines: list[dict[str, Any]] = []
    for item in items:
        spec = item["evidence"]
        if "check" in spec:
            check = check_cache.setdefault(spec["check"], CHECKS[spec["check"]](index))
            done, why = check.passed, check.detail()
        else:
            done, why = _from_measurement(evidence.get(spec["tool"]), spec)
        ticked += done
        lines.append({"id": item["id"], "title": item["title"], "done": done, "evidence": why})
        if not done:
            findings.append(Finding(tool="checklist", rule_id=item["id"], severity=Severity.MEDIUM,
                                    message=f"checklist item open: {item['title']} — {why}",
                                    fingerprint=f"checklist:{item['id']}"))
    completion = round(100.0 * ticked / len(items), 2)
    open_ids = [line["id"] for line in lines if not line["done"]]
    return AnalyzerResult(
        agent=ctx.agent, tool="checklist", findings=findings,
        measurements=[Measurement(name="checklist_completion", value=completion, unit="%",
                                  detail=f"{ticked} of {len(items)} items done"
                                         + (f"; open: {', '.join(open_ids)}" if open_ids else ""))],
        details={"tool_version": "static", "items": lines, "ran_analyzers": missing_tools})


def _from_measurement(result: AnalyzerResult | None, spec: dict[str, Any]) -> tuple[bool, str]:
    tool, name = spec["tool"], spec["measurement"]
    if result is None:
        return False, f"no result of the {tool} analyzer"
    if result.error:
        return False, f"{tool} could not run: {result.error}"
    measurement = next((m for m in result.measurements if m.name == name), None)
    if measurement is None or measurement.value is None:
        return False, f"{tool} did not measure {name}" + (f": {measurement.detail}" if measurement else "")
    value, target = measurement.value, float(spec["value"])
    done = value <= target if spec["comparison"] == "<=" else value >= target
    return done, f"{name} = {value:g} ({spec['comparison']} {target:g} required): {measurement.detail}"[:400]

