"""Broken links of a tree's README and docs, found by lychee (the link checker, a binary in its wheel).

Relative links and ``#anchors`` (``--include-fragments``: Markdown headings, HTML ids) are checked
offline, always; http(s) links only when online (``GoliveSettings.docs_links_online``) — offline
lychee's ``--offline`` excludes them and they are counted as not checked, never as passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from golive.tools import ToolError, ToolRun, run_tool, tool_command

#: At most this many documentation files are checked (the README first).
MAX_FILES = 200
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".html", ".htm")
#: lychee exits 2 when it found broken links.
_FOUND_BROKEN = 2


def documentation_files(tree: Path) -> list[str]:
    """The README(s) at the root, then ``docs/`` and ``doc/``, as paths relative to ``tree``."""
    readmes = sorted(p for p in tree.iterdir() if p.is_file() and p.name.lower().startswith("readme"))
    docs = sorted(p for d in ("docs", "doc") if (tree / d).is_dir() for p in (tree / d).rglob("*")
                  if p.is_file() and p.suffix.lower() in DOC_SUFFIXES)
    return [p.relative_to(tree).as_posix() for p in [*readmes, *docs]][:MAX_FILES]


@dataclass(frozen=True)
class BrokenLink:
    """One link that does not resolve."""

    file: str
    line: int | None
    url: str
    reason: str

    @property
    def external(self) -> bool:
        """An http(s) link (as opposed to a file or an anchor)."""
        return self.url.startswith(("http://", "https://"))


@dataclass(frozen=True)
class LinkReport:
    """What lychee found in the documentation files."""

    files: list[str]
    checked: int
    broken: list[BrokenLink] = field(default_factory=list)
    external_unchecked: int = 0
    external_checked: int = 0
    online: bool = False

    @property
    def local_broken(self) -> list[BrokenLink]:
        """Broken relative links and anchors."""
        return [b for b in self.broken if not b.external]

    @property
    def external_broken(self) -> list[BrokenLink]:
        """Broken http(s) links (online only)."""
        return [b for b in self.broken if b.external]


def _entries(data: dict[str, object], key: str) -> list[tuple[str, dict[str, object]]]:
    found = data.get(key)
    if not isinstance(found, dict):
        return []
    return [(str(file), item) for file, items in found.items() if isinstance(items, list)
            for item in items if isinstance(item, dict)]


def _line(item: dict[str, object]) -> int | None:
    span = item.get("span")
    line = span.get("line") if isinstance(span, dict) else None
    return line if isinstance(line, int) else None


def parse_report(run: ToolRun, files: list[str], *, online: bool) -> LinkReport:
    """lychee's ``--format json`` output as a :class:`LinkReport`."""
    try:
        data = json.loads(run.stdout)
    except ValueError as exc:
        raise ToolError(f"lychee printed no JSON report: {exc}; {run.stderr[-500:]}") from exc
    broken = []
    for key in ("error_map", "timeout_map"):
        for file, item in _entries(data, key):
            status = item.get("status")
            text = status.get("text") if isinstance(status, dict) else None
            reason = str(text or key.removesuffix("_map"))
            broken.append(BrokenLink(file=file, line=_line(item), url=str(item.get("url", "")), reason=reason))
    excluded = [item for _, item in _entries(data, "excluded_map")
                if str(item.get("url", "")).startswith(("http://", "https://"))]
    successes = [item for _, item in _entries(data, "success_map")]
    external_ok = sum(1 for item in successes if str(item.get("url", "")).startswith(("http://", "https://")))
    return LinkReport(files=files, checked=len(successes) + len(broken), broken=broken,
                      external_unchecked=len(excluded),
                      external_checked=external_ok + sum(1 for b in broken if b.external), online=online)


def check_links(tree: Path, *, online: bool, timeout: float = 120.0) -> LinkReport:
    """Run lychee over the tree's documentation files (none: an empty report).

    :raises ToolError: lychee could not run or printed no report.
    """
    files = documentation_files(tree)
    if not files:
        return LinkReport(files=[], checked=0, online=online)
    argv = [*tool_command("lychee"), "--format", "json", "--no-progress", "--verbose", "--include-fragments",
            "--root-dir", str(tree.resolve()), "--max-concurrency", "8", "--timeout", "10", "--max-retries", "1"]
    if not online:
        argv.append("--offline")
    run = run_tool([*argv, "--", *files], cwd=tree, timeout=timeout, ok_codes=(0, _FOUND_BROKEN))
    return parse_report(run, files, online=online)
