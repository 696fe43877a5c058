"""The Security Hardening agent: SAST, secrets, vulnerable dependencies, hardening, the security checklist.

The seed's Security Agent (Preparation phase: fix the hardening scripts for password policy, rate
limiting and CORS, configure security headers, complete the security checklist) as analyzers — one
pod each in the DAG — and a scoring step::

    python -m golive.agents.security analyze --tool secrets --source PATH [--ref REF]
    python -m golive.agents.security scan --source PATH [--sarif OUT.sarif] [--application NAME]
        [--threshold 85] [--ledger-url URL] [--run-id ID] [--submitted-by WHO]

``analyze`` prints one ``AnalyzerResult`` as JSON (and writes it as the pod's XCom; ``--evidence FILE``
hands the checklist the other analyzers' results); ``scan`` runs every analyzer (bandit, secrets,
dependencies and hardening in parallel, then the checklist on their results), scores them, prints
``{"verdict": …, "results": […]}`` and optionally writes SARIF 2.1.0; with a ledger URL it records the
submission and the evaluation under task id ``cli.security.scan``. Exit codes: 0 PASS, 1 FAIL,
3 WARNING (2 bad input, 4 source not fetched, 5 ledger not written).

Its gate (analyzers, criteria, scoring) is :data:`golive.gates.security.SECURITY`; the Airflow
operators use it and :func:`golive.sarif.results_to_sarif`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from golive.analyzers.base import Analyzer
from golive.analyzers.security.checklist import EVIDENCE_ANALYZERS, run_checklist
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.security import SECURITY
from golive.sarif import results_to_sarif

REGISTRY: dict[str, Analyzer] = {**EVIDENCE_ANALYZERS, "checklist": run_checklist}


SPEC = AgentSpec(
    gate=SECURITY, registry=REGISTRY, gate_action="scan",
    sarif=results_to_sarif,
    description="golive Security Hardening agent: bandit, detect-secrets, OSV dependency audit, static "
                "hardening checks and the security checklist; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.security``; returns the exit code."""
    return gate_main(SPEC, argv)


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
