"""localkube's objects on disk: ``<state dir>/objects.json``, so a restart keeps Secrets, workloads and pods.

Every change to the store (Events excepted) schedules a write a moment later (changes in between
share it); the file is replaced atomically (temporary file, fsync, rename) with mode 0600, since it
holds Secrets. :meth:`StatePersister.close` writes the last state when localkube stops — before
the kubelet stops the pods, so the file says what was running. On start :meth:`StatePersister.load`
restores the objects, and :meth:`localkube.kubelet.Kubelet.recover` reconciles the pods with the
processes, which did not survive.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from localkube.errors import LocalKubeError
from localkube.resources import ALL_TYPES
from localkube.store import Store

log = logging.getLogger(__name__)

OBJECTS_FILE = "objects.json"
FORMAT = 1


class StatePersister:
    """Keeps ``path`` up to date with ``store``: a write ``delay`` seconds after a change.

    The snapshot is taken on the loop (the store replaces objects on every write and never edits a
    stored one, so the references stay valid) and serialised and written in a worker thread, one
    write at a time; a slow write spaces the next ones out (twice its duration).
    """

    def __init__(self, store: Store, path: Path, delay: float = 0.1) -> None:
        self.store = store
        self.path = path
        self.delay = delay
        self._next_delay = delay
        self._handle: asyncio.TimerHandle | None = None
        self._writing: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dirty = False
        self._closed = False

    def load(self) -> int:
        """Restore the saved objects into the (empty) store; the number restored (0 without a file)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return 0
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise LocalKubeError(f"localkube cannot read its saved objects {self.path}: {exc}; move the file "
                                 "away to start empty") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise LocalKubeError(f"{self.path} is not a localkube objects file of format {FORMAT}; move it away "
                                 "to start empty")
        return self.store.restore(data, {rtype.key: rtype for rtype in ALL_TYPES})

    def start(self) -> None:
        """Save after every change from now on (call on localkube's event loop)."""
        self._loop = asyncio.get_running_loop()
        self.store.on_change(self.schedule)

    def schedule(self) -> None:
        """Save soon (one write for the changes of the next ``delay`` seconds)."""
        if self._closed or self._loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not self._loop:  # a change made off the loop thread
            self._loop.call_soon_threadsafe(self.schedule)
            return
        self._dirty = True
        if self._handle is None and self._writing is None:
            self._handle = self._loop.call_later(self._next_delay, self._begin_write)

    def _begin_write(self) -> None:
        self._handle = None
        if self._closed or self._loop is None:
            return
        self._dirty = False
        self._writing = self._loop.create_task(self._write_in_thread(self._data()))

    async def _write_in_thread(self, data: dict[str, Any]) -> None:
        began = time.monotonic()
        try:
            await asyncio.to_thread(self._write, data)
        except OSError:
            log.exception("localkube could not save its objects to %s", self.path)
        finally:
            self._writing = None
            self._next_delay = max(self.delay, 2 * (time.monotonic() - began))
            if self._dirty and not self._closed and self._loop is not None:
                self._handle = self._loop.call_later(self._next_delay, self._begin_write)

    def _data(self) -> dict[str, Any]:
        return {"format": FORMAT, **self.store.snapshot()}

    def _write(self, data: dict[str, Any]) -> None:
        body = json.dumps(data, separators=(",", ":")).encode()
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(fd, 0o600)
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    def flush(self) -> None:
        """Write the store now, on the calling thread (atomically, mode 0600)."""
        self._write(self._data())

    async def close(self) -> None:
        """Wait for a write in flight, write the last state and stop saving (localkube is stopping)."""
        if self._closed:
            return
        self._closed = True
        self.store.on_change(None)
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._writing is not None:
            await asyncio.shield(self._writing)
        self.flush()
