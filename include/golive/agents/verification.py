"""The Verification agent: is the deployment rolled out, and does the running service behave?

The seed's Phase 5 (verify that all services are running, check for deployment errors, verify
functionality and the security measures) as analyzers — one pod each in the DAG — and a scoring step::

    python -m golive.agents.verification analyze --tool rollout --url URL --namespace NS --deployment NAME
    python -m golive.agents.verification analyze --tool version --url URL --expected-version 1.4.2
    python -m golive.agents.verification verify --url URL --namespace NS --deployment NAME
        --expected-version V [--burst-max 1000] [--probes 5] [--api-path /api/v1/items]
        [--application NAME] [--threshold 85] [--ledger-url URL] [--run-id ID]

Kubernetes side (``--namespace`` and ``--deployment``; access through ``golive.kube.load_client`` or
the kubeconfig / in-cluster service account): ``rollout``, ``pods``, ``logs``
(see ``golive.agents.verification_kube``). HTTP side (``--url``): ``health``, ``version``, and the live
versions of the static hardening checks — ``headers``, ``cors``, ``ratelimit``, ``password``
(see ``golive.agents.verification_http``). An analyzer whose input was not given (no ``--deployment``,
no ``--expected-version``) reports no-data with that reason; an unreachable application or API server
is no-data too — never a pass.

``ratelimit`` empties the client's rate-limit bucket, so ``verify`` runs it last (``LATE``), and a DAG
should run its pod after the other HTTP checks. ``password`` registers one ``golive-verify-<hex>``
account with a strong password on the application.

Exit codes: ``verify`` 0 PASS, 1 FAIL, 3 WARNING (2 bad input, 5 ledger not written); ``analyze`` 0
whenever it printed a result. The Airflow operators use ``ANALYZERS``, ``RULES`` and ``score``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence

from golive.agents import _cli
from golive.agents.verification_http import (
    DEFAULT_BURST_CONCURRENCY,
    DEFAULT_BURST_MAX,
    DEFAULT_PROBES,
    run_cors,
    run_headers,
    run_health,
    run_password,
    run_ratelimit,
    run_version,
)
from golive.agents.verification_kube import DEFAULT_LOG_LINES, run_logs, run_pods, run_rollout
from golive.models import DNS1123_LABEL, AnalyzerResult, CriterionRule, Verdict

GATE = "verification"
REGISTRY: dict[str, _cli.Analyzer] = {
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
ANALYZERS: tuple[str, ...] = tuple(REGISTRY)
#: Analyzers ``verify`` runs after the others: the burst empties the rate-limit bucket the others need,
#: and the logs are read once the HTTP checks have exercised the new version (its errors show there).
LATE: tuple[str, ...] = ("logs", "ratelimit")
KUBERNETES_ANALYZERS: tuple[str, ...] = ("rollout", "pods", "logs")
HTTP_ANALYZERS: tuple[str, ...] = ("health", "version", "headers", "cors", "password", "ratelimit")

PRODUCERS: dict[str, str] = {
    "rollout_complete": "rollout",
    "pods_ready_ratio": "pods",
    "pod_restarts": "pods",
    "error_log_lines": "logs",
    "health_ok": "health",
    "version_matches": "version",
    "security_headers_live": "headers",
    "cors_foreign_refused": "cors",
    "rate_limited": "ratelimit",
    "weak_password_refused": "password",
}

#: The verification criteria. Weights (total 26): the four facts without which the release is not live
#: are key criteria — rollout complete and health (4 each), every pod Ready and the right version running
#: (3 each); restarts and error lines in the new pods' logs are early signs of a bad release (2 each,
#: with a warning band); each live hardening control weighs 2 — what the static security gate read in
#: the source, now observed on the wire.
RULES: list[CriterionRule] = [
    CriterionRule(name="rollout_complete", measurement="rollout_complete", unit="", comparison=">=", pass_at=1,
                  weight=4, key=True, description="deployment rolled out (kubectl rollout status)"),
    CriterionRule(name="pods_ready", measurement="pods_ready_ratio", unit="%", comparison=">=", pass_at=100,
                  weight=3, key=True, description="pods of the current ReplicaSet Ready"),
    CriterionRule(name="pod_restarts", measurement="pod_restarts", unit="restarts", comparison="<=", pass_at=0,
                  warn_at=2, weight=2, description="container restarts in the current pods"),
    CriterionRule(name="error_log_lines", measurement="error_log_lines", unit="lines", comparison="<=",
                  pass_at=0, warn_at=3, weight=2, key=True,  # a new version that logs errors must not go live
                  description="ERROR / Traceback / CRITICAL lines in the current pods' logs"),
    CriterionRule(name="health", measurement="health_ok", unit="", comparison=">=", pass_at=1, weight=4,
                  key=True, description="/health answers 200 ok on every probe"),
    CriterionRule(name="version", measurement="version_matches", unit="", comparison=">=", pass_at=1, weight=3,
                  key=True, description="the running version is the expected one"),
    CriterionRule(name="security_headers_live", measurement="security_headers_live", unit="headers",
                  comparison=">=", pass_at=4, warn_at=3, weight=2,
                  description="security headers on live responses (HSTS, CSP, X-Content-Type-Options, "
                              "X-Frame-Options, Referrer-Policy)"),
    CriterionRule(name="cors_foreign_refused", measurement="cors_foreign_refused", unit="", comparison=">=",
                  pass_at=1, weight=2, description="CORS preflight from a foreign origin refused"),
    CriterionRule(name="rate_limited", measurement="rate_limited", unit="", comparison=">=", pass_at=1, weight=2,
                  description="a request burst is answered 429"),
    CriterionRule(name="weak_password_refused", measurement="weak_password_refused", unit="", comparison=">=",
                  pass_at=1, weight=2, description="weak passwords refused at registration, a strong one accepted"),
]


def score(results: Sequence[AnalyzerResult], threshold: float = 85.0) -> Verdict:
    """The verification verdict of ``results``: a missing or failed analyzer makes its criteria no-data."""
    return _cli.score_results(GATE, RULES, PRODUCERS, list(results), threshold)


def _bounded_int(low: int, high: int, what: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what} must be within {low}-{high}, got {value}")
        return value

    return parse


def _label(what: str, pattern: str = DNS1123_LABEL, limit: int = 63) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if len(text) > limit or not re.fullmatch(pattern, text):
            raise argparse.ArgumentTypeError(f"{what} {text!r} must be a DNS-1123 name (lowercase letters, "
                                             f"digits and '-', at most {limit})")
        return text

    return parse


def _api_path(text: str) -> str:
    if not re.fullmatch(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,500}", text):
        raise argparse.ArgumentTypeError(f"api path {text!r} must be a URL path starting with '/'")
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The verification agent's own options (they reach the analyzers as ``ctx.options``)."""
    kube = parser.add_argument_group("Kubernetes side (rollout, pods, logs)")
    kube.add_argument("--namespace", default=None, type=_label("namespace"),
                      help="namespace of the Deployment")
    kube.add_argument("--deployment", default=None,
                      type=_label("deployment", r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", 253),
                      help="name of the Deployment to verify")
    kube.add_argument("--log-lines", type=_bounded_int(1, 100_000, "--log-lines"), default=DEFAULT_LOG_LINES,
                      help=f"last lines of each container's log to scan ({DEFAULT_LOG_LINES})")
    http = parser.add_argument_group("HTTP side (health, version, headers, cors, password, ratelimit)")
    http.add_argument("--probes", type=_bounded_int(1, 100, "--probes"), default=DEFAULT_PROBES,
                      help=f"how many /health probes must answer ok ({DEFAULT_PROBES})")
    http.add_argument("--burst-max", type=_bounded_int(1, 100_000, "--burst-max"), default=DEFAULT_BURST_MAX,
                      help=f"most requests the rate-limit burst sends ({DEFAULT_BURST_MAX}); set it above the "
                           "deployed limit per minute times the replicas")
    http.add_argument("--burst-concurrency", type=_bounded_int(1, 256, "--burst-concurrency"),
                      default=DEFAULT_BURST_CONCURRENCY,
                      help=f"concurrent connections of the burst ({DEFAULT_BURST_CONCURRENCY})")
    http.add_argument("--api-path", type=_api_path, default=None,
                      help="API path for the CORS and rate-limit checks (default: the first GET path without "
                           "parameters in /openapi.json, /api/... preferred)")


SPEC = _cli.AgentSpec(
    name=GATE, registry=REGISTRY, rules=RULES, producers=PRODUCERS, gate_action="verify", score=score,
    late=LATE, target="url", add_arguments=add_arguments,
    description="golive Verification agent: rollout, pods and logs of the Deployment; health, version and "
                "live hardening (security headers, CORS, rate limit, password policy) of the running service; "
                "verdict by weighted criteria (threshold 85).")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m golive.agents.verification``; returns the exit code."""
    return _cli.main(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
