"""The canary agent: measure the canary track against stable while real requests flow, in a pod.

::

    python -m golive.agents.canary analyze --application APP --namespace NS [--tool analysis]
        [--seconds 8] [--requests 200] [--max-error-rate 0.05] [--max-p95 2.0] [--min-requests 20]
        [--p95-floor 0.05] [--weight W] [--prometheus-url URL [--prometheus-range 2m]]
        [--source PATH|GIT-URL [--ref REF]]
    python -m golive.agents.canary gate  ...same options... [--threshold 85]

``analyze`` finds the ready pods of both tracks through the Kubernetes API (labels ``app=APP``,
``track=canary|stable``; pod IP and the ``prometheus.io/port`` / ``prometheus.io/path``
annotations or the ``http`` container port), scrapes every pod's ``/metrics``, drives bounded
traffic through the application's Service URL with :func:`golive.canary.traffic.drive` — GET
the application's paths (:func:`golive.canary.traffic.traffic_paths`: the profile's
``endpoints.traffic_paths``, else its OpenAPI document's GET operations, else only its health path)
anonymously and, when the profile names ``endpoints.signup`` and ``endpoints.login``, as a user
registered on every pod for the run — then scrapes again. The profile is the conf's
(``$GOLIVE_PROFILE``), else the ``golive.yaml`` of ``--source`` (checked out at ``--ref``), else
golive's defaults. The per-pod windows are combined per track (``/health`` and ``/metrics`` excluded)
and turned into an :class:`~golive.models.AnalyzerResult` by :func:`golive.canary.analysis.analyzer_result`:
the measurements, both windows, the thresholds and the traffic in ``details``. It prints it as JSON
and writes it as the pod's XCom value; exit 0 whenever a result was produced (an analysis that could
not run carries ``error``, which the gate scores as no-data), 2 on bad input.

The windows come from a metric provider (:func:`golive.canary.providers.provider_for`): ``pods``
(:mod:`golive.canary.providers.scrape`), or with ``--prometheus-url`` ``prometheus``, the Prometheus
HTTP API (:mod:`golive.canary.providers.prometheus`, over ``--prometheus-range``), after the same traffic.

The Airflow scoring step scores the result with :data:`golive.gates.canary.CANARY` (the canary gate's
rules with the thresholds recorded in the result). ``gate`` runs both here and exits 0 PASS, 1 FAIL,
3 WARNING.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from golive import http as app_http
from golive import runtime
from golive.canary.analysis import analyzer_result
from golive.canary.metrics import CanaryError, TrafficWindow
from golive.canary.providers import provider_for
from golive.canary.targets import discover
from golive.canary.traffic import drive, sign_in, traffic_paths
from golive.cli.args import (
    RaisingParser,
    UsageError,
    add_commit_argument,
    application,
    dns_label,
    number,
    target_url,
    whole,
)
from golive.cli.args import ref as ref_arg
from golive.cli.args import source as source_arg
from golive.cli.output import VERDICT_EXIT, ExitCode, emit
from golive.errors import GoliveError
from golive.gates.canary import CANARY, DEFAULTS, TOOL
from golive.models import AnalyzerResult
from golive.profile.model import Endpoints
from golive.results import GateOutcome

__all__ = ["analyze", "main"]


# --- the analysis ------------------------------------------------------------------------------------


def analyze(cluster: Any, app: str, namespace: str, *, seconds: float = 8.0, requests: int = 200,
            max_error_rate: float = 0.05, max_p95: float = 2.0, min_requests: int = 20,
            p95_floor: float = 0.05, weight: float | None = None, prometheus_url: str | None = None,
            prometheus_range: str = "2m", endpoints: Endpoints | None = None,
            signup_consent: tuple[bool, str] = (True, "")) -> AnalyzerResult:
    """Measure the canary of ``app`` against stable over one traffic window; never raises for a
    cluster or metrics problem (the result then carries ``error``).

    :param endpoints: the profile's endpoints (traffic paths, sign-up); golive's defaults when None.
    :param signup_consent: whether the profile consents to creating the analysis user in this
        environment (:meth:`golive.profile.model.LiveChecks.allows`), and why.
    """
    endpoints = endpoints or Endpoints()
    thresholds = {"max_error_rate": max_error_rate, "max_p95_seconds": max_p95, "min_requests": min_requests,
                  "max_error_rate_delta": DEFAULTS["max_error_rate_delta"],
                  "max_p95_ratio": DEFAULTS["max_p95_ratio"], "p95_floor_seconds": p95_floor}
    kind = "prometheus" if prometheus_url else "pods"
    base: dict[str, Any] = {"application": app, "namespace": namespace, "thresholds": thresholds,
                            "weight": weight, "source": kind}

    def failed(message: str, **extra: Any) -> AnalyzerResult:
        return AnalyzerResult(agent=CANARY.name, tool=TOOL, error=message, details={**base, **extra})

    from golive.deploy.naming import service_name

    try:
        targets = discover(cluster, app)
        url = cluster.service_url(service_name(app))
    except Exception as exc:  # API unreachable, RBAC...
        return failed(f"cannot read the pods or the Service of {app} in {namespace}: {type(exc).__name__}: {exc}")
    pods = {track: [t.as_dict() for t in ts] for track, ts in targets.items()}
    if not targets["canary"]:
        return failed(f"no ready pod of the canary track of {app} in {namespace}; deploy the canary first",
                      pods=pods)
    if not url:
        return failed(f"the Service {service_name(app)} of {app} has no URL; is it deployed?", pods=pods)
    everyone = [*targets["canary"], *targets["stable"]]
    notes: list[str] = []
    with app_http.client(timeout=10.0) as http:
        provider = provider_for(kind, **({"url": prometheus_url, "application": app, "namespace": namespace,
                                          "range": prometheus_range} if prometheus_url else {"client": http}))
        found = None if endpoints.traffic_paths else _openapi(http, url, endpoints)
        paths, where = traffic_paths(endpoints, found)
        notes.append(where)
        token, note = sign_in(everyone, http, endpoints) if signup_consent[0] else (
            None, f"no analysis user: {signup_consent[1]}; only anonymous traffic was sent")
        notes.append(note)
        before = provider.reading(everyone)
        try:
            traffic = drive(url, seconds=seconds, requests=requests, token=token, paths=paths)
        except CanaryError as exc:
            return failed(f"the analysis traffic could not be sent: {exc}", pods=pods, service_url=url)
        after = provider.reading(everyone)
    try:
        windows: dict[str, TrafficWindow | None] = {"stable": None}
        for track in ("canary", "stable") if targets["stable"] else ("canary",):
            windows[track], left_out = provider.window(track, targets[track], before, after)
            notes.extend(left_out)
    except CanaryError as exc:
        return failed(str(exc), pods=pods, service_url=url, traffic=traffic, notes=notes)
    canary_w, stable_w = windows["canary"], windows["stable"]
    if canary_w is None:
        return failed("no canary pod could be scraped before and after the traffic: " + "; ".join(notes),
                      pods=pods, service_url=url, traffic=traffic, notes=notes)
    result = analyzer_result(canary_w, stable_w, min_requests=min_requests, p95_floor_seconds=p95_floor, tool=TOOL)
    details = {**base, **result.details, "pods": pods, "service_url": url, "traffic": traffic, "notes": notes,
               "versions": {"canary": canary_w.info.get("version"),
                            "stable": stable_w.info.get("version") if stable_w else None}}
    return result.model_copy(update={"details": details})


def _openapi(http: Any, url: str, endpoints: Endpoints) -> dict[str, Any] | None:
    """The application's OpenAPI document (the profile's path, else the usual ones), or None."""
    import httpx

    paths = endpoints.openapi_paths(app_http.OPENAPI_PATHS)
    if not paths:
        return None
    try:
        found = app_http.find_openapi(lambda p: http.get(url + p), paths)
    except httpx.HTTPError:
        return None
    return found[1] if found else None


def _endpoints(source: str | None, ref: str, commit: str | None = None) -> tuple[Endpoints, tuple[bool, str]]:
    """The profile's endpoints (the conf's profile, else ``--source``'s golive.yaml, else the defaults)
    and its consent to sign-ups in ``$GOLIVE_ENVIRONMENT``.

    :raises golive.errors.GoliveError: the profile or the source is unusable.
    """
    import tempfile
    from pathlib import Path

    from golive.settings import get_settings
    from golive.sources import checked_out_profile

    with tempfile.TemporaryDirectory(prefix="golive-canary-") as tmp:
        profile = checked_out_profile(source, ref, Path(tmp), commit)[1].profile
    return profile.endpoints, profile.live_checks.allows("signup", get_settings().environment)


# --- CLI -----------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """``analyze`` and ``gate``, with the same options."""
    parser = RaisingParser(prog="python -m golive.agents.canary",
                     description="golive canary agent: canary vs stable from the pods' metrics under traffic",
                     epilog="exit codes: analyze 0 (result printed, problems inside it); gate 0 PASS, 1 FAIL, "
                            "3 WARNING; 2 bad input")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=RaisingParser)
    for name in ("analyze", "gate"):
        p = sub.add_parser(name, help="measure one step" if name == "analyze" else "measure and score")
        p.add_argument("--tool", default=TOOL, choices=CANARY.analyzers, help="the analyzer (only 'analysis')")
        p.add_argument("--application", required=True, type=application)
        p.add_argument("--namespace", required=True, type=dns_label("namespace"))
        p.add_argument("--seconds", type=number("--seconds", 0.5, 600), default=8.0, help="traffic window bound (8)")
        p.add_argument("--requests", type=whole("--requests", 1, 100_000), default=200, help="requests to send (200)")
        p.add_argument("--max-error-rate", type=number("--max-error-rate", 0, 1), default=0.05)
        p.add_argument("--max-p95", type=number("--max-p95", 0.001, 600), default=2.0, help="seconds")
        p.add_argument("--min-requests", type=whole("--min-requests", 1, 100_000), default=20)
        p.add_argument("--p95-floor", type=number("--p95-floor", 0, 60), default=0.05,
                       help="stable p95 below this (s) counts as this in the p95 ratio (noise floor)")
        p.add_argument("--weight", type=number("--weight", 0, 100), default=None, help="the step's weight (recorded)")
        p.add_argument("--prometheus-url", type=target_url, default=None,
                       help="read the windows from this Prometheus instead of the pods")
        p.add_argument("--prometheus-range", default="2m", help="range of the Prometheus increase() (2m)")
        p.add_argument("--source", default=None, type=source_arg,
                       help="the application's tree: its golive.yaml names the traffic paths and sign-up")
        p.add_argument("--ref", default="HEAD", type=ref_arg, help="git ref of --source (default HEAD)")
        add_commit_argument(p)
        if name == "gate":
            p.add_argument("--threshold", type=number("--threshold", 0, 100), default=85.0)
    return parser


def main(argv: Sequence[str] | None = None, *, cluster: Any = None) -> int:
    """Entry point of ``python -m golive.agents.canary``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        emit({"agent": CANARY.name, "error": str(exc), "usage": parser.format_usage().strip()})
        return ExitCode.USAGE
    result: AnalyzerResult | None = None
    endpoints: Endpoints | None = None
    consent = (True, "")
    try:
        endpoints, consent = _endpoints(args.source, args.ref, args.commit or None)
    except GoliveError as exc:
        result = AnalyzerResult(agent=CANARY.name, tool=TOOL, error=f"the application's profile: {exc}")
    if cluster is None and result is None:
        try:
            from golive.deploy.cluster import KubeCluster

            cluster = KubeCluster(args.namespace)
        except Exception as exc:  # no kubeconfig / service account: a result with the error (no-data)
            result = AnalyzerResult(agent=CANARY.name, tool=TOOL,
                                    error=f"cannot connect to the Kubernetes API: {type(exc).__name__}: {exc}")
    if result is None:
        result = analyze(cluster, args.application, args.namespace, seconds=args.seconds, requests=args.requests,
                         max_error_rate=args.max_error_rate, max_p95=args.max_p95, min_requests=args.min_requests,
                         p95_floor=args.p95_floor, weight=args.weight, prometheus_url=args.prometheus_url,
                         prometheus_range=args.prometheus_range, endpoints=endpoints,
                         signup_consent=consent)
    payload = result.model_dump(mode="json")
    if args.action == "analyze":
        emit(payload)
        runtime.write_xcom(payload, AnalyzerResult)
        return ExitCode.OK
    verdict = CANARY.score([result], args.threshold)
    out = {"verdict": verdict.model_dump(mode="json"), "results": [payload]}
    emit(out)
    runtime.write_xcom({"verdict": out["verdict"]}, GateOutcome)
    print(f"canary gate: {verdict.status.value} (score {verdict.score:g}, threshold {verdict.threshold:g})",
          file=sys.stderr)
    return VERDICT_EXIT[verdict.status]


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())

