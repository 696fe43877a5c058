"""The quality gate (seed: Quality Verification, acceptance threshold 85, coverage minimum 80 %)."""

from __future__ import annotations

from golive.gates.spec import GateSpec
from golive.models import CriterionRule

#: measurement → the analyzer that produces it.
PRODUCERS: dict[str, str] = {
    "lint_findings_per_kloc": "ruff",
    "complexity_average": "radon",
    "complexity_worst": "radon",
    "test_coverage": "coverage",
    "tests_failed": "coverage",
    "docstring_coverage": "interrogate",
    "typehint_coverage": "typehints",
    "sast_high": "bandit",
    "sast_medium": "bandit",
}

#: The quality criteria. Weights (total 19): the test suite weighs most — coverage and failures are key
#: criteria (4 each; a failure vetoes the gate whatever the score); high-severity security findings are
#: key (3); lint density and average complexity describe the whole code base (2 each); the worst
#: function, docstrings, type hints and medium security findings are signals (1 each).
RULES: tuple[CriterionRule, ...] = (
    CriterionRule(name="lint_findings", measurement="lint_findings_per_kloc", unit="per KLOC", comparison="<=",
                  pass_at=5, warn_at=15, weight=2,
                  description="lint findings per 1000 lines (ruff: pyflakes, pycodestyle errors, bugbear; "
                              "eslint: @eslint/js recommended)"),
    CriterionRule(name="complexity_average", measurement="complexity_average", unit="", comparison="<=",
                  pass_at=5, warn_at=10, weight=2,
                  description="average cyclomatic complexity of functions and methods (radon; eslint complexity)"),
    CriterionRule(name="complexity_worst", measurement="complexity_worst", unit="", comparison="<=",
                  pass_at=10, warn_at=20, weight=1,
                  description="cyclomatic complexity of the most complex function (radon; eslint complexity)"),
    CriterionRule(name="test_coverage", measurement="test_coverage", unit="%", comparison=">=",
                  pass_at=80, weight=4, key=True,
                  description="statement coverage of the application's own test suite (coverage.py)"),
    CriterionRule(name="tests_failed", measurement="tests_failed", unit="tests", comparison="<=",
                  pass_at=0, weight=4, key=True, description="failed or erroring tests (pytest)"),
    CriterionRule(name="docstring_coverage", measurement="docstring_coverage", unit="%", comparison=">=",
                  pass_at=80, warn_at=60, weight=1,
                  description="documented modules, classes and functions (interrogate; JSDoc)"),
    CriterionRule(name="typehint_coverage", measurement="typehint_coverage", unit="%", comparison=">=",
                  pass_at=80, warn_at=60, weight=1, description="annotated parameters and returns (Python, TS)"),
    CriterionRule(name="security_high", measurement="sast_high", unit="issues", comparison="<=",
                  pass_at=0, weight=3, key=True, description="high-severity security issues (bandit; semgrep)"),
    CriterionRule(name="security_medium", measurement="sast_medium", unit="issues", comparison="<=",
                  pass_at=0, warn_at=2, weight=1, description="medium-severity security issues (bandit; semgrep)"),
)

QUALITY = GateSpec(
    name="quality",
    analyzers=("ruff", "radon", "coverage", "interrogate", "typehints", "bandit"),
    rules=RULES,
    producers=PRODUCERS,
)
