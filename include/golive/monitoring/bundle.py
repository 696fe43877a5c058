"""Everything the monitoring phase produces for one application, as files and as ConfigMaps.

:func:`render_all` renders and validates the PrometheusRule, the Grafana dashboard and the
Alertmanager routing; :func:`as_configmaps` wraps them in namespace-scoped ``v1`` ConfigMaps that
the deployment phase applies through the Kubernetes API (Prometheus' rule-file loader, Grafana's
dashboard sidecar and Alertmanager's config reloader read them from there).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.monitoring.alerting import render_alert_routing, validate_alert_routing
from golive.monitoring.dashboard import render_grafana_dashboard, validate_dashboard
from golive.monitoring.models import AlertReceivers, MonitoringError, ServiceSLOs
from golive.monitoring.rules import common_labels, render_prometheus_rule, validate_prometheus_rule

__all__ = ["CONFIGMAP_LIMIT", "FILES", "MonitoringBundle", "as_configmaps", "render_all", "rules_configmap",
           "write_bundle"]

#: A ConfigMap's data may not exceed 1 MiB (etcd's object limit, enforced by the API server).
CONFIGMAP_LIMIT = 1024 * 1024
FILES = {
    "rule": "prometheus-rule.yaml",
    "rule_file": "rules.yaml",
    "dashboard": "dashboard.json",
    "routing": "alertmanager.yaml",
    "configmaps": "configmaps.yaml",
}


def _yaml(obj: Any) -> str:
    """YAML text of ``obj``, keys in their given order, long expressions unfolded."""
    return str(yaml.safe_dump(obj, sort_keys=False, allow_unicode=True, width=4096))


def _configmap(slos: ServiceSLOs, name: str, kind: str, data: dict[str, str], *,
               labels: Mapping[str, str] | None = None, annotations: Mapping[str, str] | None = None
               ) -> dict[str, Any]:
    """One labelled ConfigMap with a checksum of its data."""
    size = sum(len(k.encode()) + len(v.encode()) for k, v in data.items())
    if size > CONFIGMAP_LIMIT:
        raise MonitoringError(f"ConfigMap {slos.namespace}/{name} would hold {size} bytes, over the 1 MiB a "
                              "ConfigMap may hold; split the dashboard or the rules")
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": slos.namespace,
            "labels": {**common_labels(slos), "golive.io/monitoring-kind": kind, **(labels or {})},
            "annotations": {"golive.io/checksum-sha256": digest, **(annotations or {})},
        },
        "data": data,
    }


def rules_configmap(application: str) -> str:
    """Name of the ConfigMap that holds ``application``'s PrometheusRule (key ``prometheus-rule.yaml``)."""
    return f"{application}-prometheus-rules"


def as_configmaps(slos: ServiceSLOs, rule: Mapping[str, Any], dashboard: Mapping[str, Any],
                  routing: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Wrap the rendered objects in three ``v1`` ConfigMaps in ``slos.namespace``.

    * ``<app>-prometheus-rules``: the PrometheusRule (for the Prometheus Operator) and the same
      groups as a Prometheus rule file (for a plain Prometheus);
    * ``<app>-grafana-dashboard``: the dashboard JSON, labelled ``grafana_dashboard: "1"`` for
      Grafana's dashboard sidecar (folder ``golive``);
    * ``<app>-alertmanager``: the Alertmanager configuration.

    Each carries ``app.kubernetes.io/part-of: golive`` and ``golive.io/monitoring: <app>`` labels
    and a checksum annotation of its data, so an unchanged apply can be recognised.

    :raises MonitoringError: when a ConfigMap would exceed 1 MiB.
    """
    app = slos.application
    groups = (rule.get("spec") or {}).get("groups") if "spec" in rule else rule.get("groups")
    return [
        _configmap(slos, rules_configmap(app), "prometheus-rule",
                   {FILES["rule"]: _yaml(dict(rule)), f"{app}.{FILES['rule_file']}": _yaml({"groups": groups})}),
        _configmap(slos, f"{app}-grafana-dashboard", "grafana-dashboard",
                   {f"{app}.json": json.dumps(dashboard, indent=2, sort_keys=True, allow_nan=False)},
                   labels={"grafana_dashboard": "1"}, annotations={"grafana_folder": "golive"}),
        _configmap(slos, f"{app}-alertmanager", "alertmanager", {FILES["routing"]: _yaml(dict(routing))}),
    ]


@dataclass
class MonitoringBundle:
    """The rendered monitoring configuration of one application and what validation found."""

    slos: ServiceSLOs
    rule: dict[str, Any]
    dashboard: dict[str, Any]
    routing: dict[str, Any]
    configmaps: list[dict[str, Any]]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every object validated."""
        return not any(self.errors.values())

    def all_errors(self) -> list[str]:
        """Every validation error, prefixed with the object it concerns."""
        return [f"{kind}: {err}" for kind, errs in self.errors.items() for err in errs]


def render_all(slos: ServiceSLOs, receivers: AlertReceivers | None = None) -> MonitoringBundle:
    """Render and validate the rule, the dashboard, the routing and their ConfigMaps."""
    rule = render_prometheus_rule(slos)
    dashboard = render_grafana_dashboard(slos)
    routing = render_alert_routing(slos, receivers)
    errors = {
        "prometheus-rule": validate_prometheus_rule(rule),
        "dashboard": validate_dashboard(dashboard),
        "alert-routing": validate_alert_routing(
            routing, sample_labels={"application": slos.application, "namespace": slos.namespace}),
    }
    return MonitoringBundle(slos, rule, dashboard, routing, as_configmaps(slos, rule, dashboard, routing), errors)


def write_bundle(bundle: MonitoringBundle, out_dir: str | os.PathLike[str]) -> dict[str, str]:
    """Write the bundle's files into ``out_dir`` (created); return ``{kind: path}``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        groups = bundle.rule["spec"]["groups"]
        contents = {
            "rule": _yaml(bundle.rule),
            "rule_file": _yaml({"groups": groups}),
            "dashboard": json.dumps(bundle.dashboard, indent=2, sort_keys=True, allow_nan=False) + "\n",
            "routing": _yaml(bundle.routing),
            "configmaps": yaml.safe_dump_all(bundle.configmaps, sort_keys=False, allow_unicode=True, width=4096),
        }
        paths: dict[str, str] = {}
        for kind, text in contents.items():
            path = out / FILES[kind]
            path.write_text(text, encoding="utf-8")
            paths[kind] = str(path)
    except OSError as exc:
        raise MonitoringError(f"cannot write the monitoring files into {out}: {exc}; choose a writable --out") from exc
    return paths
