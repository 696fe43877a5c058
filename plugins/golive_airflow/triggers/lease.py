"""DeliveryLeaseTrigger: waits, in the triggerer, until this run holds its application's delivery lease."""

from __future__ import annotations

from typing import Any

from golive_airflow.triggers.ledger import LedgerPollTrigger, jsonable


class DeliveryLeaseTrigger(LedgerPollTrigger):
    """Try to take the delivery lease of ``application`` in ``environment`` for ``run_id`` until it is
    held or ``timeout`` passes.

    Yields one event: ``{"status": "acquired", "lease": {...}}``, ``{"status": "timeout", "holder":
    {...}}`` or ``{"status": "error", "message": ...}`` when the ledger cannot be read.

    :param application: application name.
    :param environment: environment the go-live delivers to.
    :param run_id: the DAG run that wants the lease.
    :param ttl: seconds the lease is valid once taken (``GOLIVE_DELIVERY_LEASE_TTL``).
    :param kwargs: ``ledger_conn_id``, ``poll_interval``, ``timeout`` (``GOLIVE_DELIVERY_LEASE_TIMEOUT``).
    """

    def __init__(self, *, application: str, environment: str, run_id: str, ttl: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.application = application
        self.environment = environment
        self.run_id = run_id
        self.ttl = ttl
        self._holder: dict[str, Any] = {}

    def kwargs(self) -> dict[str, Any]:
        """The lease wanted, by whom, for how long."""
        return {"application": self.application, "environment": self.environment, "run_id": self.run_id,
                "ttl": self.ttl}

    def try_acquire(self) -> tuple[bool, dict[str, Any]]:
        """One atomic try (blocking): whether this run holds the lease, and the holder."""
        acquired, holder = self.ledger.acquire_lease(application=self.application, environment=self.environment,
                                                     run_id=self.run_id, ttl=self.ttl)
        return acquired, jsonable(holder)

    def poll(self) -> dict[str, Any] | None:
        """The lease's event once this run holds it."""
        acquired, self._holder = self.try_acquire()
        return {"status": "acquired", "lease": self._holder} if acquired else None

    def timeout_event(self) -> dict[str, Any]:
        """Who still held the lease."""
        return {"status": "timeout", "holder": self._holder}
