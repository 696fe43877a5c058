"""The canary gate: canary against stable, per traffic step (error rate, p95 latency, volume).

Its criteria depend on what was measured: the thresholds the analysis ran with are recorded in the
analysis result, and without a stable baseline the relative criteria are optional; so the verdict of
the scoring step equals :func:`golive.canary.analysis.analyze` on the same windows.
"""

from __future__ import annotations

from collections.abc import Sequence

from golive.gates.spec import GateSpec
from golive.models import AnalyzerResult, CriterionRule

TOOL = "analysis"
#: The analysis' default thresholds (the CLI's and the DAG's defaults).
DEFAULTS: dict[str, float] = {"max_error_rate": 0.05, "max_p95_seconds": 2.0, "min_requests": 20,
                              "max_error_rate_delta": 0.02, "max_p95_ratio": 1.5}


def canary_rules(
    *,
    max_error_rate: float = 0.05,
    max_p95_seconds: float = 2.0,
    min_requests: int = 20,
    max_error_rate_delta: float = 0.02,
    warn_error_rate_delta: float | None = None,
    max_p95_ratio: float = 1.5,
    warn_p95_ratio: float | None = None,
    baseline: bool = True,
) -> list[CriterionRule]:
    """The canary gate's criteria. Without a stable ``baseline`` the relative criteria are optional.

    The warning levels default to 0.05 more 5xx ratio than stable and 2× stable's p95, or the pass
    level when that is looser.
    """
    if warn_error_rate_delta is None:
        warn_error_rate_delta = max(0.05, max_error_rate_delta)
    if warn_p95_ratio is None:
        warn_p95_ratio = max(2.0, max_p95_ratio)
    return [
        CriterionRule(name="canary error rate", measurement="canary_error_rate", unit="ratio", comparison="<=",
                      pass_at=max_error_rate, weight=3, key=True,
                      description="share of the canary's requests answered with 5xx"),
        CriterionRule(name="canary p95 latency", measurement="canary_p95_seconds", unit="s", comparison="<=",
                      pass_at=max_p95_seconds, weight=3, key=True,
                      description="95th-percentile latency of the canary"),
        CriterionRule(name="error rate vs stable", measurement="error_rate_delta", unit="ratio", comparison="<=",
                      pass_at=max_error_rate_delta, warn_at=warn_error_rate_delta, weight=2, optional=not baseline,
                      description="canary 5xx ratio minus stable 5xx ratio"),
        CriterionRule(name="p95 latency vs stable", measurement="p95_ratio", unit="x", comparison="<=",
                      pass_at=max_p95_ratio, warn_at=warn_p95_ratio, weight=2, optional=not baseline,
                      description="canary p95 latency over stable p95 latency"),
        CriterionRule(name="canary request volume", measurement="canary_requests", unit="requests",
                      comparison=">=", pass_at=float(min_requests), weight=1,
                      description="requests the canary served in the window"),
    ]



#: The canary gate's criteria with their default thresholds (a stable baseline present).
CANARY_RULES: tuple[CriterionRule, ...] = tuple(canary_rules())



def rules_for(results: Sequence[AnalyzerResult]) -> list[CriterionRule]:
    """The canary gate's criteria for the ``analysis`` result among ``results``: the thresholds it was
    measured against (its ``details['thresholds']``, defaults otherwise) and, like
    :func:`golive.canary.analysis.analyze`, the relative criteria optional when there was no stable
    baseline."""
    result = next((r for r in results if r.tool == TOOL), None)
    details = result.details if result is not None else {}
    given = details.get("thresholds") or {}
    t = {k: float(given.get(k, v)) for k, v in DEFAULTS.items()}
    baseline = result is None or result.error is not None or details.get("stable") is not None
    return canary_rules(max_error_rate=t["max_error_rate"], max_p95_seconds=t["max_p95_seconds"],
                        min_requests=max(1, int(t["min_requests"])),
                        max_error_rate_delta=t["max_error_rate_delta"], max_p95_ratio=t["max_p95_ratio"],
                        baseline=baseline)



#: The canary gate has one analyzer: the whole canary-vs-stable analysis of one traffic step.
CANARY = GateSpec(
    name="canary",
    analyzers=(TOOL,),
    rules=CANARY_RULES,
    producers={r.measurement: TOOL for r in CANARY_RULES},
    rules_for=rules_for,
)
