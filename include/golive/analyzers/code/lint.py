"""The lint analyzer: ruff over the tree's Python source, golive's eslint over its JavaScript/TypeScript.

Which languages it reads is the profile's (:mod:`golive.analyzers.languages`); a tree with both
gets one measurement, ``lint_findings_per_kloc``: all findings over all non-blank lines.
"""

from __future__ import annotations

from golive.analyzers.base import Context, relative_path, tool_timeout
from golive.analyzers.code.eslint import LINT_CONFIG, eslint_version, run_eslint
from golive.analyzers.files import nonblank_lines
from golive.analyzers.languages import Sources, sources, tool_versions, unmeasured_result
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import parse_json, run_tool, tool_command

#: Ruff rules of the gate: pyflakes, pycodestyle errors (not style), bugbear. The gate uses this fixed
#: set (``--isolated``) so a score means the same for every application and does not depend on where
#: the tree was checked out; ``GOLIVE_RUFF_SELECT`` overrides it.
RUFF_SELECT = "E4,E7,E9,F,B"
#: FastAPI's dependency markers are meant as default values; bugbear's B008 must not count them.
RUFF_IMMUTABLE_CALLS = ["fastapi.Depends", "fastapi.Security", "fastapi.Query", "fastapi.Path",
                        "fastapi.Body", "fastapi.Header", "fastapi.Cookie", "fastapi.Form", "fastapi.File"]
MEASUREMENT = "lint_findings_per_kloc"


def ruff_findings(ctx: Context, files: list[str], select: str) -> list[Finding]:
    """ruff's findings over ``files`` with the gate's fixed rules ``select``."""
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
    return findings


def eslint_findings(ctx: Context, files: list[str]) -> list[Finding]:
    """golive's eslint lint rules over ``files``; a file eslint cannot parse is a HIGH finding."""
    return [Finding(tool="eslint", rule_id=m.rule or "parse-error",
                    severity=Severity.LOW if m.rule else Severity.HIGH, message=m.message, path=m.path, line=m.line)
            for m in run_eslint(ctx, LINT_CONFIG, files)]


def run_ruff(ctx: Context) -> AnalyzerResult:
    """Lint the source (ruff for Python, eslint for JavaScript/TypeScript); measure findings per 1000
    non-blank lines over every file read (``lint_findings_per_kloc``)."""
    src: Sources = sources(ctx)
    version = tool_versions(src, "ruff", "eslint", eslint_version)
    if not src.python and not src.node:
        return unmeasured_result(ctx, "ruff", [MEASUREMENT], version, src, what="lint")
    select = get_settings().ruff_select or RUFF_SELECT
    findings = ruff_findings(ctx, src.python, select) if src.python else []
    findings += eslint_findings(ctx, src.node) if src.node else []
    files = [*src.python, *src.node]
    lines = nonblank_lines(ctx.tree, files)
    per_kloc = round(1000.0 * len(findings) / lines, 2) if lines else 0.0
    rules = [f"ruff {select}"] * bool(src.python) + ["eslint @eslint/js recommended"] * bool(src.node)
    return AnalyzerResult(
        agent=ctx.agent, tool="ruff", findings=findings,
        measurements=[Measurement(name=MEASUREMENT, value=per_kloc, unit="per KLOC",
                                  detail=f"{len(findings)} findings in {lines} lines of {src.describe()}; "
                                         f"rules: {'; '.join(rules)}")],
        details={"tool_version": version, "files": len(files), "lines": lines, "select": select,
                 "by_tool": {t: sum(1 for f in findings if f.tool == t) for t in ("ruff", "eslint")}})
