"""The complexity analyzer: cyclomatic complexity of every function (average and worst).

Python by radon; JavaScript/TypeScript by eslint's ``complexity`` rule with ``max: 0`` (which reports
every function with its complexity; class field initializers and static blocks are not functions
and are not counted). A tree with both languages averages over all functions of both.
"""

from __future__ import annotations

import re

from golive.analyzers.base import Context, relative_path, tool_timeout
from golive.analyzers.code.eslint import METRICS_CONFIG, eslint_version, run_eslint
from golive.analyzers.languages import sources, tool_versions, unmeasured_result
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.tools import parse_json, run_tool, tool_command

NAMES = ["complexity_average", "complexity_worst"]
_ESLINT_COMPLEXITY = re.compile(r"^(?P<what>.*?) has a complexity of (?P<cc>\d+)\.")
_NOT_FUNCTIONS = ("Class field initializer", "Class static block")

#: (complexity, qualified name, path, line) of one function.
Block = tuple[int, str, str, int]


def radon_blocks(ctx: Context, files: list[str]) -> tuple[list[Block], list[str]]:
    """Every Python function and method with its complexity, and the files radon could not parse."""
    argv = [*tool_command("radon"), "cc", "-j", "--", *files]
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=tool_timeout(ctx)), "radon")
    blocks: list[Block] = []
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
    return blocks, errors


def eslint_blocks(ctx: Context, files: list[str]) -> tuple[list[Block], list[str]]:
    """Every JavaScript/TypeScript function with its complexity, and the files eslint could not parse."""
    blocks: list[Block] = []
    errors: list[str] = []
    for m in run_eslint(ctx, METRICS_CONFIG, files):
        if m.rule is None:
            errors.append(f"{m.path}: {m.message}")
            continue
        match = _ESLINT_COMPLEXITY.match(m.message) if m.rule == "complexity" else None
        if match and not m.message.startswith(_NOT_FUNCTIONS):
            blocks.append((int(match["cc"]), match["what"], m.path, m.line or 0))
    return blocks, errors


def run_radon(ctx: Context) -> AnalyzerResult:
    """Cyclomatic complexity of every function and method: average and worst over all languages read."""
    src = sources(ctx)
    version = tool_versions(src, "radon", "eslint", eslint_version)
    if not src.python and not src.node:
        return unmeasured_result(ctx, "radon", NAMES, version, src, what="complexity")
    blocks, errors = radon_blocks(ctx, src.python) if src.python else ([], [])
    if src.node:
        more, more_errors = eslint_blocks(ctx, src.node)
        blocks, errors = blocks + more, errors + more_errors
    tool = {True: "radon", False: "eslint"}
    findings = [Finding(tool=tool[path.endswith(".py")], rule_id="cyclomatic-complexity", severity=Severity.MEDIUM,
                        message=f"{qual} has cyclomatic complexity {cc} (more than 10)", path=path, line=line)
                for cc, qual, path, line in blocks if cc > 10]
    findings += [Finding(tool=tool[e.split(":", 1)[0].endswith(".py")], rule_id="parse-error",
                         severity=Severity.HIGH, message=e, path=e.split(":", 1)[0]) for e in errors]
    details = {"tool_version": version, "files": len(src.python) + len(src.node), "functions": len(blocks),
               "errors": errors}
    if not blocks:
        why = "no functions or methods to measure" + (f"; unparsable files: {'; '.join(errors)}" if errors else "")
        return AnalyzerResult(agent=ctx.agent, tool="radon", findings=findings, details=details,
                              measurements=[Measurement(name=n, value=None, unit="", detail=why) for n in NAMES])
    average = round(sum(b[0] for b in blocks) / len(blocks), 2)
    worst = max(blocks, key=lambda b: b[0])
    return AnalyzerResult(
        agent=ctx.agent, tool="radon", findings=findings, details=details,
        measurements=[
            Measurement(name="complexity_average", value=average, unit="",
                        detail=f"mean over {len(blocks)} functions and methods of {src.describe()}"),
            Measurement(name="complexity_worst", value=float(worst[0]), unit="",
                        detail=f"worst: {worst[1]} at {worst[2]}:{worst[3]}"),
        ])
