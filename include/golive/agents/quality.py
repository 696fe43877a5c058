"""The Quality Verification agent: code quality, tests and coverage, documentation, type hints, SAST.

The seed's Quality Verification engine (acceptance threshold 85/100, code coverage minimum 80 %)
as analyzers — one pod each in the DAG — and a scoring step::

    python -m golive.agents.quality analyze --tool ruff --source PATH [--ref REF]
    python -m golive.agents.quality verify --source PATH [--ref REF] [--application NAME]
        [--threshold 85] [--ledger-url URL] [--run-id ID] [--submitted-by WHO]

``analyze`` prints one ``AnalyzerResult`` as JSON (and writes it as the pod's XCom); ``verify`` runs
every analyzer in parallel, scores them and prints ``{"verdict": …, "results": […]}``; with a ledger
URL (``--ledger-url`` or ``$GOLIVE_LEDGER_URL``) it records the submission and the evaluation under
task id ``cli.quality.verify``. Exit codes: 0 PASS, 1 FAIL, 3 WARNING (2 bad input, 4 source not
fetched, 5 ledger not written); ``analyze`` exits 0 whenever it printed a result.

The Airflow operators use ``ANALYZERS``, ``RULES`` and ``score`` directly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from golive.agents import _cli
from golive.agents.codetools import run_bandit, run_interrogate, run_radon, run_ruff, run_typehints
from golive.agents.testcov import run_coverage
from golive.models import AnalyzerResult, CriterionRule, Verdict

GATE = "quality"
REGISTRY: dict[str, _cli.Analyzer] = {
    "ruff": run_ruff,
    "radon": run_radon,
    "coverage": run_coverage,
    "interrogate": run_interrogate,
    "typehints": run_typehints,
    "bandit": run_bandit,
}
ANALYZERS: tuple[str, ...] = tuple(REGISTRY)

#: measurement → the analyzer that produces it.
PRODUCERS: dict[str, str] = {
    "ruff_findings_per_kloc": "ruff",
    "complexity_average": "radon",
    "complexity_worst": "radon",
    "test_coverage": "coverage",
    "tests_failed": "coverage",
    "docstring_coverage": "interrogate",
    "typehint_coverage": "typehints",
    "bandit_high": "bandit",
    "bandit_medium": "bandit",
}

#: The quality criteria. Weights (total 19): the test suite weighs most — coverage and failures are key
#: criteria (4 each; a failure vetoes the gate whatever the score); high-severity security findings are
#: key (3); lint density and average complexity describe the whole code base (2 each); the worst
#: function, docstrings, type hints and medium security findings are signals (1 each).
RULES: list[CriterionRule] = [
    CriterionRule(name="lint_findings", measurement="ruff_findings_per_kloc", unit="per KLOC", comparison="<=",
                  pass_at=5, warn_at=15, weight=2,
                  description="ruff findings per 1000 lines (pyflakes, pycodestyle errors, bugbear)"),
    CriterionRule(name="complexity_average", measurement="complexity_average", unit="", comparison="<=",
                  pass_at=5, warn_at=10, weight=2,
                  description="average cyclomatic complexity of functions and methods (radon)"),
    CriterionRule(name="complexity_worst", measurement="complexity_worst", unit="", comparison="<=",
                  pass_at=10, warn_at=20, weight=1,
                  description="cyclomatic complexity of the most complex function (radon)"),
    CriterionRule(name="test_coverage", measurement="test_coverage", unit="%", comparison=">=",
                  pass_at=80, weight=4, key=True,
                  description="statement coverage of the application's own test suite (coverage.py)"),
    CriterionRule(name="tests_failed", measurement="tests_failed", unit="tests", comparison="<=",
                  pass_at=0, weight=4, key=True, description="failed or erroring tests (pytest)"),
    CriterionRule(name="docstring_coverage", measurement="docstring_coverage", unit="%", comparison=">=",
                  pass_at=80, warn_at=60, weight=1,
                  description="documented modules, classes and functions (interrogate)"),
    CriterionRule(name="typehint_coverage", measurement="typehint_coverage", unit="%", comparison=">=",
                  pass_at=80, warn_at=60, weight=1, description="annotated parameters and returns"),
    CriterionRule(name="security_high", measurement="bandit_high", unit="issues", comparison="<=",
                  pass_at=0, weight=3, key=True, description="high-severity security issues (bandit)"),
    CriterionRule(name="security_medium", measurement="bandit_medium", unit="issues", comparison="<=",
                  pass_at=0, warn_at=2, weight=1, description="medium-severity security issues (bandit)"),
]


def score(results: Sequence[AnalyzerResult], threshold: float = 85.0) -> Verdict:
    """The quality verdict of ``results``: a missing or failed analyzer makes its criteria no-data."""
    return _cli.score_results(GATE, RULES, PRODUCERS, list(results), threshold)


SPEC = _cli.AgentSpec(
    name=GATE, registry=REGISTRY, rules=RULES, producers=PRODUCERS, gate_action="verify",
    score=score,
    description="golive Quality Verification agent: ruff, radon, the test suite under coverage, "
                "interrogate, type hints and bandit; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.quality``; returns the exit code."""
    return _cli.main(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
