"""The documentation gate (seed Phase 7): the API reference, the runbooks and the documentation quality."""

from __future__ import annotations

from golive.gates.spec import GateSpec
from golive.models import CriterionRule

#: measurement → the analyzer that produces it.
PRODUCERS: dict[str, str] = {
    "openapi_valid": "api_reference",
    "api_operations_described": "api_reference",
    "runbooks_resolved": "runbooks",
    "python_docstring_coverage": "doc_quality",
    "jsdoc_coverage": "doc_quality",
    "local_links_broken": "doc_quality",
    "external_links_broken": "doc_quality",
    "readme_sections": "doc_quality",
}

#: The documentation criteria (weights total 15; 14 without the optional external links). Key: a
#: valid OpenAPI document (3: a reference generated from an invalid one misleads its readers) and
#: every alert's runbook resolving (3: an on-call engineer who follows a dead runbook link at 3 am
#: is the failure this phase exists to prevent). Docstring and JSDoc coverage (2 each; 80 %, warning
#: from 60 %, the quality gate's bar) and broken relative links or anchors (2; warning up to 2) are
#: signals; described operations and README sections weigh 1 each. The http(s) links are optional:
#: offline they are not checked (no data), which leaves the maximum instead of failing the gate.
RULES: tuple[CriterionRule, ...] = (
    CriterionRule(name="openapi_valid", measurement="openapi_valid", unit="valid", comparison=">=", pass_at=1,
                  weight=3, key=True, description="the OpenAPI document validates (openapi-spec-validator)"),
    CriterionRule(name="api_operations_described", measurement="api_operations_described", unit="%",
                  comparison=">=", pass_at=90, warn_at=70, weight=1,
                  description="operations of the API reference with a summary or description"),
    CriterionRule(name="runbooks_resolved", measurement="runbooks_resolved", unit="%", comparison=">=", pass_at=100,
                  weight=3, key=True, description="alerts' runbook_url that resolve to a page"),
    CriterionRule(name="python_docstring_coverage", measurement="python_docstring_coverage", unit="%",
                  comparison=">=", pass_at=80, warn_at=60, weight=2,
                  description="Python modules, classes and functions with a docstring (interrogate)"),
    CriterionRule(name="jsdoc_coverage", measurement="jsdoc_coverage", unit="%", comparison=">=", pass_at=80,
                  warn_at=60, weight=2,
                  description="JavaScript/TypeScript functions and classes with a /** */ comment"),
    CriterionRule(name="local_links_broken", measurement="local_links_broken", unit="links", comparison="<=",
                  pass_at=0, warn_at=2, weight=2,
                  description="broken relative links and anchors in the README and docs (lychee)"),
    CriterionRule(name="external_links_broken", measurement="external_links_broken", unit="links", comparison="<=",
                  pass_at=0, warn_at=2, weight=1, optional=True,
                  description="broken http(s) links in the README and docs (lychee; only checked online)"),
    CriterionRule(name="readme_sections", measurement="readme_sections", unit="%", comparison=">=", pass_at=100,
                  warn_at=50, weight=1, description="README sections present: install, usage, configuration, tests"),
)

DOCUMENTATION = GateSpec(
    name="documentation",
    analyzers=("api_reference", "runbooks", "doc_quality"),
    rules=RULES,
    producers=PRODUCERS,
)
