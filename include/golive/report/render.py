"""Render a run report (``Ledger.run_report``) into ``report.html`` and ``report.json``.

The HTML is one self-contained file: inline CSS, charts embedded as base64 PNG, no JavaScript and
no external asset. Jinja2 autoescaping is on: finding messages come from the analyzed code.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from golive.report.summary import (
    EXTRA_SECTIONS,
    SEVERITIES,
    check_report,
    criteria_counts,
    criterion_points,
    effective_status,
    excluded_why,
    group_evaluations,
    summarize,
    to_jsonable,
)

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE = "report.html.j2"
#: At most this many findings per evaluation are listed in the HTML; all are in report.json.
MAX_FINDINGS = 200


@dataclass(frozen=True)
class ReportPaths:
    """Where ``render_report`` wrote the report."""

    html: Path
    json: Path


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,  # always: messages and reasons come from analyzed code and tools
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(report: Mapping[str, Any], out_dir: Path | str, *, plots: bool = True,
                  max_findings: int = MAX_FINDINGS) -> ReportPaths:
    """Write ``report.html`` and ``report.json`` for one run into ``out_dir`` (created if needed).

    :param report: the dict returned by ``Ledger.run_report(run_id)`` (optionally with
        ``revisions`` / ``rollbacks`` lists, rendered as tables when present).
    :param out_dir: the directory of the two files.
    :param plots: embed the matplotlib charts (on by default).
    :param max_findings: findings listed per evaluation in the HTML (the JSON has them all).
    :raises ReportError: when ``report`` does not have the shape of ``Ledger.run_report``'s result.
    """
    check_report(report)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(report)
    data = report_json(report, summary)
    html = render_html(report, summary, plots=plots, max_findings=max_findings)
    paths = ReportPaths(html=out / "report.html", json=out / "report.json")
    _write_atomic(paths.json, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False,
                                         allow_nan=False) + "\n")
    _write_atomic(paths.html, html)
    return paths


def report_json(report: Mapping[str, Any], summary: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The full report as JSON-safe data with its ``summary`` (write it with ``sort_keys=True``)."""
    data: dict[str, Any] = to_jsonable(report)
    data["summary"] = to_jsonable(summary if summary is not None else summarize(report))
    return data


def render_html(report: Mapping[str, Any], summary: Mapping[str, Any], *, plots: bool = True,
                max_findings: int = MAX_FINDINGS) -> str:
    """The report as one self-contained HTML page."""
    context = build_context(report, summary, plots=plots, max_findings=max_findings)
    return str(_environment().get_template(TEMPLATE).render(**context))


# -- view model -----------------------------------------------------------------------------------
def build_context(report: Mapping[str, Any], summary: Mapping[str, Any], *, plots: bool = True,
                  max_findings: int = MAX_FINDINGS) -> dict[str, Any]:
    """Everything the template shows, formatted: the template does no arithmetic."""
    run = report["run"]
    evaluations = list(report.get("evaluations") or [])
    groups = group_evaluations(evaluations)
    views: dict[int, dict[str, Any]] = {}
    cards = []
    for g in groups:
        n = len(g["indexes"])
        current = evaluations[g["current"]]
        current_anchor = _anchor(current, g["current"])
        for attempt, i in enumerate(g["indexes"], start=1):
            view = _evaluation_view(evaluations[i], i, max_findings)
            view["attempt"] = f"evaluation {attempt} of {n}"
            view["superseded"] = i != g["current"]
            view["superseded_by"] = current_anchor if view["superseded"] else None
            views[i] = view
        cards.append({**views[g["current"]], "evaluations": n,
                      "earlier": [views[i] for i in g["indexes"][:-1]]})
    ordered = [views[i] for g in groups for i in g["indexes"]]

    charts: dict[str, str | None] = {"overview": None}
    if plots and evaluations:
        from golive.report import plots as charts_mod

        charts["overview"] = charts_mod.overview_chart([
            {"label": v["label"] + (" (superseded)" if v["superseded"] else ""), "score": v["score"],
             "threshold": v["threshold"], "warning_floor": v["warning_floor"], "status": v["status"],
             "superseded": v["superseded"]} for v in ordered])
        for v in ordered:
            v["chart"] = charts_mod.evaluation_chart(evaluations[v["index"]])

    extras = []
    for key, value in report.items():
        if key in ("run", "phases", "evaluations", "summary", "usage"):
            continue
        if key == "train" and isinstance(value, Mapping):
            extras += train_tables(value)
            continue
        rows_ok = isinstance(value, list) and all(isinstance(r, Mapping) for r in value)
        if rows_ok and (value or key in EXTRA_SECTIONS):
            extras.append(_table(EXTRA_SECTIONS.get(key, key.replace("_", " ").capitalize()),
                                     key, value))
    return {
        "run": _run_view(run),
        "summary": summary,
        "outcome_class": _css(summary["outcome"]),
        "cards": cards,
        "evaluations": ordered,
        "phases": _phases_view(report.get("phases") or []),
        "documentation": documentation_links(report.get("phases") or []),
        "extras": extras,
        "cost": cost_view(summary.get("cost") or {}),
        "charts": charts,
        "max_findings": max_findings,
        "severities": SEVERITIES,
    }


NOT_MEASURED = "not measured"


def _seconds(value: Any) -> str:
    return NOT_MEASURED if value is None else f"{float(value):,.1f}"


def _mib(value: Any) -> str:
    return NOT_MEASURED if value is None else f"{int(value) / 2**20:,.0f} MiB"


def cost_view(cost: Mapping[str, Any]) -> dict[str, Any]:
    """The Cost section: one row per phase and the totals, each figure formatted ("not measured" for None)."""
    def row(name: str, group: Mapping[str, Any]) -> dict[str, str]:
        pods, measured = int(group.get("pods") or 0), int(group.get("measured_pods") or 0)
        partly = f" ({measured} of {pods} pods)" if 0 < measured < pods else ""
        return {"phase": name, "pods": str(pods), "wall": _seconds(group.get("wall_seconds")),
                "cpu_requested": _seconds(group.get("cpu_seconds_requested")),
                "cpu_measured": _seconds(group.get("cpu_seconds_measured")) + partly,
                "gpu": _seconds(group.get("gpu_seconds")),
                "memory_requested": _mib(group.get("memory_requested_bytes")),
                "memory_peak": _mib(group.get("peak_memory_bytes"))}

    phases = cost.get("phases") or {}
    return {"phases": [row(name, group) for name, group in phases.items()],
            "total": row("total", cost.get("total") or {}) if phases else None}


def _anchor(ev: Mapping[str, Any], index: int) -> str:
    ident = ev.get("id")
    return f"eval-{ident}" if isinstance(ident, int) else f"eval-n{index}"


def _css(status: Any) -> str:
    return "s-" + str(status or "unknown").lower().replace("-", "").replace("_", "")


def fmt_value(value: Any) -> str:
    """A raw measured value in full (up to 10 significant digits); None is 'no data'."""
    if value is None:
        return "no data"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".10g")
    return str(value)


def fmt_time(value: Any) -> str:
    """A timestamp as ``YYYY-MM-DD HH:MM:SS±zz:zz`` (strings are shown as they are)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    return "" if value is None else str(value)


def fmt_cell(value: Any, limit: int = 400) -> str:
    """Any cell value as short text: scalars as they are, structures as compact JSON."""
    if isinstance(value, (dict, list, tuple)):
        text = json.dumps(to_jsonable(value), sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    elif isinstance(value, datetime):
        text = fmt_time(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        text = fmt_value(value)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_view(run: Mapping[str, Any]) -> dict[str, Any]:
    fields = ("run_id", "dag_id", "application", "version", "environment", "strategy", "status",
              "error")
    view = {k: ("" if run.get(k) is None else str(run.get(k))) for k in fields}
    view["status_css"] = _css(run.get("status"))
    view["logical_date"] = fmt_time(run.get("logical_date"))
    view["recorded_at"] = fmt_time(run.get("recorded_at"))
    request = run.get("request")
    view["request"] = (json.dumps(to_jsonable(request), indent=2, sort_keys=True, ensure_ascii=False)
                       if request else "")
    return view


def _evaluation_view(ev: Mapping[str, Any], index: int, max_findings: int) -> dict[str, Any]:
    status = str(ev.get("status", "")).upper()
    effective = effective_status(ev)
    criteria = []
    earned = maximum = 0.0
    for c in ev.get("criteria") or []:
        cstatus = str(c.get("status", ""))
        weight = float(c.get("weight") or 0.0)
        excluded = excluded_why(c)
        points = 0.0 if excluded else weight * criterion_points(cstatus)
        if not excluded:
            earned += points
            maximum += weight
        criteria.append({
            "name": str(c.get("name", "")), "value": fmt_value(c.get("value")),
            "unit": str(c.get("unit") or ""), "threshold": str(c.get("threshold") or ""),
            "status": cstatus, "css": _css(cstatus), "weight": fmt_value(weight),
            "points": f"not counted ({excluded})" if excluded else f"{points:g} / {weight:g}",
            "key": bool(c.get("key")), "optional": bool(c.get("optional")),
            "reason": str(c.get("reason") or ""),
            "raw_value": None if c.get("raw_value") is None else fmt_value(c.get("raw_value")),
        })
    findings = list(ev.get("findings") or [])
    order = {s: i for i, s in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (order.get(str(f.get("severity") or "").lower(), len(order)),
                                 str(f.get("tool") or ""), str(f.get("path") or ""),
                                 f.get("line") if isinstance(f.get("line"), int) else -1,
                                 str(f.get("rule_id") or "")))
    shown = findings[:max(max_findings, 0)]
    groups: list[dict[str, Any]] = []
    totals: dict[str, int] = {}
    for f in findings:
        sev = str(f.get("severity") or "unknown").lower()
        totals[sev] = totals.get(sev, 0) + 1
    for f in shown:
        sev = str(f.get("severity") or "unknown").lower()
        if not groups or groups[-1]["severity"] != sev:
            groups.append({"severity": sev, "css": "sev-" + sev, "total": totals[sev], "rows": []})
        location = str(f.get("path") or "")
        if location and f.get("line") is not None:
            location += f":{f.get('line')}"
        groups[-1]["rows"].append({
            "tool": str(f.get("tool") or ""), "rule_id": str(f.get("rule_id") or ""),
            "message": str(f.get("message") or ""), "location": location,
            "waiver": _waiver_mark(f.get("waiver")),
        })
    approval = ev.get("approval")
    gate = str(ev.get("gate", "?"))
    counts = criteria_counts(ev)
    return {
        "index": index, "anchor": _anchor(ev, index), "gate": gate,
        "label": f"{gate} #{ev.get('try_number', '?')}",
        "application": str(ev.get("application") or ""), "ref": str(ev.get("ref") or ""),
        "task_id": str(ev.get("task_id") or ""), "try_number": ev.get("try_number"),
        "id": ev.get("id"), "status": status, "css": _css(status),
        "effective": effective, "effective_css": _css(effective),
        "score": _float(ev.get("score")), "threshold": _float(ev.get("threshold"), 100.0),
        "warning_floor": _float(ev.get("warning_floor")),
        "score_text": fmt_value(_float(ev.get("score"))),
        "threshold_text": fmt_value(_float(ev.get("threshold"), 100.0)),
        "floor_text": fmt_value(_float(ev.get("warning_floor"))),
        "bar_width": f"{min(max(_float(ev.get('score')), 0.0), 100.0):.1f}",
        "reasons": [str(r) for r in ev.get("reasons") or []],
        "recorded_at": fmt_time(ev.get("recorded_at")),
        "approval": ({"decision": str(approval.get("decision") or ""),
                      "approver": str(approval.get("approver") or ""),
                      "comment": str(approval.get("comment") or ""),
                      "recorded_at": fmt_time(approval.get("recorded_at")),
                      "css": _css(approval.get("decision"))}
                     if approval else None),
        "criteria": criteria, "points_text": f"{earned:g} / {maximum:g}",
        "not_applicable": counts["not-applicable"], "no_data": counts["no-data"],
        "findings": groups, "findings_total": len(findings),
        "findings_hidden": len(findings) - len(shown),
        "finding_counts": [{"severity": s, "count": n, "css": "sev-" + s} for s, n in totals.items()],
        "inputs": _inputs_view(ev.get("inputs")),
        "waivers": [_waiver_view(w) for w in ev.get("waivers") or []],
        "chart": None,
    }


def _waiver_mark(waiver: Any) -> str:
    """How a finding row shows the waiver that matched it (empty when none did)."""
    if not isinstance(waiver, Mapping):
        return ""
    return (f"waiver {waiver.get('status')}: {waiver.get('reason')} — {waiver.get('owner')}, "
            f"until {fmt_cell(waiver.get('expires'))}")


def _waiver_view(w: Mapping[str, Any]) -> dict[str, Any]:
    location = str(w.get("path") or "") + (f":{w.get('line')}" if w.get("line") is not None else "")
    status = str(w.get("status") or "")
    return {"waiver": str(w.get("waiver") or ""), "status": status,
            "css": {"active": "pass", "expired": "warning", "refused": "fail"}.get(status, ""),
            "rule_id": str(w.get("rule_id") or ""), "location": location,
            "measurement": str(w.get("measurement") or "—"), "reason": str(w.get("reason") or ""),
            "owner": str(w.get("owner") or ""), "expires": fmt_cell(w.get("expires")),
            "note": str(w.get("note") or "")}


def _float(value: Any, default: float = 0.0) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return default


def _inputs_view(inputs: Any) -> dict[str, Any]:
    """The analyzer results a verdict was made from: measurements per tool, errors, other details."""
    analyzers = []
    rest: Any = None
    items = inputs if isinstance(inputs, list) else []
    for item in items:
        if isinstance(item, Mapping) and ("tool" in item or "measurements" in item):
            analyzers.append({
                "agent": str(item.get("agent") or ""), "tool": str(item.get("tool") or ""),
                "error": str(item.get("error") or ""),
                "findings": len(item.get("findings") or []),
                "measurements": [{"name": str(m.get("name", "")), "value": fmt_value(m.get("value")),
                                  "unit": str(m.get("unit") or ""), "detail": str(m.get("detail") or "")}
                                 for m in item.get("measurements") or [] if isinstance(m, Mapping)],
                "details": fmt_cell(item.get("details"), 2000) if item.get("details") else "",
            })
        else:
            rest = [*(rest or []), item]
    if not isinstance(inputs, list) and inputs:
        rest = inputs
    return {"analyzers": analyzers,
            "raw": fmt_cell(rest, 4000) if rest else ""}


def _try_number(phase: Mapping[str, Any]) -> int:
    value = phase.get("try_number")
    return value if isinstance(value, int) else 0


def _phases_view(phases: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    last_try: dict[str, Any] = {}
    for p in phases:
        task = str(p.get("task_id", ""))
        tn = _try_number(p)
        last_try[task] = max(last_try.get(task, tn), tn)
    rows = []
    for p in phases:
        task = str(p.get("task_id", ""))
        tn = _try_number(p)
        status = str(p.get("status", ""))
        rows.append({
            "phase": str(p.get("phase", "")), "task_id": task, "try_number": p.get("try_number"),
            "status": status, "css": _css(status), "recorded_at": fmt_time(p.get("recorded_at")),
            "summary": fmt_cell(p.get("summary") or {}, 600), "superseded": tn < last_try[task],
        })
    return rows


def documentation_links(phases: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The documentation phase's artifacts (its newest record): name, store URL, public URL."""
    from golive.docs.store import DOCS_PHASE

    recorded = [p for p in phases if p.get("phase") == DOCS_PHASE]
    summary = recorded[-1].get("summary") if recorded else None
    links = summary.get("artifacts") if isinstance(summary, Mapping) else None
    return [{"name": str(a.get("name", "")), "url": str(a.get("url", "")), "public_url": str(a.get("public_url") or "")}
            for a in links or [] if isinstance(a, Mapping)]


def _revision_text(live: Any) -> str:
    if not isinstance(live, Mapping):
        return "not deployed"
    return f"revision {live.get('revision')} ({live.get('version')})"


def train_tables(train: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A release train's sections: its go-lives by phase, the checkpoint before each phase, the rollbacks."""
    go_lives = [{"phase": a["phase"], "application": a["application"], "version": a["version"],
                 "golive run": a["golive_run_id"], "status": a["status"], "go-live status": a.get("golive_status")}
                for a in train.get("applications") or []]
    checkpoints = [{"before phase": c["phase"], "recorded": c.get("recorded_at"),
                    "live revisions": "; ".join(f"{app}: {_revision_text(live)}"
                                                for app, live in (c.get("applications") or {}).items())}
                   for c in train.get("checkpoints") or []]
    rollbacks = [{"to the checkpoint of phase": r["phase"], "reason": r["reason"], "verified": r["ok"],
                  "steps": "; ".join(f"{s.get('application')}: {s.get('action')} ({s.get('reason')})"
                                     f"{'' if s.get('ok') else ' FAILED: ' + str(s.get('error'))}"
                                     for s in r.get("steps") or [])}
                 for r in train.get("rollbacks") or []]
    return [_table("Train: go-lives", "train-go-lives", go_lives),
            _table("Train: checkpoints", "train-checkpoints", checkpoints),
            _table("Train: rollbacks", "train-rollbacks", rollbacks)]


def _table(title: str, key: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    columns: list[str] = []
    for r in rows:
        for k in r:
            if k not in columns:
                columns.append(str(k))
    body = []
    for r in rows:
        cells = []
        for c in columns:
            value = r.get(c)
            css = _css(value) if c in ("status", "verified", "decision") else ""
            cells.append({"text": fmt_cell(value), "css": css})
        body.append(cells)
    return {"title": title, "key": key, "columns": columns, "rows": body}


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
