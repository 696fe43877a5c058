"""A built test environment and the error of one that could not be built."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from golive.tools import ToolError


class EnvError(ToolError):
    """The target's test environment could not be built; the message ends with the installer's own error."""


@dataclass(frozen=True)
class TargetEnv:
    """An environment in the cache.

    :param kind: ``python`` (a virtual environment) or ``node`` (a directory holding ``node_modules``).
    :param path: where it lives.
    :param installer: the commands that built it, e.g. ``uv pip install`` or ``npm ci``.
    :param key: the hash of what it was built from.
    :param hit: True when it was already in the cache.
    :param build_seconds: how long building it took (0 on a hit).
    :param inputs: the dependency files, extras and groups it was built from.
    """

    kind: str
    path: Path
    installer: str
    key: str
    hit: bool
    build_seconds: float
    inputs: dict[str, object] = field(default_factory=dict)

    def details(self) -> dict[str, object]:
        """What an analyzer records about the environment (``AnalyzerResult.details['env']``)."""
        return {"kind": self.kind, "installer": self.installer, "cache": "hit" if self.hit else "miss",
                "hash": self.key, "build_seconds": round(self.build_seconds, 2), "path": str(self.path),
                **self.inputs}
