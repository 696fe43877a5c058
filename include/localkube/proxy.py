"""A TCP proxy (asyncio) standing in for kube-proxy: one listener per Service port.

Each new connection goes to a ready endpoint picked round robin at that moment, so a selector
change takes effect for the next connection. A backend that refuses the connection, or closes or
resets it before sending a single byte, is skipped and the next endpoint is tried with what the
client had sent so far (at most :data:`REPLAY_LIMIT` bytes) — what a connect-failure retry in a
load balancer does, and what keeps requests from failing while a terminating pod closes its
listener. With no endpoint left, the client connection is closed (kube-proxy rejects it).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
REPLAY_LIMIT = 64 * 1024
Backend = tuple[str, int]
Picker = Callable[[set[Backend]], Backend | None]


class TcpProxy:
    """Listens on ``host:port`` and forwards each connection to ``pick(exclude)``."""

    def __init__(self, host: str, port: int, pick: Picker, connect_timeout: float = 3.0) -> None:
        self.host = host
        self.requested_port = port
        self.port = port
        self.pick = pick
        self.connect_timeout = connect_timeout
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Bind (falling back to a free port when the port is privileged); returns the bound port."""
        try:
            self._server = await asyncio.start_server(self._accept, self.host, self.requested_port,
                                                      reuse_address=True)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EADDRINUSE):
                raise
            log.warning("localkube: cannot listen on %s:%s (%s); using a free port", self.host,
                        self.requested_port, exc.strerror)
            self._server = await asyncio.start_server(self._accept, self.host, 0, reuse_address=True)
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:  # stop(): end quietly (asyncio logs a cancelled handler task)
            pass
        finally:
            if task is not None:
                self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        sent = bytearray()
        tried: set[Backend] = set()
        state = {"replayable": True, "client_eof": False}
        while True:
            backend = self.pick(tried)
            if backend is None:
                return
            tried.add(backend)
            try:
                up_r, up_w = await asyncio.wait_for(asyncio.open_connection(*backend), self.connect_timeout)
            except (OSError, TimeoutError):
                continue
            try:
                if sent:
                    up_w.write(bytes(sent))
                    if state["client_eof"] and up_w.can_write_eof():
                        up_w.write_eof()
                answered = await self._pump(client_r, client_w, up_r, up_w, sent=sent, state=state)
            finally:
                up_w.close()
            if answered or not state["replayable"]:
                return

    @staticmethod
    async def _pump(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter, up_r: asyncio.StreamReader,
                    up_w: asyncio.StreamWriter, *, sent: bytearray, state: dict[str, bool]) -> bool:
        """Copy both ways until the backend is done; True once the backend has sent something."""

        async def upstream() -> None:
            try:
                while data := await client_r.read(65536):
                    if state["replayable"]:
                        sent.extend(data)
                        if len(sent) > REPLAY_LIMIT:
                            state["replayable"] = False
                    up_w.write(data)
                    await up_w.drain()
                state["client_eof"] = True
                if up_w.can_write_eof():
                    up_w.write_eof()
            except (ConnectionError, OSError):
                pass

        forward = asyncio.get_running_loop().create_task(upstream())
        answered = False
        try:
            while data := await up_r.read(65536):
                answered = True
                state["replayable"] = False
                client_w.write(data)
                await client_w.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            forward.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await forward
        return answered
