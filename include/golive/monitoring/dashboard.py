"""The application's Grafana dashboard (JSON model, schema version 39) and its validator.

Every panel and query takes its data source from the dashboard variable ``datasource`` (type
``datasource``, Prometheus), so the same JSON works in any Grafana whatever its data source's uid.
Queries read the application's raw series with ``$__rate_interval``, so the dashboard does not
depend on the recording rules having been loaded.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.monitoring.models import APP_METRICS, PROMETHEUS_METRICS, ServiceSLOs
from golive.monitoring.promql import check_expr, expand_grafana_variables, selector
from golive.monitoring.rules import sli_selectors

__all__ = ["SCHEMA_VERSION", "dashboard_uid", "iter_panels", "render_grafana_dashboard", "validate_dashboard"]

SCHEMA_VERSION = 39
DATASOURCE_VAR = "datasource"
GRID_WIDTH = 24
_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_VAR_REF = re.compile(r"^\$\{?(?P<name>[A-Za-z0-9_]+)\}?$")
_QUERYLESS = {"row", "text", "news", "dashlist", "alertlist"}


def dashboard_uid(application: str) -> str:
    """Grafana uid of the application's dashboard: ``golive-<app>``, hashed when over 40 characters."""
    uid = f"golive-{application}"
    if len(uid) <= 40:
        return uid
    digest = hashlib.sha256(application.encode()).hexdigest()[:8]
    return f"golive-{application[:23].rstrip('-')}-{digest}"


def _ds() -> dict[str, str]:
    """A data source reference to the dashboard's Prometheus variable."""
    return {"type": "prometheus", "uid": f"${{{DATASOURCE_VAR}}}"}


def _thresholds(*steps: tuple[str, float | None]) -> dict[str, Any]:
    """A Grafana absolute thresholds block from (colour, value) steps."""
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for color, value in steps]}


class _Layout:
    """Hands out panel ids and grid positions, left to right, top to bottom."""

    def __init__(self) -> None:
        self.next_id = 1
        self.x = 0
        self.y = 0
        self.row_height = 0

    def place(self, w: int, h: int) -> tuple[int, dict[str, int]]:
        """Id and grid position of the next panel of width ``w`` and height ``h``."""
        if self.x + w > GRID_WIDTH:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        pos = {"h": h, "w": w, "x": self.x, "y": self.y}
        self.x += w
        self.row_height = max(self.row_height, h)
        pid, self.next_id = self.next_id, self.next_id + 1
        return pid, pos

    def row(self, title: str) -> dict[str, Any]:
        """A row panel across the grid, starting a new line."""
        if self.x:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        pid, pos = self.place(GRID_WIDTH, 1)
        self.x, self.y, self.row_height = 0, self.y + 1, 0
        return {"id": pid, "type": "row", "title": title, "collapsed": False, "gridPos": pos, "panels": []}


def _panel(layout: _Layout, kind: str, title: str, description: str, targets: list[tuple[str, str]], *,
           w: int = 12, h: int = 8, unit: str = "short", thresholds: dict[str, Any] | None = None,
           threshold_line: bool = False, options: dict[str, Any] | None = None,
           min_max: tuple[float | None, float | None] = (None, None)) -> dict[str, Any]:
    """One stat, gauge or time-series panel with its queries, unit and thresholds."""
    pid, pos = layout.place(w, h)
    defaults: dict[str, Any] = {"unit": unit, "thresholds": thresholds or _thresholds(("green", None))}
    if min_max[0] is not None:
        defaults["min"] = min_max[0]
    if min_max[1] is not None:
        defaults["max"] = min_max[1]
    if kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                              "spanNulls": False,
                              "thresholdsStyle": {"mode": "line+area" if threshold_line else "off"}}
        opts = {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                "tooltip": {"mode": "multi", "sort": "desc"}}
    else:
        opts = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "orientation": "auto", "colorMode": "value", "graphMode": "none", "textMode": "auto"}
    opts.update(options or {})
    return {
        "id": pid,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": _ds(),
        "gridPos": pos,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": opts,
        "targets": [
            {"refId": chr(ord("A") + i), "datasource": _ds(), "expr": expr, "legendFormat": legend,
             "range": kind == "timeseries", "instant": kind != "timeseries", "editorMode": "code"}
            for i, (expr, legend) in enumerate(targets)
        ],
    }


def render_grafana_dashboard(slos: ServiceSLOs) -> dict[str, Any]:
    """Render the Grafana dashboard of ``slos.application``.

    Panels: availability over the SLO window, error budget remaining, running versions (from
    ``app_info``), firing alerts; request rate, 5xx ratio against the objective, p95 latency against
    the objective; and a "canary vs stable" row comparing the tracks' 5xx ratio and p95 latency.
    """
    app, track, job = slos.application, slos.track_label, slos.job_label
    every, errors = sli_selectors(slos)
    mine = selector({job: app, "namespace": slos.namespace})
    ri = "$__rate_interval"
    w = slos.window
    err_ratio_w = (f"(sum(rate(http_requests_total{errors}[{w}])) or vector(0)) / "
                   f"sum(rate(http_requests_total{every}[{w}]))")
    target = slos.availability_target / 100
    firing = selector({"alertstate": "firing", "application": app, "namespace": slos.namespace})
    layout = _Layout()
    panels: list[dict[str, Any]] = [layout.row("Service level objectives")]
    panels += [
        _panel(layout, "stat", f"Availability ({w})",
               f"Share of requests not answered with 5xx over {w}; objective {slos.availability_target:g} %.",
               [(f"1 - ({err_ratio_w})", "availability")], w=6, h=5, unit="percentunit",
               thresholds=_thresholds(("red", None), ("green", target)), options={"graphMode": "area"}),
        _panel(layout, "gauge", f"Error budget remaining ({w})",
               f"Share of the {w} error budget ({slos.error_budget:.4g} of requests) not yet spent.",
               [(f"1 - ({err_ratio_w}) / {slos.error_budget:.6g}", "budget left")], w=6, h=5,
               unit="percentunit", thresholds=_thresholds(("red", None), ("orange", 0.25), ("green", 0.5)),
               min_max=(0, 1)),
        _panel(layout, "stat", "Running versions",
               "Pods per track and version, from the app_info series the application exports.",
               [(f"count by ({track}, version) (app_info{mine})", f"{{{{{track}}}}} {{{{version}}}}")],
               w=6, h=5, unit="none", options={"textMode": "value_and_name", "colorMode": "none"}),
        _panel(layout, "stat", "Firing alerts",
               "Alerts of this application firing now (Prometheus ALERTS series).",
               [(f"count by (alertname, severity) (ALERTS{firing})", "{{alertname}} ({{severity}})")],
               w=6, h=5, unit="none",
               thresholds=_thresholds(("green", None), ("red", 1)), options={"textMode": "value_and_name"}),
        _panel(layout, "timeseries", "Request rate",
               "Requests per second by track (probe and scrape paths left out).",
               [(f"sum by ({track}) (rate(http_requests_total{every}[{ri}]))", f"{{{{{track}}}}}"),
                (f"sum by (status) (rate(http_requests_total{every}[{ri}]))", "status {{status}}")],
               w=8, unit="reqps"),
        _panel(layout, "timeseries", "5xx ratio vs objective",
               f"Share of requests answered with 5xx; the line is the objective ({slos.error_rate_max:g}).",
               [((f"(sum(rate(http_requests_total{errors}[{ri}])) or vector(0)) / "
                 f"sum(rate(http_requests_total{every}[{ri}]))"), "5xx ratio")],
               w=8, unit="percentunit", threshold_line=True, min_max=(0, None),
               thresholds=_thresholds(("transparent", None), ("red", slos.error_rate_max))),
        _panel(layout, "timeseries", "p95 latency vs objective",
               f"95th-percentile latency; the line is the objective ({slos.latency_p95_seconds:g} s).",
               [(f"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{every}[{ri}])))",
                 "p95")],
               w=8, unit="s", threshold_line=True, min_max=(0, None),
               thresholds=_thresholds(("transparent", None), ("red", slos.latency_p95_seconds))),
    ]
    panels.append(layout.row("Canary vs stable"))
    panels += [
        _panel(layout, "timeseries", "5xx ratio by track",
               "5xx ratio of each track: a canary above stable is what the canary gate fails on.",
               [((f"(sum by ({track}) (rate(http_requests_total{errors}[{ri}])) or "
                 f"sum by ({track}) (rate(http_requests_total{every}[{ri}])) * 0) / "
                 f"sum by ({track}) (rate(http_requests_total{every}[{ri}]))"), f"{{{{{track}}}}}")],
               unit="percentunit", threshold_line=True, min_max=(0, None),
               thresholds=_thresholds(("transparent", None), ("red", slos.error_rate_max))),
        _panel(layout, "timeseries", "p95 latency by track",
               "95th-percentile latency of each track.",
               [((f"histogram_quantile(0.95, sum by ({track}, le) "
                 f"(rate(http_request_duration_seconds_bucket{every}[{ri}])))"), f"{{{{{track}}}}}")],
               unit="s", threshold_line=True, min_max=(0, None),
               thresholds=_thresholds(("transparent", None), ("red", slos.latency_p95_seconds))),
    ]
    return {
        "uid": dashboard_uid(app),
        "title": f"{app} ({slos.namespace}) — service level",
        "description": f"golive monitoring of {app} in {slos.namespace}: SLOs, error budget and canary vs stable.",
        "tags": ["golive", app, slos.namespace],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,
        "timezone": "browser",
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
            "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
        }]},
        "links": [{"title": "Runbooks", "type": "link", "url": str(slos.runbook_base_url), "targetBlank": True}],
        "templating": {"list": [{
            "name": DATASOURCE_VAR, "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "includeAll": False, "multi": False, "options": [], "refresh": 1,
            "regex": "",
        }]},
        "panels": panels,
    }


def iter_panels(panels: Iterable[Any]) -> Iterator[Any]:
    """Every panel of a dashboard, rows' nested (collapsed) panels included."""
    for panel in panels:
        yield panel
        if isinstance(panel, Mapping) and isinstance(panel.get("panels"), list):
            yield from iter_panels(panel["panels"])


def _ds_errors(where: str, ref: object, ds_vars: set[str], variables: Mapping[str, str]) -> list[str]:
    """Problems of a data source reference: it must name a Prometheus datasource variable."""
    if ref is None:
        return [f"{where}: no datasource (set it to the ${{{DATASOURCE_VAR}}} variable)"]
    uid = ref.get("uid") if isinstance(ref, Mapping) else ref
    if isinstance(ref, Mapping) and ref.get("type") not in (None, "prometheus"):
        return [f"{where}: datasource type {ref.get('type')!r} is not prometheus"]
    match = _VAR_REF.match(str(uid or ""))
    if not match:
        return [f"{where}: datasource {uid!r} is a fixed uid; refer to the ${{{DATASOURCE_VAR}}} variable"]
    name = match["name"]
    if name not in variables:
        return [f"{where}: datasource refers to ${name}, which is not a dashboard variable"]
    if name not in ds_vars:
        return [f"{where}: datasource refers to ${name}, which is not a Prometheus datasource variable"]
    return []


def _model_errors(dashboard: Any) -> list[str]:
    """The JSON round trip; for a mapping also its uid, title and schema version."""
    errors: list[str] = []
    try:
        text = json.dumps(dashboard, allow_nan=False, sort_keys=True)
        if json.loads(text) != dashboard:
            errors.append("dashboard: does not survive a JSON round trip (tuples or non-string keys?)")
    except (TypeError, ValueError) as exc:
        errors.append(f"dashboard: is not JSON-serialisable: {exc}")
    if not isinstance(dashboard, Mapping):
        return errors
    uid = dashboard.get("uid")
    if not isinstance(uid, str) or not _UID.match(uid):
        errors.append(f"dashboard: uid {uid!r} must be 1-40 characters of letters, digits, '-' and '_'")
    if not str(dashboard.get("title") or "").strip():
        errors.append("dashboard: no title")
    if not isinstance(dashboard.get("schemaVersion"), int):
        errors.append("dashboard: schemaVersion is missing or not an integer")
    return errors


def _templating(dashboard: Mapping[str, Any]) -> tuple[list[str], dict[str, str], set[str]]:
    """The problems of the variables, the variables (name → sample value) and the datasource ones."""
    errors: list[str] = []
    variables: dict[str, str] = {}
    ds_vars: set[str] = set()
    for var in (dashboard.get("templating") or {}).get("list") or []:
        name = var.get("name") if isinstance(var, Mapping) else None
        if not name:
            errors.append("templating: a variable has no name")
            continue
        if name in variables:
            errors.append(f"templating: variable {name!r} is defined twice")
        variables[name] = "x"
        if var.get("type") == "datasource":
            if var.get("query") == "prometheus":
                ds_vars.add(name)
            else:
                errors.append(f"templating: datasource variable {name!r} does not select prometheus")
    return errors, variables, ds_vars


@dataclass
class _PanelChecks:
    """What the checks of one dashboard's panels share."""

    variables: dict[str, str]
    ds_vars: set[str]
    known: set[str]
    seen_ids: dict[int, str] = field(default_factory=dict)


def _layout_errors(where: str, panel: Mapping[str, Any], checks: _PanelChecks) -> list[str]:
    """Title, unique integer id, type and a grid position inside the grid."""
    errors: list[str] = []
    title, pid = panel.get("title"), panel.get("id")
    if not str(title or "").strip():
        errors.append(f"{where}: no title")
    if not isinstance(pid, int) or isinstance(pid, bool):
        errors.append(f"{where}: id must be an integer")
    elif pid in checks.seen_ids:
        errors.append(f"{where}: id {pid} is also used by panel {checks.seen_ids[pid]!r}; panel ids must be unique")
    else:
        checks.seen_ids[pid] = str(title)
    if not panel.get("type"):
        errors.append(f"{where}: no type")
    pos = panel.get("gridPos")
    if not isinstance(pos, Mapping) or not all(isinstance(pos.get(k), int) for k in ("h", "w", "x", "y")):
        errors.append(f"{where}: gridPos needs integer h, w, x and y")
    elif pos["w"] < 1 or pos["h"] < 1 or pos["x"] < 0 or pos["y"] < 0 or pos["x"] + pos["w"] > GRID_WIDTH:
        errors.append(f"{where}: gridPos {dict(pos)} does not fit the {GRID_WIDTH}-column grid")
    return errors


def _query_errors(twhere: str, target: Mapping[str, Any], checks: _PanelChecks) -> list[str]:
    """A query's data source and its expression (parses as PromQL, selects known series)."""
    errors: list[str] = []
    if "datasource" in target:
        errors += _ds_errors(twhere, target.get("datasource"), checks.ds_vars, checks.variables)
    expr = target.get("expr")
    if not isinstance(expr, str):
        return [*errors, f"{twhere}: no expr"]
    expanded, unknown = expand_grafana_variables(expr, checks.variables)
    errors += [f"{twhere}: expr uses ${name}, which is not a dashboard or Grafana variable" for name in unknown]
    parsed = check_expr(expanded)
    if not parsed.ok:
        return [*errors, f"{twhere}: expr does not parse as PromQL: {parsed.error}"]
    errors += [f"{twhere}: expr selects {metric!r}, which the application does not export (misspelt metric?)"
               for metric in sorted(parsed.metrics - checks.known)]
    return errors


def _panel_errors(index: int, panel: Any, checks: _PanelChecks) -> list[str]:
    """One panel: its layout, data source and queries."""
    if not isinstance(panel, Mapping):
        return [f"panel #{index}: not a mapping"]
    title, pid = panel.get("title"), panel.get("id")
    where = f"panel {title!r} (id {pid})" if title else f"panel #{index} (id {pid})"
    errors = _layout_errors(where, panel, checks)
    if panel.get("type") in _QUERYLESS:
        return errors
    errors += _ds_errors(where, panel.get("datasource"), checks.ds_vars, checks.variables)
    targets = panel.get("targets")
    if not isinstance(targets, list) or not targets:
        return [*errors, f"{where}: no queries"]
    ref_ids: set[str] = set()
    for ti, target in enumerate(targets):
        if not isinstance(target, Mapping):
            errors.append(f"{where} query #{ti}: not a mapping")
            continue
        ref = target.get("refId")
        twhere = f"{where} query {ref or '#' + str(ti)}"
        if not ref:
            errors.append(f"{twhere}: no refId")
        elif ref in ref_ids:
            errors.append(f"{twhere}: refId used twice in the panel")
        ref_ids.add(str(ref))
        errors += _query_errors(twhere, target, checks)
    return errors


def validate_dashboard(
    dashboard: Mapping[str, Any],
    *,
    known_metrics: Iterable[str] | None = None,
) -> list[str]:
    """Check a Grafana dashboard model; return every problem found (an empty list means valid).

    The dashboard must survive a strict JSON round trip (no NaN, no non-JSON values), have a valid
    ``uid``, a title and panels with unique ids inside the 24-column grid; every query must parse as
    PromQL once Grafana's variables are expanded, select known series only, and every data source
    reference must resolve to a Prometheus ``datasource`` variable of the dashboard.
    """
    errors = _model_errors(dashboard)
    if not isinstance(dashboard, Mapping):
        return errors or ["dashboard: not a mapping"]
    var_errors, variables, ds_vars = _templating(dashboard)
    errors += var_errors
    known = set(APP_METRICS | PROMETHEUS_METRICS if known_metrics is None else known_metrics)
    panels = dashboard.get("panels")
    if not isinstance(panels, list) or not panels:
        return [*errors, "dashboard: no panels"]
    checks = _PanelChecks(variables=variables, ds_vars=ds_vars, known=known)
    for index, panel in enumerate(iter_panels(panels)):
        errors += _panel_errors(index, panel, checks)
    return errors

