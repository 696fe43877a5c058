"""The deployment record of one run, from the ledger's run report: the request, versions,
revisions, every gate's verdict with its approval, and the rollbacks — as Markdown and HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from golive.docs.templates import render


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def record_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """What the record shows, flattened from :meth:`golive.ledger.Ledger.run_report`."""
    run = report.get("run") or {}
    verdicts = []
    for ev in report.get("evaluations") or []:
        approval = ev.get("approval") or {}
        verdicts.append({"gate": _text(ev.get("gate")), "task": _text(ev.get("task_id")),
                         "try": _text(ev.get("try_number")), "subject": _text(ev.get("ref")),
                         "status": _text(ev.get("status")), "score": _text(ev.get("score")),
                         "threshold": _text(ev.get("threshold")), "decision": _text(approval.get("decision")),
                         "approver": _text(approval.get("approver"))})
    revisions = [{"action": _text(r.get("action")), "deployment": _text(r.get("deployment")),
                  "revision": _text(r.get("revision")), "version": _text(r.get("version")),
                  "strategy": _text(r.get("strategy")), "recorded": _text(r.get("recorded_at"))}
                 for r in report.get("revisions") or []]
    rollbacks = [{"from_version": _text(r.get("from_version")), "to_version": _text(r.get("to_version")),
                  "from_revision": _text(r.get("from_revision")), "to_revision": _text(r.get("to_revision")),
                  "reason": _text(r.get("reason")), "verified": "yes" if r.get("verified") else "no",
                  "recorded": _text(r.get("recorded_at"))}
                 for r in report.get("rollbacks") or []]
    return {"run_id": _text(run.get("run_id")), "dag_id": _text(run.get("dag_id")),
            "application": _text(run.get("application")), "version": _text(run.get("version")),
            "environment": _text(run.get("environment")), "strategy": _text(run.get("strategy")),
            "status": _text(run.get("status")), "logical_date": _text(run.get("logical_date")),
            "verdicts": verdicts, "revisions": revisions, "rollbacks": rollbacks,
            "versions": sorted({r["version"] for r in revisions if r["version"]}
                               | {v for r in rollbacks for v in (r["from_version"], r["to_version"]) if v})}


@dataclass(frozen=True)
class DeploymentRecord:
    """The rendered record."""

    markdown: str
    html: str
    view: dict[str, Any]


def render_record(report: Mapping[str, Any]) -> DeploymentRecord:
    """Render the deployment record of ``report`` (a ledger run report)."""
    view = record_view(report)
    return DeploymentRecord(markdown=render("deployment_record.md.j2", view),
                            html=render("deployment_record.html.j2", view), view=view)
