"""The security gate (seed: Security Agent — SAST, secrets, vulnerable dependencies, hardening, checklist)."""

from __future__ import annotations

from golive.gates.spec import GateSpec
from golive.models import CriterionRule

#: Analyzers that build on the others' results (run last by ``scan``).
LATE: tuple[str, ...] = ("checklist",)

PRODUCERS: dict[str, str] = {
    "sast_high": "bandit",
    "sast_medium": "bandit",
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
RULES: tuple[CriterionRule, ...] = (
    CriterionRule(name="sast_high", measurement="sast_high", unit="issues", comparison="<=", pass_at=0,
                  weight=3, key=True, description="high-severity security issues in the code (bandit; semgrep)"),
    CriterionRule(name="sast_medium", measurement="sast_medium", unit="issues", comparison="<=", pass_at=0,
                  warn_at=2, weight=1, description="medium-severity security issues in the code (bandit; semgrep)"),
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
)

SECURITY = GateSpec(
    name="security",
    analyzers=("bandit", "secrets", "dependencies", "hardening", "checklist"),
    rules=RULES,
    producers=PRODUCERS,
    late=LATE,
)
