"""The Quality Verification agent: code quality, tests and coverage, documentation, type hints, SAST.

Each static analyzer reads the languages of the application's profile (Python; JavaScript and
TypeScript; :mod:`golive.analyzers.languages`) under its stable task id (``ruff``, ``radon``,
``interrogate``, ``typehints``, ``bandit``).

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

Its gate (analyzers, criteria, scoring) is :data:`golive.gates.quality.QUALITY`, which the Airflow
operators use.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from golive.analyzers.base import Analyzer
from golive.analyzers.code.complexity import run_radon
from golive.analyzers.code.docstrings import run_interrogate
from golive.analyzers.code.lint import run_ruff
from golive.analyzers.code.testsuite import run_coverage
from golive.analyzers.code.typehints import run_typehints
from golive.analyzers.security.bandit import run_bandit
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.quality import QUALITY

REGISTRY: dict[str, Analyzer] = {
    "ruff": run_ruff,
    "radon": run_radon,
    "coverage": run_coverage,
    "interrogate": run_interrogate,
    "typehints": run_typehints,
    "bandit": run_bandit,
}


SPEC = AgentSpec(
    gate=QUALITY, registry=REGISTRY, gate_action="verify",
    description="golive Quality Verification agent: lint (ruff, eslint), complexity (radon, eslint), the test "
                "suite under coverage, docstrings (interrogate, JSDoc), type hints (Python, TypeScript) and SAST "
                "(bandit, semgrep); verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.quality``; returns the exit code."""
    return gate_main(SPEC, argv)


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
