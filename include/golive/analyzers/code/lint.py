"""The lint analyzer: ruff over the tree's Python source (the files of :mod:`golive.analyzers.files`)."""

from __future__ import annotations

from golive.analyzers.base import Context, no_python_source, relative_path, tool_timeout
from golive.analyzers.files import nonblank_lines, python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import parse_json, run_tool, tool_command, tool_version

#: Ruff rules of the gate: pyflakes, pycodestyle errors (not style), bugbear. The gate uses this fixed
#: set (``--isolated``) so a score means the same for every application and does not depend on where
#: the tree was checked out; ``GOLIVE_RUFF_SELECT`` overrides it.
RUFF_SELECT = "E4,E7,E9,F,B"
#: FastAPI's dependency markers are meant as default values; bugbear's B008 must not count them.
RUFF_IMMUTABLE_CALLS = ["fastapi.Depends", "fastapi.Security", "fastapi.Query", "fastapi.Path",
                        "fastapi.Body", "fastapi.Header", "fastapi.Cookie", "fastapi.Form", "fastapi.File"]


def run_ruff(ctx: Context) -> AnalyzerResult:
    """Lint the source with ruff; measure findings per 1000 non-blank lines (``ruff_findings_per_kloc``)."""
    version = tool_version("ruff")
    files = python_files(ctx.tree)
    if not files:
        return no_python_source(ctx, "ruff", ["ruff_findings_per_kloc"], version)
    select = get_settings().ruff_select or RUFF_SELECT
    argv = [*tool_command("ruff"), "check", "--isolated", "--no-cache", "--output-format", "json",
            "--exit-zero", "--select", select,
            "--config", f"lint.flake8-bugbear.extend-immutable-calls = {RUFF_IMMUTABLE_CALLS!r}",
            "--", *files]
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx)), "ruff")
    findings = []
    for item in data:
        code = item.get("code") or "syntax-error"
        findings.append(Finding(
            tool="ruff", rule_id=code, severity=Severity.HIGH if code == "syntax-error" or code.startswith("E9")
            else Severity.LOW, message=item.get("message", ""), path=relative_path(ctx.tree, item["filename"]),
            line=(item.get("location") or {}).get("row")))
    lines = nonblank_lines(ctx.tree, files)
    per_kloc = round(1000.0 * len(findings) / lines, 2) if lines else 0.0
    return AnalyzerResult(
        agent=ctx.agent, tool="ruff", findings=findings,
        measurements=[Measurement(name="ruff_findings_per_kloc", value=per_kloc, unit="per KLOC",
                                  detail=f"{len(findings)} findings in {lines} lines of {len(files)} files; "
                                         f"rules {select}")],
        details={"tool_version": version, "files": len(files), "lines": lines, "select": select})


