"""The canary gate: its criteria, the raw values they are scored on, and the verdict.

Scored with golive's own gate rules (:mod:`golive.scoring`), in the spirit of Kayenta and Flagger:
every criterion keeps its raw value, threshold and reason, no data is never a pass, and a failed key
criterion vetoes the gate. :func:`analyze` decides the ``canary`` gate from the canary's
:class:`~golive.canary.metrics.TrafficWindow` and the stable baseline's; :func:`analyzer_result`
records the same measurements for the ledger.
"""

from __future__ import annotations

from golive.canary.metrics import LATENCY_HISTOGRAM, CanaryError, TrafficWindow
from golive.gates.canary import CANARY_RULES, canary_rules
from golive.models import AnalyzerResult, Measurement, Verdict
from golive.scoring import apply_rules, evaluate

__all__ = ["analyze", "analyzer_result", "canary_measurements"]


def canary_measurements(
    canary: TrafficWindow,
    stable: TrafficWindow | None,
    *,
    min_requests: int = 20,
    p95_floor_seconds: float = 0.05,
) -> tuple[dict[str, float | None], dict[str, str]]:
    """The raw values of the canary criteria, and why each missing one is missing.

    Below ``min_requests`` the error and latency values are not computed (too few requests prove
    nothing, so they are no-data, never a pass). The latency ratio divides by
    ``max(stable p95, p95_floor_seconds)``: differences among a few milliseconds are noise.
    """
    values: dict[str, float | None] = {"canary_requests": canary.requests}
    missing: dict[str, str] = {}
    relative = ("error_rate_delta", "p95_ratio")
    if canary.requests < min_requests:
        why = f"only {canary.requests:g} requests in the window (at least {min_requests} needed)"
        for name in ("canary_error_rate", "canary_p95_seconds", *relative):
            values[name] = None
            missing[name] = why
        return values, missing
    values["canary_error_rate"] = canary.error_rate
    values["canary_p95_seconds"] = canary.p95
    if canary.error_rate is None:
        missing["canary_error_rate"] = "no requests in the window"
    if canary.p95 is None:
        missing["canary_p95_seconds"] = (f"the canary recorded no latency observations "
                                         f"({LATENCY_HISTOGRAM}_bucket is missing)")
    if stable is None:
        for name in relative:
            values[name] = None
            missing[name] = "no stable baseline (first deployment): decided on the absolute criteria"
        return values, missing
    if stable.requests < min_requests:
        for name in relative:
            values[name] = None
            missing[name] = (f"the stable baseline served only {stable.requests:g} requests in the window "
                             f"(at least {min_requests} needed)")
        return values, missing
    values["error_rate_delta"] = (canary.error_rate or 0.0) - (stable.error_rate or 0.0)
    if canary.p95 is None or stable.p95 is None:
        values["p95_ratio"] = None
        missing["p95_ratio"] = "no latency observations for " + ("the canary" if canary.p95 is None else "stable")
    else:
        values["p95_ratio"] = canary.p95 / max(stable.p95, p95_floor_seconds)
    return values, missing


def analyze(
    canary: TrafficWindow,
    stable: TrafficWindow | None,
    *,
    max_error_rate: float = 0.05,
    max_p95_seconds: float = 2.0,
    min_requests: int = 20,
    threshold: float = 85.0,
    max_error_rate_delta: float = 0.02,
    max_p95_ratio: float = 1.5,
    p95_floor_seconds: float = 0.05,
) -> Verdict:
    """Decide the ``canary`` gate from the canary's window and the stable baseline's.

    Criteria: canary 5xx ratio ≤ ``max_error_rate`` (key), canary p95 ≤ ``max_p95_seconds`` (key),
    5xx ratio minus stable's ≤ ``max_error_rate_delta`` (warning up to 0.05), p95 over stable's
    ≤ ``max_p95_ratio`` (warning up to 2×) and at least ``min_requests`` requests. Without a stable
    baseline (first deployment) the relative criteria are no-data but optional. Scored by
    :func:`golive.scoring.evaluate`.
    """
    if min_requests < 1:
        raise CanaryError(f"min_requests must be at least 1, got {min_requests}: a window without requests "
                          "proves nothing")
    rules = canary_rules(max_error_rate=max_error_rate, max_p95_seconds=max_p95_seconds, min_requests=min_requests,
                         max_error_rate_delta=max_error_rate_delta, max_p95_ratio=max_p95_ratio,
                         baseline=stable is not None)
    values, missing = canary_measurements(canary, stable, min_requests=min_requests,
                                          p95_floor_seconds=p95_floor_seconds)
    return evaluate("canary", apply_rules(rules, values, missing), threshold=threshold)


def analyzer_result(canary: TrafficWindow, stable: TrafficWindow | None, *, min_requests: int = 20,
                    p95_floor_seconds: float = 0.05, tool: str = "golive.canary") -> AnalyzerResult:
    """The canary measurements as an :class:`AnalyzerResult` (for the ledger), windows in ``details``."""
    values, missing = canary_measurements(canary, stable, min_requests=min_requests,
                                          p95_floor_seconds=p95_floor_seconds)
    units = {r.measurement: r.unit for r in CANARY_RULES}
    return AnalyzerResult(
        agent="canary", tool=tool,
        measurements=[Measurement(name=k, value=v, unit=units.get(k, ""), detail=missing.get(k, ""))
                      for k, v in values.items()],
        details={"canary": canary.model_dump(mode="json"),
                 "stable": stable.model_dump(mode="json") if stable is not None else None},
    )
