"""Container logs: timestamped lines kept in memory (and on disk) for the ``pods/log`` API."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from localkube.timeutil import parse_rfc3339, rfc3339_nano


class LogBuffer:
    """The output of one container run: ``(epoch, line)`` entries, appended until closed.

    ``line`` keeps its trailing newline (a final partial line has none). Followers wait with
    :meth:`wait_change`; :meth:`close` is called only after the container's status says terminated,
    so a client that sees the stream end and then reads the pod sees the final state.
    """

    def __init__(self, path: Path | None = None) -> None:
        self.entries: list[tuple[float, bytes]] = []
        self.closed = False
        self._changed = asyncio.Event()
        self._file = open(path, "ab") if path is not None else None

    @classmethod
    def saved(cls, path: Path) -> LogBuffer:
        """A closed buffer with the lines a previous localkube wrote to ``path`` (after a restart)."""
        buffer = cls()
        for raw in path.read_bytes().splitlines(keepends=True):
            stamp, _, line = raw.partition(b" ")
            try:
                buffer.entries.append((parse_rfc3339(stamp.decode("ascii")), line))
            except (UnicodeDecodeError, ValueError):
                buffer.entries.append((0.0, raw))
        buffer.close()
        return buffer

    def append(self, line: bytes, ts: float | None = None) -> None:
        """Add one line (stamped now unless ``ts`` is given)."""
        stamp = time.time() if ts is None else ts
        self.entries.append((stamp, line))
        if self._file is not None:
            self._file.write(rfc3339_nano(stamp).encode() + b" " + line + (b"" if line.endswith(b"\n") else b"\n"))
            self._file.flush()
        self._wake()

    def close(self) -> None:
        """No more lines will come; followers finish after draining."""
        self.closed = True
        if self._file is not None:
            self._file.close()
            self._file = None
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def start_index(self, since: float | None = None, tail_lines: int | None = None) -> int:
        """Index of the first entry to send for ``sinceSeconds``/``sinceTime`` and ``tailLines``."""
        index = 0
        if since is not None:
            index = next((i for i, (ts, _) in enumerate(self.entries) if ts >= since), len(self.entries))
        if tail_lines is not None:
            index = max(index, len(self.entries) - max(tail_lines, 0))
        return index

    async def wait_change(self, index: int, timeout: float) -> None:
        """Return once there are entries past ``index``, the buffer closed, or ``timeout`` passed."""
        if index < len(self.entries) or self.closed:
            return
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except TimeoutError:
            return


def format_line(ts: float, line: bytes, timestamps: bool) -> bytes:
    """One log line as the API sends it (``<RFC3339Nano> msg`` with ``timestamps``)."""
    return (rfc3339_nano(ts).encode() + b" " + line) if timestamps else line


class LineSplitter:
    """Turns a byte stream into lines for a :class:`LogBuffer`."""

    def __init__(self, buffer: LogBuffer, max_line: int = 1 << 20) -> None:
        self._buffer = buffer
        self._pending = b""
        self._max = max_line

    def feed(self, chunk: bytes) -> None:
        """Add bytes read from the container's stdout/stderr."""
        data = self._pending + chunk
        *lines, self._pending = data.split(b"\n")
        for line in lines:
            self._buffer.append(line + b"\n")
        while len(self._pending) >= self._max:  # a huge line without newline: emit in pieces
            self._buffer.append(self._pending[: self._max])
            self._pending = self._pending[self._max :]

    def flush(self) -> None:
        """Emit a trailing partial line at end of stream."""
        if self._pending:
            self._buffer.append(self._pending)
            self._pending = b""
