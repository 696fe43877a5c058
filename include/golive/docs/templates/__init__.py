"""The documentation phase's jinja2 templates (``*.md.j2`` Markdown, ``*.html.j2`` HTML, autoescaped)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

TEMPLATES_DIR = Path(__file__).resolve().parent


def md_cell(value: Any) -> str:
    """Text safe in one Markdown table cell: pipes escaped, line breaks folded."""
    return " ".join(str(value or "").split()).replace("|", "\\|")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
                             autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",)),
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["cell"] = md_cell
    return env


def render(name: str, view: dict[str, Any]) -> str:
    """Render template ``name`` with ``view``."""
    return _environment().get_template(name).render(**view)
