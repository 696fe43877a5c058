"""The monitoring phase: SLOs → PrometheusRule, Grafana dashboard, Alertmanager routing, ConfigMaps.

Every PromQL expression goes through promql-parser (the Rust parser); the ConfigMaps go through the
Kubernetes 1.31 OpenAPI schema (kubernetes-validate, strict), as golive.charts does for charts.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from repo_paths import REPO as ROOT

from golive.charts import validate_manifests
from golive.monitoring import (
    AlertReceivers,
    ServiceSLOs,
    WebhookReceiver,
    as_configmaps,
    check_expr,
    dashboard_uid,
    render_alert_routing,
    render_all,
    render_grafana_dashboard,
    render_prometheus_rule,
    resolve_receivers,
    validate_alert_routing,
    validate_dashboard,
    validate_prometheus_rule,
)
from golive.monitoring.__main__ import main as cli_main
from golive.monitoring.dashboard import iter_panels

DATA = ROOT / "tests" / "data" / "monitoring"
DEFAULT = ServiceSLOs(application="inventory", namespace="golive-apps")
CUSTOM = ServiceSLOs(application="payments-api", namespace="prod-payments", availability_target=99.9,
                     latency_p95_seconds=0.5, error_rate_max=0.01, window="28d",
                     runbook_base_url="https://wiki.example.org/runbooks/payments/")


def _alerts(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]


def _records(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for g in rule["spec"]["groups"] for r in g["rules"] if "record" in r]


def _alert(rule: dict[str, Any], name: str, severity: str) -> dict[str, Any]:
    return next(a for a in _alerts(rule) if a["alert"] == name and a["labels"]["severity"] == severity)


# --- SLO model ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("application", "Inventory_Service"),
    ("namespace", "-bad"),
    ("availability_target", 100),
    ("latency_p95_seconds", 0),
    ("error_rate_max", 1.5),
    ("window", "5x"),
    ("window", "30m"),
    ("runbook_base_url", "not a url"),
])
def test_slo_validation_names_the_field(field: str, value: object) -> None:
    fields: dict[str, Any] = {"application": "inventory", "namespace": "golive-apps", field: value}
    with pytest.raises(ValidationError) as info:
        ServiceSLOs(**fields)
    assert [e["loc"][0] for e in info.value.errors()] == [field]


def test_slo_derived_values() -> None:
    assert DEFAULT.error_budget == pytest.approx(0.005)
    assert DEFAULT.window_seconds == 30 * 86400
    assert DEFAULT.runbook_url("SLOErrorBudgetBurn") == "https://runbooks.example.com/golive/slo-error-budget-burn"
    assert CUSTOM.runbook_url("HighLatencyP95") == "https://wiki.example.org/runbooks/payments/high-latency-p95"


# --- PrometheusRule -------------------------------------------------------------------------------


@pytest.mark.parametrize("slos", [DEFAULT, CUSTOM], ids=["default", "custom"])
def test_rendered_rule_is_valid(slos: ServiceSLOs) -> None:
    rule = render_prometheus_rule(slos)
    assert rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule"
    assert rule["metadata"]["namespace"] == slos.namespace
    assert validate_prometheus_rule(rule) == []
    alerts = {(a["alert"], a["labels"]["severity"]) for a in _alerts(rule)}
    assert alerts == {("HighErrorRate", "warning"), ("HighErrorRate", "critical"),
                      ("HighLatencyP95", "warning"), ("HighLatencyP95", "critical"),
                      ("SLOErrorBudgetBurn", "critical"), ("SLOErrorBudgetBurn", "warning"),
                      ("TargetDown", "critical")}
    for alert in _alerts(rule):
        assert alert["annotations"]["runbook_url"].startswith(str(slos.runbook_base_url).rstrip("/") + "/")
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        assert alert["labels"]["application"] == slos.application
        assert check_expr(alert["expr"]).ok
    for record in _records(rule):
        assert record["record"].count(":") == 2
        assert record["labels"] == {"application": slos.application}


def test_default_thresholds_reach_the_expressions() -> None:
    rule = render_prometheus_rule(DEFAULT)
    assert _alert(rule, "HighErrorRate", "warning")["expr"].endswith("> 0.05")
    assert _alert(rule, "HighErrorRate", "critical")["expr"].endswith("> 0.1")
    assert _alert(rule, "HighLatencyP95", "warning")["expr"].endswith("> 2")
    fast = _alert(rule, "SLOErrorBudgetBurn", "critical")
    slow = _alert(rule, "SLOErrorBudgetBurn", "warning")
    # 14.4 × (1 - 0.995) over 1h and 5m; 6 × 0.005 over 6h and 30m
    assert "ratio_rate1h" in fast["expr"] and "ratio_rate5m" in fast["expr"] and fast["expr"].count("> 0.072") == 2
    assert "ratio_rate6h" in slow["expr"] and "ratio_rate30m" in slow["expr"] and slow["expr"].count("> 0.03") == 2
    assert fast["labels"]["burn_window"] == "fast" and slow["labels"]["burn_window"] == "slow"
    records = {r["record"] for r in _records(rule)}
    for window in ("5m", "30m", "1h", "6h", "30d"):
        assert f"job:slo_errors_per_request:ratio_rate{window}" in records
    sli = next(r for r in _records(rule) if r["record"] == "job_track:http_requests:rate5m")
    assert 'path!~"/metrics|/health"' in sli["expr"] and "track" in sli["expr"]


def test_custom_thresholds_reach_the_expressions() -> None:
    rule = render_prometheus_rule(CUSTOM)
    assert _alert(rule, "HighErrorRate", "warning")["expr"].endswith("> 0.01")
    assert _alert(rule, "HighLatencyP95", "warning")["expr"].endswith("> 0.5")
    assert _alert(rule, "HighLatencyP95", "critical")["expr"].endswith("> 1")
    assert _alert(rule, "SLOErrorBudgetBurn", "critical")["expr"].count("> 0.0144") == 2
    assert "job:slo_errors_per_request:ratio_rate28d" in {r["record"] for r in _records(rule)}
    assert all('namespace="prod-payments"' in a["expr"] for a in _alerts(rule))


def test_broken_expression_is_named() -> None:
    rule = copy.deepcopy(render_prometheus_rule(DEFAULT))
    _alert(rule, "HighErrorRate", "warning")["expr"] = "rate(http_requests_total[5m]"
    errors = validate_prometheus_rule(rule)
    assert len(errors) == 1, errors
    assert "alert 'HighErrorRate' (warning)" in errors[0]
    assert "does not parse as PromQL" in errors[0] and "unclosed left parenthesis" in errors[0]


def test_missing_runbook_url_is_named() -> None:
    rule = copy.deepcopy(render_prometheus_rule(DEFAULT))
    del _alert(rule, "TargetDown", "critical")["annotations"]["runbook_url"]
    assert validate_prometheus_rule(rule) == [
        "alert 'TargetDown' (critical) in group 'inventory.slo-alerts': no runbook_url annotation"
    ]


def test_alert_and_record_mistakes_are_each_reported() -> None:
    rule = copy.deepcopy(render_prometheus_rule(DEFAULT))
    latency = _alert(rule, "HighLatencyP95", "warning")
    latency["labels"]["severity"] = "page"
    latency["for"] = "10 minutes"
    del _alert(rule, "HighErrorRate", "critical")["annotations"]["summary"]
    _records(rule)[0]["record"] = "http_requests_rate5m"
    _alert(rule, "TargetDown", "critical")["expr"] = 'up{job="inventory"} == 0 or absent(upp{job="inventory"})'
    errors = "\n".join(validate_prometheus_rule(rule))
    latency_where = "alert 'HighLatencyP95' (page) in group 'inventory.slo-alerts'"
    assert f"{latency_where}: severity 'page' is not one of" in errors
    assert f"{latency_where}: for '10 minutes' is not a Prometheus duration" in errors
    assert "alert 'HighErrorRate' (critical) in group 'inventory.slo-alerts': no summary annotation" in errors
    assert "record 'http_requests_rate5m' in group 'inventory.sli': record name does not follow level:metric" in errors
    assert "alert 'TargetDown' (critical) in group 'inventory.slo-alerts': expr selects 'upp'" in errors


def test_hand_written_rule_file() -> None:
    doc = yaml.safe_load((DATA / "hand-written-rule.yaml").read_text())
    errors = validate_prometheus_rule(doc)
    text = "\n".join(errors)
    assert "group 'inventory.hand-written': interval '1 minute' is not a Prometheus duration" in text
    assert "record 'http_requests_rate5m' in group 'inventory.hand-written': expr does not parse" in text
    assert "alert 'InventoryDown' (page) in group 'inventory.hand-written': severity 'page'" in text
    assert "alert 'InventoryDown' (page) in group 'inventory.hand-written': no runbook_url annotation" in text
    assert "alert 'InventoryDown' (page) in group 'inventory.hand-written': no description annotation" in text
    assert "alert 'InventoryDown' (page) in group 'inventory.hand-written': for '5 minutes'" in text
    assert "'http_request_duration_seconds_buckets', which neither the application" in text
    assert not any("InventorySlow" in e and "runbook" in e for e in errors)


def test_rule_file_format_is_accepted() -> None:
    rule = render_prometheus_rule(DEFAULT)
    assert validate_prometheus_rule({"groups": rule["spec"]["groups"]}) == []
    assert validate_prometheus_rule({"groups": []}) == ["rule: spec.groups is missing or empty"]


# --- Grafana dashboard ----------------------------------------------------------------------------


@pytest.mark.parametrize("slos", [DEFAULT, CUSTOM], ids=["default", "custom"])
def test_rendered_dashboard_is_valid(slos: ServiceSLOs) -> None:
    dashboard = render_grafana_dashboard(slos)
    assert validate_dashboard(dashboard) == []
    assert dashboard["uid"] == dashboard_uid(slos.application) == f"golive-{slos.application}"
    assert dashboard["schemaVersion"] == 39
    variable = dashboard["templating"]["list"][0]
    assert (variable["name"], variable["type"], variable["query"]) == ("datasource", "datasource", "prometheus")
    queried = [p for p in iter_panels(dashboard["panels"]) if p["type"] != "row"]
    assert all(p["datasource"]["uid"] == "${datasource}" for p in queried)
    titles = [p["title"] for p in iter_panels(dashboard["panels"])]
    for wanted in ("Request rate", "5xx ratio vs objective", "p95 latency vs objective", "Running versions",
                   f"Availability ({slos.window})", f"Error budget remaining ({slos.window})",
                   "5xx ratio by track", "p95 latency by track"):
        assert wanted in titles
    panels = {p["title"]: p for p in iter_panels(dashboard["panels"])}
    steps = panels["p95 latency vs objective"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps[-1]["value"] == slos.latency_p95_seconds
    assert "app_info" in panels["Running versions"]["targets"][0]["expr"]
    assert "by (track, le)" in panels["p95 latency by track"]["targets"][0]["expr"]
    assert json.loads(json.dumps(dashboard)) == dashboard


def test_long_application_names_get_a_short_uid() -> None:
    uid = dashboard_uid("a" * 63)
    assert len(uid) <= 40 and uid.startswith("golive-") and uid != dashboard_uid("a" * 62)


def test_duplicate_panel_ids_are_named() -> None:
    dashboard = copy.deepcopy(render_grafana_dashboard(DEFAULT))
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    panels[1]["id"] = panels[0]["id"]
    errors = validate_dashboard(dashboard)
    first, second, pid = panels[0]["title"], panels[1]["title"], panels[0]["id"]
    assert errors == [(f"panel {second!r} (id {pid}): id {pid} is also used by panel {first!r}; "
                      "panel ids must be unique")]


def test_dashboard_query_and_datasource_mistakes_are_named() -> None:
    dashboard = copy.deepcopy(render_grafana_dashboard(DEFAULT))
    panels = {p["title"]: p for p in iter_panels(dashboard["panels"])}
    panels["Request rate"]["targets"][0]["expr"] = "sum(rate(http_requests_total[$__rate_interval])"
    panels["Running versions"]["datasource"] = {"type": "prometheus", "uid": "P1809F7CD0C75ACF3"}
    panels["p95 latency by track"]["targets"][0]["datasource"] = {"type": "prometheus", "uid": "${prom}"}
    panels["5xx ratio by track"]["targets"][0]["expr"] = 'sum(rate(http_requests_total{track="$track"}[5m]))'
    panels["Firing alerts"]["gridPos"]["x"] = 20
    errors = "\n".join(validate_dashboard(dashboard))
    assert "panel 'Request rate' (id 6) query A: expr does not parse as PromQL: unclosed left parenthesis" in errors
    assert "panel 'Running versions' (id 4): datasource 'P1809F7CD0C75ACF3' is a fixed uid" in errors
    assert "panel 'p95 latency by track' (id 11) query A: datasource refers to $prom, which is not a" in errors
    assert "panel '5xx ratio by track' (id 10) query A: expr uses $track, which is not a dashboard" in errors
    assert "panel 'Firing alerts' (id 5): gridPos" in errors and "24-column grid" in errors


def test_dashboard_must_survive_a_json_round_trip() -> None:
    dashboard = copy.deepcopy(render_grafana_dashboard(DEFAULT))
    dashboard["panels"][1]["fieldConfig"]["defaults"]["max"] = math.nan
    errors = validate_dashboard(dashboard)
    assert errors and errors[0].startswith("dashboard: is not JSON-serialisable")


# --- Alertmanager routing -------------------------------------------------------------------------


@pytest.mark.parametrize("slos", [DEFAULT, CUSTOM], ids=["default", "custom"])
def test_rendered_routing_is_valid(slos: ServiceSLOs) -> None:
    routing = render_alert_routing(slos, AlertReceivers())
    assert validate_alert_routing(routing) == []
    labels = {"alertname": "HighErrorRate", "application": slos.application, "namespace": slos.namespace}
    assert [r for r, _ in resolve_receivers(routing["route"], {**labels, "severity": "critical"})] == ["pager"]
    assert [r for r, _ in resolve_receivers(routing["route"], {**labels, "severity": "warning"})] == ["chat"]
    other = {**labels, "application": "someone-else", "severity": "critical"}
    assert [r for r, _ in resolve_receivers(routing["route"], other)] == ["chat"]
    inhibit = routing["inhibit_rules"][0]
    assert inhibit["source_matchers"] == ['severity="critical"']
    assert inhibit["target_matchers"] == ['severity="warning"']
    assert inhibit["equal"] == ["alertname", "namespace"]
    assert routing["route"]["group_by"] == ["alertname", "namespace", "application"]


def test_route_to_undefined_receiver_is_named() -> None:
    routing = copy.deepcopy(render_alert_routing(DEFAULT))
    routing["route"]["routes"][0]["routes"][0]["receiver"] = "oncall"
    errors = validate_alert_routing(routing)
    assert ('route.routes[0].routes[0] (severity="critical"): receiver \'oncall\' is not defined '
            "(defined: chat, pager)") in errors
    assert "severity critical: routed to receiver 'oncall', which is not defined" in errors


def test_uncovered_severity_is_reported() -> None:
    routing = copy.deepcopy(render_alert_routing(DEFAULT))
    del routing["route"]["routes"][0]["routes"][1]  # the warning route
    assert validate_alert_routing(routing) == [
        "severity warning: no route matches severity=\"warning\"; such alerts fall through to receiver 'chat'"
    ]


def test_hand_written_routing() -> None:
    doc = yaml.safe_load((DATA / "hand-written-alertmanager.yaml").read_text())
    errors = validate_alert_routing(doc)
    assert "route.routes[0] (severity=\"critical\"): receiver 'oncall-pager' is not defined (defined: chat)" in errors


def test_receivers_carry_no_secrets() -> None:
    with pytest.raises(ValidationError, match="credentials"):
        WebhookReceiver(name="pager", url="https://user:hunter2@hooks.example.invalid/x")
    with pytest.raises(ValidationError, match="looks like a secret"):
        WebhookReceiver(name="chat", url="https://hooks.example.invalid/x?token=abc")
    with pytest.raises(ValidationError, match="exactly one of url"):
        WebhookReceiver(name="chat")
    receivers = AlertReceivers(pager=WebhookReceiver(name="pager", url_file="/etc/alertmanager/secrets/pager-url"))
    routing = render_alert_routing(DEFAULT, receivers)
    assert routing["receivers"][0]["webhook_configs"] == [
        {"send_resolved": True, "url_file": "/etc/alertmanager/secrets/pager-url"}]
    assert validate_alert_routing(routing) == []


# --- ConfigMaps -----------------------------------------------------------------------------------


def test_configmaps_hold_the_objects_and_are_valid_kubernetes_objects() -> None:
    bundle = render_all(CUSTOM)
    assert bundle.ok, bundle.all_errors()
    maps = as_configmaps(CUSTOM, bundle.rule, bundle.dashboard, bundle.routing)
    assert maps == bundle.configmaps
    assert validate_manifests(maps, k8s_version="1.31") == []
    by_name = {m["metadata"]["name"]: m for m in maps}
    assert set(by_name) == {"payments-api-prometheus-rules", "payments-api-grafana-dashboard",
                            "payments-api-alertmanager"}
    for cm in maps:
        assert cm["metadata"]["namespace"] == "prod-payments"
        assert cm["metadata"]["labels"]["app.kubernetes.io/part-of"] == "golive"
        assert cm["metadata"]["labels"]["golive.io/monitoring"] == "payments-api"
        assert len(cm["metadata"]["annotations"]["golive.io/checksum-sha256"]) == 64
    dash = by_name["payments-api-grafana-dashboard"]
    assert dash["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert all("grafana_dashboard" not in m["metadata"]["labels"] for m in maps if m is not dash)
    assert json.loads(dash["data"]["payments-api.json"]) == bundle.dashboard
    rules = by_name["payments-api-prometheus-rules"]["data"]
    assert yaml.safe_load(rules["prometheus-rule.yaml"]) == bundle.rule
    assert yaml.safe_load(rules["payments-api.rules.yaml"]) == {"groups": bundle.rule["spec"]["groups"]}
    assert yaml.safe_load(by_name["payments-api-alertmanager"]["data"]["alertmanager.yaml"]) == bundle.routing
    # rendering is deterministic: the same SLOs give the same checksums (an unchanged apply is a no-op)
    assert [m["metadata"]["annotations"] for m in render_all(CUSTOM).configmaps] == [
        m["metadata"]["annotations"] for m in maps]


def test_configmap_validation_can_fail() -> None:
    maps = copy.deepcopy(render_all(DEFAULT).configmaps)
    maps[0]["data"]["rules.yaml"] = 42
    maps[1]["metadata"]["labelz"] = {}
    errors = validate_manifests(maps, k8s_version="1.31")
    assert any("ConfigMap/golive-apps/inventory-prometheus-rules: data.rules.yaml" in e for e in errors), errors
    assert any("ConfigMap/golive-apps/inventory-grafana-dashboard" in e and "labelz" in e for e in errors), errors


# --- CLI ------------------------------------------------------------------------------------------


def test_cli_renders_writes_and_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mon"
    code = cli_main(["render", "--application", "inventory", "--namespace", "golive-apps", "--latency-p95", "1.5",
                     "--error-rate", "0.02", "--availability", "99.9", "--out", str(out),
                     "--pager-url-file", "/etc/alertmanager/secrets/pager"])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["validation_errors"] == []
    assert summary["slos"]["latency_p95_seconds"] == 1.5 and summary["slos"]["availability_target"] == 99.9
    assert summary["configmaps"] == [f"golive-apps/inventory-{kind}"
                                     for kind in ("prometheus-rules", "grafana-dashboard", "alertmanager")]
    for path in summary["files"].values():
        assert Path(path).is_file() and Path(path).parent == out
    rule = yaml.safe_load((out / "prometheus-rule.yaml").read_text())
    assert _alert(rule, "HighLatencyP95", "warning")["expr"].endswith("> 1.5")
    cms = list(yaml.safe_load_all((out / "configmaps.yaml").read_text()))
    assert validate_manifests(cms, k8s_version="1.31") == []

    assert cli_main(["validate", str(out)]) == 0
    capsys.readouterr()
    dashboard = json.loads((out / "dashboard.json").read_text())
    dashboard["panels"][2]["id"] = dashboard["panels"][1]["id"]
    (out / "dashboard.json").write_text(json.dumps(dashboard))
    assert cli_main(["validate", str(out)]) == 1
    result = json.loads(capsys.readouterr().out)
    assert len(result["validation_errors"]) == 1
    assert result["validation_errors"][0].startswith("dashboard: panel 'Error budget remaining (30d)' (id 2)")


def test_cli_bad_input_exits_2_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["render", "--application", "inventory", "--namespace", "golive-apps", "--availability", "150",
                     "--out", str(tmp_path / "x")])
    captured = capsys.readouterr()
    assert code == 2
    assert "availability_target" in captured.err
    assert json.loads(captured.out)["status"] == "bad-input"
    assert not (tmp_path / "x").exists()
    assert cli_main(["validate", str(tmp_path / "missing")]) == 2


def test_cli_as_a_module(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "golive.monitoring", "render", "--application", "sample-app", "--namespace",
         "golive-apps", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["validation_errors"] == []
    bad = subprocess.run(
        [sys.executable, "-m", "golive.monitoring", "render", "--application", "Bad_App", "--namespace", "x"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )
    assert bad.returncode == 2 and "application" in bad.stderr
