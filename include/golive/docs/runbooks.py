"""One runbook page per alert of an application's PrometheusRule, and the check that every
``runbook_url`` the rules carry resolves to a page that exists.

A URL under the public docs URL (``GoliveSettings.docs_public_url``, served by the ``/golive``
plugin app from the artifact store) resolves when the store holds the page it names — the same lookup the
app answers with (:meth:`ArtifactStore.page`); any other URL resolves when an HTTP GET answers
below 400 (a redirect counts: golive's HTTP client follows none). A URL that cannot be reached is
unchecked (no data), never resolved.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from golive import http
from golive.docs.store import ArtifactStore, StoreError, runbook_path
from golive.docs.templates import render
from golive.monitoring.models import alert_slug

_COMPARISON = re.compile(r"(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\b")

#: First steps by what an alert is about (matched against its name, first match wins).
FIRST_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("budget", (("Find which requests fail: the error-rate panel of the application's Grafana dashboard, "
                "by path and status."),
                ("Compare with the last go-live in the ledger (/golive/runs): a burn that started with a new "
                "version is that version's."),
                "A fast burn pages: roll back first (below), investigate after; a slow burn can wait for a fix.")),
    ("error", ("Read the application's logs for the failing requests: {logs}",
               ("Check whether a new version went live just before (/golive/runs) or a dependency (database, "
               "cache) fails."),
               "If the new version is the cause, roll back (below).")),
    ("latency", ("Look at the pods' CPU and memory: {top}",
                 "Check the slow paths on the dashboard's latency panel and the dependencies they call.",
                 "Scale out if the pods are saturated; roll back (below) if a new version made it slow.")),
    ("down", ("List the pods and their state: {pods}",
              "Describe a pod that is not ready and read its events: kubectl describe pod -n {namespace} POD",
              "Check that Prometheus scrapes the pods (their prometheus.io annotations and the scrape job).")),
)
GENERIC_STEPS = ("Read the alert's description and the dashboard panel of its expression.",
                 "Read the application's logs: {logs}", "Roll back (below) if a new version is the cause.")


@dataclass(frozen=True)
class Runbook:
    """The runbook of one alert (all its rules: one per severity)."""

    alert: str
    slug: str
    rules: list[dict[str, str]]
    urls: list[str]
    markdown: str
    html: str


def thresholds(expr: str) -> str:
    """The comparisons of an alert expression (``> 0.05``), joined; empty when it has none."""
    return ", ".join(dict.fromkeys(f"{op} {value}" for op, value in _COMPARISON.findall(expr)))


def alerting_rules(prometheus_rule: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The alerting rules of a PrometheusRule (or of a bare rule file)."""
    spec = prometheus_rule.get("spec", prometheus_rule)
    return [r for g in spec.get("groups") or [] for r in g.get("rules") or []
            if isinstance(r, Mapping) and "alert" in r]


def rollback_command(application: str, namespace: str, strategy: str, alert: str) -> str:
    """The deployment agent's rollback, as a copyable command line."""
    argv = ["python", "-m", "golive.agents.deployment", "rollback", "--application", application,
            "--namespace", namespace, "--strategy", strategy, "--reason", f"{alert} fired"]
    return shlex.join(argv)


def _steps(alert: str, application: str, namespace: str) -> list[str]:
    selector = f"app={application}"
    fill = {"logs": f"kubectl logs -n {namespace} -l {selector} --since=30m --prefix",
            "top": f"kubectl top pods -n {namespace} -l {selector}",
            "pods": f"kubectl get pods -n {namespace} -l {selector} -o wide", "namespace": namespace}
    name = alert.lower()
    steps = next((s for key, s in FIRST_STEPS if key in name), GENERIC_STEPS)
    return [step.format(**fill) for step in steps]


def build_runbooks(prometheus_rule: Mapping[str, Any], *, application: str, namespace: str,
                   strategy: str = "rolling") -> list[Runbook]:
    """One runbook per alert name: what it means, each rule's expression, threshold, duration and
    severity, first steps and the rollback command."""
    by_alert: dict[str, list[Mapping[str, Any]]] = {}
    for rule in alerting_rules(prometheus_rule):
        by_alert.setdefault(str(rule["alert"]), []).append(rule)
    books = []
    for alert, rules in by_alert.items():
        rows = [{"severity": str((r.get("labels") or {}).get("severity", "")), "expr": str(r.get("expr", "")),
                 "threshold": thresholds(str(r.get("expr", ""))), "for": str(r.get("for", "")),
                 "summary": str((r.get("annotations") or {}).get("summary", "")),
                 "description": str((r.get("annotations") or {}).get("description", ""))} for r in rules]
        urls = sorted({str((r.get("annotations") or {}).get("runbook_url")) for r in rules
                       if (r.get("annotations") or {}).get("runbook_url")})
        view = {"alert": alert, "application": application, "namespace": namespace, "rules": rows,
                "steps": _steps(alert, application, namespace),
                "rollback": rollback_command(application, namespace, strategy, alert)}
        books.append(Runbook(alert=alert, slug=alert_slug(alert), rules=rows, urls=urls,
                             markdown=render("runbook.md.j2", view), html=render("runbook.html.j2", view)))
    return books


def write_runbooks(books: Iterable[Runbook], store: ArtifactStore, application: str) -> list[str]:
    """Write each runbook (HTML and Markdown) where its public URL points; returns the store URLs."""
    written = []
    for book in books:
        rel = runbook_path(application, book.slug)
        written.append(store.write_text(f"{rel}.html", book.html))
        store.write_text(f"{rel}.md", book.markdown)
    return written


@dataclass(frozen=True)
class UrlCheck:
    """Whether one runbook URL resolves."""

    url: str
    status: Literal["resolved", "missing", "unchecked"]
    detail: str


def check_urls(urls: Sequence[str], *, store: ArtifactStore, public_url: str,
               timeout: float = 10.0) -> list[UrlCheck]:
    """Check each URL: under ``public_url`` by the page the store holds; elsewhere by an HTTP GET."""
    base = public_url.rstrip("/") + "/"
    checks = []
    for url in dict.fromkeys(urls):
        if url.startswith(base):
            rel = url[len(base):].split("#", 1)[0].split("?", 1)[0]
            try:
                page = store.page(rel)
            except (StoreError, OSError, ValueError) as exc:  # an unsafe path or an unreadable store
                checks.append(UrlCheck(url, "missing", f"not a page of the store: {exc}"))
                continue
            checks.append(UrlCheck(url, "resolved", f"served from {store.url(page)}") if page else
                          UrlCheck(url, "missing", f"no page at {store.url(rel)}(.html)"))
            continue
        try:
            with http.client(timeout=timeout) as session:
                response = session.get(url)
        except httpx.HTTPError as exc:
            checks.append(UrlCheck(url, "unchecked", f"unreachable: {type(exc).__name__}: {exc}"))
            continue
        checks.append(UrlCheck(url, "resolved" if response.status_code < 400 else "missing",
                               f"HTTP {response.status_code}"))
    return checks
