"""The docstring analyzer: interrogate for Python, golive's JSDoc count for JavaScript/TypeScript.

JavaScript/TypeScript is golive's own count through the eslint AST (rule ``golive/jsdoc`` of
``golive/data/eslint/golive-plugin.mjs``), the same units as interrogate's: top-level functions
(declarations and ``const f = …`` / ``exports.f = …`` function values), classes and their public
methods; constructors, private members, nested functions and overload signatures are not counted.
A unit is documented when a ``/** … */`` comment precedes it (or its ``export`` / declaration).
"""

from __future__ import annotations

from golive.analyzers.base import Context, relative_path
from golive.analyzers.code.eslint import METRICS_CONFIG, eslint_version, run_eslint
from golive.analyzers.languages import sources, tool_versions, unmeasured_result
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError

NAME = "docstring_coverage"


def interrogate_count(ctx: Context, files: list[str]) -> tuple[int, int, list[Finding]]:
    """``(documented, total, findings)`` of Python ``files`` by interrogate.

    Not counted: ``__init__`` methods (the class docstring documents construction), magic methods,
    private ``__name`` members, nested functions and classes, overloads, property setters and empty
    ``__init__.py`` modules.
    """
    from interrogate import config as iconfig
    from interrogate import coverage as icoverage

    conf = iconfig.InterrogateConfig(
        ignore_init_method=True, ignore_init_module=True, ignore_magic=True, ignore_private=True,
        ignore_nested_functions=True, ignore_nested_classes=True, ignore_overloaded_functions=True,
        ignore_property_setters=True, fail_under=0)
    try:
        result = icoverage.InterrogateCoverage(paths=[str(ctx.tree / f) for f in files], conf=conf).get_coverage()
    except (SyntaxError, OSError, ValueError) as exc:
        raise ToolError(f"interrogate could not read the source: {exc}") from exc
    findings = [Finding(tool="interrogate", rule_id="missing-docstring", severity=Severity.INFO,
                        message=f"{node.node_type} {node.name} has no docstring",
                        path=relative_path(ctx.tree, file_result.filename), line=node.lineno)
                for file_result in result.file_results for node in file_result.nodes if not node.covered]
    return int(result.covered), int(result.total), findings


def jsdoc_count(ctx: Context, files: list[str]) -> tuple[int, int, list[Finding]]:
    """``(documented, total, findings)`` of JavaScript/TypeScript ``files`` by rule ``golive/jsdoc``.

    :raises ToolError: a file eslint could not parse (its units would silently drop out of the share).
    """
    messages = run_eslint(ctx, METRICS_CONFIG, files)
    unparsable = [f"{m.path}: {m.message}" for m in messages if m.rule is None]
    if unparsable:
        raise ToolError(f"eslint could not parse: {'; '.join(unparsable)[:1500]}")
    units = [m for m in messages if m.rule == "golive/jsdoc"]
    findings = [Finding(tool="eslint", rule_id="missing-jsdoc", severity=Severity.INFO,
                        message=f"{m.message.removeprefix('undocumented ')} has no JSDoc comment",
                        path=m.path, line=m.line)
                for m in units if m.message.startswith("undocumented ")]
    return len(units) - len(findings), len(units), findings


def run_interrogate(ctx: Context) -> AnalyzerResult:
    """Documented share (%) of modules, classes, functions and methods over all languages read."""
    src = sources(ctx)
    version = tool_versions(src, "interrogate", "eslint", eslint_version)
    if not src.python and not src.node:
        return unmeasured_result(ctx, "interrogate", [NAME], version, src, what="documentation")
    covered, total, findings = interrogate_count(ctx, src.python) if src.python else (0, 0, [])
    if src.node:
        more_covered, more_total, more = jsdoc_count(ctx, src.node)
        covered, total, findings = covered + more_covered, total + more_total, findings + more
    details = {"tool_version": version, "files": len(src.python) + len(src.node), "documented": covered,
               "total": total}
    if not total:
        return AnalyzerResult(agent=ctx.agent, tool="interrogate", details=details, measurements=[
            Measurement(name=NAME, value=None, unit="%", detail="nothing to document")])
    return AnalyzerResult(
        agent=ctx.agent, tool="interrogate", findings=findings, details=details,
        measurements=[Measurement(name=NAME, value=round(100.0 * covered / total, 2), unit="%",
                                  detail=f"{covered} of {total} documented ({src.describe()})")])
