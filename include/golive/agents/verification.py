"""The Verification agent: is the deployment rolled out, and does the running service behave?

The seed's Phase 5 (verify that all services are running, check for deployment errors, verify
functionality and the security measures) as analyzers — one pod each in the DAG — and a scoring step::

    python -m golive.agents.verification analyze --tool rollout --url URL --namespace NS --deployment NAME
    python -m golive.agents.verification analyze --tool version --url URL --expected-version 1.4.2
    python -m golive.agents.verification verify --url URL --namespace NS --deployment NAME
        --expected-version V [--burst-max 1000] [--probes 5] [--api-path PATH]
        [--application NAME] [--threshold 85] [--ledger-url URL] [--run-id ID]

Kubernetes side (``--namespace`` and ``--deployment``; access through ``golive.kube.client.load_client`` or
the kubeconfig / in-cluster service account): ``rollout``, ``pods``, ``logs``
(see ``golive.analyzers.cluster.workload``). HTTP side (``--url``): ``health``, ``version``, and the live
versions of the static hardening checks — ``headers``, ``cors``, ``ratelimit``, ``password``
(see ``golive.analyzers.live``). An analyzer whose input was not given (no ``--deployment``,
no ``--expected-version``) reports no-data with that reason; an unreachable application or API server
is no-data too — never a pass.

``ratelimit`` empties the client's rate-limit bucket, so ``verify`` runs it last (the gate's ``late``), and a DAG
should run its pod after the other HTTP checks. ``password`` registers one ``golive-verify-<hex>``
account with a strong password on the application.

Exit codes: ``verify`` 0 PASS, 1 FAIL, 3 WARNING (2 bad input, 5 ledger not written); ``analyze`` 0
whenever it printed a result. Its gate (analyzers, criteria, scoring) is :data:`golive.gates.verification.VERIFICATION`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from golive.analyzers.base import Analyzer
from golive.analyzers.cluster.workload import DEFAULT_LOG_LINES, run_logs, run_pods, run_rollout
from golive.analyzers.live.cors import run_cors
from golive.analyzers.live.headers import run_headers
from golive.analyzers.live.health import DEFAULT_PROBES, run_health
from golive.analyzers.live.password import run_password
from golive.analyzers.live.ratelimit import DEFAULT_BURST_CONCURRENCY, DEFAULT_BURST_MAX, run_ratelimit
from golive.analyzers.live.version import run_version
from golive.cli.args import DNS1123_SUBDOMAIN, dns_label, url_path, whole
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.verification import VERIFICATION

REGISTRY: dict[str, Analyzer] = {
    "rollout": run_rollout,
    "pods": run_pods,
    "logs": run_logs,
    "health": run_health,
    "version": run_version,
    "headers": run_headers,
    "cors": run_cors,
    "password": run_password,
    "ratelimit": run_ratelimit,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The verification agent's own options (they reach the analyzers as ``ctx.options``)."""
    kube = parser.add_argument_group("Kubernetes side (rollout, pods, logs)")
    kube.add_argument("--namespace", default=None, type=dns_label("namespace"),
                      help="namespace of the Deployment")
    kube.add_argument("--deployment", default=None,
                      type=dns_label("deployment", 253, DNS1123_SUBDOMAIN),
                      help="name of the Deployment to verify")
    kube.add_argument("--log-lines", type=whole("--log-lines", 1, 100_000), default=DEFAULT_LOG_LINES,
                      help=f"last lines of each container's log to scan ({DEFAULT_LOG_LINES})")
    http = parser.add_argument_group("HTTP side (health, version, headers, cors, password, ratelimit)")
    http.add_argument("--probes", type=whole("--probes", 1, 100), default=DEFAULT_PROBES,
                      help=f"how many /health probes must answer ok ({DEFAULT_PROBES})")
    http.add_argument("--burst-max", type=whole("--burst-max", 1, 100_000), default=DEFAULT_BURST_MAX,
                      help=f"most requests the rate-limit burst sends ({DEFAULT_BURST_MAX}); set it above the "
                           "deployed limit per minute times the replicas")
    http.add_argument("--burst-concurrency", type=whole("--burst-concurrency", 1, 256),
                      default=DEFAULT_BURST_CONCURRENCY,
                      help=f"concurrent connections of the burst ({DEFAULT_BURST_CONCURRENCY})")
    http.add_argument("--api-path", type=url_path, default=None,
                      help="API path for the CORS and rate-limit checks (default: the first GET path without "
                           "parameters in /openapi.json, /api/... preferred)")


SPEC = AgentSpec(
    gate=VERIFICATION, registry=REGISTRY, gate_action="verify", target="url", add_arguments=add_arguments,
    description="golive Verification agent: rollout, pods and logs of the Deployment; health, version and "
                "live hardening (security headers, CORS, rate limit, password policy) of the running service; "
                "verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.verification``; returns the exit code."""
    return gate_main(SPEC, argv)


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
