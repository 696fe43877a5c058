"""The application's PrometheusRule: SLI recording rules and SLO alerts, and its validator.

Recording rules follow Prometheus' ``level:metric:operations`` naming. The alerts are:

* ``HighErrorRate`` — the 5xx ratio over 5 minutes above the SLO's maximum (warning) or twice it
  (critical);
* ``HighLatencyP95`` — p95 latency above the objective (warning) or twice it (critical);
* ``SLOErrorBudgetBurn`` — the multiwindow, multi-burn-rate alerts of the Google SRE workbook:
  fast burn (1h and 5m above 14.4× the budget rate, critical: 2 % of a 30-day budget in one hour)
  and slow burn (6h and 30m above 6×, warning);
* ``TargetDown`` — no scrape target of the application is up, or none exists (critical).

A critical and a warning alert share the alert name, so Alertmanager's inhibit rule (critical
inhibits warning of the same alert name and namespace) keeps one page instead of two messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from golive.monitoring.models import (
    APP_METRICS,
    PROM_DURATION,
    PROMETHEUS_METRICS,
    SEVERITIES,
    ServiceSLOs,
)
from golive.monitoring.promql import check_expr, selector

__all__ = [
    "FAST_BURN",
    "SLOW_BURN",
    "common_labels",
    "render_prometheus_rule",
    "sli_selectors",
    "validate_prometheus_rule",
]

#: (factor, long window, short window, for, severity) of the two burn-rate alerts.
FAST_BURN = (14.4, "1h", "5m", "2m", "critical")
SLOW_BURN = (6.0, "6h", "30m", "15m", "warning")
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+$")
ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BURN_WINDOWS = ("5m", "30m", "1h", "6h")


def common_labels(slos: ServiceSLOs) -> dict[str, str]:
    """Labels every monitoring object of ``slos.application`` carries."""
    return {
        "app.kubernetes.io/part-of": "golive",
        "app.kubernetes.io/managed-by": "golive",
        "golive.io/monitoring": slos.application,
    }


def _fmt(number: float) -> str:
    """A threshold as PromQL writes it: up to six significant digits, no trailing zeros."""
    return f"{number:.6g}"


def sli_selectors(slos: ServiceSLOs) -> tuple[str, str]:
    """(all requests, 5xx requests) label selectors of the application's SLI series."""
    labels = {slos.job_label: slos.application, "namespace": slos.namespace}
    excluded = {"path": "|".join(re.escape(p) for p in slos.excluded_paths)} if slos.excluded_paths else {}
    every = selector(labels, regex_not=excluded)
    errors = selector(labels, regex={"status": "5.."}, regex_not=excluded)
    return every, errors


def _recording_rules(slos: ServiceSLOs) -> list[dict[str, Any]]:
    """The SLI recording rules (per track and per job, burn-rate windows, the SLO window)."""
    every, errors = sli_selectors(slos)
    job, track = slos.job_label, slos.track_label
    by_track = f"namespace, {job}, {track}"
    by_job = f"namespace, {job}"
    rules: list[dict[str, Any]] = [
        {"record": "job_track:http_requests:rate5m",
         "expr": f"sum by ({by_track}) (rate(http_requests_total{every}[5m]))"},
        {"record": "job_track:http_requests_errors:rate5m",
         "expr": f"sum by ({by_track}) (rate(http_requests_total{errors}[5m]))"},
        {"record": "job_track:http_request_error_ratio:ratio_rate5m",
         "expr": "(job_track:http_requests_errors:rate5m or job_track:http_requests:rate5m * 0) / "
                 "job_track:http_requests:rate5m"},
        {"record": "job_track:http_request_duration_seconds:p95_5m",
         "expr": "histogram_quantile(0.95, sum by "
                 f"({by_track}, le) (rate(http_request_duration_seconds_bucket{every}[5m])))"},
        {"record": "job:http_requests:rate5m",
         "expr": f"sum by ({by_job}) (job_track:http_requests:rate5m)"},
        {"record": "job:http_request_error_ratio:ratio_rate5m",
         "expr": f"sum by ({by_job}) (job_track:http_requests_errors:rate5m or job_track:http_requests:rate5m * 0)"
                 f" / sum by ({by_job}) (job_track:http_requests:rate5m)"},
        {"record": "job:http_request_duration_seconds:p95_5m",
         "expr": "histogram_quantile(0.95, sum by "
                 f"({by_job}, le) (rate(http_request_duration_seconds_bucket{every}[5m])))"},
    ]
    for window in (*_BURN_WINDOWS, slos.window):
        rules.append({
            "record": f"job:slo_errors_per_request:ratio_rate{window}",
            "expr": f"(sum by ({by_job}) (rate(http_requests_total{errors}[{window}])) or "
                    f"sum by ({by_job}) (rate(http_requests_total{every}[{window}])) * 0) / "
                    f"sum by ({by_job}) (rate(http_requests_total{every}[{window}]))",
        })
    seen: set[str] = set()
    unique = []
    for rule in rules:  # a window equal to a burn window (e.g. 6h) is recorded once
        if rule["record"] not in seen:
            seen.add(rule["record"])
            unique.append(rule)
    for rule in unique:
        rule["labels"] = {"application": slos.application}
    return unique


def _alert(slos: ServiceSLOs, name: str, expr: str, *, for_: str, severity: str, summary: str,
           description: str, **labels: str) -> dict[str, Any]:
    """One alerting rule with the common labels, summary, description and runbook link."""
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity, "application": slos.application, "namespace": slos.namespace,
                   "team": slos.team, **labels},
        "annotations": {"summary": summary, "description": description, "runbook_url": slos.runbook_url(name)},
    }


def _alerting_rules(slos: ServiceSLOs) -> list[dict[str, Any]]:
    """The SLO alerts: error rate, latency, error-budget burn (fast and slow) and target down."""
    app, ns, job = slos.application, slos.namespace, slos.job_label
    mine = selector({job: app, "namespace": ns})
    max_rate = slos.error_rate_max
    critical_rate = 2 * max_rate if 2 * max_rate < 1 else (1 + max_rate) / 2
    latency = slos.latency_p95_seconds
    alerts = []
    for severity, rate, for_, tail in (
        ("warning", max_rate, "5m", f"the objective is at most {_fmt(max_rate * 100)} %."),
        ("critical", critical_rate, "5m",
         f"far above the objective of {_fmt(max_rate * 100)} %; consider a rollback."),
    ):
        alerts.append(_alert(
            slos, "HighErrorRate", f"job:http_request_error_ratio:ratio_rate5m{mine} > {_fmt(rate)}",
            for_=for_, severity=severity, summary=f"{app}: 5xx ratio above {_fmt(rate * 100)} %",
            description=f"{app} in {ns} answers {{{{ $value | humanizePercentage }}}} of its requests with 5xx "
                        f"over 5 minutes; {tail}",
        ))
    for severity, limit, for_ in (("warning", latency, "10m"), ("critical", 2 * latency, "5m")):
        alerts.append(_alert(
            slos, "HighLatencyP95", f"job:http_request_duration_seconds:p95_5m{mine} > {_fmt(limit)}",
            for_=for_, severity=severity, summary=f"{app}: p95 latency above {_fmt(limit)} s",
            description=f"The 95th-percentile latency of {app} in {ns} is {{{{ $value | humanizeDuration }}}} "
                        f"over 5 minutes; the objective is {_fmt(latency)} s.",
        ))
    for factor, long_w, short_w, for_, severity in (FAST_BURN, SLOW_BURN):
        threshold = _fmt(factor * slos.error_budget)
        speed = "fast" if severity == "critical" else "slow"
        alerts.append(_alert(
            slos, "SLOErrorBudgetBurn",
            f"job:slo_errors_per_request:ratio_rate{long_w}{mine} > {threshold} and "
            f"job:slo_errors_per_request:ratio_rate{short_w}{mine} > {threshold}",
            for_=for_, severity=severity, summary=f"{app}: error budget burning {_fmt(factor)}× too fast ({speed})",
            description=f"{app} in {ns} fails {{{{ $value | humanizePercentage }}}} of its requests over {long_w} "
                        f"and {short_w}: at {_fmt(factor)}× the rate its {_fmt(slos.availability_target)} % "
                        f"objective over {slos.window} allows, the budget is gone in "
                        f"{_fmt(slos.window_seconds / 3600 / factor)} h.",
            burn_window=speed,
        ))
    up = f"up{mine}"
    alerts.append(_alert(
        slos, "TargetDown", f"sum by (namespace, {job}) ({up}) == 0 or absent({up})",
        for_="5m", severity="critical", summary=f"{app}: no scrape target is up",
        description=f"Prometheus has scraped no instance of {app} in {ns} for 5 minutes: the application is "
                    "down or its pods are not scraped (check the prometheus.io annotations and the scrape job).",
    ))
    return alerts


def render_prometheus_rule(slos: ServiceSLOs) -> dict[str, Any]:
    """Render the ``monitoring.coreos.com/v1`` PrometheusRule of ``slos.application``.

    Two groups: ``<app>.sli`` (recording rules) and ``<app>.slo-alerts`` (alerting rules). The
    ``spec`` is also a valid Prometheus rule file (``groups: [...]``) for servers without the
    operator.
    """
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"{slos.application}-slo",
            "namespace": slos.namespace,
            "labels": {**common_labels(slos), "role": "alert-rules"},
        },
        "spec": {
            "groups": [
                {"name": f"{slos.application}.sli", "interval": "30s", "rules": _recording_rules(slos)},
                {"name": f"{slos.application}.slo-alerts", "rules": _alerting_rules(slos)},
            ]
        },
    }


def _check_string_map(where: str, field: str, value: object) -> list[str]:
    """Problems of a labels or annotations map: names must be label names, values strings."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [f"{where}: {field} must be a mapping of strings"]
    errors = []
    for key, item in value.items():
        if not isinstance(key, str) or not re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", key):
            errors.append(f"{where}: {field} name {key!r} is not a label name")
        if not isinstance(item, str):
            errors.append(f"{where}: {field} {key} must be a string, got {type(item).__name__}")
    return errors


def _check_alert(where: str, rule: Mapping[str, Any], severities: Iterable[str]) -> list[str]:
    """Problems of one alerting rule: name, severity, summary, description, runbook_url, for."""
    errors: list[str] = []
    name = rule.get("alert")
    if not isinstance(name, str) or not ALERT_NAME.match(name):
        errors.append(f"{where}: alert name {name!r} is not valid ([A-Za-z_][A-Za-z0-9_]*)")
    labels = rule.get("labels") or {}
    annotations = rule.get("annotations") or {}
    errors += _check_string_map(where, "label", rule.get("labels"))
    errors += _check_string_map(where, "annotation", rule.get("annotations"))
    allowed = tuple(severities)
    severity = labels.get("severity") if isinstance(labels, Mapping) else None
    if severity is None:
        errors.append(f"{where}: no severity label (one of {', '.join(allowed)})")
    elif severity not in allowed:
        errors.append(f"{where}: severity {severity!r} is not one of {', '.join(allowed)}")
    for key in ("summary", "description"):
        if not isinstance(annotations, Mapping) or not str(annotations.get(key) or "").strip():
            errors.append(f"{where}: no {key} annotation")
    runbook = annotations.get("runbook_url") if isinstance(annotations, Mapping) else None
    if not runbook:
        errors.append(f"{where}: no runbook_url annotation")
    else:
        parts = urlsplit(str(runbook))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(f"{where}: runbook_url {runbook!r} is not an http(s) URL")
    if "for" in rule and (not isinstance(rule["for"], str) or not PROM_DURATION.match(rule["for"])):
        errors.append(f"{where}: for {rule['for']!r} is not a Prometheus duration (e.g. 5m)")
    if "keep_firing_for" in rule and not PROM_DURATION.match(str(rule["keep_firing_for"])):
        errors.append(f"{where}: keep_firing_for {rule['keep_firing_for']!r} is not a Prometheus duration")
    return errors


def _envelope(rule: Mapping[str, Any]) -> tuple[list[str], Any]:
    """A PrometheusRule's apiVersion, kind and name (a bare rule file has none), and its spec."""
    if "spec" not in rule and "kind" not in rule:
        return [], rule
    errors: list[str] = []
    if rule.get("apiVersion") != "monitoring.coreos.com/v1" or rule.get("kind") != "PrometheusRule":
        errors.append(f"rule: apiVersion/kind is {rule.get('apiVersion')}/{rule.get('kind')}, "
                      "expected monitoring.coreos.com/v1/PrometheusRule")
    meta = rule.get("metadata") or {}
    if not meta.get("name"):
        errors.append("rule: metadata.name is missing")
    return errors, rule.get("spec") or {}


@dataclass
class _RuleChecks:
    """What the checks of one PrometheusRule's groups share."""

    severities: Iterable[str]
    known: set[str]
    group_names: set[str] = field(default_factory=set)
    recorded: set[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=set)


def _recording_errors(where: str, item: Mapping[str, Any], checks: _RuleChecks) -> list[str]:
    """A recording rule's name, labels, no for/annotations, and (record, labels) unique."""
    errors: list[str] = []
    label = item.get("labels") or {}
    name = item.get("record")
    if not isinstance(name, str) or not RECORD_NAME.match(name):
        errors.append(f"{where}: record name does not follow level:metric:operations")
    errors += _check_string_map(where, "label", item.get("labels"))
    if "for" in item or "annotations" in item:
        errors.append(f"{where}: a recording rule takes no for or annotations")
    key = (str(name), tuple(sorted((label or {}).items())) if isinstance(label, Mapping) else ())
    if key in checks.recorded:
        errors.append(f"{where}: recorded twice with the same labels")
    checks.recorded.add(key)
    return errors


def _rule_errors(gwhere: str, ri: int, item: Any, checks: _RuleChecks) -> list[str]:
    """One alerting or recording rule of a group."""
    if not isinstance(item, Mapping):
        return [f"{gwhere} rule #{ri}: not a mapping"]
    is_alert, is_record = "alert" in item, "record" in item
    if is_alert == is_record:
        return [f"{gwhere} rule #{ri}: must have exactly one of alert or record"]
    label = item.get("labels") or {}
    if is_alert:
        where = f"alert {item.get('alert')!r} ({label.get('severity', 'no severity')}) in {gwhere}"
    else:
        where = f"record {item.get('record')!r} in {gwhere}"
    errors: list[str] = []
    parsed = check_expr(item.get("expr"))
    if not parsed.ok:
        errors.append(f"{where}: expr does not parse as PromQL: {parsed.error}")
    else:
        errors += [f"{where}: expr selects {metric!r}, which neither the application nor a "
                   "recording rule of this rule provides (misspelt metric?)"
                   for metric in sorted(parsed.metrics - checks.known)]
    if is_alert:
        return errors + _check_alert(where, item, checks.severities)
    return errors + _recording_errors(where, item, checks)


def _group_errors(gi: int, group: Any, checks: _RuleChecks) -> list[str]:
    """One rule group: a unique name, its interval and its rules."""
    if not isinstance(group, Mapping):
        return [f"group #{gi}: not a mapping"]
    errors: list[str] = []
    gname = group.get("name")
    gwhere = f"group {gname!r}" if gname else f"group #{gi}"
    if not gname:
        errors.append(f"{gwhere}: no name")
    elif gname in checks.group_names:
        errors.append(f"{gwhere}: group name used twice")
    checks.group_names.add(str(gname))
    if "interval" in group and not PROM_DURATION.match(str(group["interval"])):
        errors.append(f"{gwhere}: interval {group['interval']!r} is not a Prometheus duration")
    rules = group.get("rules")
    if not isinstance(rules, list) or not rules:
        return [*errors, f"{gwhere}: no rules"]
    for ri, item in enumerate(rules):
        errors += _rule_errors(gwhere, ri, item, checks)
    return errors


def validate_prometheus_rule(
    rule: Mapping[str, Any],
    *,
    severities: Iterable[str] = SEVERITIES,
    known_metrics: Iterable[str] | None = None,
) -> list[str]:
    """Check a PrometheusRule (or a bare rule file ``{"groups": […]}``); return every problem found.

    Every ``expr`` must parse as PromQL and select only known series (``known_metrics``, by default
    the sample application's series and Prometheus' own, plus the rule's recording rules); record
    names must follow ``level:metric:operations``; each alert needs a severity in ``severities``,
    ``summary``, ``description`` and an http(s) ``runbook_url``; ``for`` and group ``interval`` must
    be Prometheus durations; group names and (record, labels) pairs must be unique.
    An empty list means the rule is valid.
    """
    if not isinstance(rule, Mapping):
        return ["rule: not a mapping"]
    errors, spec = _envelope(rule)
    groups = spec.get("groups") if isinstance(spec, Mapping) else None
    if not isinstance(groups, list) or not groups:
        return [*errors, "rule: spec.groups is missing or empty"]

    records = {r["record"] for g in groups if isinstance(g, Mapping)
               for r in (g.get("rules") or []) if isinstance(r, Mapping) and isinstance(r.get("record"), str)
               and r["record"]}
    known = set(APP_METRICS | PROMETHEUS_METRICS if known_metrics is None else known_metrics) | records
    checks = _RuleChecks(severities=severities, known=known)
    for gi, group in enumerate(groups):
        errors += _group_errors(gi, group, checks)
    return errors
