"""golive's own notifiers: a JSON-lines file (what the tests and a laptop read) and a webhook (httpx)."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
from typing import Any

import httpx
from airflow.sdk import BaseHook, BaseNotifier

from golive.notify import NotifyEvent


class FileNotifier(BaseNotifier):
    """Append the event as one JSON line to ``path`` (created with its directory; writers take a lock).

    :param path: absolute path of the JSON-lines file.
    :param event: what to write.
    """

    def __init__(self, *, path: str, event: NotifyEvent, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)
        self.event = event

    def notify(self, context: Any) -> None:
        """Write the event's payload."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(self.event.payload(), sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)
            out.write(line)


def webhook_url(conn: Any) -> str:
    """The URL an HTTP connection points at: its host when that is a whole URL, else
    ``scheme://host[:port]/schema`` (scheme from the extra ``scheme``, else ``https`` for an https
    connection, ``http`` otherwise)."""
    host = str(conn.host or "")
    if host.startswith(("http://", "https://")):
        return host
    if not host:
        raise ValueError(f"connection {conn.conn_id!r} has no host")
    scheme = conn.extra_dejson.get("scheme") or ("https" if conn.conn_type == "https" else "http")
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}/{(conn.schema or '').lstrip('/')}"


class WebhookNotifier(BaseNotifier):
    """POST the event as JSON to the URL of an Airflow HTTP connection (its password, if any, as a
    bearer token; never logged).

    :param http_conn_id: the connection (host = the URL, or host/port/schema).
    :param event: what to send.
    :param timeout: seconds the request may take.
    """

    def __init__(self, *, http_conn_id: str, event: NotifyEvent, timeout: float = 10.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http_conn_id = http_conn_id
        self.event = event
        self.timeout = timeout

    def notify(self, context: Any) -> None:
        """Send the event; a non-2xx answer raises."""
        conn = BaseHook.get_connection(self.http_conn_id)
        headers = {"Content-Type": "application/json"}
        if conn.password:
            headers["Authorization"] = f"Bearer {conn.password}"
        resp = httpx.post(webhook_url(conn), json=self.event.payload(), headers=headers, timeout=self.timeout)
        if resp.status_code >= 300:
            raise RuntimeError(f"webhook {self.http_conn_id!r} answered HTTP {resp.status_code}")
