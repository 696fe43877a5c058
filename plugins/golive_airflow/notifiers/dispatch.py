"""EventNotifier: one golive event as one Airflow notifier (what ``HITLOperator(notifiers=…)`` calls)."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier

from golive.notify import NotifyEvent


class EventNotifier(BaseNotifier):
    """Send ``event`` to every ``GOLIVE_NOTIFY`` sink when called (no template fields: the event's
    text is never rendered as Jinja).

    :param event: what to tell.
    """

    template_fields = ()

    def __init__(self, *, event: NotifyEvent, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.event = event

    def notify(self, context: Any) -> None:
        """Deliver to every sink (a failing sink is logged, never raised)."""
        from golive_airflow.notifiers.factory import send

        send(self.event, context)
