"""The Feedback agent (plan 000, phase 9): validate collected feedback, then analyse it.

The ``golive_feedback`` DAG's worker collects (it owns the ledger) and stages a manifest in the
feedback store; these two actions are the heavy work, each in a pod::

    python -m golive.agents.feedback validate --manifest URL --store URL --run RUN_ID
    python -m golive.agents.feedback analyze --manifest URL --docs-store URL --run RUN_ID --as-of ISO

``validate`` reads every batch the manifest lists — a staged ledger batch, a drop file (CSV/JSON),
the application's feedback endpoint (``GET``) — and validates it with Great Expectations
(:mod:`golive.feedback.validation`); an accepted batch's normalised rows are written to
``runs/<run>/validated/<batch>.json``; a failed one is listed with its failed expectations (the
worker quarantines it). An endpoint that does not answer is an error of the result, not a batch.

``analyze`` reads, per application, the accepted feedback the worker exported and the batches it
quarantined, analyses it (:mod:`golive.feedback.analysis`) and writes the insights report
(``<application>/feedback/<run>/insights.{html,json}`` in the documentation store).

Both print a JSON summary (also the pod's XCom). Exit 0 when done (a quarantined batch is done:
it is kept, with why), 1 when something could not be read or written, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from golive.cli.args import read_manifest, run_id, store_url
from golive.cli.output import ExitCode, emit
from golive.docs.store import ArtifactStore, StoreError
from golive.feedback.layout import FeedbackStore, insights_rel, read_json, run_rel, write_json
from golive.feedback.rows import SOURCES, Batch, normalise
from golive.feedback.topics import BACKENDS, TopicsBackendUnavailable
from golive.results import FeedbackInsightsResult, FeedbackValidationResult
from golive.runtime import write_xcom


def _load(entry: Mapping[str, Any]) -> tuple[Batch, str | None]:
    """The batch a manifest entry names, and why it could not be read (None when it could)."""
    from golive.feedback.collect import fetch_endpoint, read_drop_file

    application, source, url = str(entry["application"]), str(entry["source"]), str(entry["url"])
    if source == "drop":
        return read_drop_file(url, application)
    if source == "endpoint":
        return fetch_endpoint(url, str(entry.get("path") or ""), application), None
    staged = read_json(url)
    return Batch(application, source, str(staged.get("origin") or url),
                 tuple(normalise(r) for r in staged.get("rows") or [])), None


def validate(manifest: Mapping[str, Any], store: FeedbackStore, run: str) -> tuple[int, dict[str, Any]]:
    """Validate every batch of ``manifest``; returns (exit code, summary)."""
    from golive.feedback.collect import EndpointError
    from golive.feedback.validation import FeedbackValidation, validate_rows

    batches: list[dict[str, Any]] = []
    errors: list[dict[str, str]] = []
    for entry in manifest.get("batches") or []:
        try:
            batch, read_error = _load(entry)
        except EndpointError as exc:
            errors.append({"application": str(entry["application"]), "error": str(exc)})
            continue
        outcome = FeedbackValidation(None, read_error) if read_error else validate_rows(batch.rows)
        item = {"batch_id": batch.batch_id, "application": batch.application, "source": batch.source,
                "origin": batch.origin, "url": entry["url"], "rows": len(batch.rows), "ok": outcome.ok,
                "failed": outcome.failed(), "expectations": len(outcome.outcome.expectations) if outcome.outcome
                else 0, "ids": [str(r.get("id")) for r in batch.rows]}
        if outcome.ok:
            item["validated_url"] = write_json(store.url(run_rel(run, "validated", f"{batch.batch_id}.json")),
                                               batch.as_dict())
        else:
            item["failed_url"] = write_json(store.url(run_rel(run, "validated", f"{batch.batch_id}.failed.json")),
                                            {**batch.as_dict(), "validation": outcome.as_dict()})
        batches.append(item)
    summary = {"agent": "feedback", "action": "validate", "run": run, "batches": batches, "errors": errors,
               "accepted": sum(1 for b in batches if b["ok"]), "quarantine": sum(1 for b in batches if not b["ok"])}
    return ExitCode.OK, summary


def analyze(manifest: Mapping[str, Any], docs: ArtifactStore, run: str, as_of: datetime,
            topics: str = "tfidf") -> tuple[int, dict[str, Any]]:
    """Analyse each application of ``manifest`` and write its insights report; returns (exit code, summary).

    :param topics: the topics backend (``auto``, ``tfidf``, ``embeddings``; :mod:`golive.feedback.topics`).
    :raises golive.feedback.topics.TopicsBackendUnavailable: ``embeddings`` without the extra installed.
    """
    import json

    from golive.feedback.analysis import analyse
    from golive.feedback.report import render_insights

    reports = []
    for entry in manifest.get("applications") or []:
        application = str(entry["application"])
        doc = read_json(str(entry["rows_url"]))
        analysis = analyse(doc.get("rows") or [], as_of=as_of, topics_backend=topics)
        report = render_insights(application=application, run_id=run, analysis=analysis,
                                 quarantined=doc.get("quarantined") or [], notes=doc.get("notes") or [])
        html = docs.write_text(insights_rel(application, run, "insights.html"), report.html)
        data = docs.write_text(insights_rel(application, run, "insights.json"),
                               json.dumps(report.data, indent=1, sort_keys=True, default=str))
        reports.append({"application": application, "html": html, "json": data,
                        "rel": insights_rel(application, run, "insights.html"),
                        "summary": {"responses": analysis["responses"], "csat": analysis["csat"],
                                    "nps": analysis["nps"], "sentiment": analysis["sentiment"],
                                    "releases": [{k: r[k] for k in ("version", "csat", "nps", "csat_trend",
                                                                    "nps_trend")} for r in analysis["releases"]],
                                    "topics_backend": analysis["method"]["topics_backend"],
                                    "top_topics": [{k: t[k] for k in ("rank", "topic", "count", "priority")}
                                                   for t in analysis["topics"][:5]],
                                    "quarantined": len(doc.get("quarantined") or [])}})
    return ExitCode.OK, {"agent": "feedback", "action": "analyze", "run": run, "reports": reports}


def _as_of(text: str) -> datetime:
    from golive.feedback.analysis import parse_time

    try:
        return parse_time(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"as-of {text!r} is not a date (ISO 8601)") from None


def _manifest(url: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    doc = read_manifest(url, parser)
    for entry in doc.get("batches") or []:
        if not isinstance(entry, dict) or entry.get("source") not in SOURCES or not entry.get("url") \
                or not entry.get("application"):
            parser.error(f"--manifest: a batch entry needs application, source ({', '.join(SOURCES)}) and url: "
                         f"{entry!r}")
    for entry in doc.get("applications") or []:
        if not isinstance(entry, dict) or not entry.get("application") or not entry.get("rows_url"):
            parser.error(f"--manifest: an application entry needs application and rows_url: {entry!r}")
    return doc


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    from golive.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m golive.agents.feedback", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    for name, what in (("validate", "validate the collected batches with Great Expectations"),
                       ("analyze", "analyse the accepted feedback and write the insights reports")):
        p = sub.add_parser(name, help=what)
        p.add_argument("--manifest", required=True, type=store_url,
                       help="URL of the manifest the DAG's worker staged")
        p.add_argument("--run", required=True, type=run_id, help="the DAG run")
        if name == "validate":
            p.add_argument("--store", type=store_url, default=None,
                           help="feedback store base URL (default GOLIVE_FEEDBACK_STORE_URL, else file://$GOLIVE_HOME/feedback)")
        else:
            p.add_argument("--docs-store", type=store_url, default=None,
                           help="where the reports go (default GOLIVE_DOCS_STORE_URL, else file://$GOLIVE_HOME/docs)")
            p.add_argument("--as-of", type=_as_of, required=True,
                           help="the moment recency is measured from (the run's logical date, ISO 8601)")
            p.add_argument("--topics", choices=BACKENDS, default=None,
                           help="topics backend (default GOLIVE_FEEDBACK_TOPICS, else auto): tfidf, embeddings "
                                "(the embeddings extra), auto (embeddings when installed and a GPU is seen)")
    args = parser.parse_args(argv)
    manifest = _manifest(args.manifest, parser)
    settings = get_settings()
    try:
        if args.action == "validate":
            code, summary = validate(manifest, FeedbackStore(args.store or settings.feedback_store), args.run)
            write_xcom(summary, FeedbackValidationResult)
        else:
            code, summary = analyze(manifest, ArtifactStore(args.docs_store or settings.docs_store), args.run,
                                    args.as_of, args.topics or settings.feedback_topics)
            write_xcom(summary, FeedbackInsightsResult)
    except (StoreError, TopicsBackendUnavailable) as exc:
        print(f"feedback {args.action} failed: {exc}", file=sys.stderr)
        return ExitCode.FAIL
    emit(summary)
    return code


if __name__ == "__main__":
    from golive.logs import configure_logging

    configure_logging()
    sys.exit(main())
