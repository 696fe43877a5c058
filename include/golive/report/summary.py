"""The report's verdict logic: which evaluation of each gate counts, the run's overall outcome,
finding counts, and the conversion of ledger rows into JSON-safe data.

No matplotlib or jinja2 here: ``summarize`` is cheap and is what the demo prints to the console.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import PurePath
from typing import Any

from golive.errors import GoliveError
from golive.models import CriterionStatus
from golive.scoring import POINTS
from golive.usage import cost

#: Severities from the most to the least severe (the order of tables and counts).
SEVERITIES = ("critical", "high", "medium", "low", "info")

#: Overall outcomes, from the worst to the best.
OUTCOMES = ("REJECTED", "ROLLED-BACK", "FAIL", "PENDING", "NO-GATES", "WARNING", "PASS")

#: Extra list-valued keys of a report that are rendered as generic tables, with their titles.
EXTRA_SECTIONS = {"revisions": "Deployment revisions", "rollbacks": "Rollbacks"}


class ReportError(GoliveError):
    """The report input is not what ``Ledger.run_report`` returns; pass that dict unchanged."""


def to_jsonable(value: Any) -> Any:
    """Convert ledger rows into JSON-safe values: datetimes to ISO 8601, Decimals and NaN handled,
    enums to their values, sets sorted, mappings with string keys (recursively)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=repr)
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if hasattr(value, "model_dump"):  # pydantic models
        return to_jsonable(value.model_dump(mode="json"))
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    return str(value)


def criterion_points(status: str) -> float:
    """Points per unit of weight of a criterion status, as scored (an unknown status earns 0)."""
    try:
        return POINTS[CriterionStatus(status)]
    except ValueError:
        return 0.0


def excluded_why(criterion: Mapping[str, Any]) -> str | None:
    """Why a recorded criterion leaves the score's maximum, as scored: ``not applicable`` or
    ``optional, no data``; None when it counts."""
    status = str(criterion.get("status", ""))
    if status == CriterionStatus.NOT_APPLICABLE.value:
        return "not applicable"
    if bool(criterion.get("optional")) and status == CriterionStatus.NO_DATA.value:
        return "optional, no data"
    return None


def criteria_counts(ev: Mapping[str, Any]) -> dict[str, int]:
    """Criteria of an evaluation per status (every known status present; not-applicable apart from no-data)."""
    counts = dict.fromkeys((s.value for s in CriterionStatus), 0)
    for c in ev.get("criteria") or []:
        status = str(c.get("status", "") if isinstance(c, Mapping) else "")
        counts[status] = counts.get(status, 0) + 1
    return counts


def check_report(report: Any) -> None:
    """Raise ``ReportError`` unless ``report`` has the shape of ``Ledger.run_report``'s result."""
    if not isinstance(report, Mapping):
        raise ReportError(f"a report is the dict returned by Ledger.run_report(run_id), not "
                          f"{type(report).__name__}")
    if not isinstance(report.get("run"), Mapping):
        raise ReportError("the report has no 'run' record: pass the dict returned by "
                          "Ledger.run_report(run_id)")
    for key in ("phases", "evaluations"):
        if not isinstance(report.get(key, []), list):
            raise ReportError(f"the report's {key!r} must be a list of rows, got "
                              f"{type(report.get(key)).__name__}")
    for i, ev in enumerate(report.get("evaluations", [])):
        if not isinstance(ev, Mapping) or "gate" not in ev or "status" not in ev:
            raise ReportError(f"evaluation #{i} has no gate or status: pass the rows of "
                              "Ledger.run_report(run_id) unchanged")


def gate_key(ev: Mapping[str, Any]) -> tuple[str, str, str]:
    """The identity of a gate across retries: its name, application and ref."""
    return (str(ev.get("gate", "")), str(ev.get("application") or ""), str(ev.get("ref") or ""))


def evaluation_order(evaluations: list[Mapping[str, Any]]) -> list[int]:
    """Indexes of ``evaluations`` in recording order (by ledger id when every row has one)."""
    ids = [ev.get("id") for ev in evaluations]
    if all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        return sorted(range(len(evaluations)), key=lambda i: (ids[i], i))
    return list(range(len(evaluations)))


def group_evaluations(evaluations: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Group the evaluations of each gate; the last recorded one is current, earlier ones superseded.

    Returns one dict per gate, in the order the gates first ran: ``key``, ``indexes`` (recording
    order), ``current`` (index of the counting evaluation).
    """
    groups: dict[tuple[str, str, str], list[int]] = {}
    for i in evaluation_order(evaluations):
        groups.setdefault(gate_key(evaluations[i]), []).append(i)
    return [{"key": k, "indexes": idx, "current": idx[-1]} for k, idx in groups.items()]


def effective_status(ev: Mapping[str, Any]) -> str:
    """What a gate's verdict means for the run once its approval (if any) is taken into account.

    PASS stays PASS, FAIL stays FAIL; a WARNING is WARNING when approved (or approval was not
    required), REJECTED when a human rejected it, and PENDING while nobody has answered.
    """
    status = str(ev.get("status", "")).upper()
    if status == "WARNING":
        approval = ev.get("approval") or {}
        decision = approval.get("decision")
        if decision == "rejected":
            return "REJECTED"
        if decision in ("approved", "not-required"):
            return "WARNING"
        return "PENDING"
    if status in ("PASS", "FAIL"):
        return status
    return "FAIL"  # an unknown verdict status is never a pass


def _num(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f"{value:g}"
    return "?"


def gate_line(ev: Mapping[str, Any], tries: int = 1, qualify: bool = False) -> str:
    """One console line for a gate, e.g. ``quality PASS 93.5/85 [approved by alice; 2 evaluations]``."""
    name = str(ev.get("gate", "?"))
    if qualify:
        name += f"[{ev.get('application') or '?'}@{ev.get('ref') or '?'}]"
    line = f"{name} {str(ev.get('status', '?')).upper()} {_num(ev.get('score'))}/{_num(ev.get('threshold'))}"
    notes = []
    approval = ev.get("approval")
    if approval:
        notes.append(f"{approval.get('decision', '?')} by {approval.get('approver', '?')}")
    elif effective_status(ev) == "PENDING":
        notes.append("awaiting approval")
    refusals = ev.get("refusals") or []
    if refusals:
        notes.append("refused: " + ", ".join(f"{r.get('chosen', '?')} by {r.get('responder', '?')}" for r in refusals))
    inapplicable = criteria_counts(ev)[CriterionStatus.NOT_APPLICABLE.value]
    if inapplicable:
        notes.append(f"{inapplicable} not applicable")
    if tries > 1:
        notes.append(f"{tries} evaluations")
    if notes:
        line += f" [{'; '.join(notes)}]"
    return line


def count_findings(evaluations: list[Mapping[str, Any]]) -> dict[str, int]:
    """Findings per severity (every known severity present, most severe first; unknown ones after)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for ev in evaluations:
        for f in ev.get("findings") or []:
            sev = str(f.get("severity") or "unknown").lower()
            counts[sev] = counts.get(sev, 0) + 1
    return counts


def summarize(report: Mapping[str, Any]) -> dict[str, Any]:
    """Condense a run report into its outcome, one line per gate and the finding counts.

    Only the current (last) evaluation of each gate counts; superseded retries are counted in
    ``evaluations_superseded``. Outcomes, worst first: REJECTED (the conf was rejected, or a human
    rejected a WARNING), ROLLED-BACK, FAIL, PENDING (a WARNING awaits approval), NO-GATES (no gate
    ran), WARNING (passed with approved warnings), PASS. A run recorded as failed is at best FAIL.

    :param report: the dict returned by ``Ledger.run_report(run_id)``.
    :raises ReportError: when ``report`` does not have that shape.
    """
    check_report(report)
    run = report["run"]
    evaluations = list(report.get("evaluations") or [])
    groups = group_evaluations(evaluations)
    names = [g["key"][0] for g in groups]
    current = [evaluations[g["current"]] for g in groups]

    gate_results = []
    lines = []
    for g, ev in zip(groups, current, strict=True):
        qualify = names.count(g["key"][0]) > 1
        lines.append(gate_line(ev, len(g["indexes"]), qualify))
        approval = ev.get("approval")
        gate_results.append({
            "gate": g["key"][0], "application": g["key"][1] or None, "ref": g["key"][2] or None,
            "status": str(ev.get("status", "")).upper(), "effective": effective_status(ev),
            "score": ev.get("score"), "threshold": ev.get("threshold"),
            "warning_floor": ev.get("warning_floor"), "evaluation_id": ev.get("id"),
            "try_number": ev.get("try_number"), "evaluations": len(g["indexes"]),
            "criteria": criteria_counts(ev),
            "approval": ({"decision": approval.get("decision"), "approver": approval.get("approver")}
                         if approval else None),
        })

    outcome, reason = _outcome(report, run, gate_results)
    findings = count_findings(current)
    summary: dict[str, Any] = to_jsonable({
        "run_id": run.get("run_id"), "application": run.get("application"),
        "version": run.get("version"), "environment": run.get("environment"),
        "strategy": run.get("strategy"), "run_status": run.get("status"),
        "outcome": outcome, "outcome_reason": reason,
        "gates": lines, "gate_results": gate_results,
        "evaluations_total": len(evaluations),
        "evaluations_superseded": len(evaluations) - len(groups),
        "findings": findings, "findings_total": sum(findings.values()),
        "phases": len(report.get("phases") or []),
        "rollbacks": len(report.get("rollbacks") or []),
        "cost": cost(report.get("usage") or []),
    })
    return summary


def _outcome(report: Mapping[str, Any], run: Mapping[str, Any],
             gates: list[dict[str, Any]]) -> tuple[str, str]:
    run_status = str(run.get("status") or "").lower()
    error = run.get("error")
    if run_status == "rejected":
        return "REJECTED", f"the request was rejected: {error or 'invalid conf'}"
    failed = [g for g in gates if g["effective"] == "FAIL"]
    rollbacks = report.get("rollbacks") or []
    if rollbacks:
        why = "; ".join(_gate_why(g) for g in failed) or error or "a post-deployment check failed"
        return "ROLLED-BACK", f"rolled back ({len(rollbacks)} rollback(s)): {why}"
    if failed:
        return "FAIL", "; ".join(_gate_why(g) for g in failed)
    rejected = [g for g in gates if g["effective"] == "REJECTED"]
    if rejected:
        return "REJECTED", "; ".join(
            f"gate {g['gate']} WARNING rejected by {g['approval']['approver']}" for g in rejected)
    if run_status == "failed":
        return "FAIL", f"the run failed: {error or 'no error recorded'}"
    pending = [g for g in gates if g["effective"] == "PENDING"]
    if pending:
        return "PENDING", "; ".join(f"gate {g['gate']} WARNING awaits approval" for g in pending)
    if not gates:
        return "NO-GATES", "no gate ran in this run"
    warned = [g for g in gates if g["effective"] == "WARNING"]
    if warned:
        return "WARNING", "; ".join(
            f"gate {g['gate']} WARNING {_num(g['score'])}/{_num(g['threshold'])} accepted"
            + (f" ({g['approval']['decision']} by {g['approval']['approver']})" if g["approval"] else "")
            for g in warned)
    return "PASS", f"all {len(gates)} gate(s) passed"


def _gate_why(g: Mapping[str, Any]) -> str:
    return f"gate {g['gate']} FAIL {_num(g['score'])}/{_num(g['threshold'])}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """The summary as a few console lines (what the demo prints at the end of a run)."""
    head = " ".join(str(summary.get(k) or "-") for k in ("application", "version", "environment",
                                                          "strategy"))
    out = [f"go-live {summary.get('run_id')}: {summary.get('outcome')} — {summary.get('outcome_reason')}",
           f"  {head}"]
    out += [f"  gate {line}" for line in summary.get("gates") or []] or ["  no gate ran"]
    counts = summary.get("findings") or {}
    out.append("  findings: " + ", ".join(f"{k} {v}" for k, v in counts.items())
               + f" (total {summary.get('findings_total', 0)})")
    total = (summary.get("cost") or {}).get("total") or {}
    if total.get("pods"):
        measured = total.get("cpu_seconds_measured")
        shown = "not measured" if measured is None else _num(measured)
        out.append(f"  cost: {total['pods']} pod(s), wall {_num(total['wall_seconds'])} s, CPU-seconds requested "
                   f"{_num(total['cpu_seconds_requested'])}, measured {shown}, GPU-seconds "
                   f"{_num(total['gpu_seconds'])}")
    return "\n".join(out)
