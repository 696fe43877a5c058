"""Which of the expected sections a README has (install, usage, configuration, tests).

Headings are read from Markdown (ATX ``#`` and setext underlines) and reStructuredText (underlined
titles); a section counts when one heading names it or a synonym (``Getting started`` is both install
and usage, ``Environment`` is configuration).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: section → words a heading may use for it.
SECTIONS: dict[str, tuple[str, ...]] = {
    "install": ("install", "installation", "installing", "setup", "set up", "getting started", "quick start",
                "quickstart", "requirements", "build", "container"),
    "usage": ("usage", "use", "using", "how to use", "example", "examples", "getting started", "quick start",
              "quickstart", "run", "running", "api", "endpoints", "cli", "commands"),
    "configuration": ("configuration", "configure", "config", "settings", "environment", "options", "variables"),
    "tests": ("test", "tests", "testing", "run the tests", "running the tests"),
}
_ATX = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*([=\-~^\"'`#*+])\1{2,}\s*$")


def headings(text: str) -> list[str]:
    """The headings of a Markdown or reStructuredText document, in order."""
    lines = text.splitlines()
    found = []
    in_fence = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        atx = _ATX.match(line)
        if atx:
            found.append(atx.group(1))
        elif i and _UNDERLINE.match(line) and lines[i - 1].strip() and not _UNDERLINE.match(lines[i - 1]):
            found.append(lines[i - 1].strip())
    return found


def _words(heading: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9]+", heading.lower())) + " "


@dataclass(frozen=True)
class ReadmeSections:
    """The README that was read and which expected sections it has."""

    readme: str | None
    present: dict[str, str]
    missing: list[str]

    @property
    def share(self) -> float | None:
        """Share (%) of the expected sections present; None without a README."""
        if self.readme is None:
            return None
        return round(100.0 * len(self.present) / len(SECTIONS), 2)


def find_readme(tree: Path) -> Path | None:
    """The root README (``README.md`` first, then ``README.rst``, ``README.txt``, ``README``)."""
    candidates = sorted((p for p in tree.iterdir() if p.is_file() and p.name.lower().startswith("readme")),
                        key=lambda p: (p.suffix.lower() not in (".md", ".markdown"), p.suffix.lower() != ".rst",
                                       p.name))
    return candidates[0] if candidates else None


def readme_sections(tree: Path) -> ReadmeSections:
    """Which of :data:`SECTIONS` the tree's README has (section → the heading that names it)."""
    readme = find_readme(tree)
    if readme is None:
        return ReadmeSections(readme=None, present={}, missing=list(SECTIONS))
    titles = headings(readme.read_text(encoding="utf-8", errors="replace"))
    present = {}
    for section, words in SECTIONS.items():
        hit = next((t for t in titles if any(f" {w} " in _words(t) for w in words)), None)
        if hit is not None:
            present[section] = hit
    return ReadmeSections(readme=readme.name, present=present, missing=[s for s in SECTIONS if s not in present])
