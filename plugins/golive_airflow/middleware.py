"""An ASGI middleware of the API server (the plugin's ``fastapi_root_middlewares``): no URL credential
in the body of a 4xx answer.

Airflow answers a conf that breaks the DAG's Params with HTTP 400 and jsonschema's message, which
quotes the rejected value; golive's Params refuse a source URL that carries ``user:token@``, so the
value they would quote is the token. The middleware removes the user-info of every URL in such a
body (``golive.sources.redact``) before it leaves the server; other answers pass untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from golive.sources import redact

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class RedactCredentialsMiddleware:
    """Redacts URL user-info in the (uncompressed) body of every 4xx HTTP answer.

    :param app: the ASGI app it wraps.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        """Pass the request on; hold a 4xx answer's body until it is complete, then send it redacted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        held: Message | None = None
        chunks: list[bytes] = []

        async def redacting_send(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and 400 <= message["status"] < 500 and not any(
                    k.lower() == b"content-encoding" for k, _ in message.get("headers", [])):
                held = message
                return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = redact(b"".join(chunks).decode("utf-8", "replace")).encode()
            headers = [(k, v) for k, v in held.get("headers", []) if k.lower() != b"content-length"]
            await send({**held, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, redacting_send)
