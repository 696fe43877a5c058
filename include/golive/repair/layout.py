"""Where a repair run's files live in the documentation store: ``<app>/repair/<run>/<name>``."""

from __future__ import annotations

from golive.docs.store import relpath
from golive.settings import safe_name

DIAGNOSIS, REPAIR, PATCH = "diagnosis.json", "repair.json", "repair.patch"


def repair_rel(application: str, run_id: str, name: str) -> str:
    """The store path of one file of ``application``'s repair in run ``run_id``."""
    return relpath(application, "repair", safe_name(run_id), name)
