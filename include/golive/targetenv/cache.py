"""The environment cache: one directory per key, built by one process at a time.

A build holds an exclusive ``flock`` on ``<kind>/<key>.lock``, builds in place and writes the marker
``.golive-env.json`` last (by atomic rename). A directory without the marker is a build that died and
is removed before the next build; a run that waited on the lock finds the marker and takes the hit.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from golive.settings import get_settings

MARKER = ".golive-env.json"
#: Bumped when the layout of a built environment changes, so old entries are not reused.
FORMAT = 1


def cache_key(kind: str, inputs: dict[str, object]) -> str:
    """The sha256 of what an environment is built from (canonical JSON)."""
    text = json.dumps({"format": FORMAT, "kind": kind, **inputs}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def cached(kind: str, key: str, build: Callable[[Path], None]) -> tuple[Path, bool, float]:
    """The environment ``kind/key``: ``(path, hit, build seconds)``, building it with ``build(path)`` if missing.

    :raises Exception: whatever ``build`` raised (the partial directory is removed first).
    """
    root = get_settings().envs / kind
    target = root / key[:32]
    if (target / MARKER).is_file():
        return target, True, 0.0
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f"{key[:32]}.lock"):
        if (target / MARKER).is_file():
            return target, True, 0.0
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        start = time.monotonic()
        try:
            build(target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        seconds = time.monotonic() - start
        partial = target / f"{MARKER}.tmp"
        partial.write_text(json.dumps({"key": key, "build_seconds": seconds}), encoding="utf-8")
        os.replace(partial, target / MARKER)
    return target, False, seconds
