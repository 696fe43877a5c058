"""DeliveryLeaseSensor: one delivery at a time per application and environment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from airflow.configuration import conf
from airflow.sdk import BaseSensorOperator, PokeReturnValue
from airflow.sdk.exceptions import AirflowException, AirflowSensorTimeout

from golive.settings import get_settings
from golive_airflow.context import pull_request
from golive_airflow.exceptions import LeaseTimeout
from golive_airflow.triggers.lease import DeliveryLeaseTrigger
from golive_airflow.triggers.ledger import jsonable


def describe(holder: dict[str, Any]) -> str:
    """Who holds a lease, since when and until when."""
    return (f"{holder['application']} in {holder['environment']} is being delivered by run {holder['run_id']} "
            f"(lease taken {holder['acquired_at']}, expires {holder['expires_at']})")


class DeliveryLeaseSensor(BaseSensorOperator):
    """Take the ledger's delivery lease of the run's application and environment before anything of it
    changes (secrets, monitoring, deploy, canary steps, promotion, rollback); wait while another go-live
    holds it.

    The lease is one row per (application, environment), taken atomically (``Ledger.acquire_lease``);
    ``release_delivery_lease`` (``all_done``) gives it back however the run ends. A lease older than
    ``GOLIVE_DELIVERY_LEASE_TTL`` (a run that never released) may be taken over. Waiting holds no worker
    slot: reschedule mode, or the triggerer (``DeliveryLeaseTrigger``) when deferrable. After
    ``GOLIVE_DELIVERY_LEASE_TIMEOUT`` the task fails naming the holder.

    :param request_task_id: task that pushed the validated request (application and environment).
    :param ledger_conn_id: ledger connection id.
    :param ttl: seconds the lease is valid (default ``GOLIVE_DELIVERY_LEASE_TTL``).
    :param deferrable: wait in the triggerer instead of rescheduling.
    """

    template_fields: Sequence[str] = ("request_task_id",)
    ui_color = "#e2e3f3"

    def __init__(self, *, request_task_id: str, ledger_conn_id: str | None = None, ttl: float | None = None,
                 deferrable: bool | None = None, **kwargs: Any) -> None:
        settings = get_settings()
        kwargs.setdefault("poke_interval", settings.gate_poll_interval)
        kwargs.setdefault("timeout", settings.delivery_lease_timeout)
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.request_task_id = request_task_id
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id
        self.ttl = settings.delivery_lease_ttl if ttl is None else ttl
        if deferrable is None:
            deferrable = settings.deferrable
        if deferrable is None:
            deferrable = conf.getboolean("operators", "default_deferrable", fallback=False)
        self.deferrable = deferrable
        self._holder: dict[str, Any] | None = None

    def _trigger(self, context: Any) -> DeliveryLeaseTrigger:
        request = pull_request(context, self.request_task_id)
        return DeliveryLeaseTrigger(application=request["application"], environment=str(request["environment"]),
                                    run_id=context["ti"].run_id, ledger_conn_id=self.ledger_conn_id, ttl=self.ttl,
                                    poll_interval=float(self.poke_interval), timeout=float(self.timeout))

    def _held(self, lease: dict[str, Any]) -> dict[str, Any]:
        self.log.info("delivery lease taken: %s", describe(lease))
        return jsonable(lease)

    def poke(self, context: Any) -> PokeReturnValue:
        """Try to take the lease once."""
        acquired, holder = self._trigger(context).try_acquire()
        if acquired:
            return PokeReturnValue(is_done=True, xcom_value=self._held(holder))
        self._holder = holder
        self.log.info("waiting: %s", describe(holder))
        return PokeReturnValue(is_done=False)

    def execute(self, context: Any) -> Any:
        """Take the lease at once if it is free; otherwise wait (reschedule or defer)."""
        trigger = self._trigger(context)
        acquired, holder = trigger.try_acquire()
        if acquired:
            return self._held(holder)
        self.log.info("waiting: %s", describe(holder))
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as exc:
                raise self._timed_out(self._holder or holder) from exc
        self.defer(trigger=trigger, method_name="execute_complete",
                   timeout=timedelta(seconds=float(self.timeout) + 60))
        return None

    def _timed_out(self, holder: dict[str, Any]) -> LeaseTimeout:
        return LeaseTimeout(f"waited {float(self.timeout):g}s (GOLIVE_DELIVERY_LEASE_TIMEOUT) for the delivery "
                            f"lease: {describe(holder)}; retry when it has finished, or after the lease expires")

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired."""
        status = event.get("status")
        if status == "timeout":
            raise self._timed_out(event["holder"])
        if status != "acquired":
            raise AirflowException(f"the ledger could not be read for the delivery lease: {event.get('message')}")
        return self._held(event["lease"])
