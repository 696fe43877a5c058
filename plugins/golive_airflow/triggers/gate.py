"""VerificationGateTrigger: waits, in the triggerer, for a gate's verdict to appear in the ledger."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    """A ledger row made JSON-safe (datetimes as ISO strings), for trigger events and XCom."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            out[key] = value.isoformat()
        elif isinstance(value, dict):
            out[key] = jsonable(value)
        elif isinstance(value, list):
            out[key] = [jsonable(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


class VerificationGateTrigger(BaseTrigger):
    """Poll the ledger for the newest evaluation of ``gate`` for ``application`` and ``ref`` recorded
    by ``run_id`` about ``commit``.

    Yields one event: ``{"status": "PASS" | "WARNING" | "FAIL", "evaluation": {...}}`` when a
    verdict is found, ``{"status": "timeout", ...}`` after ``timeout`` seconds, or
    ``{"status": "error", "message": ...}`` when the ledger cannot be read.

    :param gate: gate name (``quality``, ``security`` …).
    :param application: application name.
    :param ref: git ref (or version) the verdict is about.
    :param ledger_conn_id: the ledger connection.
    :param run_id: the DAG run whose verdict opens the gate.
    :param commit: the commit the verdict must be about (the plan's); None: any of this run.
    :param poll_interval: seconds between ledger reads.
    :param timeout: seconds to wait in all.
    """

    def __init__(self, *, gate: str, application: str, ref: str, ledger_conn_id: str,
                 poll_interval: float, timeout: float, run_id: str, commit: str | None = None) -> None:
        super().__init__()
        self.gate = gate
        self.application = application
        self.ref = ref
        self.ledger_conn_id = ledger_conn_id
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.run_id = run_id
        self.commit = commit

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and kwargs, so the triggerer can rebuild this trigger."""
        return (f"{type(self).__module__}.{type(self).__qualname__}", {
            "gate": self.gate, "application": self.application, "ref": self.ref,
            "ledger_conn_id": self.ledger_conn_id, "poll_interval": self.poll_interval,
            "timeout": self.timeout, "run_id": self.run_id, "commit": self.commit,
        })

    def fetch(self) -> dict[str, Any] | None:
        """Read the newest matching evaluation (blocking; run in a thread)."""
        from golive_airflow.hooks.ledger import LedgerHook

        row = LedgerHook(self.ledger_conn_id).get_conn().latest_evaluation(
            gate=self.gate, application=self.application, ref=self.ref, run_id=self.run_id, commit=self.commit)
        return None if row is None else jsonable(row)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until a verdict appears or the timeout passes."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                evaluation = await asyncio.to_thread(self.fetch)
            except Exception as exc:
                yield TriggerEvent({"status": "error", "message": f"{type(exc).__name__}: {exc}"})
                return
            if evaluation is not None:
                yield TriggerEvent({"status": evaluation["status"], "evaluation": evaluation})
                return
            if time.monotonic() >= deadline:
                yield TriggerEvent({"status": "timeout", "message": (
                    f"no {self.gate} verdict of run {self.run_id} for {self.application}@{self.ref}"
                    + (f" (commit {self.commit})" if self.commit else "") + f" within {self.timeout:g}s")})
                return
            await asyncio.sleep(self.poll_interval)
