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

The Airflow operators use ``ANALYZERS``, ``RULES``, ``score`` and ``sarif_for`` directly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from golive.agents import _cli
from golive.agents.checklist import EVIDENCE_ANALYZERS, run_checklist
from golive.models import AnalyzerResult, CriterionRule, Verdict
from golive.sarif import to_sarif

GATE = "security"
REGISTRY: dict[str, _cli.Analyzer] = {**EVIDENCE_ANALYZERS, "checklist": run_checklist}
ANALYZERS: tuple[str, ...] = tuple(REGISTRY)
#: Analyzers that build on the others' results (run last by ``scan``).
LATE: tuple[str, ...] = ("checklist",)

PRODUCERS: dict[str, str] = {
    "bandit_high": "bandit",
    "bandit_medium": "bandit",
    "secrets_found": "secrets",
    "vulnerable_dependencies_high": "dependencies",
    "vulnerable_dependencies_other": "dependencies",
    "password_policy": "hardening",
    "rate_limiting": "hardening",
    "cors_restricted": "hardening",
    "security_headers": "hardening",
    "checklist_completion": "checklist",
}

#: The security criteria. Weights (total 23): leaked secrets and HIGH/CRITICAL vulnerable dependencies
#: are key criteria of weight 4, high-severity SAST findings key of weight 3; each hardening control
#: weighs 2, as do lesser vulnerable dependencies; medium SAST findings 1. The checklist repeats
#: evidence the other criteria already score (that is what a checklist is), so it weighs only 1.
RULES: list[CriterionRule] = [
    CriterionRule(name="sast_high", measurement="bandit_high", unit="issues", comparison="<=", pass_at=0,
                  weight=3, key=True, description="high-severity security issues in the code (bandit)"),
    CriterionRule(name="sast_medium", measurement="bandit_medium", unit="issues", comparison="<=", pass_at=0,
                  warn_at=2, weight=1, description="medium-severity security issues in the code (bandit)"),
    CriterionRule(name="secrets", measurement="secrets_found", unit="secrets", comparison="<=", pass_at=0,
                  weight=4, key=True, description="hard-coded secrets in the source (detect-secrets)"),
    CriterionRule(name="vulnerable_dependencies_high", measurement="vulnerable_dependencies_high",
                  unit="dependencies", comparison="<=", pass_at=0, weight=4, key=True,
                  description="pinned dependencies with a HIGH or CRITICAL advisory (OSV)"),
    CriterionRule(name="vulnerable_dependencies_other", measurement="vulnerable_dependencies_other",
                  unit="dependencies", comparison="<=", pass_at=0, warn_at=2, weight=2,
                  description="pinned dependencies with a lower or unknown-severity advisory (OSV)"),
    CriterionRule(name="password_policy", measurement="password_policy", unit="", comparison=">=", pass_at=1,
                  weight=2, description="password policy: minimum length >= 12 and character classes"),
    CriterionRule(name="rate_limiting", measurement="rate_limiting", unit="", comparison=">=", pass_at=1,
                  weight=2, description="rate limiting of the API"),
    CriterionRule(name="cors_restricted", measurement="cors_restricted", unit="", comparison=">=", pass_at=1,
                  weight=2, description="CORS restricted to known origins"),
    CriterionRule(name="security_headers", measurement="security_headers", unit="headers", comparison=">=",
                  pass_at=4, warn_at=3, weight=2,
                  description="security headers set (HSTS, CSP, X-Content-Type-Options, X-Frame-Options, "
                              "Referrer-Policy)"),
    CriterionRule(name="checklist_completion", measurement="checklist_completion", unit="%", comparison=">=",
                  pass_at=100, warn_at=80, weight=1, description="security checklist items done"),
]


def score(results: Sequence[AnalyzerResult], threshold: float = 85.0) -> Verdict:
    """The security verdict of ``results``: a missing or failed analyzer makes its criteria no-data."""
    return _cli.score_results(GATE, RULES, PRODUCERS, list(results), threshold)


def sarif_for(results: Sequence[AnalyzerResult], source_root: str | None = None) -> dict[str, Any]:
    """The analyzers' findings as a SARIF 2.1.0 log (one run per analyzer; failed ones marked so)."""
    return to_sarif({r.tool: r.findings for r in results},
                    {r.tool: str(r.details.get("tool_version", "unknown")) for r in results},
                    source_root=source_root, errors={r.tool: r.error for r in results if r.error})


SPEC = _cli.AgentSpec(
    name=GATE, registry=REGISTRY, rules=RULES, producers=PRODUCERS, gate_action="scan",
    score=score, late=LATE,
    sarif=sarif_for,
    description="golive Security Hardening agent: bandit, detect-secrets, OSV dependency audit, static "
                "hardening checks and the security checklist; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.security``; returns the exit code."""
    return _cli.main(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
