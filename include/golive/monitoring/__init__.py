"""The monitoring phase: from an application's SLOs to validated Prometheus, Grafana and Alertmanager config.

No Airflow import: this package runs inside the workload pods too. Public API::

    slos = ServiceSLOs(application="inventory", namespace="golive-apps", latency_p95_seconds=1.5)
    rule = render_prometheus_rule(slos)            # monitoring.coreos.com/v1 PrometheusRule
    dashboard = render_grafana_dashboard(slos)     # Grafana dashboard JSON model
    routing = render_alert_routing(slos, AlertReceivers())  # alertmanager.yaml as a dict
    errors = validate_prometheus_rule(rule) + validate_dashboard(dashboard) + validate_alert_routing(routing)
    configmaps = as_configmaps(slos, rule, dashboard, routing)  # v1 ConfigMaps to apply

or all at once: ``bundle = render_all(slos)`` (``bundle.ok``, ``bundle.errors``, ``bundle.configmaps``).
CLI: ``python -m golive.monitoring render --application APP --namespace NS [--out DIR]``.
"""

from __future__ import annotations

from golive.monitoring.alerting import render_alert_routing, resolve_receivers, validate_alert_routing
from golive.monitoring.bundle import MonitoringBundle, as_configmaps, render_all, write_bundle
from golive.monitoring.dashboard import dashboard_uid, render_grafana_dashboard, validate_dashboard
from golive.monitoring.models import (
    APP_METRICS,
    SEVERITIES,
    AlertReceivers,
    MonitoringError,
    ServiceSLOs,
    WebhookReceiver,
)
from golive.monitoring.promql import check_expr
from golive.monitoring.rules import render_prometheus_rule, validate_prometheus_rule

__all__ = [
    "APP_METRICS",
    "SEVERITIES",
    "AlertReceivers",
    "MonitoringBundle",
    "MonitoringError",
    "ServiceSLOs",
    "WebhookReceiver",
    "as_configmaps",
    "check_expr",
    "dashboard_uid",
    "render_alert_routing",
    "render_all",
    "render_grafana_dashboard",
    "render_prometheus_rule",
    "resolve_receivers",
    "validate_alert_routing",
    "validate_dashboard",
    "validate_prometheus_rule",
    "write_bundle",
]
