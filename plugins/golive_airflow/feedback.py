"""The ``golive_feedback`` DAG's worker tasks: collect, record what the validation found, link the reports.

The worker owns the ledger, so it reads the ledger's ``received`` feedback and stages it for the
pods; it writes and moves files through Airflow's ``ObjectStoragePath`` (``file://`` by default,
``gs://`` / ``s3://`` with the provider's filesystem and its connection). The heavy work —
reading the drop files and the endpoint, the Great Expectations suite, the analysis and the
report — runs in the feedback agent's pods (``python -m golive.agents.feedback``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from golive.feedback.layout import file_name, insights_rel, processed_rel, quarantine_rel, run_rel
from golive.feedback.rows import format_of, jsonable_rows
from golive.settings import get_settings
from golive_airflow.context import record_key

COLLECT_TASK_ID, VALIDATE_TASK_ID = "collect", "validate"
RECORD_TASK_ID, ANALYZE_TASK_ID = "record", "analyze"


def _path(url: str) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


def _write_json(url: str, doc: Any) -> str:
    path = _path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True, default=str), encoding="utf-8")
    return url


def _read_json(url: str) -> Any:
    return json.loads(_path(url).read_text(encoding="utf-8"))


def _move(src: str, dest: str) -> str:
    """Move a file (idempotent: a retried task finds it moved already)."""
    source, target = _path(src), _path(dest)
    if not source.exists() and target.exists():
        return dest
    target.parent.mkdir(parents=True, exist_ok=True)
    source.move(target)
    return dest


def _ledger(ledger_conn_id: str | None) -> Any:
    from golive_airflow.hooks.ledger import LedgerHook

    return LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()


def _triggering_applications(context: Mapping[str, Any]) -> list[str]:
    """The applications the go-live asset events that triggered this run name (``extra.application``)."""
    names: list[str] = []
    events = context.get("triggering_asset_events") or {}
    for asset_events in events.values():
        for event in asset_events:
            name = (getattr(event, "extra", None) or {}).get("application")
            if isinstance(name, str) and name not in names:
                names.append(name)
    return names


def _drop_files(inbox: str, application: str) -> list[str]:
    folder = _path(f"{inbox}/{application}")
    if not folder.exists():
        return []
    return sorted(str(p) for p in folder.iterdir() if p.is_file() and format_of(p.name))


def check_params(params: Mapping[str, Any]) -> dict[str, str]:
    """The conf validated again by ``FeedbackRequest`` (the model the Params came from).

    :raises GoLiveConfError: naming the field, before anything is read or written.
    """
    from golive.models import FeedbackRequest
    from golive_airflow.tasks import validated_conf

    return validated_conf(FeedbackRequest, params)


def go_live_event(context: Mapping[str, Any]) -> dict[str, Any]:
    """The ``extra`` of the go-live asset event a successful ``golive`` run emits: which application
    and version went live (the feedback run it triggers collects that application)."""
    from golive_airflow.context import REQUEST_TASK_ID

    request = context["ti"].xcom_pull(task_ids=REQUEST_TASK_ID) or {}
    return {"application": request.get("application"), "version": request.get("version"),
            "environment": request.get("environment"), "run_id": context["ti"].run_id}


def collect(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Stage this run's batches and write the manifest the validation pod reads.

    Applications: the conf's ``application``, else those named by the go-live events that triggered
    the run, else every application live in the ledger. For each: its ``received`` ledger rows (one
    staged batch), each CSV/JSON file of ``<inbox>/<application>/``, and its feedback endpoint when
    its profile declares ``endpoints.feedback`` and the ledger knows its service URL (or the conf's
    ``url``).
    """
    settings = get_settings()
    ti = context["ti"]
    params = check_params(context.get("params") or {})
    ledger = _ledger(ledger_conn_id)
    live = {a["application"]: a for a in ledger.live_applications()}
    wanted = [params["application"]] if params.get("application") else (
        _triggering_applications(context) or sorted(live))
    batches: list[dict[str, Any]] = []
    notes: dict[str, list[str]] = {}
    for application in wanted:
        received = ledger.received_feedback(application)
        if received:
            url = settings.feedback_store + "/" + run_rel(ti.run_id, "batches", f"ledger-{application}.json")
            _write_json(url, {"origin": "ledger:feedback", "application": application,
                              "rows": jsonable_rows(received)})
            batches.append({"application": application, "source": "ledger", "url": url})
        batches += [{"application": application, "source": "drop", "url": url}
                    for url in _drop_files(settings.feedback_inbox, application)]
        app = live.get(application) or {}
        path = ((app.get("profile") or {}).get("endpoints") or {}).get("feedback")
        base = params.get("url") or app.get("service_url")
        if path and base:
            batches.append({"application": application, "source": "endpoint", "url": base, "path": path})
        elif path:
            notes.setdefault(application, []).append(
                f"endpoints.feedback {path} declared, but the ledger knows no service URL of {application}")
    manifest = settings.feedback_store + "/" + run_rel(ti.run_id, "manifest.json")
    _write_json(manifest, {"run": ti.run_id, "collected": wanted, "batches": batches, "notes": notes})
    return {"manifest": manifest, "applications": wanted, "batches": len(batches)}


def _rows_with_times(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    from golive.feedback.analysis import parse_time

    return [{**r, "submitted_at": parse_time(r["submitted_at"])} for r in rows]


def _quarantine(ledger: Any, batch: Mapping[str, Any], run_id: str) -> dict[str, Any]:
    """Keep a failed batch's file in the quarantine folder, with its failed expectations, and record it."""
    store = get_settings().feedback_store
    application, batch_id = str(batch["application"]), str(batch["batch_id"])
    if batch["source"] == "drop":
        kept = _move(str(batch["url"]), f"{store}/{quarantine_rel(application, batch_id, file_name(batch['url']))}")
    else:
        kept = _move(str(batch["failed_url"]), f"{store}/{quarantine_rel(application, batch_id, 'batch.json')}")
    _write_json(f"{store}/{quarantine_rel(application, batch_id, 'failed.json')}",
                {"batch_id": batch_id, "origin": batch["origin"], "failed": batch["failed"]})
    if batch["source"] == "ledger":
        ledger.set_feedback_status(application=application, external_ids=batch.get("ids") or [],
                                   status="quarantined", batch_id=batch_id)
    record = {"batch_id": batch_id, "run_id": run_id, "application": application, "source": batch["source"],
              "origin": str(batch["origin"]), "location": kept, "rows": int(batch["rows"]),
              "failed": list(batch["failed"])}
    ledger.record_quarantine(**record)
    return record


def record(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Accept or quarantine each validated batch, then export each application's accepted feedback
    for the analysis pod (and write its manifest)."""
    settings = get_settings()
    ti = context["ti"]
    result = ti.xcom_pull(task_ids=VALIDATE_TASK_ID)
    collected = ti.xcom_pull(task_ids=COLLECT_TASK_ID)
    if not isinstance(result, dict) or not isinstance(collected, dict):
        raise ValueError(f"tasks {COLLECT_TASK_ID!r} and {VALIDATE_TASK_ID!r} must push their results first")
    ledger = _ledger(ledger_conn_id)
    manifest = _read_json(str(collected["manifest"]))
    quarantined: dict[str, list[dict[str, Any]]] = {}
    accepted = 0
    for batch in result.get("batches") or []:
        application = str(batch["application"])
        if not batch.get("ok"):
            quarantined.setdefault(application, []).append(_quarantine(ledger, batch, ti.run_id))
            continue
        validated = _read_json(str(batch["validated_url"]))
        accepted += ledger.record_feedback(application=application, source=str(batch["source"]),
                                           batch_id=str(batch["batch_id"]),
                                           rows=_rows_with_times(validated.get("rows") or []))
        if batch["source"] == "drop":
            _move(str(batch["url"]), f"{settings.feedback_store}/"
                                     f"{processed_rel(application, ti.run_id, file_name(batch['url']))}")
    notes = {k: list(v) for k, v in (manifest.get("notes") or {}).items()}
    for error in result.get("errors") or []:
        notes.setdefault(str(error.get("application")), []).append(str(error.get("error")))
    entries = []
    for application in manifest.get("collected") or []:
        url = settings.feedback_store + "/" + run_rel(ti.run_id, "analysis", f"{application}.json")
        _write_json(url, {"application": application, "rows": jsonable_rows(ledger.accepted_feedback(application)),
                          "quarantined": quarantined.get(application, []), "notes": notes.get(application, [])})
        entries.append({"application": application, "rows_url": url})
    analysis = _write_json(settings.feedback_store + "/" + run_rel(ti.run_id, "analysis.json"),
                           {"run": ti.run_id, "applications": entries})
    return {"manifest": analysis, "accepted_rows": accepted,
            "quarantined": sum(len(v) for v in quarantined.values()),
            "quarantined_batches": [q["batch_id"] for v in quarantined.values() for q in v],
            "errors": list(result.get("errors") or [])}


def record_reports(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Link each insights report from the ledger (``feedback_reports``) and record the run's summary."""
    from golive.docs.store import public_url_of

    settings = get_settings()
    ti = context["ti"]
    result = ti.xcom_pull(task_ids=ANALYZE_TASK_ID)
    if not isinstance(result, dict):
        raise ValueError(f"task {ANALYZE_TASK_ID!r} pushed no result")
    ledger = _ledger(ledger_conn_id)
    links = []
    for report in result.get("reports") or []:
        application = str(report["application"])
        public = public_url_of(settings.docs_public_url, insights_rel(application, ti.run_id, "insights.html"))
        ledger.record_feedback_report(run_id=ti.run_id, application=application, html_url=str(report["html"]),
                                      json_url=str(report["json"]), public_url=public,
                                      summary=report.get("summary") or {})
        links.append({"application": application, "html": report["html"], "public_url": public,
                      "summary": report.get("summary") or {}})
    recorded = ti.xcom_pull(task_ids=RECORD_TASK_ID) or {}
    summary = {"reports": links, "quarantined_batches": recorded.get("quarantined_batches", []),
               "errors": recorded.get("errors", [])}
    ledger.record_phase(record_key(context), phase="feedback", status="success", summary=summary)
    for link in links:
        print(f"golive feedback report of {link['application']}: {link['html']} ({link['public_url']})")
    return summary
