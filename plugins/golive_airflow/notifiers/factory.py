"""From ``GOLIVE_NOTIFY`` to Airflow notifiers, and sending an event to all of them."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from typing import Any

from airflow.sdk import BaseNotifier

from golive.notify import NotifyEvent, Sink, scrub
from golive.settings import get_settings
from golive_airflow.notifiers.sinks import FileNotifier, WebhookNotifier

log = logging.getLogger(__name__)


def _recipients() -> list[str]:
    return [r.strip() for r in get_settings().notify_email_to.split(",") if r.strip()]


def build_notifier(sink: Sink, event: NotifyEvent) -> BaseNotifier:
    """The Airflow notifier that delivers ``event`` to ``sink`` (Slack and SMTP through their providers).

    :raises ValueError: an smtp sink without ``GOLIVE_NOTIFY_EMAIL_TO``.
    """
    if sink.kind == "file":
        return FileNotifier(path=sink.target, event=event)
    if sink.kind == "webhook":
        return WebhookNotifier(http_conn_id=sink.target, event=event, timeout=get_settings().notify_timeout)
    if sink.kind == "slack":
        from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

        return SlackWebhookNotifier(slack_webhook_conn_id=sink.target, text=event.text(), unfurl_links=False)
    if sink.kind == "slackapi":
        from airflow.providers.slack.notifications.slack import SlackNotifier

        return SlackNotifier(slack_conn_id=sink.target, channel=sink.channel or "#general", text=event.text(),
                             username="golive", unfurl_links=False)
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    recipients = _recipients()
    if not recipients:
        raise ValueError(f"GOLIVE_NOTIFY names smtp:{sink.target} but GOLIVE_NOTIFY_EMAIL_TO is empty")
    return SmtpNotifier(to=recipients, smtp_conn_id=sink.target, subject=event.title,
                        html_content=f"<pre>{html.escape(event.text())}</pre>")


def send(event: NotifyEvent, context: Any, sinks: Sequence[Sink] | None = None) -> list[str]:
    """Deliver ``event`` to every configured sink; returns the sinks that failed.

    Each notifier's ``notify`` is called directly, not through ``__call__``: that would render the
    message as a Jinja template, and a reason quoting an application's text must stay text. A sink
    that fails is logged (kind and target only) and never fails the task: a go-live's outcome does
    not depend on Slack.
    """
    failed = []
    for sink in get_settings().notify_sinks if sinks is None else sinks:
        try:
            build_notifier(sink, event).notify(context)
        except Exception as exc:  # any sink's failure is reported; none stops the run
            log.warning("golive: %s notification to %s:%s failed: %s: %s", event.kind, sink.kind, sink.target,
                        type(exc).__name__, scrub(str(exc))[:300])
            failed.append(f"{sink.kind}:{sink.target}")
    return failed
