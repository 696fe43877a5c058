"""The canary agent: measure the canary track against stable while real requests flow, in a pod.

::

    python -m golive.agents.canary analyze --application APP --namespace NS [--tool analysis]
        [--seconds 8] [--requests 200] [--max-error-rate 0.05] [--max-p95 2.0] [--min-requests 20]
        [--p95-floor 0.05] [--weight W] [--prometheus-url URL [--prometheus-range 2m]]
    python -m golive.agents.canary gate  ...same options... [--threshold 85]

``analyze`` finds the ready pods of both tracks through the Kubernetes API (labels ``app=APP``,
``track=canary|stable``; pod IP and the ``prometheus.io/port`` / ``prometheus.io/path``
annotations or the ``http`` container port), scrapes every pod's ``/metrics``, drives bounded
traffic through the application's Service URL with :func:`golive.canary.generate_traffic` — GET
``/api/v1/items`` anonymously (401) and as a user registered on every pod for the run (200) — then
scrapes again. The per-pod windows are combined per track (``/health`` and ``/metrics`` excluded)
and turned into an :class:`~golive.models.AnalyzerResult` by :func:`golive.canary.analyzer_result`:
the measurements, both windows, the thresholds and the traffic in ``details``. It prints it as JSON
and writes it as the pod's XCom value; exit 0 whenever a result was produced (an analysis that could
not run carries ``error``, which the gate scores as no-data), 2 on bad input.

With ``--prometheus-url`` the windows come from the Prometheus HTTP API instead
(:func:`golive.canary.prometheus_window` over ``--prometheus-range``), after the same traffic.

The Airflow scoring step calls :func:`score` (the canary gate's rules from :mod:`golive.canary`,
with the thresholds recorded in the result). ``gate`` runs both here and exits 0 PASS, 1 FAIL,
3 WARNING.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx

from golive import runtime
from golive.canary import (
    CanaryError,
    MetricsSnapshot,
    TrafficReport,
    TrafficWindow,
    analyzer_result,
    canary_rules,
    combine,
    generate_traffic,
    prometheus_window,
    scrape,
    window,
)
from golive.cli.args import dns_label, target_url
from golive.cli.output import VERDICT_EXIT, emit
from golive.gates.spec import score_results
from golive.models import AnalyzerResult, CriterionRule, Verdict
from golive.results import GateOutcome

__all__ = ["ANALYZERS", "GATE", "PRODUCERS", "PodTarget", "analyze", "discover", "main", "rules_for", "score"]

GATE = "canary"
TOOL = "analysis"
#: The canary agent has one analyzer: the whole canary-vs-stable analysis of one traffic step.
ANALYZERS: tuple[str, ...] = (TOOL,)
#: Every canary measurement comes from the ``analysis`` analyzer.
PRODUCERS: dict[str, str] = {r.measurement: TOOL for r in canary_rules()}
TRAFFIC_PATHS: tuple[str, ...] = ("/api/v1/items",)
DEFAULTS: dict[str, float] = {"max_error_rate": 0.05, "max_p95_seconds": 2.0, "min_requests": 20,
                              "max_error_rate_delta": 0.02, "max_p95_ratio": 1.5}
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_WARNING = 0, 1, 2, 3


# --- scoring -----------------------------------------------------------------------------------------


def rules_for(result: AnalyzerResult | None) -> list[CriterionRule]:
    """The canary gate's criteria for ``result``: the thresholds it was measured against (its
    ``details['thresholds']``, defaults otherwise) and, like :func:`golive.canary.analyze`, the
    relative criteria optional when there was no stable baseline."""
    details = result.details if result is not None else {}
    given = details.get("thresholds") or {}
    t = {k: float(given.get(k, v)) for k, v in DEFAULTS.items()}
    baseline = result is None or result.error is not None or details.get("stable") is not None
    return canary_rules(max_error_rate=t["max_error_rate"], max_p95_seconds=t["max_p95_seconds"],
                        min_requests=max(1, int(t["min_requests"])),
                        max_error_rate_delta=t["max_error_rate_delta"],
                        warn_error_rate_delta=max(0.05, t["max_error_rate_delta"]),
                        max_p95_ratio=t["max_p95_ratio"], warn_p95_ratio=max(2.0, t["max_p95_ratio"]),
                        baseline=baseline)


def score(results: Sequence[AnalyzerResult], threshold: float = 85.0) -> Verdict:
    """The canary gate's verdict of ``results`` (the ``analysis`` result of one step).

    The rules are :func:`golive.canary.canary_rules` with the thresholds recorded in the result, so
    the verdict equals :func:`golive.canary.analyze` on the same windows; a missing or failed
    analysis makes every criterion no-data (the gate fails).
    """
    by_tool = {r.tool: r for r in results}
    return score_results(GATE, rules_for(by_tool.get(TOOL)), PRODUCERS, list(results), threshold)


# --- targets -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PodTarget:
    """One ready pod of a track: where its app answers and where it serves metrics."""

    name: str
    track: str
    base_url: str
    metrics_url: str
    version: str

    def as_dict(self) -> dict[str, str]:
        """JSON form (no secrets in here: names, addresses and versions only)."""
        return {"name": self.name, "track": self.track, "url": self.base_url, "version": self.version}


def _port(pod: Mapping[str, Any]) -> int | None:
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    text = str(annotations.get("prometheus.io/port", ""))
    if text.isdigit():
        return int(text)
    containers = (pod.get("spec") or {}).get("containers") or []
    for container in sorted(containers, key=lambda c: c.get("name") != "api"):
        for port in container.get("ports") or []:
            if port.get("name") == "http" or port.get("containerPort"):
                return int(port["containerPort"])
    return None


def pod_target(pod: Mapping[str, Any], track: str) -> PodTarget | None:
    """The :class:`PodTarget` of a pod, or None when it is not ready or has no IP or port."""
    from golive.kube.pods import pod_ready

    ip = (pod.get("status") or {}).get("podIP")
    port = _port(pod)
    if not pod_ready(pod) or not ip or port is None:
        return None
    meta = pod.get("metadata") or {}
    host = f"[{ip}]" if ":" in ip else ip
    base = f"http://{host}:{port}"
    path = str((meta.get("annotations") or {}).get("prometheus.io/path") or "/metrics")
    return PodTarget(name=str(meta.get("name", "")), track=track, base_url=base,
                     metrics_url=base + (path if path.startswith("/") else "/" + path),
                     version=str((meta.get("labels") or {}).get("app.kubernetes.io/version", "")))


def discover(cluster: Any, app: str) -> dict[str, list[PodTarget]]:
    """The ready pods of the canary and the stable track of ``app`` (via the Kubernetes API)."""
    from golive.deploy.ops import app_selector

    found: dict[str, list[PodTarget]] = {}
    for track in ("canary", "stable"):
        pods = cluster.pods(app_selector(app, track=track))
        found[track] = [t for t in (pod_target(p, track) for p in pods) if t is not None]
    return found


# --- the analysis ------------------------------------------------------------------------------------


def _credentials() -> tuple[str, str]:
    """A throw-away user for this analysis (never printed): random name and a policy-conform password."""
    user = f"canary-{secrets.token_hex(6)}"
    return user, f"Cx9!{secrets.token_urlsafe(24)}"


def _post(http: httpx.Client, url: str, body: dict[str, str], attempts: int = 6) -> httpx.Response | None:
    """POST with retries on 5xx and transport errors (a canary that fails on purpose answers 500)."""
    for _ in range(attempts):
        try:
            response = http.post(url, json=body)
        except httpx.HTTPError:
            time.sleep(0.2)
            continue
        if response.status_code < 500:
            return response
    return None


def sign_in(targets: Sequence[PodTarget], http: httpx.Client) -> tuple[str | None, str]:
    """Register one user on every pod (state is per process) and log in once; (token, note).

    The token is signed with the application's shared ``APP_SECRET_KEY``, so every pod that knows
    the user accepts it. Returns (None, why) when no pod accepted the user.
    """
    user, password = _credentials()
    registered = []
    for target in targets:
        response = _post(http, f"{target.base_url}/api/v1/auth/register", {"username": user, "password": password})
        if response is not None and response.status_code in (200, 201, 409):
            registered.append(target)
    if not registered:
        return None, "no pod accepted the analysis user; only anonymous traffic was sent"
    for target in registered:
        response = _post(http, f"{target.base_url}/api/v1/auth/login", {"username": user, "password": password})
        if response is not None and response.status_code == 200:
            token = response.json().get("access_token")
            if token:
                return str(token), f"user registered on {len(registered)} of {len(targets)} pods"
    return None, "login failed on every pod; only anonymous traffic was sent"


def _scrape_all(targets: Sequence[PodTarget], http: httpx.Client) -> dict[str, MetricsSnapshot | str]:
    """Scrape every pod at once; a pod that fails maps to the error text."""
    def one(target: PodTarget) -> MetricsSnapshot | str:
        try:
            return scrape(target.metrics_url, http)
        except CanaryError as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=max(1, min(8, len(targets)))) as pool:
        return dict(zip([t.name for t in targets], pool.map(one, targets), strict=True))


def _report(report: TrafficReport, authenticated: bool) -> dict[str, Any]:
    return {"authenticated": authenticated, "sent": report.sent,
            "status_counts": {str(k): v for k, v in sorted(report.status_counts.items())},
            "transport_errors": report.transport_errors, "last_error": report.last_error,
            "seconds": round(report.elapsed_seconds, 3)}


def drive(url: str, *, seconds: float, requests: int, token: str | None,
          concurrency: int = 2) -> list[dict[str, Any]]:
    """Send the analysis traffic through the Service ``url``: anonymous and (with ``token``) signed-in
    GETs of the API, in parallel, each bounded by ``seconds`` and its share of ``requests``."""
    plans: list[tuple[bool, dict[str, str]]] = [(False, {})]
    if token:
        plans.append((True, {"Authorization": f"Bearer {token}"}))
    share = max(1, requests // len(plans))
    reports: list[dict[str, Any]] = [{} for _ in plans]
    errors: list[BaseException] = []

    def run(index: int, authenticated: bool, headers: dict[str, str]) -> None:
        try:
            # One connection per request, like many clients: a Service balances connections, so
            # kept-alive connections would pin all traffic to the few pods they first reached.
            with httpx.Client(headers=headers, timeout=10.0,
                              limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=0)) as http:
                report = generate_traffic(url, seconds=seconds, requests=share, paths=TRAFFIC_PATHS,
                                          concurrency=concurrency, client=http, allow_remote=True)
            reports[index] = _report(report, authenticated)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, auth, hdr), daemon=True) for i, (auth, hdr) in enumerate(plans)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return reports


def _track_window(targets: Sequence[PodTarget], before: Mapping[str, MetricsSnapshot | str],
                  after: Mapping[str, MetricsSnapshot | str], notes: list[str]) -> TrafficWindow | None:
    windows = []
    for target in targets:
        b, a = before.get(target.name), after.get(target.name)
        if isinstance(b, MetricsSnapshot) and isinstance(a, MetricsSnapshot):
            windows.append(window(b, a))
        else:
            notes.append(f"pod {target.name} ({target.track}) left out: {b if isinstance(b, str) else a}")
    return combine(windows) if windows else None


def analyze(cluster: Any, app: str, namespace: str, *, seconds: float = 8.0, requests: int = 200,
            max_error_rate: float = 0.05, max_p95: float = 2.0, min_requests: int = 20,
            p95_floor: float = 0.05, weight: float | None = None, prometheus_url: str | None = None,
            prometheus_range: str = "2m") -> AnalyzerResult:
    """Measure the canary of ``app`` against stable over one traffic window; never raises for a
    cluster or metrics problem (the result then carries ``error``)."""
    thresholds = {"max_error_rate": max_error_rate, "max_p95_seconds": max_p95, "min_requests": min_requests,
                  "max_error_rate_delta": DEFAULTS["max_error_rate_delta"],
                  "max_p95_ratio": DEFAULTS["max_p95_ratio"], "p95_floor_seconds": p95_floor}
    base: dict[str, Any] = {"application": app, "namespace": namespace, "thresholds": thresholds,
                            "weight": weight, "source": "prometheus" if prometheus_url else "pods"}

    def failed(message: str, **extra: Any) -> AnalyzerResult:
        return AnalyzerResult(agent=GATE, tool=TOOL, error=message, details={**base, **extra})

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
    with httpx.Client(timeout=10.0) as http:
        token, note = sign_in(everyone, http)
        notes.append(note)
        before = {} if prometheus_url else _scrape_all(everyone, http)
        try:
            traffic = drive(url, seconds=seconds, requests=requests, token=token)
        except CanaryError as exc:
            return failed(f"the analysis traffic could not be sent: {exc}", pods=pods, service_url=url)
        after = {} if prometheus_url else _scrape_all(everyone, http)
    try:
        if prometheus_url:
            canary_w: TrafficWindow | None = prometheus_window(prometheus_url, app, "canary", namespace,
                                                               prometheus_range)
            stable_w = (prometheus_window(prometheus_url, app, "stable", namespace, prometheus_range)
                        if targets["stable"] else None)
        else:
            canary_w = _track_window(targets["canary"], before, after, notes)
            stable_w = _track_window(targets["stable"], before, after, notes) if targets["stable"] else None
    except CanaryError as exc:
        return failed(str(exc), pods=pods, service_url=url, traffic=traffic, notes=notes)
    if canary_w is None:
        return failed("no canary pod could be scraped before and after the traffic: " + "; ".join(notes),
                      pods=pods, service_url=url, traffic=traffic, notes=notes)
    result = analyzer_result(canary_w, stable_w, min_requests=min_requests, p95_floor_seconds=p95_floor, tool=TOOL)
    details = {**base, **result.details, "pods": pods, "service_url": url, "traffic": traffic, "notes": notes,
               "versions": {"canary": canary_w.info.get("version"),
                            "stable": stable_w.info.get("version") if stable_w else None}}
    return result.model_copy(update={"details": details})


# --- CLI -----------------------------------------------------------------------------------------------


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _number(lo: float, hi: float, kind: type = float):
    def check(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected a value in [{lo:g}, {hi:g}], got {text!r}")
        return value
    return check


def build_parser() -> argparse.ArgumentParser:
    """``analyze`` and ``gate``, with the same options."""
    parser = _Parser(prog="python -m golive.agents.canary",
                     description="golive canary agent: canary vs stable from the pods' metrics under traffic",
                     epilog="exit codes: analyze 0 (result printed, problems inside it); gate 0 PASS, 1 FAIL, "
                            "3 WARNING; 2 bad input")
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=_Parser)
    for name in ("analyze", "gate"):
        p = sub.add_parser(name, help="measure one step" if name == "analyze" else "measure and score")
        p.add_argument("--tool", default=TOOL, choices=ANALYZERS, help="the analyzer (only 'analysis')")
        p.add_argument("--application", required=True, type=dns_label("application"))
        p.add_argument("--namespace", required=True, type=dns_label("application"))
        p.add_argument("--seconds", type=_number(0.5, 600), default=8.0, help="traffic window bound (8)")
        p.add_argument("--requests", type=_number(1, 100_000, int), default=200, help="requests to send (200)")
        p.add_argument("--max-error-rate", type=_number(0, 1), default=0.05)
        p.add_argument("--max-p95", type=_number(0.001, 600), default=2.0, help="seconds")
        p.add_argument("--min-requests", type=_number(1, 100_000, int), default=20)
        p.add_argument("--p95-floor", type=_number(0, 60), default=0.05,
                       help="stable p95 below this (s) counts as this in the p95 ratio (noise floor)")
        p.add_argument("--weight", type=_number(0, 100), default=None, help="the step's weight (recorded)")
        p.add_argument("--prometheus-url", type=target_url, default=None,
                       help="read the windows from this Prometheus instead of the pods")
        p.add_argument("--prometheus-range", default="2m", help="range of the Prometheus increase() (2m)")
        if name == "gate":
            p.add_argument("--threshold", type=_number(0, 100), default=85.0)
    return parser


def main(argv: Sequence[str] | None = None, *, cluster: Any = None) -> int:
    """Entry point of ``python -m golive.agents.canary``; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        emit({"agent": GATE, "error": str(exc), "usage": parser.format_usage().strip()})
        return EXIT_USAGE
    result: AnalyzerResult | None = None
    if cluster is None:
        try:
            from golive.deploy.cluster import KubeCluster

            cluster = KubeCluster(args.namespace)
        except Exception as exc:  # no kubeconfig / service account: a result with the error (no-data)
            result = AnalyzerResult(agent=GATE, tool=TOOL,
                                    error=f"cannot connect to the Kubernetes API: {type(exc).__name__}: {exc}")
    if result is None:
        result = analyze(cluster, args.application, args.namespace, seconds=args.seconds, requests=args.requests,
                         max_error_rate=args.max_error_rate, max_p95=args.max_p95, min_requests=args.min_requests,
                         p95_floor=args.p95_floor, weight=args.weight, prometheus_url=args.prometheus_url,
                         prometheus_range=args.prometheus_range)
    payload = result.model_dump(mode="json")
    if args.action == "analyze":
        emit(payload)
        runtime.write_xcom(payload, AnalyzerResult)
        return EXIT_PASS
    verdict = score([result], args.threshold)
    out = {"verdict": verdict.model_dump(mode="json"), "results": [payload]}
    emit(out)
    runtime.write_xcom({"verdict": out["verdict"]}, GateOutcome)
    print(f"canary gate: {verdict.status.value} (score {verdict.score:g}, threshold {verdict.threshold:g})",
          file=sys.stderr)
    return VERDICT_EXIT[verdict.status]


if __name__ == "__main__":
    sys.exit(main())

