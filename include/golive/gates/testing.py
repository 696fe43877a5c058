"""The testing gate (seed Phase 6): smoke, E2E, API fuzzing, load and model evaluation of the deployed application."""

from __future__ import annotations

from golive.gates.spec import GateSpec
from golive.models import CriterionRule

#: The load test's defaults: largest per-endpoint p95 and failed share of requests.
DEFAULT_MAX_P95_MS = 2000.0
DEFAULT_MAX_FAILURE_RATIO = 0.05

#: Analyzers the DAG runs only for ML workloads (in a GPU-profile pod).
ML_ANALYZERS: tuple[str, ...] = ("model_eval",)

#: measurement → the analyzer that produces it.
PRODUCERS: dict[str, str] = {
    "smoke_passed": "smoke",
    "e2e_passed_ratio": "e2e",
    "fuzz_server_errors": "fuzz",
    "fuzz_failures": "fuzz",
    "load_p95_ms": "load",
    "load_error_rate": "load",
    "gx_expectations_failed": "load",
    "model_accuracy": "model_eval",
}

#: The testing criteria. Weights (total 18, 20 with the optional model criterion): the E2E suite
#: weighs most (6, key): all tests must pass; 90–99.9 % passed is a warning that, at weight 6, takes
#: the score below 85 (15/18 = 83.3), so a single failed E2E test always goes to a human, and below
#: 90 % the gate fails. The smoke checks and fuzzing's server errors are key (3 each: a deployment
#: whose /health, version or metrics are wrong, or that answers 5xx to generated requests, must not
#: go live); the load test's p95 and error rate are key (2 each); fuzzing's other check failures
#: (status code, content type or schema conformance; warning up to 3) and the Great Expectations check
#: of the per-endpoint load statistics are signals (1 each); the model's held-out accuracy is
#: optional (2; no-data when the application declares no evaluation, e.g. not an ML workload).
RULES: tuple[CriterionRule, ...] = (
    CriterionRule(name="smoke", measurement="smoke_passed", unit="%", comparison=">=", pass_at=100, weight=3,
                  key=True, description="smoke checks passed (health, version, OpenAPI, metrics, 404)"),
    CriterionRule(name="e2e", measurement="e2e_passed_ratio", unit="%", comparison=">=", pass_at=100, warn_at=90,
                  weight=6, key=True, description="E2E tests passed against the deployed application"),
    CriterionRule(name="fuzz_server_errors", measurement="fuzz_server_errors", unit="failures", comparison="<=",
                  pass_at=0, weight=3, key=True, description="5xx answers found by API fuzzing (Schemathesis)"),
    CriterionRule(name="fuzz_failures", measurement="fuzz_failures", unit="failures", comparison="<=", pass_at=0,
                  warn_at=3, weight=1, description="API fuzzing check failures (Schemathesis)"),
    CriterionRule(name="load_p95", measurement="load_p95_ms", unit="ms", comparison="<=",
                  pass_at=DEFAULT_MAX_P95_MS, weight=2, key=True,
                  description="95th percentile response time under load (Locust)"),
    CriterionRule(name="load_error_rate", measurement="load_error_rate", unit="ratio", comparison="<=",
                  pass_at=DEFAULT_MAX_FAILURE_RATIO, weight=2, key=True,
                  description="failed share of requests under load (Locust)"),
    CriterionRule(name="load_expectations", measurement="gx_expectations_failed", unit="expectations",
                  comparison="<=", pass_at=0, weight=1,
                  description="Great Expectations checks of the per-endpoint load statistics failed"),
    CriterionRule(name="model_accuracy", measurement="model_accuracy", unit="%", comparison=">=", pass_at=90,
                  warn_at=80, weight=2, optional=True,
                  description="model accuracy on the application's held-out data"),
)

TESTING = GateSpec(
    name="testing",
    analyzers=("smoke", "e2e", "fuzz", "load", "model_eval"),
    rules=RULES,
    producers=PRODUCERS,
    ml_only=ML_ANALYZERS,
)
