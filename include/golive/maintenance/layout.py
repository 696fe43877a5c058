"""Where a maintenance run's files live in the documentation store: ``<app>/maintenance/<run>/<name>``."""

from __future__ import annotations

from golive.docs.store import relpath
from golive.settings import safe_name

MANIFEST, RESCAN, UPDATES, PATCH, ROTATION, NOTICE = (
    "manifest.json", "rescan.json", "updates.json", "updates.patch", "rotation.json", "notice.md")


def maintenance_rel(application: str, run_id: str, name: str) -> str:
    """The store path of one file of ``application``'s maintenance in run ``run_id``."""
    return relpath(application, "maintenance", safe_name(run_id), name)
