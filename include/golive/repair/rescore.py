"""Diagnosis and re-score with the gates' own analyzers and scoring: the same code on the original tree
and on the repaired copy, so before and after mean the same thing.

A diagnosis runs the quality and security gates' analyzers (:data:`golive.agents.quality.SPEC`,
:data:`golive.agents.security.SPEC`; ``only`` narrows them), classifies every finding
(:mod:`golive.repair.taxonomy`) and, for a gate whose analyzers all ran, records its verdict as the gate
scores it (:meth:`golive.gates.spec.GateSpec.score`, the profile's waivers as of ``on``).

:func:`resolution` compares two diagnoses. Findings are recounted per (tool, rule, file) — a fix that
removes a line moves every finding below it — so a finding is **fixed** when its (tool, rule, file) has
fewer findings after than before. The findings of an analyzer that did not run on both sides are never
counted fixed (no data is not a fix). ``resolution_rate`` = fixed / all findings (plan 002's issue
resolution rate, measured); ``fixable_rate`` = fixed auto issues / auto issues; ``introduced`` counts
findings the repair added. Both rates are None when there is nothing to divide by.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from golive.analyzers.base import Context, run_analyzers
from golive.models import Finding
from golive.repair.taxonomy import AUTO, Issue, category_counts, classify

GATES = ("quality", "security")


def _spec(gate: str) -> Any:
    if gate == "quality":
        from golive.agents.quality import SPEC
    elif gate == "security":
        from golive.agents.security import SPEC
    else:
        raise ValueError(f"gate {gate!r}: one of {', '.join(GATES)}")
    return SPEC


def analyzer_names(gates: Sequence[str]) -> list[str]:
    """The analyzers of ``gates``, each once, in the gates' order."""
    return list(dict.fromkeys(a for g in gates for a in _spec(g).registry))


@dataclass
class Diagnosis:
    """The classified findings of one tree, the analyzers that failed, and the complete gates' verdicts."""

    issues: list[Issue]
    ran: list[str]
    errors: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: analyzer name of each issue (same order as ``issues``)
    producers: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts: total, auto-fixable, per category, per fixer."""
        return {"total": len(self.issues), "fixable": sum(1 for i in self.issues if i.fixability == AUTO),
                "categories": category_counts(self.issues),
                "fixers": dict(sorted(Counter(i.fixer for i in self.issues if i.fixer).items())),
                "unmapped": sorted({f"{i.finding.tool}:{i.finding.rule_id}" for i in self.issues if not i.mapped})}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the summary, the issues (with their analyzer), errors and verdicts."""
        return {**self.summary(), "ran": self.ran, "errors": self.errors, "verdicts": self.verdicts,
                "issues": [{**i.as_dict(), "analyzer": a} for i, a in zip(self.issues, self.producers, strict=True)]}


def diagnosis_from_dict(doc: Mapping[str, Any]) -> Diagnosis:
    """A diagnosis read back from :meth:`Diagnosis.as_dict` (each finding classified again)."""
    issues, producers = [], []
    for item in doc.get("issues") or []:
        issues.append(classify(Finding(tool=item["tool"], rule_id=item["rule_id"], severity=item["severity"],
                                       message=item.get("message") or "", path=item.get("path"),
                                       line=item.get("line"), fingerprint=item.get("fingerprint") or "")))
        producers.append(str(item["analyzer"]))
    return Diagnosis(issues=issues, ran=list(doc.get("ran") or []), errors=dict(doc.get("errors") or {}),
                     verdicts=dict(doc.get("verdicts") or {}), producers=producers)


def diagnose(tree: Path, gates: Sequence[str] = GATES, only: Sequence[str] | None = None, *,
             timeout: float | None = None, on: date | None = None) -> Diagnosis:
    """Run the analyzers of ``gates`` (``only`` these, when given) on ``tree`` and classify their findings."""
    from golive.cli.gate import gate_results, profile_waivers

    wanted = analyzer_names(gates) if only is None else [a for a in analyzer_names(gates) if a in only]
    results: dict[str, Any] = {}
    verdicts: dict[str, dict[str, Any]] = {}
    for gate in gates:
        spec = _spec(gate)
        ctx = Context(agent=spec.name, source=tree, timeout=timeout)
        names = [a for a in spec.registry if a in wanted]
        if names == list(spec.registry):
            gate_run = gate_results(spec, ctx)
            verdict = spec.gate.score(gate_run, waivers=profile_waivers(ctx), on=on or date.today())
            verdicts[gate] = {"status": verdict.status.value, "score": verdict.score,
                              "threshold": verdict.threshold, "reasons": list(verdict.reasons)[:20]}
        else:
            gate_run = run_analyzers(spec.registry, ctx, [n for n in names if n not in results])
        for result in gate_run:
            results.setdefault(result.tool, result)
    issues: list[Issue] = []
    producers: list[str] = []
    for name in wanted:
        for finding in results[name].findings:
            issues.append(classify(finding))
            producers.append(name)
    return Diagnosis(issues=issues, ran=wanted, producers=producers, verdicts=verdicts,
                     errors={n: str(results[n].error)[:1000] for n in wanted if results[n].error})


def _counts(issues: Iterable[tuple[Issue, str]], skip: set[str]) -> Counter[tuple[str, str, str]]:
    return Counter(i.key for i, analyzer in issues if analyzer not in skip)


def resolution(before: Diagnosis, after: Diagnosis) -> dict[str, Any]:
    """Fixed, fixable, total, introduced and the two rates of a repair (see the module docstring)."""
    no_data = set(before.errors) | set(after.errors) | (set(before.ran) - set(after.ran))
    pairs_before = list(zip(before.issues, before.producers, strict=True))
    pairs_after = list(zip(after.issues, after.producers, strict=True))
    was, now = _counts(pairs_before, no_data), _counts(pairs_after, no_data)
    gone = {k: max(0, n - now.get(k, 0)) for k, n in was.items()}
    fixed_categories: Counter[str] = Counter()
    fixed_auto = 0
    remaining = dict(gone)
    # attribute each disappeared finding to the issues of its key, auto ones first
    for issue, _ in sorted((p for p in pairs_before if p[1] not in no_data), key=lambda p: p[0].fixability != AUTO):
        if remaining.get(issue.key, 0) > 0:
            remaining[issue.key] -= 1
            fixed_categories[issue.category] += 1
            fixed_auto += issue.fixability == AUTO
    fixed = sum(gone.values())
    total = len(before.issues)
    fixable = sum(1 for i in before.issues if i.fixability == AUTO)
    return {
        "total": total, "fixable": fixable, "fixed": fixed, "fixed_auto": fixed_auto,
        "introduced": sum(max(0, n - was.get(k, 0)) for k, n in now.items()),
        "remaining": len(after.issues),
        "resolution_rate": round(fixed / total, 4) if total else None,
        "fixable_rate": round(fixed_auto / fixable, 4) if fixable else None,
        "fixed_by_category": dict(sorted(fixed_categories.items())),
        "no_data": sorted(no_data),
    }
