"""The canary gate's analysis: canary against stable, verdicts naming the raw values."""

from __future__ import annotations

from typing import Any

import pytest
from canary_fakes import fake_window

from golive.canary.analysis import analyze, analyzer_result
from golive.canary.metrics import CanaryError, TrafficWindow
from golive.gates.canary import CANARY_RULES
from golive.models import CriterionStatus, VerdictStatus

# --- the canary gate --------------------------------------------------------------------------------


def _criterion(verdict: Any, name: str) -> Any:
    return next(c for c in verdict.criteria if c.name == name)


def test_rules_use_the_gate_model() -> None:
    names = {r.name: r for r in CANARY_RULES}
    assert names["canary error rate"].key and names["canary p95 latency"].key
    assert names["error rate vs stable"].warn_at is not None and names["p95 latency vs stable"].warn_at == 2.0
    assert not any(r.optional for r in CANARY_RULES)


def test_healthy_canary_passes() -> None:
    stable = fake_window((200, 0.02, 200), (2, 0.02, 500))
    canary = fake_window((100, 0.02, 200), (1, 0.02, 500))
    verdict = analyze(canary, stable)
    assert verdict.gate == "canary"
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100
    assert all(c.status is CriterionStatus.PASS for c in verdict.criteria)
    assert _criterion(verdict, "canary request volume").value == 101


def test_canary_with_30_percent_errors_fails_naming_the_value() -> None:
    stable = fake_window((200, 0.02, 200))
    canary = fake_window((70, 0.02, 200), (30, 0.02, 500))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    err = _criterion(verdict, "canary error rate")
    assert err.status is CriterionStatus.FAIL and err.value == pytest.approx(0.3) and err.key
    assert "0.3 ratio misses <= 0.05 ratio" in err.reason
    assert any("key criterion canary error rate failed" in r and "0.3" in r for r in verdict.reasons)
    assert _criterion(verdict, "error rate vs stable").status is CriterionStatus.FAIL


def test_slow_canary_fails() -> None:
    stable = fake_window((200, 0.2, 200))
    canary = fake_window((100, 3.0, 200))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    p95 = _criterion(verdict, "canary p95 latency")
    # every request in (2.5, 5]: p95 = 2.5 + 2.5 × 0.95 ≈ 4.875 s, above 2 s
    assert p95.status is CriterionStatus.FAIL and p95.value == pytest.approx(4.875)
    assert _criterion(verdict, "p95 latency vs stable").status is CriterionStatus.FAIL
    assert analyze(canary, stable, max_p95_seconds=5.0).status is VerdictStatus.WARNING  # only the ratio fails


def test_too_few_requests_is_no_data_and_fails() -> None:
    stable = fake_window((200, 0.02, 200))
    canary = fake_window((5, 0.02, 200))
    verdict = analyze(canary, stable)
    assert verdict.status is VerdictStatus.FAIL
    for name in ("canary error rate", "canary p95 latency", "error rate vs stable", "p95 latency vs stable"):
        c = _criterion(verdict, name)
        assert c.status is CriterionStatus.NO_DATA and c.value is None
        assert "only 5 requests in the window" in c.reason
    assert _criterion(verdict, "canary request volume").status is CriterionStatus.FAIL


def test_first_deployment_decides_on_absolute_criteria() -> None:
    healthy = analyze(fake_window((100, 0.02, 200)), None)
    assert healthy.status is VerdictStatus.PASS and healthy.score == 100
    relative = _criterion(healthy, "error rate vs stable")
    assert relative.status is CriterionStatus.NO_DATA and relative.optional
    assert "no stable baseline" in relative.reason
    broken = analyze(fake_window((50, 0.02, 200), (50, 0.02, 500)), None)
    assert broken.status is VerdictStatus.FAIL
    assert _criterion(broken, "canary error rate").value == pytest.approx(0.5)


def test_small_regressions_warn() -> None:
    stable = fake_window((200, 0.02, 200))
    canary = fake_window((96, 0.02, 200), (4, 0.02, 500))  # 4 % errors: under 5 %, but 4 points over stable
    verdict = analyze(canary, stable)
    assert _criterion(verdict, "error rate vs stable").status is CriterionStatus.WARNING
    assert verdict.status is VerdictStatus.PASS and verdict.score == pytest.approx(100 * 10 / 11, abs=0.01)
    assert analyze(canary, stable, threshold=95).status is VerdictStatus.WARNING


def test_stable_without_traffic_is_no_data_not_a_pass() -> None:
    verdict = analyze(fake_window((100, 0.02, 200)), fake_window((3, 0.02, 200)))
    assert verdict.status is VerdictStatus.FAIL
    assert "stable baseline served only 3 requests" in _criterion(verdict, "p95 latency vs stable").reason


def test_no_traffic_at_all_still_fails() -> None:
    verdict = analyze(TrafficWindow(), None)
    assert verdict.status is VerdictStatus.FAIL
    assert "only 0 requests in the window" in _criterion(verdict, "canary error rate").reason
    with pytest.raises(CanaryError, match="min_requests must be at least 1"):
        analyze(TrafficWindow(), None, min_requests=0)


def test_analyzer_result_records_the_inputs() -> None:
    canary = fake_window((70, 0.02, 200), (30, 0.02, 500))
    result = analyzer_result(canary, None)
    assert result.agent == "canary"
    assert result.value("canary_error_rate") == pytest.approx(0.3)
    assert result.value("error_rate_delta") is None
    assert result.details["canary"]["errors"] == 30 and result.details["stable"] is None
