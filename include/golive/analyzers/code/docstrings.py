"""The docstring analyzer: interrogate (through its Python API: it has no JSON output)."""

from __future__ import annotations

from golive.analyzers.base import Context, no_python_source, relative_path
from golive.analyzers.files import python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import ToolError, tool_version


def run_interrogate(ctx: Context) -> AnalyzerResult:
    """Docstring coverage (%) of modules, classes, functions and methods, by interrogate.

    Not counted: ``__init__`` methods (the class docstring documents construction), magic methods,
    private ``__name`` members, nested functions and classes, overloads, property setters and empty
    ``__init__.py`` modules.
    """
    from interrogate import config as iconfig
    from interrogate import coverage as icoverage

    version = tool_version("interrogate")
    files = python_files(ctx.tree)
    if not files:
        return no_python_source(ctx, "interrogate", ["docstring_coverage"], version)
    conf = iconfig.InterrogateConfig(
        ignore_init_method=True, ignore_init_module=True, ignore_magic=True, ignore_private=True,
        ignore_nested_functions=True, ignore_nested_classes=True, ignore_overloaded_functions=True,
        ignore_property_setters=True, fail_under=0)
    try:
        result = icoverage.InterrogateCoverage(paths=[str(ctx.tree / f) for f in files], conf=conf).get_coverage()
    except (SyntaxError, OSError, ValueError) as exc:
        raise ToolError(f"interrogate could not read the source: {exc}") from exc
    findings = []
    for file_result in result.file_results:
        for node in file_result.nodes:
            if not node.covered:
                findings.append(Finding(
                    tool="interrogate", rule_id="missing-docstring", severity=Severity.INFO,
                    message=f"{node.node_type} {node.name} has no docstring",
                    path=relative_path(ctx.tree, file_result.filename), line=node.lineno))
    details = {"tool_version": version, "files": len(files), "documented": result.covered, "total": result.total}
    if not result.total:
        return AnalyzerResult(agent=ctx.agent, tool="interrogate", details=details, measurements=[
            Measurement(name="docstring_coverage", value=None, unit="%", detail="nothing to document")])
    return AnalyzerResult(
        agent=ctx.agent, tool="interrogate", findings=findings, details=details,
        measurements=[Measurement(name="docstring_coverage", value=round(float(result.perc_covered), 2), unit="%",
                                  detail=f"{result.covered} of {result.total} documented")])


