"""The complexity analyzer: radon's cyclomatic complexity (average and worst function)."""

from __future__ import annotations

from golive.analyzers.base import Context, no_python_source, relative_path, tool_timeout
from golive.analyzers.files import python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import parse_json, run_tool, tool_command, tool_version


def run_radon(ctx: Context) -> AnalyzerResult:
    """Cyclomatic complexity of every function and method: average and worst (``radon cc -j``)."""
    version = tool_version("radon")
    files = python_files(ctx.tree)
    names = ["complexity_average", "complexity_worst"]
    if not files:
        return no_python_source(ctx, "radon", names, version)
    argv = [*tool_command("radon"), "cc", "-j", "--", *files]
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx)), "radon")
    blocks: list[tuple[int, str, str, int]] = []
    errors: list[str] = []
    for filename, items in data.items():
        if isinstance(items, dict):  # {"error": "..."}: the file does not parse
            errors.append(f"{filename}: {items.get('error', 'unreadable')}")
            continue
        for block in items:
            if block.get("type") not in ("function", "method"):
                continue  # classes aggregate their methods, which are listed on their own
            qual = f"{block['classname']}.{block['name']}" if block.get("classname") else block["name"]
            blocks.append((int(block["complexity"]), qual, relative_path(ctx.tree, filename), int(block["lineno"])))
    findings = [Finding(tool="radon", rule_id="cyclomatic-complexity", severity=Severity.MEDIUM,
                        message=f"{qual} has cyclomatic complexity {cc} (more than 10)", path=path, line=line)
                for cc, qual, path, line in blocks if cc > 10]
    findings += [Finding(tool="radon", rule_id="parse-error", severity=Severity.HIGH, message=e,
                         path=e.split(":", 1)[0]) for e in errors]
    details = {"tool_version": version, "files": len(files), "functions": len(blocks), "errors": errors}
    if not blocks:
        why = "no functions or methods to measure" + (f"; unparsable files: {'; '.join(errors)}" if errors else "")
        return AnalyzerResult(agent=ctx.agent, tool="radon", findings=findings, details=details,
                              measurements=[Measurement(name=n, value=None, unit="", detail=why) for n in names])
    average = round(sum(b[0] for b in blocks) / len(blocks), 2)
    worst = max(blocks, key=lambda b: b[0])
    return AnalyzerResult(
        agent=ctx.agent, tool="radon", findings=findings, details=details,
        measurements=[
            Measurement(name="complexity_average", value=average, unit="",
                        detail=f"mean over {len(blocks)} functions and methods"),
            Measurement(name="complexity_worst", value=float(worst[0]), unit="",
                        detail=f"worst: {worst[1]} at {worst[2]}:{worst[3]}"),
        ])


