"""Gate rules: weighted points, no-data never passes, zero criteria is an error, key veto, warning band."""

import pytest

from golive.models import Criterion, CriterionRule, CriterionStatus, VerdictStatus
from golive.scoring import ScoringError, apply_rule, evaluate, warning_floor_for


def crit(name, status, weight=1.0, *, key=False, optional=False, value=1.0):
    return Criterion(name=name, value=None if status == CriterionStatus.NO_DATA else value, unit="",
                     threshold=">= 1", status=status, weight=weight, key=key, optional=optional, reason="r")


P, W, F, N = CriterionStatus.PASS, CriterionStatus.WARNING, CriterionStatus.FAIL, CriterionStatus.NO_DATA


def test_all_pass_scores_100():
    v = evaluate("q", [crit("a", P), crit("b", P, weight=3)])
    assert (v.status, v.score) == (VerdictStatus.PASS, 100.0)


def test_weighted_points():
    # pass 2 + warning 0.5*1 + fail 0*1 = 2.5 / 4
    v = evaluate("q", [crit("a", P, weight=2), crit("b", W), crit("c", F)])
    assert v.score == 62.5
    assert v.status is VerdictStatus.FAIL


def test_zero_criteria_is_an_error_not_100():
    with pytest.raises(ScoringError, match="zero criteria"):
        evaluate("q", [])


def test_no_data_never_passes_even_with_perfect_score_elsewhere():
    v = evaluate("q", [crit("a", P, weight=100), crit("b", N, weight=0.01)])
    assert v.score > 99
    assert v.status is VerdictStatus.FAIL
    assert any("no data" in r for r in v.reasons)


def test_optional_no_data_leaves_the_maximum():
    v = evaluate("q", [crit("a", P), crit("b", N, optional=True)])
    assert (v.status, v.score) == (VerdictStatus.PASS, 100.0)


def test_only_optional_no_data_is_an_error():
    with pytest.raises(ScoringError):
        evaluate("q", [crit("b", N, optional=True)])


def test_failed_key_criterion_vetoes_a_high_score():
    v = evaluate("q", [crit("a", P, weight=50), crit("cov", F, weight=1, key=True)])
    assert v.score > 85
    assert v.status is VerdictStatus.FAIL
    assert v.reasons[0].startswith("key criterion cov failed")


def test_warning_band():
    # 8 pass + 2 fail of 10 → 80: in [70, 85)
    v = evaluate("q", [crit(f"p{i}", P) for i in range(8)] + [crit("f1", F), crit("f2", F)])
    assert (v.status, v.score, v.warning_floor) == (VerdictStatus.WARNING, 80.0, 70.0)
    assert any("warning band" in r for r in v.reasons)


def test_threshold_boundaries():
    crits = [crit(f"p{i}", P) for i in range(17)] + [crit(f"f{i}", F) for i in range(3)]  # 85.0
    assert evaluate("q", crits).status is VerdictStatus.PASS
    assert evaluate("q", crits, threshold=85.01).status is VerdictStatus.WARNING
    assert evaluate("q", crits, threshold=100, warning_floor=90).status is VerdictStatus.FAIL


def test_threshold_outside_range_is_an_error():
    with pytest.raises(ScoringError):
        evaluate("q", [crit("a", P)], threshold=101)


def test_warning_floor_default():
    assert warning_floor_for(85) == 70
    assert warning_floor_for(10) == 0


@pytest.mark.parametrize(("value", "expected"), [(90, P), (80, P), (75, W), (70, W), (69.9, F)])
def test_rule_higher_is_better(value, expected):
    rule = CriterionRule(name="cov", measurement="cov", unit="%", comparison=">=", pass_at=80, warn_at=70, weight=1)
    c = apply_rule(rule, value)
    assert c.status is expected
    assert str(value).rstrip("0").rstrip(".") in c.reason


@pytest.mark.parametrize(("value", "expected"), [(0, P), (5, P), (10, W), (16, F)])
def test_rule_lower_is_better(value, expected):
    rule = CriterionRule(name="ruff", measurement="r", unit="/kloc", comparison="<=", pass_at=5, warn_at=15, weight=1)
    assert apply_rule(rule, value).status is expected


def test_missing_value_is_no_data_with_the_tool_error_as_reason():
    rule = CriterionRule(name="cov", measurement="cov", unit="%", comparison=">=", pass_at=80, weight=1, key=True)
    c = apply_rule(rule, None, "pytest: ModuleNotFoundError: fastapi")
    assert c.status is N
    assert "ModuleNotFoundError" in c.reason
    assert evaluate("q", [c]).status is VerdictStatus.FAIL
