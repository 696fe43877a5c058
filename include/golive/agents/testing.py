"""The Testing agent: smoke, E2E, API fuzzing, load and model evaluation against the *deployed* application.

The seed's Phase 6 (smoke tests, E2E tests, security and performance tests against the running
environment) as analyzers — one pod each in the DAG — and a scoring step. It is a URL agent
(``AgentSpec(target="url")``, see ``golive.agents._cli``)::

    python -m golive.agents.testing analyze --tool smoke --url URL [--expected-version V]
    python -m golive.agents.testing analyze --tool e2e --url URL --source PATH [--e2e-dir DIR]
    python -m golive.agents.testing analyze --tool fuzz --url URL [--source PATH] [--fuzz-max-examples 25]
    python -m golive.agents.testing analyze --tool load --url URL [--load-users 5] [--load-duration 15]
    python -m golive.agents.testing analyze --tool model_eval --url URL --source PATH
    python -m golive.agents.testing run --url URL [--source PATH] [--expected-version V]
        [--application NAME] [--threshold 85] [--ledger-url URL] [--run-id ID]

Analyzers:

* ``smoke`` (httpx): /health 200 ``status: ok``; /version answers (= ``--expected-version``);
  /openapi.json is OpenAPI with paths; /metrics is Prometheus text; an unknown path is 404 →
  ``smoke_passed`` (%).
* ``e2e``: the application's own black-box suite (``tests_e2e``, ``tests/e2e`` or ``--e2e-dir`` in
  ``--source``) under pytest with the URL in ``SAMPLE_APP_URL``/``APP_URL``/``BASE_URL`` →
  ``e2e_passed_ratio`` (%), ``e2e_failed``.
* ``fuzz`` (Schemathesis 4.x on /openapi.json, the source's ``schemathesis.toml`` when present) →
  ``fuzz_server_errors``, ``fuzz_failures``, ``fuzz_operations``.
* ``load`` (Locust headless; the stats checked with Great Expectations) → ``load_p95_ms``,
  ``load_error_rate``, ``load_rps``, ``gx_expectations_failed``.
* ``model_eval`` (ML workloads; the DAG runs it in a GPU-profile pod): the source's
  ``golive-model-eval.json`` command → ``model_accuracy`` (%); optional.

Fuzzing and load only aim at loopback, private (cluster) addresses or ``*.svc`` names unless
``--allow-external-target``. The gate action ``run`` runs the analyzers one after the other (so the
load test does not share the target with the fuzzer) and exits 0 PASS, 1 FAIL, 3 WARNING (2 bad
input, 4 source not fetched, 5 ledger not written); with a ledger URL it records the evaluation
under task id ``cli.testing.run``. Deploy the target with a rate limit high enough for fuzzing and
load (the sample app: ``RATE_LIMIT_PER_MINUTE=100000``), or the 429s count as failures.

The Airflow operators use ``ANALYZERS``, ``RULES`` and ``score`` directly.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from golive.agents import _cli
from golive.agents.testing_fuzz import DEFAULT_CHECKS, DEFAULT_MAX_EXAMPLES, DEFAULT_PHASES, run_fuzz
from golive.agents.testing_http import run_smoke
from golive.agents.testing_load import DEFAULT_DURATION, DEFAULT_USERS, run_load
from golive.agents.testing_suites import DEFAULT_URL_ENVS, MODEL_EVAL_CONFIG, run_e2e, run_model_eval
from golive.gx_checks import DEFAULT_MAX_FAILURE_RATIO, DEFAULT_MAX_P95_MS
from golive.models import AnalyzerResult, CriterionRule, Verdict

GATE = "testing"
REGISTRY: dict[str, _cli.Analyzer] = {
    "smoke": run_smoke,
    "e2e": run_e2e,
    "fuzz": run_fuzz,
    "load": run_load,
    "model_eval": run_model_eval,
}
ANALYZERS: tuple[str, ...] = tuple(REGISTRY)
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
RULES: list[CriterionRule] = [
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
]


def score(results: Sequence[AnalyzerResult], threshold: float = 85.0) -> Verdict:
    """The testing verdict of ``results``: a missing or failed analyzer makes its criteria no-data."""
    return _cli.score_results(GATE, RULES, PRODUCERS, list(results), threshold)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a ratio in (0, 1], got {value:g}")
    return value


def _env_name(text: str) -> str:
    if not text.isidentifier() or not text.isupper():
        raise argparse.ArgumentTypeError(f"{text!r} is not an environment variable name (UPPER_CASE)")
    return text


def _relative(text: str) -> str:
    if text.startswith(("/", "-")) or ".." in text.split("/") or "\x00" in text:
        raise argparse.ArgumentTypeError(f"{text!r} must be a path relative to --source, without '..'")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The testing agent's own options (they reach the analyzers as ``ctx.options``)."""
    g = parser.add_argument_group("testing options")
    g.add_argument("--e2e-dir", type=_relative, default=None,
                   help="E2E suite directory in --source (default: tests_e2e, tests/e2e or e2e)")
    g.add_argument("--e2e-url-env", type=_env_name, action="append", default=None, metavar="NAME",
                   help=f"environment variable that carries the URL to the suite (repeatable; default "
                        f"{', '.join(DEFAULT_URL_ENVS)})")
    g.add_argument("--openapi-path", default="/openapi.json", help="path of the OpenAPI document (/openapi.json)")
    g.add_argument("--fuzz-max-examples", type=_positive_int, default=DEFAULT_MAX_EXAMPLES,
                   help=f"Schemathesis examples per operation ({DEFAULT_MAX_EXAMPLES}, at most 200)")
    g.add_argument("--fuzz-phases", default=DEFAULT_PHASES, help=f"Schemathesis phases ({DEFAULT_PHASES})")
    g.add_argument("--fuzz-checks", default=DEFAULT_CHECKS, help=f"Schemathesis checks ({DEFAULT_CHECKS})")
    g.add_argument("--fuzz-max-time", type=_positive_int, default=None,
                   help="fixed fuzzing time budget in seconds (Schemathesis fuzzes until it is spent)")
    g.add_argument("--fuzz-seed", type=int, default=None, help="Schemathesis seed, for a reproducible run")
    g.add_argument("--load-users", type=_positive_int, default=DEFAULT_USERS,
                   help=f"Locust users ({DEFAULT_USERS}, at most 50)")
    g.add_argument("--load-spawn-rate", type=_positive_int, default=None, help="users started per second (all)")
    g.add_argument("--load-duration", type=_positive_int, default=DEFAULT_DURATION,
                   help=f"load test seconds ({DEFAULT_DURATION}, at most 120)")
    g.add_argument("--load-locustfile", type=_relative, default=None,
                   help="locustfile in --source (default: its locustfile.py, else golive's generic profile)")
    g.add_argument("--load-max-p95-ms", type=float, default=DEFAULT_MAX_P95_MS,
                   help=f"Great Expectations: largest per-endpoint p95 in ms ({DEFAULT_MAX_P95_MS:g})")
    g.add_argument("--load-max-error-rate", type=_fraction, default=DEFAULT_MAX_FAILURE_RATIO,
                   help=f"Great Expectations: per-endpoint failure ratio below ({DEFAULT_MAX_FAILURE_RATIO:g})")
    g.add_argument("--model-eval-config", type=_relative, default=MODEL_EVAL_CONFIG,
                   help=f"model evaluation declaration in --source ({MODEL_EVAL_CONFIG})")
    g.add_argument("--allow-external-target", action="store_true",
                   help="allow fuzzing and load against a public address (only for endpoints you own)")


SPEC = _cli.AgentSpec(
    name=GATE, registry=REGISTRY, rules=RULES, producers=PRODUCERS, gate_action="run", score=score,
    target="url", add_arguments=add_arguments, max_workers=1,
    description="golive Testing agent: smoke checks, the application's E2E suite, Schemathesis fuzzing, "
                "a Locust load test checked by Great Expectations and (ML) model evaluation against the "
                "deployed application; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.testing``; returns the exit code."""
    return _cli.main(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
