"""LedgerPollTrigger: the triggerer side of every golive wait on the ledger (gate verdicts, leases)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from golive.ledger.outage import unreachable

if TYPE_CHECKING:
    from golive.ledger import Ledger


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


class LedgerPollTrigger(BaseTrigger):
    """Ask the ledger (``poll``, blocking, run in a thread) every ``poll_interval`` seconds until it
    answers with an event or ``timeout`` seconds pass.

    Subclasses hold their own arguments (``kwargs`` is what ``serialize`` hands back) and implement
    ``poll`` and ``timeout_event``. Yields one event: ``poll``'s, ``timeout_event()``'s, or
    ``{"status": "error", "message": ...}`` when a question fails or the ledger stayed unreachable
    until the timeout (an unreachable ledger is asked again: a database restart does not end a wait).

    :param ledger_conn_id: the ledger connection.
    :param poll_interval: seconds between tries.
    :param timeout: seconds to wait in all.
    """

    def __init__(self, *, ledger_conn_id: str, poll_interval: float, timeout: float) -> None:
        super().__init__()
        self.ledger_conn_id = ledger_conn_id
        self.poll_interval = poll_interval
        self.timeout = timeout

    def kwargs(self) -> dict[str, Any]:
        """The subclass's own arguments (the base's are added by ``serialize``)."""
        raise NotImplementedError

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and kwargs, so the triggerer can rebuild this trigger."""
        return (f"{type(self).__module__}.{type(self).__qualname__}", {
            **self.kwargs(), "ledger_conn_id": self.ledger_conn_id, "poll_interval": self.poll_interval,
            "timeout": self.timeout})

    @cached_property
    def ledger(self) -> Ledger:
        """The ledger behind ``ledger_conn_id`` (through ``LedgerHook``)."""
        from golive_airflow.hooks.ledger import LedgerHook

        return LedgerHook(self.ledger_conn_id).get_conn()

    def poll(self) -> dict[str, Any] | None:
        """One question to the ledger: the event to yield, or None to wait on."""
        raise NotImplementedError

    def timeout_event(self) -> dict[str, Any]:
        """The event when ``timeout`` passed with no answer."""
        raise NotImplementedError

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Poll until an answer or the timeout. A ledger that cannot be reached (a database restart,
        a dropped connection) is asked again at the next interval; any other error ends the wait."""
        deadline = time.monotonic() + self.timeout
        down: str | None = None
        while True:
            try:
                event = await asyncio.to_thread(self.poll)
                down = None
            except Exception as exc:
                if not unreachable(exc):
                    yield TriggerEvent({"status": "error", "message": f"{type(exc).__name__}: {exc}"})
                    return
                if down is None:
                    self.log.warning("the ledger cannot be reached (%s); asking again every %s s",
                                     type(exc).__name__, self.poll_interval)
                event, down = None, f"{type(exc).__name__}: {exc}"
            if event is not None:
                yield TriggerEvent(event)
                return
            if time.monotonic() >= deadline:
                yield TriggerEvent({"status": "error", "message": f"the ledger could not be reached: {down}"}
                                   if down else self.timeout_event())
                return
            await asyncio.sleep(self.poll_interval)

