"""The Testing agent: smoke, E2E, API fuzzing, load and model evaluation against the *deployed* application.

The seed's Phase 6 (smoke tests, E2E tests, security and performance tests against the running
environment) as analyzers — one pod each in the DAG — and a scoring step. It is a URL agent
(``AgentSpec(target="url")``, see :mod:`golive.cli.gate`)::

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

Its gate (analyzers, criteria, scoring) is :data:`golive.gates.testing.TESTING`, which the Airflow
operators use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from golive.analyzers.base import Analyzer
from golive.analyzers.testing.fuzz import DEFAULT_CHECKS, DEFAULT_MAX_EXAMPLES, DEFAULT_PHASES, run_fuzz
from golive.analyzers.testing.load import DEFAULT_DURATION, DEFAULT_USERS, run_load
from golive.analyzers.testing.smoke import run_smoke
from golive.analyzers.testing.suites import DEFAULT_URL_ENVS, MODEL_EVAL_CONFIG, run_e2e, run_model_eval
from golive.cli.args import env_name, number, relative_path, whole
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.testing import DEFAULT_MAX_FAILURE_RATIO, DEFAULT_MAX_P95_MS, TESTING

REGISTRY: dict[str, Analyzer] = {
    "smoke": run_smoke,
    "e2e": run_e2e,
    "fuzz": run_fuzz,
    "load": run_load,
    "model_eval": run_model_eval,
}
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The testing agent's own options (they reach the analyzers as ``ctx.options``)."""
    g = parser.add_argument_group("testing options")
    g.add_argument("--e2e-dir", type=relative_path, default=None,
                   help="E2E suite directory in --source (default: tests_e2e, tests/e2e or e2e)")
    g.add_argument("--e2e-url-env", type=env_name, action="append", default=None, metavar="NAME",
                   help=f"environment variable that carries the URL to the suite (repeatable; default "
                        f"{', '.join(DEFAULT_URL_ENVS)})")
    g.add_argument("--openapi-path", default=None,
                   help="path of the OpenAPI document (default: the profile's endpoints.openapi, else discovered)")
    g.add_argument("--fuzz-max-examples", type=whole("--fuzz-max-examples", 1), default=DEFAULT_MAX_EXAMPLES,
                   help=f"Schemathesis examples per operation ({DEFAULT_MAX_EXAMPLES}, at most 200)")
    g.add_argument("--fuzz-phases", default=DEFAULT_PHASES, help=f"Schemathesis phases ({DEFAULT_PHASES})")
    g.add_argument("--fuzz-checks", default=DEFAULT_CHECKS, help=f"Schemathesis checks ({DEFAULT_CHECKS})")
    g.add_argument("--fuzz-max-time", type=whole("--fuzz-max-time", 1), default=None,
                   help="fixed fuzzing time budget in seconds (Schemathesis fuzzes until it is spent)")
    g.add_argument("--fuzz-seed", type=int, default=None, help="Schemathesis seed, for a reproducible run")
    g.add_argument("--load-users", type=whole("--load-users", 1), default=DEFAULT_USERS,
                   help=f"Locust users ({DEFAULT_USERS}, at most 50)")
    g.add_argument("--load-spawn-rate", type=whole("--load-spawn-rate", 1), default=None,
                   help="users started per second (all)")
    g.add_argument("--load-duration", type=whole("--load-duration", 1), default=DEFAULT_DURATION,
                   help=f"load test seconds ({DEFAULT_DURATION}, at most 120)")
    g.add_argument("--load-locustfile", type=relative_path, default=None,
                   help="locustfile in --source (default: its locustfile.py, else golive's generic profile)")
    g.add_argument("--load-max-p95-ms", type=float, default=DEFAULT_MAX_P95_MS,
                   help=f"Great Expectations: largest per-endpoint p95 in ms ({DEFAULT_MAX_P95_MS:g})")
    g.add_argument("--load-max-error-rate", type=number("--load-max-error-rate", 0, 1, above=True),
                   default=DEFAULT_MAX_FAILURE_RATIO,
                   help=f"Great Expectations: per-endpoint failure ratio below ({DEFAULT_MAX_FAILURE_RATIO:g})")
    g.add_argument("--model-eval-config", type=relative_path, default=MODEL_EVAL_CONFIG,
                   help=f"model evaluation declaration in --source ({MODEL_EVAL_CONFIG})")
    g.add_argument("--allow-external-target", action="store_true",
                   help="allow fuzzing and load against a public address (only for endpoints you own)")


SPEC = AgentSpec(
    gate=TESTING, registry=REGISTRY, gate_action="run", target="url", add_arguments=add_arguments, max_workers=1,
    description="golive Testing agent: smoke checks, the application's E2E suite, Schemathesis fuzzing, "
                "a Locust load test checked by Great Expectations and (ML) model evaluation against the "
                "deployed application; verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.testing``; returns the exit code."""
    return gate_main(SPEC, argv)


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
