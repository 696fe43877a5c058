"""The ``golive_maintenance`` DAG's worker tasks: discover the live applications, write each one's
manifest, record what its pods found and did, apply the retention policy.

The worker owns the ledger; the pods (``python -m golive.agents.maintenance``) read the manifest and
write their results next to it in the documentation store (:mod:`golive.maintenance.layout`), which
the worker reads through Airflow's ``ObjectStoragePath``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import Any

from golive.maintenance.layout import MANIFEST, NOTICE, RESCAN, ROTATION, UPDATES, maintenance_rel
from golive.settings import get_settings
from golive_airflow.context import record_key

DISCOVER_TASK_ID, GROUP_ID, RETENTION_TASK_ID = "discover", "maintain", "retention"
PREPARE_TASK_ID, RESCAN_TASK_ID, PROPOSE_TASK_ID = "prepare", "rescan", "propose_updates"
ROTATE_TASK_ID, RECORD_TASK_ID = "rotate_secrets", "record"
STEPS = {RESCAN_TASK_ID: RESCAN, PROPOSE_TASK_ID: UPDATES, ROTATE_TASK_ID: ROTATION}


def _path(url: str) -> Any:
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


def _write_text(url: str, text: str) -> str:
    path = _path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return url


def _read_json(url: str) -> Any:
    path = _path(url)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _ledger(ledger_conn_id: str | None) -> Any:
    from golive_airflow.hooks.ledger import LedgerHook

    return LedgerHook(ledger_conn_id or get_settings().ledger_conn_id).get_conn()


def _url(application: str, run_id: str, name: str) -> str:
    return f"{get_settings().docs_store}/{maintenance_rel(application, run_id, name)}"


def check_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The conf validated again by ``MaintenanceRequest`` (the model the Params came from); no
    ``retention_days`` means ``GOLIVE_MAINTENANCE_RETENTION_DAYS``.

    :raises GoLiveConfError: naming the field, before anything is read or written.
    """
    from golive.models import MaintenanceRequest
    from golive_airflow.tasks import validated_conf

    conf = {k: v for k, v in params.items() if not (k == "retention_days" and v in (None, ""))}
    return validated_conf(MaintenanceRequest,
                          {"retention_days": get_settings().maintenance_retention_days, **conf})


def discover(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> list[str]:
    """The applications to maintain: the conf's ``application`` (it must be live), else every one live
    in the ledger (its newest ``golive`` run succeeded)."""
    from golive_airflow.exceptions import GoLiveConfError

    params = check_params(context.get("params") or {})
    live = sorted(a["application"] for a in _ledger(ledger_conn_id).live_applications())
    if params["application"]:
        if params["application"] not in live:
            raise GoLiveConfError(f"conf rejected: application: {params['application']!r} is not live in the "
                                  f"ledger (live: {', '.join(live) or 'none'})")
        return [params["application"]]
    return live


def manifest_for(ledger: Any, application: str, run_id: str) -> dict[str, Any]:
    """What the pods need about one live application (no secret value: key names only)."""
    live = {a["application"]: a for a in ledger.live_applications()}
    if application not in live:
        raise ValueError(f"application {application!r} is not live in the ledger")
    app = live[application]
    request = app.get("request") or {}
    plan = ledger.phase_summary(app["run_id"], "plan") or {}
    where = ledger.live_deployments(application, app["run_id"])
    environment = str(request.get("environment") or "dev")
    namespace = where["namespace"] or request.get("namespace")
    location = f"{namespace}/"
    secrets = [k for k in ledger.secret_keys(application, environment)
               if k["backend"] == "kubernetes" and str(k["location"]).startswith(location)]
    profile = app.get("profile") or {}
    health_path = (profile.get("endpoints") or {}).get("health") or "/health"
    service_url = app.get("service_url")
    return {
        "application": application, "run_id": run_id, "golive_run": app["run_id"], "version": app.get("version"),
        "environment": environment, "source": request.get("source"), "ref": request.get("ref") or "HEAD",
        "commit": plan.get("commit"), "kind": profile.get("kind") or "service",
        "live_since": where["live_since"].isoformat() if where["live_since"] else None,
        "known_at_golive": ledger.known_fingerprints(app["run_id"]),
        "reported": ledger.known_since_findings(application),
        "namespace": namespace, "deployments": where["deployments"],
        "secret": str(secrets[0]["location"]).split("/", 1)[1] if secrets else None,
        "keys": sorted({str(k["key"]) for k in secrets}),
        "health_path": health_path,
        "health_url": f"{service_url.rstrip('/')}{health_path}" if service_url else None,
    }


def prepare(context: Mapping[str, Any], application: str, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Write ``application``'s manifest for this run's pods; returns its URL."""
    run_id = context["ti"].run_id
    manifest = manifest_for(_ledger(ledger_conn_id), application, run_id)
    url = _write_text(_url(application, run_id, MANIFEST), json.dumps(manifest, indent=1, sort_keys=True))
    return {"application": application, "manifest": url}


def _notice(application: str, new: list[dict[str, Any]], run_id: str) -> str:
    lines = [f"# {len(new)} new advisories for {application}", "",
             f"golive_maintenance run `{run_id}` found advisories the go-live did not know:", ""]
    lines += [f"* **{a['primary']}** ({a.get('severity') or 'severity unknown'}) — {a['package']} {a['version']} "
              f"in `{a['path']}`: {a['summary']} — fixed in {', '.join(a.get('fixed') or []) or 'no known version'}; "
              f"{a['why']}" for a in new]
    return "\n".join(lines) + "\n"


def record(context: Mapping[str, Any], application: str, ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Record what ``application``'s pods found and did: advisories (``new`` ones also as a notice in
    the store and the task log), the proposed updates, the rotated key names.

    :raises MaintenanceIncomplete: a step left no result, or a rotation did not complete (after recording
        the others).
    """
    from golive.ledger.maintenance import FINDING, UPDATE
    from golive.ledger.maintenance import ROTATION as ROTATED
    from golive_airflow.exceptions import MaintenanceIncomplete

    ti = context["ti"]
    run_id = ti.run_id
    ledger = _ledger(ledger_conn_id)
    results = {step: _read_json(_url(application, run_id, name)) for step, name in STEPS.items()}
    summary: dict[str, Any] = {"application": application, "missing": [s for s, r in results.items() if r is None]}
    scan = results[RESCAN_TASK_ID]
    if scan is not None:
        ledger.record_maintenance(run_id=run_id, application=application, kind=FINDING, rows=[
            {"item": a["fingerprint"], "status": a["status"], "detail": {k: a.get(k) for k in (
                "primary", "ids", "package", "version", "ecosystem", "path", "severity", "summary", "fixed",
                "published", "why")}} for a in scan.get("advisories") or []])
        new = [a for a in scan.get("advisories") or [] if a["status"] == "new"]
        summary["advisories"] = scan.get("counts")
        if new:
            url = _write_text(_url(application, run_id, NOTICE), _notice(application, new, run_id))
            summary["notice"] = url
            print(f"golive maintenance: {len(new)} new advisories for {application} "
                  f"({', '.join(a['primary'] for a in new)}); see {url}")
            from golive_airflow.notifiers.events import advisories_event
            from golive_airflow.notifiers.factory import send

            deployed = _read_json(_url(application, run_id, MANIFEST)) or {}
            summary["notify_failed"] = send(advisories_event(context, application, str(deployed.get("version") or ""),
                                                             new, url), context)
    updates = results[PROPOSE_TASK_ID]
    if updates is not None:
        ledger.record_maintenance(run_id=run_id, application=application, kind=UPDATE, rows=[
            {"item": f"{b['ecosystem']}:{b['package']}:{b['path']}", "status": b["how"],
             "detail": {**b, "patch": updates.get("patch"), "verified": updates.get("verified"),
                        "verification": updates.get("verification")}} for b in updates.get("bumps") or []])
        summary["updates"] = {"status": updates.get("status"), "patch": updates.get("patch"),
                              "verified": updates.get("verified")}
    rotation = results[ROTATE_TASK_ID]
    if rotation is not None:
        ledger.record_maintenance(run_id=run_id, application=application, kind=ROTATED, rows=[
            {"item": key, "status": rotation["status"], "detail": {
                "secret": rotation.get("secret"), "deployments": rotation.get("deployments"),
                "checks": rotation.get("checks"), "error": rotation.get("error")}}
            for key in rotation.get("keys") or []])
        summary["rotation"] = {"status": rotation["status"], "keys": rotation.get("keys") or []}
    failed = summary["missing"] + ([ROTATE_TASK_ID] if rotation and rotation["status"] not in (
        "rotated", "nothing-to-rotate") else [])
    ledger.record_phase(record_key(context), phase="maintenance", status="failed" if failed else "success",
                        summary=summary)
    if failed:
        raise MaintenanceIncomplete(f"maintenance of {application} incomplete: {', '.join(failed)} "
                                    f"(what the other steps did is recorded)")
    return summary


def retention(context: Mapping[str, Any], ledger_conn_id: str | None = None) -> dict[str, Any]:
    """Apply the retention policy as of the run's logical date: the ledger rows of runs older than
    ``retention_days`` (never the live go-lives'), their report directories, old maintenance and
    feedback-report rows and the feedback reports' files."""
    import shutil

    from golive.ledger.maintenance import RETENTION

    settings = get_settings()
    params = check_params(context.get("params") or {})
    moment = context.get("logical_date") or context["dag_run"].run_after
    cutoff = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - timedelta(days=params["retention_days"])
    ledger = _ledger(ledger_conn_id)
    keep = [a["run_id"] for a in ledger.live_applications()]
    run_id = context["ti"].run_id
    done = ledger.apply_retention(cutoff=cutoff, keep_runs=keep, run_id=run_id)
    removed = []
    for old in done["runs"]:
        folder = settings.run_report_dir(old)
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(str(folder))
    for url in done["files"]:
        path = _path(url)
        if path.exists():
            path.unlink()
            removed.append(url)
    summary = {"cutoff": cutoff.isoformat(), "retention_days": params["retention_days"], "runs": len(done["runs"]),
               "deleted": done["deleted"], "removed": removed, "kept_live_runs": keep}
    ledger.record_maintenance(run_id=run_id, application="*", kind=RETENTION, rows=[
        {"item": table, "status": "deleted", "detail": {"rows": count, "cutoff": cutoff.isoformat()}}
        for table, count in done["deleted"].items()])
    ledger.record_phase(record_key(context), phase="retention", status="success", summary=summary)
    return summary

