"""Weighted criteria → 0–100 score → verdict, by the gate rules of the design.

* pass = 1 point, warning = 0.5, fail = 0, times the criterion's weight, over the maximum.
* no-data is never a pass: it scores 0 and fails the gate, unless the criterion is optional,
  in which case it leaves the score's maximum and is reported.
* not-applicable (the criterion does not apply to this kind of application, with the reason) is
  neither pass nor fail nor no-data: it leaves the score's maximum and never vetoes.
* zero criteria is an error, not 100; a gate whose every criterion is not-applicable (or optional
  without data) measured nothing, which is never a pass: it FAILs with score 0 and says so.
* a failed (or no-data) key criterion vetoes the gate whatever the score.
* PASS at or above the threshold, WARNING in [warning_floor, threshold), FAIL below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from golive.errors import GoliveError
from golive.models import Criterion, CriterionRule, CriterionStatus, Verdict, VerdictStatus

DEFAULT_THRESHOLD = 85.0
DEFAULT_WARNING_BAND = 15.0
POINTS = {CriterionStatus.PASS: 1.0, CriterionStatus.WARNING: 0.5, CriterionStatus.FAIL: 0.0,
          CriterionStatus.NO_DATA: 0.0, CriterionStatus.NOT_APPLICABLE: 0.0}


class ScoringError(GoliveError):
    """The inputs of a gate cannot produce a verdict (for example: no criteria at all)."""


def warning_floor_for(threshold: float, band: float = DEFAULT_WARNING_BAND) -> float:
    """Lower edge of the warning band below ``threshold`` (85 → 70 by default)."""
    return max(0.0, threshold - band)


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def apply_rule(rule: CriterionRule, value: float | None, missing_reason: str = "") -> Criterion:
    """Turn one measured ``value`` into a criterion by the thresholds of ``rule``.

    :param rule: thresholds, weight and flags of the criterion.
    :param value: the raw measured value, or None when the tool produced none.
    :param missing_reason: why the value is missing (the tool's error), recorded as the reason.
    """
    unit = f" {rule.unit}" if rule.unit else ""
    if value is None:
        why = missing_reason or "the tool produced no value"
        return Criterion(name=rule.name, value=None, unit=rule.unit, threshold=rule.threshold_text(),
                         status=CriterionStatus.NO_DATA, weight=rule.weight, key=rule.key,
                         optional=rule.optional, reason=f"no data: {why}")
    better = (lambda a, b: a >= b) if rule.comparison == ">=" else (lambda a, b: a <= b)
    if better(value, rule.pass_at):
        status = CriterionStatus.PASS
        reason = f"{_fmt(value)}{unit} meets {rule.comparison} {_fmt(rule.pass_at)}{unit}"
    elif rule.warn_at is not None and better(value, rule.warn_at):
        status = CriterionStatus.WARNING
        reason = (f"{_fmt(value)}{unit} misses {rule.comparison} {_fmt(rule.pass_at)}{unit} "
                  f"but meets the warning level {rule.comparison} {_fmt(rule.warn_at)}{unit}")
    else:
        status = CriterionStatus.FAIL
        reason = f"{_fmt(value)}{unit} misses {rule.comparison} {_fmt(rule.pass_at)}{unit}"
    if rule.description:
        reason = f"{rule.description}: {reason}"
    return Criterion(name=rule.name, value=value, unit=rule.unit, threshold=rule.threshold_text(),
                     status=status, weight=rule.weight, key=rule.key, optional=rule.optional, reason=reason)


def not_applicable(rule: CriterionRule, reason: str) -> Criterion:
    """The criterion of ``rule`` recorded as not applicable to this application, with ``reason``."""
    return Criterion(name=rule.name, value=None, unit=rule.unit, threshold=rule.threshold_text(),
                     status=CriterionStatus.NOT_APPLICABLE, weight=rule.weight, key=rule.key,
                     optional=rule.optional, reason=f"not applicable: {reason or 'does not apply'}")


def is_counted(criterion: Criterion) -> bool:
    """True when ``criterion`` counts in the score's maximum (not n/a, not optional without data)."""
    if criterion.status is CriterionStatus.NOT_APPLICABLE:
        return False
    return not (criterion.optional and criterion.status is CriterionStatus.NO_DATA)


def apply_rules(rules: Iterable[CriterionRule], values: Mapping[str, float | None],
                errors: Mapping[str, str] | None = None,
                inapplicable: Mapping[str, str] | None = None) -> list[Criterion]:
    """Apply each rule to ``values[rule.measurement]``; ``errors`` explains missing measurements and
    ``inapplicable`` (measurement → reason) names those that do not apply to the application."""
    errors = errors or {}
    inapplicable = inapplicable or {}
    return [not_applicable(r, inapplicable[r.measurement]) if r.measurement in inapplicable
            else apply_rule(r, values.get(r.measurement), errors.get(r.measurement, "")) for r in rules]


def evaluate(gate: str, criteria: list[Criterion], threshold: float = DEFAULT_THRESHOLD,
             warning_floor: float | None = None) -> Verdict:
    """Score ``criteria`` and decide the verdict of ``gate``.

    :param gate: name of the gate (``quality``, ``security``, ``canary`` …).
    :param criteria: the evaluated criteria; at least one.
    :param threshold: acceptance threshold (0–100).
    :param warning_floor: lower edge of the warning band; defaults to ``threshold - 15``.
    :raises ScoringError: when there are no criteria, or only optional ones without data.
    """
    if not criteria:
        raise ScoringError(f"gate {gate!r}: zero criteria cannot be scored (a gate with nothing "
                           "measured is an error, not 100)")
    if not 0 <= threshold <= 100:
        raise ScoringError(f"gate {gate!r}: threshold {threshold} is outside 0-100")
    floor = warning_floor_for(threshold) if warning_floor is None else warning_floor
    counted = [c for c in criteria if is_counted(c)]
    maximum = sum(c.weight for c in counted)
    if maximum <= 0:
        inapplicable = [c for c in criteria if c.status is CriterionStatus.NOT_APPLICABLE]
        if not inapplicable:
            raise ScoringError(f"gate {gate!r}: every criterion is optional and has no data")
        return _nothing_measured(gate, criteria, inapplicable, threshold, floor)
    score = round(100.0 * sum(c.weight * POINTS[c.status] for c in counted) / maximum, 2)

    reasons: list[str] = []
    vetoes = [c for c in criteria if c.key and c.status in (CriterionStatus.FAIL, CriterionStatus.NO_DATA)]
    missing = [c for c in criteria if not c.optional and c.status is CriterionStatus.NO_DATA]
    for c in vetoes:
        reasons.append(f"key criterion {c.name} failed: {c.reason}")
    for c in missing:
        if not c.key:
            reasons.append(f"criterion {c.name} has no data, which never passes: {c.reason}")
    if vetoes or missing:
        status = VerdictStatus.FAIL
    elif score >= threshold:
        status = VerdictStatus.PASS
    elif score >= floor:
        status = VerdictStatus.WARNING
        reasons.append(f"score {score:g} is in the warning band [{floor:g}, {threshold:g}): "
                       "a human must approve or reject")
    else:
        status = VerdictStatus.FAIL
    if status is VerdictStatus.FAIL and not (vetoes or missing):
        reasons.append(f"score {score:g} is below the warning band floor {floor:g}")
    if status is VerdictStatus.PASS:
        reasons.append(f"score {score:g} meets the threshold {threshold:g} and no key criterion failed")
    reasons += _criterion_reasons(criteria)
    return Verdict(gate=gate, status=status, score=score, threshold=threshold, warning_floor=floor,
                   reasons=reasons, criteria=criteria)


def _criterion_reasons(criteria: list[Criterion]) -> list[str]:
    """One reason per non-key failed or warned criterion and per not-applicable one."""
    reasons = []
    for c in criteria:
        if c.status in (CriterionStatus.FAIL, CriterionStatus.WARNING) and not c.key:
            reasons.append(f"{c.name} {c.status.value}: {c.reason}")
        elif c.status is CriterionStatus.NOT_APPLICABLE:
            reasons.append(f"{c.name} {c.reason} (not counted)")
    return reasons


def _nothing_measured(gate: str, criteria: list[Criterion], inapplicable: list[Criterion], threshold: float,
                      floor: float) -> Verdict:
    """The verdict of a gate that has nothing to score: every criterion is n/a or optional without data.

    Nothing measured is never a pass: FAIL with score 0, saying which criteria did not apply and why
    (a gate that does not apply to this kind of application should not run at all).
    """
    reasons = [(f"nothing was measured: every criterion of gate {gate} is not applicable or optional "
                "without data, and nothing measured is never a pass")]
    reasons += [f"{c.name} {c.reason}" for c in inapplicable]
    return Verdict(gate=gate, status=VerdictStatus.FAIL, score=0.0, threshold=threshold, warning_floor=floor,
                   reasons=reasons, criteria=criteria)
