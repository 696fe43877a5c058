"""The documentation gate: criteria, key criteria, and what offline link checking does to the score."""

from __future__ import annotations

from golive.gates.documentation import DOCUMENTATION
from golive.models import AnalyzerResult, CriterionStatus, Measurement, VerdictStatus


def results(**overrides: Measurement) -> list[AnalyzerResult]:
    base = {
        "api_reference": [Measurement(name="openapi_valid", value=1, unit="valid"),
                          Measurement(name="api_operations_described", value=100, unit="%")],
        "runbooks": [Measurement(name="runbooks_resolved", value=100, unit="%")],
        "doc_quality": [Measurement(name="python_docstring_coverage", value=90, unit="%"),
                        Measurement(name="jsdoc_coverage", value=None, unit="%", applicable=False, detail="no JS"),
                        Measurement(name="local_links_broken", value=0, unit="links"),
                        Measurement(name="external_links_broken", value=None, unit="links",
                                    detail="12 http(s) links not checked: offline"),
                        Measurement(name="readme_sections", value=100, unit="%")],
    }
    out = []
    for tool, measurements in base.items():
        chosen = [overrides.get(m.name, m) for m in measurements]
        out.append(AnalyzerResult(agent="documentation", tool=tool, measurements=chosen))
    return out


def test_rules_cover_every_measurement_and_the_keys():
    assert DOCUMENTATION.analyzers == ("api_reference", "runbooks", "doc_quality")
    assert {r.measurement for r in DOCUMENTATION.rules} == set(DOCUMENTATION.producers)
    assert {r.name for r in DOCUMENTATION.rules if r.key} == {"openapi_valid", "runbooks_resolved"}
    assert [r.name for r in DOCUMENTATION.rules if r.optional] == ["external_links_broken"]


def test_offline_web_links_are_no_data_and_leave_the_maximum_never_a_pass():
    verdict = DOCUMENTATION.score(results())
    external = next(c for c in verdict.criteria if c.name == "external_links_broken")
    assert external.status is CriterionStatus.NO_DATA and "offline" in external.reason
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100


def test_an_unresolved_runbook_vetoes():
    verdict = DOCUMENTATION.score(results(runbooks_resolved=Measurement(name="runbooks_resolved", value=75, unit="%")))
    assert verdict.status is VerdictStatus.FAIL
    assert next(c for c in verdict.criteria if c.name == "runbooks_resolved").status is CriterionStatus.FAIL


def test_one_broken_anchor_is_a_warning_that_keeps_the_gate_open():
    verdict = DOCUMENTATION.score(results(local_links_broken=Measurement(name="local_links_broken", value=1,
                                                                         unit="links")))
    assert next(c for c in verdict.criteria if c.name == "local_links_broken").status is CriterionStatus.WARNING
    assert verdict.status is VerdictStatus.PASS and round(verdict.score, 1) == 91.7  # 11 of 12 points
