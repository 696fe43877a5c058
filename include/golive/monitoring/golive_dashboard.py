"""The Grafana dashboard of golive itself (over the metrics of ``golive.metrics``).

It is built with the application dashboards' panel helpers and checked by the same validator
(``validate_dashboard`` with ``known_metrics=EXPORTED_METRICS``): every query parses as PromQL and
selects only series the ledger collector exports. The chart ships the rendered JSON
(``charts/golive/dashboards/golive.json``); ``python -m golive.monitoring.golive_dashboard PATH``
writes it again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from golive.monitoring.dashboard import (
    DATASOURCE_VAR,
    SCHEMA_VERSION,
    _Layout,
    _panel,
    _thresholds,
)

__all__ = ["UID", "render_golive_dashboard"]

UID = "golive-self"
_R = "$__range"


def render_golive_dashboard() -> dict[str, Any]:
    """golive's own dashboard: go-lives by outcome, gate verdicts and criteria, phase durations,
    approval waits and rollbacks, over the dashboard's time range."""
    layout = _Layout()
    panels: list[dict[str, Any]] = [layout.row("Go-lives")]
    panels += [
        _panel(layout, "stat", "Go-lives by outcome", "Runs of the golive DAG that ended in the time range.",
               [(f'sum by (outcome) (increase(golive_golives_total{{dag="golive"}}[{_R}]))', "{{outcome}}")],
               w=8, h=5, unit="none", options={"textMode": "value_and_name"}),
        _panel(layout, "stat", "In progress", "Runs recorded in the ledger that have not ended.",
               [("sum by (dag) (golive_golives_in_progress)", "{{dag}}")], w=8, h=5, unit="none",
               options={"textMode": "value_and_name"}),
        _panel(layout, "stat", "Rollbacks", "Rollbacks in the time range; unverified ones need a look.",
               [(f"sum by (verified) (increase(golive_rollbacks_total[{_R}]))", "verified={{verified}}")],
               w=8, h=5, unit="none", thresholds=_thresholds(("green", None), ("orange", 1)),
               options={"textMode": "value_and_name"}),
        _panel(layout, "timeseries", "Go-lives by application and outcome", "Ended runs per hour.",
               [("sum by (application, outcome) (increase(golive_golives_total[1h]))",
                 "{{application}} {{outcome}}")], w=24, unit="none"),
    ]
    panels.append(layout.row("Gates"))
    panels += [
        _panel(layout, "timeseries", "Gate verdicts", "Verdicts recorded per hour, by gate and status.",
               [("sum by (gate, status) (increase(golive_gate_verdicts_total[1h]))", "{{gate}} {{status}}")],
               unit="none"),
        _panel(layout, "stat", "Failing criteria", "Criteria that failed or had no data in the time range.",
               [((f'topk(10, sum by (gate, criterion) (increase(golive_criterion_status_total'
                  f'{{status=~"fail|no-data"}}[{_R}])))'), "{{gate}} {{criterion}}")],
               unit="none", thresholds=_thresholds(("green", None), ("red", 1)),
               options={"textMode": "value_and_name"}),
    ]
    panels.append(layout.row("Durations"))
    panels += [
        _panel(layout, "timeseries", "Phase duration p90", "90th percentile of each phase's duration.",
               [("histogram_quantile(0.9, sum by (phase, le) (rate(golive_phase_duration_seconds_bucket[1h])))",
                 "{{phase}}")], unit="s", min_max=(0, None)),
        _panel(layout, "timeseries", "Approval wait p50 and p90", "How long WARNING verdicts waited for a human.",
               [("histogram_quantile(0.5, sum by (le) (rate(golive_approval_wait_seconds_bucket[6h])))", "p50"),
                ("histogram_quantile(0.9, sum by (le) (rate(golive_approval_wait_seconds_bucket[6h])))", "p90")],
               unit="s", min_max=(0, None)),
    ]
    return {
        "uid": UID,
        "title": "golive",
        "description": "golive itself: go-lives, gate verdicts, phase durations, approvals and rollbacks "
                       "(from the ledger, scraped at /golive/metrics).",
        "tags": ["golive"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "timezone": "browser",
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "annotations": {"list": []},
        "links": [],
        "templating": {"list": [{
            "name": DATASOURCE_VAR, "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1,
            "regex": "",
        }]},
        "panels": panels,
    }


def dump(dashboard: dict[str, Any]) -> str:
    """The dashboard as the chart ships it (indented, keys sorted, ending with a newline)."""
    return json.dumps(dashboard, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(dump(render_golive_dashboard()), encoding="utf-8")
