"""golive's eslint: its fixed configurations and one way to run them over JavaScript/TypeScript files.

eslint runs from golive's own Node tool set (``tools/node``, installed by ``scripts/setup.sh`` with
``npm ci``; ``TOOL_COMMANDS["eslint"]``) with golive's configurations (``golive/data/eslint``) and
nothing of the tree's: ``--no-config-lookup`` ignores its ``eslint.config.*`` and
``--no-inline-config`` its ``eslint-disable`` comments (written against its own rule set, they
name rules golive does not load), so a score means the same for every application — as ruff's
``--isolated``. Two configurations: ``lint`` (``@eslint/js`` recommended) and ``metrics``
(``complexity`` with ``max: 0``, which reports every function's complexity, and golive's rules
``golive/jsdoc`` and ``golive/annotations`` in ``golive-plugin.mjs``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from golive.analyzers.base import Context, relative_path, tool_timeout
from golive.tools import ToolError, parse_json, run_tool, tool_command

ESLINT_DATA = "data/eslint"
LINT_CONFIG = "lint.config.mjs"
METRICS_CONFIG = "metrics.config.mjs"
_VERSION_RE = re.compile(r"v?(\d+\.\d+\.\d+)")


@dataclass(frozen=True)
class EslintMessage:
    """One message of eslint's JSON output; ``rule`` is None for a file eslint could not parse."""

    path: str
    line: int | None
    rule: str | None
    message: str


def config_path(name: str) -> Path:
    """The file of one of golive's eslint configurations (``LINT_CONFIG``, ``METRICS_CONFIG``)."""
    return Path(str(resources.files("golive").joinpath(ESLINT_DATA, name)))


def eslint_argv(config: str, files: list[str]) -> list[str]:
    """The command line golive runs (tests run it directly to compare counts)."""
    return [*tool_command("eslint"), "--no-config-lookup", "--no-inline-config", "--no-warn-ignored",
            "-c", str(config_path(config)), "--format", "json", "--", *files]


def _check_installed(argv: list[str]) -> None:
    script = next((a for a in argv if a.endswith("eslint.js")), None)
    if script is not None and not Path(script).is_file():
        raise ToolError(f"golive's eslint is not installed ({script} is missing): run scripts/setup.sh, "
                        "which installs tools/node with npm ci, or set GOLIVE_TOOL_ESLINT")


def eslint_version() -> str:
    """The version of golive's eslint, or ``unknown``."""
    return _version(tuple(tool_command("eslint")))


@cache
def _version(command: tuple[str, ...]) -> str:
    argv = [*command, "--version"]
    try:
        _check_installed(argv)
        run = run_tool(argv, cwd=Path.cwd(), timeout=60)
    except ToolError:
        return "unknown"
    match = _VERSION_RE.search(run.stdout)
    return match.group(1) if match else "unknown"


def run_eslint(ctx: Context, config: str, files: list[str]) -> list[EslintMessage]:
    """Run golive's eslint configuration ``config`` over ``files`` (relative to the tree).

    :raises ToolError: eslint is not installed, crashed (exit 2), or printed no JSON.
    """
    argv = eslint_argv(config, files)
    _check_installed(argv)
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx), ok_codes=(0, 1)), "eslint")
    return [EslintMessage(path=relative_path(ctx.tree, item["filePath"]), line=message.get("line"),
                          rule=message.get("ruleId"), message=str(message.get("message", "")))
            for item in data for message in item.get("messages", [])]
