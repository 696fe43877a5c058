"""Where feedback lives: the drop folder (inbox), the staged batches, quarantined and processed files.

Under the feedback store's base URL (``GoliveSettings.feedback_store``, ``file://``, ``gs://`` or
``s3://``; read and written with fsspec, the layer under Airflow's ``ObjectStoragePath``)::

    <inbox>/<application>/*.csv|*.json                the drop folder (GoliveSettings.feedback_inbox)
    runs/<run>/manifest.json                          the batches one run collected
    runs/<run>/batches/<batch>.json                   a staged ledger or endpoint batch
    runs/<run>/validated/<batch>.json                 a batch that passed validation, normalised
    runs/<run>/analysis/<application>.json            the accepted feedback the analysis reads
    quarantine/<application>/<batch>/<file>           a batch that failed validation (with failed.json)
    processed/<application>/<run>/<file>              a drop file that was accepted

The insights reports go to the documentation store (``<application>/feedback/<run>/insights.*``),
which the ``/golive`` plugin app serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import fsspec

from golive.docs.store import StoreError, relpath
from golive.settings import safe_name


@dataclass(frozen=True)
class FeedbackStore:
    """Files under one base URL (fsspec).

    :param base: ``file:///…``, ``gs://bucket/prefix``, ``s3://bucket/prefix`` or ``memory://…``.
    """

    base: str

    def url(self, rel: str) -> str:
        """The URL of ``rel`` under the base."""
        return f"{self.base.rstrip('/')}/{relpath(rel)}"

    def list(self, rel: str) -> list[str]:
        """URLs of the files directly under ``rel`` (sorted); none when it does not exist."""
        fs, path = fsspec.core.url_to_fs(self.url(rel))
        if not fs.isdir(path):
            return []
        names = sorted(str(p).rstrip("/").rsplit("/", 1)[-1] for p in fs.ls(path, detail=False) if fs.isfile(p))
        return [self.url(f"{rel}/{name}") for name in names]


def read_bytes(url: str) -> bytes:
    """The file at ``url``."""
    try:
        fs, path = fsspec.core.url_to_fs(url)
        return bytes(fs.cat_file(path))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read {url}: {exc}") from exc


def write_bytes(url: str, data: bytes) -> str:
    """Write ``data`` at ``url`` (its folder created); returns the URL."""
    try:
        fs, path = fsspec.core.url_to_fs(url)
        fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        fs.pipe_file(path, data)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot write {url}: {exc}") from exc
    return url


def read_json(url: str) -> Any:
    """The JSON document at ``url``."""
    try:
        return json.loads(read_bytes(url).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StoreError(f"{url} is not JSON: {exc}") from exc


def write_json(url: str, doc: Any) -> str:
    """Write ``doc`` as JSON at ``url``; returns the URL."""
    return write_bytes(url, json.dumps(doc, indent=1, sort_keys=True, default=str).encode("utf-8"))


def move(src: str, dest: str) -> str:
    """Move ``src`` to ``dest`` (both URLs of one filesystem). Idempotent: when ``src`` is gone and
    ``dest`` exists (a retried task), nothing is done. Returns ``dest``."""
    fs, src_path = fsspec.core.url_to_fs(src)
    _, dest_path = fsspec.core.url_to_fs(dest)
    try:
        if not fs.exists(src_path) and fs.exists(dest_path):
            return dest
        fs.makedirs(dest_path.rsplit("/", 1)[0], exist_ok=True)
        fs.mv(src_path, dest_path)
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot move {src} to {dest}: {exc}") from exc
    return dest


def run_rel(run_id: str, *parts: str) -> str:
    """A path under ``runs/<run>/``."""
    return relpath("runs", safe_name(run_id), *parts)


def file_name(url: str) -> str:
    """The last segment of a URL."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def quarantine_rel(application: str, batch_id: str, name: str) -> str:
    """Where a failed batch's file goes."""
    return relpath("quarantine", application, batch_id, name)


def processed_rel(application: str, run_id: str, name: str) -> str:
    """Where an accepted drop file goes."""
    return relpath("processed", application, safe_name(run_id), name)


def insights_rel(application: str, run_id: str, name: str) -> str:
    """Where an insights report goes in the documentation store."""
    return relpath(application, "feedback", safe_name(run_id), name)
