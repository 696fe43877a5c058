"""The checklist analyzer: the go-live security checklist (``golive/data/security_checklist.yaml``).

Each item is ticked by evidence: a measurement of another security analyzer (secrets, dependencies,
bandit, hardening) or a static check of its own (``golive.analyzers.security.appsec``). With ``Context.evidence``
(the other analyzers' results, as ``scan`` passes them) nothing runs twice; without it — one pod of
its own — the analyzers it needs run here first.

``checklist_completion`` is the share of ticked items among the applicable ones: an item whose kinds
(``applies_to``) exclude the application's (``golive.profile``), or whose evidence measurement is
reported not applicable, is listed as not applicable with the reason and not counted. With no
applicable item at all, ``checklist_completion`` is itself not applicable. Its items overlap the other criteria on
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
from golive.profile import ResolvedProfile
from golive.profile.model import Kind

KINDS: tuple[Kind, ...] = ("service", "worker", "library", "ml-service")
#: An item's state: ticked, open, or not applicable to this application.
DONE, OPEN, NOT_APPLICABLE = "done", "open", "not-applicable"
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
        unknown = set(item.get("applies_to", KINDS)) - set(KINDS)
        if unknown:
            raise ValueError(f"checklist item {item['id']}: applies_to names unknown kinds {sorted(unknown)}")
    return items


def _needed_tools(items: tuple[dict[str, Any], ...]) -> list[str]:
    return sorted({i["evidence"]["tool"] for i in items if "tool" in i["evidence"]})


def run_checklist(ctx: Context) -> AnalyzerResult:
    """Tick each checklist item from its evidence: ``checklist_completion`` (%) and a finding per open item."""
    items = load_checklist()
    resolved = ctx.profile
    evidence = {r.tool: r for r in (ctx.evidence or ())}
    missing_tools = [t for t in _needed_tools(items) if t not in evidence]
    if missing_tools:
        for result in run_analyzers(EVIDENCE_ANALYZERS, ctx, missing_tools):
            evidence[result.tool] = result
    index = SourceIndex(ctx.tree)
    check_cache: dict[str, Check] = {}
    findings: list[Finding] = []
    lines: list[dict[str, Any]] = []
    for item in items:
        state, why = _item_state(item, resolved, evidence, index, check_cache)
        lines.append({"id": item["id"], "title": item["title"], "done": state == DONE, "state": state,
                      "evidence": why})
        if state == OPEN:
            findings.append(Finding(tool="checklist", rule_id=item["id"], severity=Severity.MEDIUM,
                                    message=f"checklist item open: {item['title']} — {why}",
                                    fingerprint=f"checklist:{item['id']}"))
    return AnalyzerResult(agent=ctx.agent, tool="checklist", findings=findings,
                          measurements=[_completion(lines, resolved)],
                          details={"tool_version": "static", "items": lines, "ran_analyzers": missing_tools,
                                   "profile": {"kind": resolved.profile.kind, "source": resolved.source}})


def _item_state(item: dict[str, Any], resolved: ResolvedProfile, evidence: dict[str, AnalyzerResult],
                index: SourceIndex, cache: dict[str, Check]) -> tuple[str, str]:
    kind = resolved.profile.kind
    if kind not in item.get("applies_to", KINDS):
        return NOT_APPLICABLE, f"applies to {', '.join(item['applies_to'])}, not a {kind} ({resolved.why('kind')})"
    spec = item["evidence"]
    if "check" in spec:
        check = cache.setdefault(spec["check"], CHECKS[spec["check"]](index))
        return (DONE if check.passed else OPEN), check.detail()
    result = evidence.get(spec["tool"])
    measurement = None if result is None or result.error else next(
        (m for m in result.measurements if m.name == spec["measurement"]), None)
    if measurement is not None and not measurement.applicable:
        return NOT_APPLICABLE, f"{spec['measurement']} not applicable: {measurement.detail}"[:400]
    done, why = _from_measurement(result, spec)
    return (DONE if done else OPEN), why


def _completion(lines: list[dict[str, Any]], resolved: ResolvedProfile) -> Measurement:
    applicable = [line for line in lines if line["state"] != NOT_APPLICABLE]
    skipped = [line["id"] for line in lines if line["state"] == NOT_APPLICABLE]
    if not applicable:
        return Measurement(name="checklist_completion", value=None, unit="%", applicable=False,
                           detail=f"no checklist item applies to a {resolved.profile.kind} "
                                  f"({resolved.why('kind')})")
    ticked = sum(1 for line in applicable if line["state"] == DONE)
    open_ids = [line["id"] for line in applicable if line["state"] == OPEN]
    detail = f"{ticked} of {len(applicable)} items done"
    if open_ids:
        detail += f"; open: {', '.join(open_ids)}"
    if skipped:
        detail += f"; not applicable: {', '.join(skipped)}"
    return Measurement(name="checklist_completion", value=round(100.0 * ticked / len(applicable), 2), unit="%",
                       detail=detail)


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

