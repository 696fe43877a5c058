"""What a user installing the declared PyPI ranges gets today: ``uv pip compile`` of the unpinned ones.

A library (or any tree without a lockfile) declares ranges; its users install the newest versions
those ranges admit. ``resolve_ranges`` asks uv for exactly that resolution (golive's interpreter, the
day of the run) so that the advisories can be matched against real versions instead of leaving the
criterion without data. ``GOLIVE_ENV_OFFLINE=1`` resolves from uv's cache only; a resolution that
fails (offline without a cache, conflicting ranges) returns the reason and nothing is resolved.
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from packaging.utils import canonicalize_name

from golive.analyzers.security.dependency import PYPI, Dependency
from golive.settings import get_settings
from golive.tools import ToolError, run_tool, tail, tool_command

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def resolve_ranges(deps: list[Dependency], timeout: float) -> tuple[list[Dependency], str]:
    """The exact versions uv resolves for the unpinned PyPI ``deps`` (transitive ones included), and a
    sentence saying how; ``([], reason)`` when they cannot be resolved."""
    ranges = [d for d in deps if d.ecosystem == PYPI and d.version is None]
    if not ranges:
        return [], ""
    declared = {canonicalize_name(d.name): d for d in ranges}
    with tempfile.TemporaryDirectory(prefix="golive-resolve-") as tmp:
        requirements = Path(tmp) / "requirements.in"
        requirements.write_text("\n".join(d.spec for d in ranges) + "\n", encoding="utf-8")
        argv = [*tool_command("uv"), "pip", "compile", "--quiet", "--no-header", "--no-annotate",
                "--python", sys.executable, str(requirements)]
        if get_settings().env_offline:
            argv.append("--offline")
        try:
            run = run_tool(argv, cwd=Path(tmp), timeout=timeout, ok_codes=range(0, 256))
        except ToolError as exc:
            return [], f"the declared ranges could not be resolved: {exc}"
    if run.returncode != 0:
        return [], f"the declared ranges could not be resolved (uv pip compile): {tail(run.stderr or run.stdout, 600)}"
    resolved: list[Dependency] = []
    for line in run.stdout.splitlines():
        match = _PIN.match(line.strip())
        if not match:
            continue
        name, version = match.group(1), match.group(2)
        origin = declared.get(canonicalize_name(name))
        if origin is not None:
            resolved.append(replace(origin, version=version, spec=f"{origin.spec} → {version}", direct=True))
        else:
            first = ranges[0]
            resolved.append(Dependency(name=name, version=version, spec=f"{name}=={version}",
                                       path=first.path, line=None, direct=False,
                                       dev=all(d.dev for d in ranges)))
    day = datetime.now(UTC).date().isoformat()
    return resolved, (f"{len(ranges)} declared ranges resolved by uv pip compile on {day} to {len(resolved)} "
                      f"exact versions (what installing them gives today, Python "
                      f"{sys.version_info.major}.{sys.version_info.minor})")
