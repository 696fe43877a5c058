"""DeliveryLeaseTrigger: waits, in the triggerer, until this run holds its application's delivery lease."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from golive_airflow.triggers.gate import jsonable


class DeliveryLeaseTrigger(BaseTrigger):
    """Try to take the delivery lease of ``application`` in ``environment`` for ``run_id`` until it is
    held or ``timeout`` passes.

    Yields one event: ``{"status": "acquired", "lease": {...}}``, ``{"status": "timeout", "holder":
    {...}}`` or ``{"status": "error", "message": ...}`` when the ledger cannot be read.

    :param application: application name.
    :param environment: environment the go-live delivers to.
    :param run_id: the DAG run that wants the lease.
    :param ledger_conn_id: the ledger connection.
    :param ttl: seconds the lease is valid once taken (``GOLIVE_DELIVERY_LEASE_TTL``).
    :param poll_interval: seconds between tries.
    :param timeout: seconds to wait in all (``GOLIVE_DELIVERY_LEASE_TIMEOUT``).
    """

    def __init__(self, *, application: str, environment: str, run_id: str, ledger_conn_id: str, ttl: float,
                 poll_interval: float, timeout: float) -> None:
        super().__init__()
        self.application = application
        self.environment = environment
        self.run_id = run_id
        self.ledger_conn_id = ledger_conn_id
        self.ttl = ttl
        self.poll_interval = poll_interval
        self.timeout = timeout

    def serialize(self) -> tuple[str, dict[str, Any]]:
        """Classpath and kwargs, so the triggerer can rebuild this trigger."""
        return (f"{type(self).__module__}.{type(self).__qualname__}", {
            "application": self.application, "environment": self.environment, "run_id": self.run_id,
            "ledger_conn_id": self.ledger_conn_id, "ttl": self.ttl, "poll_interval": self.poll_interval,
            "timeout": self.timeout,
        })

    def try_acquire(self) -> tuple[bool, dict[str, Any]]:
        """One atomic try (blocking; run in a thread): whether this run holds the lease, and the holder."""
        from golive_airflow.hooks.ledger import LedgerHook

        acquired, holder = LedgerHook(self.ledger_conn_id).get_conn().acquire_lease(
            application=self.application, environment=self.environment, run_id=self.run_id, ttl=self.ttl)
        return acquired, jsonable(holder)

    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Try until the lease is this run's or the timeout passes."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                acquired, holder = await asyncio.to_thread(self.try_acquire)
            except Exception as exc:
                yield TriggerEvent({"status": "error", "message": f"{type(exc).__name__}: {exc}"})
                return
            if acquired:
                yield TriggerEvent({"status": "acquired", "lease": holder})
                return
            if time.monotonic() >= deadline:
                yield TriggerEvent({"status": "timeout", "holder": holder})
                return
            await asyncio.sleep(self.poll_interval)
