"""HTML of the go-live board: Jinja2 templates (autoescaped: reasons and subjects come from analyzed code
and tools), one small stylesheet inlined, no JavaScript. No Airflow import: the views are plain data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.report.summary import effective_status, group_evaluations, summarize
from golive.trends import Trend

TEMPLATES = Path(__file__).parent / "templates"
#: A run's ledger status as the board names it (``accepted``: it is still going).
RUN_STATES = {"accepted": "running"}


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(seg=lambda value: quote(str(value), safe=""), num=number, when=when, seconds=seconds)
    return env


def number(value: Any) -> str:
    """A measured value as the board prints it (``-`` when there is none)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    return f"{value:.6g}"


def seconds(value: Any) -> str:
    """CPU/GPU-seconds (``not measured`` when the cluster measured none)."""
    return "not measured" if value is None else f"{float(value):,.0f}"


def when(value: Any) -> str:
    """A ledger timestamp in UTC (SQLite hands back naive UTC ones)."""
    if not isinstance(value, datetime):
        return str(value or "-")
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def run_view(run: Mapping[str, Any], waiting: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """One go-live as the board shows it: the run row plus its outcome (``golive.report.summary``), its
    gates (the counting evaluation of each, with how many tries it took) and its waiting approvals."""
    evaluations = list(run.get("evaluations") or [])
    summary = summarize({"run": run, "phases": [], "evaluations": evaluations,
                         **({"rollbacks": run["rollbacks"]} if run.get("rollbacks") else {})})
    gates = [{**evaluations[g["current"]], "tries": len(g["indexes"]),
              "effective": effective_status(evaluations[g["current"]])} for g in group_evaluations(evaluations)]
    return {**run, "state": RUN_STATES.get(str(run.get("status")), run.get("status")), "outcome": summary["outcome"],
            "outcome_reason": summary["outcome_reason"], "gates": gates, "waiting": list(waiting)}


def trend_view(trend: Trend) -> dict[str, Any]:
    """One trend row: the criterion, its direction and a cell per release."""
    return {"gate": trend.gate, "criterion": trend.criterion, "unit": trend.unit, "direction": trend.direction,
            "points": trend.points, "regressed": trend.regressed, "latest": trend.latest}


def render_index(applications: Sequence[Mapping[str, Any]], waiting: Mapping[str, Sequence[Mapping[str, Any]]],
                 *, root: str, ui_root: str) -> str:
    """``/golive/board``: each application with its newest go-lives, and every approval waiting now.

    :param applications: ``Ledger.applications_overview`` (already limited to what the user may read).
    :param waiting: run id → its waiting approvals (``board.approvals.waiting_approvals``).
    :param root: the path the ``/golive`` app is mounted at; ``ui_root`` the Airflow UI's.
    """
    apps = [{**app, "latest": [run_view(r, waiting.get(r["run_id"], ())) for r in app["latest"]]}
            for app in applications]
    pending = [w for app in apps for run in app["latest"] for w in run["waiting"]]
    return str(_environment().get_template("index.html.j2").render(
        applications=apps, pending=pending, root=root, ui_root=ui_root, title="golive board"))


def render_application(history: Mapping[str, Any], trends: Sequence[Trend],
                       waiting: Mapping[str, Sequence[Mapping[str, Any]]], *, root: str, ui_root: str) -> str:
    """``/golive/board/{application}``: the go-lives with every gate, criterion, decision, revision and
    rollback, and each criterion's trend across the releases.

    :param history: ``Ledger.application_history``; ``trends``: ``golive.trends.criterion_trends`` of its releases.
    """
    runs = [run_view(r, waiting.get(r["run_id"], ())) for r in history["go_lives"]]
    refs = [str(r["ref"]) for r in history["releases"]]
    return str(_environment().get_template("application.html.j2").render(
        app=history, runs=runs, refs=refs, trends=[trend_view(t) for t in trends],
        regressions=[t for t in trends if t.regressed],
        pending=[w for run in runs for w in run["waiting"]], root=root, ui_root=ui_root,
        title=f"golive board: {history['name']}"))
