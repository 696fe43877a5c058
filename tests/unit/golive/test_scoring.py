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


# -- not-applicable ---------------------------------------------------------------------------------
NA = CriterionStatus.NOT_APPLICABLE


def test_not_applicable_leaves_the_maximum_and_is_reported():
    v = evaluate("s", [crit("a", P, weight=2), crit("b", NA, weight=5, value=None), crit("c", F, weight=2)])
    assert v.score == 50.0  # 2 of 4: b's weight is not in the maximum
    assert any(r.startswith("b ") and "(not counted)" in r for r in v.reasons)


def test_not_applicable_key_criterion_never_vetoes():
    v = evaluate("s", [crit("a", P), crit("k", NA, weight=4, key=True, value=None)])
    assert (v.status, v.score) == (VerdictStatus.PASS, 100.0)


def test_not_applicable_is_not_no_data():
    v = evaluate("s", [crit("a", P), crit("b", N)])
    assert v.status is VerdictStatus.FAIL
    v = evaluate("s", [crit("a", P), crit("b", NA, value=None)])
    assert v.status is VerdictStatus.PASS


def test_all_not_applicable_is_not_a_pass():
    v = evaluate("s", [crit("a", NA, value=None), crit("b", NA, value=None)])
    assert (v.status, v.score) == (VerdictStatus.FAIL, 0.0)
    assert "nothing was measured" in v.reasons[0]
    v = evaluate("s", [crit("a", NA, value=None), crit("b", N, optional=True)])
    assert v.status is VerdictStatus.FAIL
    # not-applicable with a required no-data criterion: the no-data fails the gate as always
    v = evaluate("s", [crit("a", NA, value=None), crit("b", N)])
    assert v.status is VerdictStatus.FAIL and any("has no data" in r for r in v.reasons)
    with pytest.raises(ScoringError):
        evaluate("s", [crit("b", N, optional=True)])


def test_score_results_turns_an_inapplicable_measurement_into_not_applicable():
    from golive.gates.spec import score_results
    from golive.models import AnalyzerResult, Measurement
    from golive.scoring import apply_rules

    rules = [CriterionRule(name="cors", measurement="cors", unit="", comparison=">=", pass_at=1, weight=2),
             CriterionRule(name="lint", measurement="lint", unit="", comparison="<=", pass_at=0, weight=1)]
    results = [AnalyzerResult(agent="a", tool="t", measurements=[
        Measurement(name="cors", value=None, unit="", applicable=False, detail="a library has no HTTP surface"),
        Measurement(name="lint", value=0, unit="")])]
    v = score_results("g", rules, {"cors": "t", "lint": "t"}, results, 85)
    cors = next(c for c in v.criteria if c.name == "cors")
    assert cors.status is NA and cors.reason == "not applicable: a library has no HTTP surface"
    assert (v.status, v.score) == (VerdictStatus.PASS, 100.0)
    assert apply_rules(rules, {"lint": 0}, inapplicable={"cors": "why"})[0].status is NA


def test_an_inapplicable_measurement_has_no_value_and_a_reason():
    from pydantic import ValidationError

    from golive.models import Measurement

    with pytest.raises(ValidationError, match="not-applicable"):
        Measurement(name="x", value=1, unit="", applicable=False, detail="why")
    with pytest.raises(ValidationError, match="not-applicable"):
        Measurement(name="x", value=None, unit="", applicable=False)
