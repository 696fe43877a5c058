"""The ledger's repair records: one row per ``golive_repair`` run and application (the resolution rate
as measured). Mixed into :class:`golive.ledger.store.Ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, Table, select

from golive.ledger import schema as t

#: Fields of a repair result (``repair.json``) that are the row's own columns; the rest goes to ``detail``.
_DETAIL_KEYS = ("fixed_auto", "fixable_rate", "introduced", "remaining", "fixed_by_category", "no_data", "files",
                "fixers", "before", "after", "verdicts_before", "verdicts_after", "errors_after", "commit",
                "branch_commit", "branch_base", "branch_note", "url")


class RepairRecords:
    """Repair methods of the ledger (``engine`` and ``_upsert`` come from ``Ledger``)."""

    engine: Engine

    def _upsert(self, conn: Any, table: Table, values: Mapping[str, Any], keys: Iterable[str]) -> Any:
        raise NotImplementedError

    def record_repair(self, *, run_id: str, application: str, result: Mapping[str, Any]) -> dict[str, Any]:
        """Record one repair result (the repair agent's ``repair.json``); a retried task rewrites it.
        Returns the row's values."""
        values = {
            "run_id": run_id, "application": application, "categories": dict(result.get("categories") or {}),
            "fixed": int(result["fixed"]), "fixable": int(result["fixable"]), "total": int(result["total"]),
            "resolution_rate": None if result.get("resolution_rate") is None else float(result["resolution_rate"]),
            "patch": result.get("patch"), "branch": result.get("branch"),
            "detail": {k: result[k] for k in _DETAIL_KEYS if k in result},
        }
        with self.engine.begin() as conn:
            self._upsert(conn, t.repairs, values, ["run_id", "application"])
        return values

    def repair_rows(self, *, application: str | None = None) -> list[dict[str, Any]]:
        """Recorded repairs, oldest first (optionally of one application)."""
        r = t.repairs
        query = select(r).order_by(r.c.id)
        if application is not None:
            query = query.where(r.c.application == application)
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]
