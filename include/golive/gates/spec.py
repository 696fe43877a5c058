"""What a gate is: its analyzers, its criteria, which analyzer measures what, and how it scores.

A :class:`GateSpec` is declarative and parse-time safe (it imports only the models and the scoring
rules, never an analyzer): the DAGs read its analyzer names to lay out one pod per analyzer, the
scoring operator and the agents' CLIs call :meth:`GateSpec.score`. Each gate has one module in
:mod:`golive.gates` holding its spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from golive.models import AnalyzerResult, AppliedWaiver, CriterionRule, Verdict
from golive.scoring import ScoringError, apply_rules, evaluate
from golive.waivers import WaiverLike, apply_waivers, waived_by_measurement, waived_detail, waiver_reasons

DEFAULT_THRESHOLD = 85.0


@dataclass(frozen=True)
class GateSpec:
    """One gate, declared.

    :param name: the gate's name (recorded with the verdict; the agent under ``golive.agents``).
    :param analyzers: the analyzers, in the order the gate runs them (one pod each in the DAG).
    :param rules: the gate's criteria.
    :param producers: measurement → the analyzer that measures it.
    :param late: analyzers that run after the others, with their results as evidence.
    :param ml_only: analyzers that run only for ML workloads (in a GPU-profile pod).
    :param rules_for: for a gate whose criteria depend on what was measured (the canary's thresholds
        are recorded in its result): results → criteria; ``rules`` is then the default set.
    """

    name: str
    analyzers: tuple[str, ...]
    rules: tuple[CriterionRule, ...]
    producers: Mapping[str, str]
    late: tuple[str, ...] = ()
    ml_only: tuple[str, ...] = ()
    rules_for: Callable[[Sequence[AnalyzerResult]], Sequence[CriterionRule]] | None = field(default=None,
                                                                                           compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.producers.values()) - set(self.analyzers)
        missing = {r.measurement for r in self.rules} - set(self.producers)
        if unknown or missing or not set(self.late) <= set(self.analyzers):
            raise ValueError(f"gate {self.name}: producers name unknown analyzers {sorted(unknown)} or rules "
                             f"measure what no analyzer produces {sorted(missing)}")

    def score(self, results: Sequence[AnalyzerResult], threshold: float = DEFAULT_THRESHOLD, *,
              waivers: Sequence[WaiverLike] = (), on: date | None = None) -> Verdict:
        """The verdict of ``results``: a missing or failed analyzer makes its criteria no-data;
        ``waivers`` (the profile's, as of the day ``on``) recount the measurements they cover."""
        rules = self.rules_for(results) if self.rules_for is not None else self.rules
        return score_results(self.name, rules, self.producers, list(results), threshold, waivers=waivers, on=on)


def score_results(gate: str, rules: Sequence[CriterionRule], producers: Mapping[str, str],
                  results: Sequence[AnalyzerResult], threshold: float, *,
                  waivers: Sequence[WaiverLike] = (), on: date | None = None) -> Verdict:
    """Score ``results`` with ``rules``: each criterion's value comes from the analyzer that produces it.

    A missing analyzer result, an analyzer ``error`` or an unmeasured value make that criterion
    no-data with the reason; a measurement the analyzer reports as not applicable
    (``applicable=False``) makes it not-applicable with the analyzer's reason; the measurement's
    detail (e.g. the worst function) is added to the reason. Active waivers (:mod:`golive.waivers`)
    take the findings they cover out of the measurement those fed: the criterion keeps the raw value
    (``raw_value``) and says "N waived (…)"; expired and refused waivers are verdict reasons.

    :param gate: ``quality`` or ``security``.
    :param rules: the criteria.
    :param producers: measurement name → the analyzer (tool) that measures it.
    :param results: the analyzers' results (a later result of the same tool replaces an earlier one).
    :param threshold: acceptance threshold 0–100.
    :param waivers: the application profile's waivers.
    :param on: the day waivers are judged on (the run's logical date); required with waivers.
    :raises ScoringError: waivers without the day to judge them on.
    """
    if waivers and on is None:
        raise ScoringError(f"gate {gate!r}: waivers need the day they are judged on")
    by_tool = {r.tool: r for r in results}
    applied = apply_waivers(by_tool.values(), waivers, on) if waivers and on is not None else []
    waived = waived_by_measurement(applied)
    values: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    inapplicable: dict[str, str] = {}
    details: dict[str, str] = {}
    for rule in rules:
        name = rule.measurement
        tool = producers[name]
        result = by_tool.get(tool)
        if result is None:
            errors[name] = f"the {tool} analyzer produced no result"
            continue
        if result.error:
            errors[name] = f"{tool} could not run: {result.error}"
            continue
        measurement = next((m for m in result.measurements if m.name == name), None)
        if measurement is None:
            errors[name] = f"{tool} did not report {name}"
        elif not measurement.applicable:
            inapplicable[name] = measurement.detail
        elif measurement.value is None:
            errors[name] = measurement.detail or f"{tool} could not measure {name}"
        else:
            values[name] = measurement.value
            details[name] = measurement.detail
    raw = _recount(values, errors, details, waived)
    criteria = apply_rules(rules, values, errors, inapplicable)
    enriched = []
    for rule, criterion in zip(rules, criteria, strict=True):
        detail = details.get(rule.measurement)
        update: dict[str, object] = {}
        if detail and criterion.value is not None:
            update["reason"] = f"{criterion.reason} ({detail})"
        if rule.measurement in raw:
            update["raw_value"] = raw[rule.measurement]
        enriched.append(criterion.model_copy(update=update) if update else criterion)
    verdict = evaluate(gate, enriched, threshold)
    return verdict.model_copy(update={"waivers": applied, "reasons": verdict.reasons + waiver_reasons(applied)})


def _recount(values: dict[str, float | None], errors: dict[str, str], details: dict[str, str],
             waived: Mapping[str, Sequence[AppliedWaiver]]) -> dict[str, float]:
    """Subtract the waived findings from the values they fed (in place); return the raw values.

    More waived findings than the analyzer counted means its tags and its count disagree: no data.
    """
    raw: dict[str, float] = {}
    for name, hits in waived.items():
        value = values.get(name)
        if value is None:
            continue
        raw[name] = value
        if len(hits) > value:
            del values[name]
            errors[name] = (f"{len(hits)} waived findings exceed the measured {value:g}: the analyzer's "
                            "tagged findings and its count disagree")
            continue
        values[name] = value - len(hits)
        details[name] = "; ".join(filter(None, [waived_detail(hits), f"raw {value:g}", details.get(name, "")]))
    return raw


