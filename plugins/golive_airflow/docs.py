"""The documentation artifacts on the Airflow side: the deployment record written through Airflow's
``ObjectStoragePath`` (``file://`` under ``GOLIVE_HOME`` by default; ``gs://`` / ``s3://`` with the
provider's filesystem and its connection), and the index of a run's artifacts kept in the ledger.

The agent pods write their own artifacts (API reference, runbooks, quality report) with fsspec —
the filesystem layer under ``ObjectStoragePath`` — since the domain they run imports no Airflow;
the deployment record is written here because it is read from the ledger, which pods never reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from golive.docs.record import render_record
from golive.docs.store import DOCS_PHASE, ArtifactStore, public_url_of, run_path
from golive.models import AnalyzerResult
from golive.settings import get_settings

__all__ = ["DOCS_PHASE", "artifact_links", "artifacts_of", "write_deployment_record", "write_text"]

RECORD_NAMES = ("deployment-record.html", "deployment-record.md")


def write_text(url: str, text: str) -> str:
    """Write ``text`` at ``url`` through ``ObjectStoragePath``; returns the URL."""
    from airflow.sdk import ObjectStoragePath

    path = ObjectStoragePath(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def write_deployment_record(report: Mapping[str, Any], run_id: str, application: str) -> dict[str, str]:
    """Render the run's deployment record from its ledger report and write it (HTML and Markdown)."""
    store = ArtifactStore(get_settings().docs_store)
    record = render_record(report)
    return {
        "deployment_record_html": write_text(store.url(run_path(application, run_id, RECORD_NAMES[0])), record.html),
        "deployment_record_md": write_text(store.url(run_path(application, run_id, RECORD_NAMES[1])), record.markdown),
    }


def artifacts_of(results: Iterable[AnalyzerResult]) -> dict[str, str]:
    """The artifacts the documentation pods wrote (``details.artifacts`` of each result)."""
    found: dict[str, str] = {}
    for result in results:
        artifacts = (result.details or {}).get("artifacts")
        if isinstance(artifacts, dict):
            found.update({str(k): str(v) for k, v in artifacts.items()})
    return found


def artifact_links(artifacts: Mapping[str, str]) -> list[dict[str, str]]:
    """Each artifact with its store URL and, when it is in the configured store, its public URL."""
    settings = get_settings()
    store = ArtifactStore(settings.docs_store)
    links = []
    for name, url in sorted(artifacts.items()):
        rel = store.rel_of(url)
        links.append({"name": name, "url": url,
                      "public_url": public_url_of(settings.docs_public_url, rel) if rel else ""})
    return links
