"""The analyzers of each agent, by name: what the DAGs need at parse time without importing the
agents themselves (they pull in httpx, kubernetes, analyzer plumbing). ``tests/unit/test_catalog.py``
keeps this list equal to each agent's registry."""

from __future__ import annotations

#: agent → analyzers (each one pod in the DAG), in registry order.
ANALYZERS: dict[str, tuple[str, ...]] = {
    "quality": ("ruff", "radon", "coverage", "interrogate", "typehints", "bandit"),
    "security": ("bandit", "secrets", "dependencies", "hardening", "checklist"),
    "verification": ("rollout", "pods", "logs", "health", "version", "headers", "cors", "password", "ratelimit"),
    "testing": ("smoke", "e2e", "fuzz", "load", "model_eval"),
    "canary": ("analysis",),
}
#: agent → analyzers that run after the others, with their results as evidence.
LATE: dict[str, tuple[str, ...]] = {"security": ("checklist",), "verification": ("logs", "ratelimit")}
