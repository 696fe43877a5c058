"""semgrep with golive's own rules (``golive/data/semgrep/*.yaml``), run offline, for JavaScript/TypeScript.

``--metrics=off``, ``--disable-version-check`` and ``--config <golive's rule directory>``: no
registry rule, no network. semgrep lives in its own virtual environment (``tools/semgrep/venv``,
created by ``scripts/setup.sh``; its pinned dependencies clash with Airflow's), started through
``TOOL_COMMANDS["semgrep"]``. Severity: ERROR → high, WARNING → medium, INFO → low.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

from golive.analyzers.base import Context, relative_path, tool_timeout
from golive.models import Finding, Severity
from golive.tools import ToolError, clean_env, parse_json, run_tool, tool_command

RULES_DATA = "data/semgrep"
_SEVERITY = {"ERROR": Severity.HIGH, "WARNING": Severity.MEDIUM, "INFO": Severity.LOW}
_RULE_PREFIX = "golive."
#: What semgrep reads besides its flags: no version check (``semgrep --version`` otherwise waits a
#: minute for the network), no metrics.
OFFLINE_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def rules_dir() -> Path:
    """golive's semgrep rule directory."""
    return Path(str(resources.files("golive").joinpath(RULES_DATA)))


def semgrep_argv(files: list[str]) -> list[str]:
    """The command line golive runs (tests run it directly to compare counts)."""
    return [*tool_command("semgrep"), "scan", "--metrics=off", "--disable-version-check", "--oss-only",
            "--config", str(rules_dir()), "--json", "--quiet", "--no-git-ignore", "--", *files]


def semgrep_version() -> str:
    """The version of golive's semgrep, or ``unknown``."""
    return _version(tuple(tool_command("semgrep")))


@cache
def _version(command: tuple[str, ...]) -> str:
    try:
        run = run_tool([*command, "--version", "--disable-version-check"], cwd=Path.cwd(), timeout=60,
                       env=clean_env(OFFLINE_ENV))
    except ToolError:
        return "unknown"
    return run.stdout.strip() or "unknown"


def _rule_id(check_id: str) -> str:
    """semgrep prefixes the rule file's directory to the id: keep golive's id."""
    at = check_id.rfind(_RULE_PREFIX)
    return check_id[at:] if at >= 0 else check_id


def semgrep_scan(ctx: Context, files: list[str]) -> tuple[list[Finding], list[str]]:
    """Findings of golive's rules over ``files`` (relative to the tree) and the files semgrep could not read.

    :raises ToolError: semgrep is missing, failed, or could not analyze any file.
    """
    run = run_tool(semgrep_argv(files), cwd=ctx.tree, timeout=tool_timeout(ctx), ok_codes=(0, 1),
                   env=clean_env(OFFLINE_ENV))
    data = parse_json(run, "semgrep")
    findings = []
    for item in data.get("results", []):
        rel = relative_path(ctx.tree, item.get("path", ""))
        rule = _rule_id(str(item.get("check_id", "")))
        extra = item.get("extra") or {}
        line = (item.get("start") or {}).get("line")
        digest = hashlib.sha256(f"{rule}:{rel}:{line}".encode()).hexdigest()[:16]
        findings.append(Finding(tool="semgrep", rule_id=rule,
                                severity=_SEVERITY.get(str(extra.get("severity")), Severity.LOW),
                                message=str(extra.get("message", "")), path=rel, line=line,
                                fingerprint=f"semgrep:{rule}:{rel}:{digest}"))
    errors = [f"{relative_path(ctx.tree, str(e.get('path', '?')))}: {e.get('message', e.get('type', ''))}"
              for e in data.get("errors", [])]
    fatal = [e for e in data.get("errors", []) if e.get("level") == "error" and not e.get("path")]
    if fatal:
        why = "; ".join(str(e.get("message")) for e in fatal)
        raise ToolError(f"semgrep could not run golive's rules: {why[:1500]}")
    if errors and len(errors) >= len(files):
        raise ToolError(f"semgrep could not analyze any file: {'; '.join(errors)[:1500]}")
    return findings, errors
