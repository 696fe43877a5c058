"""golive's own Grafana dashboard: the chart ships what the renderer builds, and it passes the
application dashboards' validator against the metrics the ledger collector exports."""

from __future__ import annotations

import copy
import json

from repo_paths import REPO as ROOT

from golive.metrics import EXPORTED_METRICS
from golive.monitoring.dashboard import iter_panels, validate_dashboard
from golive.monitoring.golive_dashboard import dump, render_golive_dashboard

SHIPPED = ROOT / "charts" / "golive" / "dashboards" / "golive.json"


def test_the_chart_ships_the_rendered_dashboard():
    assert SHIPPED.read_text(encoding="utf-8") == dump(render_golive_dashboard()), (
        "re-render it: python -m golive.monitoring.golive_dashboard charts/golive/dashboards/golive.json")


def test_every_query_parses_and_selects_only_exported_metrics():
    dashboard = json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert validate_dashboard(dashboard, known_metrics=EXPORTED_METRICS) == []
    queried = " ".join(t["expr"] for p in iter_panels(dashboard["panels"]) for t in p.get("targets", []))
    for family in ("golive_golives_total", "golive_gate_verdicts_total", "golive_criterion_status_total",
                   "golive_phase_duration_seconds_bucket", "golive_approval_wait_seconds_bucket",
                   "golive_rollbacks_total", "golive_golives_in_progress"):
        assert family in queried, family


def test_a_misspelt_metric_fails_the_validation():
    dashboard = copy.deepcopy(render_golive_dashboard())
    target = next(p for p in iter_panels(dashboard["panels"]) if p.get("targets"))["targets"][0]
    target["expr"] = target["expr"].replace("golive_golives_total", "golive_golive_total")
    assert any("golive_golive_total" in e for e in validate_dashboard(dashboard, known_metrics=EXPORTED_METRICS))


def test_the_chart_ships_it_as_a_configmap_for_grafanas_sidecar_when_asked():
    from golive.charts import render_chart

    chart = ROOT / "charts" / "golive"
    objs = render_chart(chart, "golive", "default", {"grafanaDashboard": {"enabled": True, "namespace": "monitoring"}})
    [configmap] = [o for o in objs if o["metadata"]["name"] == "golive-grafana-dashboard"]
    assert configmap["metadata"]["namespace"] == "monitoring"
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["golive.json"]) == json.loads(SHIPPED.read_text(encoding="utf-8"))
    assert not [o for o in render_chart(chart, "golive", "default", {})
                if o["metadata"]["name"] == "golive-grafana-dashboard"]
