"""Static code analyzers: ruff, radon, interrogate, the type-hint count, and bandit (shared by both agents).

All of them look at the same files: the tree's Python source without tests and virtual environments
(see ``golive.agents._files``). Real tools run as subprocesses from argv lists (``sys.executable -m
TOOL``), their JSON output parsed; interrogate, which has no JSON output, runs through its Python API.

Type hints: no installed tool reports the share of annotated parameters and returns. mypy's
``--any-exprs-report``/``--linecount-report`` measure typed *expressions* and *lines* after inference,
and need the target's dependencies installed to say anything; what the gate wants is whether the
authors wrote annotations, which an AST walk answers exactly and without importing the code.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from golive.agents._cli import DEFAULT_TOOL_TIMEOUT, Context
from golive.agents._files import nonblank_lines, python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError, parse_json, run_tool, tool_command, tool_version

#: Ruff rules of the gate: pyflakes, pycodestyle errors (not style), bugbear. The gate uses this fixed
#: set (``--isolated``) so a score means the same for every application and does not depend on where
#: the tree was checked out; ``GOLIVE_RUFF_SELECT`` overrides it.
RUFF_SELECT = "E4,E7,E9,F,B"
#: FastAPI's dependency markers are meant as default values; bugbear's B008 must not count them.
RUFF_IMMUTABLE_CALLS = ["fastapi.Depends", "fastapi.Security", "fastapi.Query", "fastapi.Path",
                        "fastapi.Body", "fastapi.Header", "fastapi.Cookie", "fastapi.Form", "fastapi.File"]
_SEVERITY = {"LOW": Severity.LOW, "MEDIUM": Severity.MEDIUM, "HIGH": Severity.HIGH}
_BANDIT_SECRET_TESTS = {"B105", "B106", "B107"}
_QUOTED = re.compile(r"""(['"]).*?\1""")


def _timeout(ctx: Context) -> float:
    return ctx.timeout or DEFAULT_TOOL_TIMEOUT


def _no_source(ctx: Context, tool: str, measurements: list[str], version: str) -> AnalyzerResult:
    why = "the source tree has no Python files outside tests and virtual environments"
    return AnalyzerResult(agent=ctx.agent, tool=tool, details={"tool_version": version, "files": 0},
                          measurements=[Measurement(name=m, value=None, unit="", detail=why)
                                        for m in measurements])


def _rel(root: Path, filename: str) -> str:
    path = Path(filename)
    if path.is_absolute():
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix().removeprefix("./")


# -- ruff -------------------------------------------------------------------------------------------

def run_ruff(ctx: Context) -> AnalyzerResult:
    """Lint the source with ruff; measure findings per 1000 non-blank lines (``ruff_findings_per_kloc``)."""
    version = tool_version("ruff")
    files = python_files(ctx.tree)
    if not files:
        return _no_source(ctx, "ruff", ["ruff_findings_per_kloc"], version)
    select = get_settings().ruff_select or RUFF_SELECT
    argv = [*tool_command("ruff"), "check", "--isolated", "--no-cache", "--output-format", "json",
            "--exit-zero", "--select", select,
            "--config", f"lint.flake8-bugbear.extend-immutable-calls = {RUFF_IMMUTABLE_CALLS!r}",
            "--", *files]
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=_timeout(ctx)), "ruff")
    findings = []
    for item in data:
        code = item.get("code") or "syntax-error"
        findings.append(Finding(
            tool="ruff", rule_id=code, severity=Severity.HIGH if code == "syntax-error" or code.startswith("E9")
            else Severity.LOW, message=item.get("message", ""), path=_rel(ctx.tree, item["filename"]),
            line=(item.get("location") or {}).get("row")))
    lines = nonblank_lines(ctx.tree, files)
    per_kloc = round(1000.0 * len(findings) / lines, 2) if lines else 0.0
    return AnalyzerResult(
        agent=ctx.agent, tool="ruff", findings=findings,
        measurements=[Measurement(name="ruff_findings_per_kloc", value=per_kloc, unit="per KLOC",
                                  detail=f"{len(findings)} findings in {lines} lines of {len(files)} files; "
                                         f"rules {select}")],
        details={"tool_version": version, "files": len(files), "lines": lines, "select": select})


# -- radon ------------------------------------------------------------------------------------------

def run_radon(ctx: Context) -> AnalyzerResult:
    """Cyclomatic complexity of every function and method: average and worst (``radon cc -j``)."""
    version = tool_version("radon")
    files = python_files(ctx.tree)
    names = ["complexity_average", "complexity_worst"]
    if not files:
        return _no_source(ctx, "radon", names, version)
    argv = [*tool_command("radon"), "cc", "-j", "--", *files]
    data = parse_json(run_tool(argv, cwd=ctx.tree, timeout=_timeout(ctx)), "radon")
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
            blocks.append((int(block["complexity"]), qual, _rel(ctx.tree, filename), int(block["lineno"])))
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


# -- interrogate ------------------------------------------------------------------------------------

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
        return _no_source(ctx, "interrogate", ["docstring_coverage"], version)
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
                    path=_rel(ctx.tree, file_result.filename), line=node.lineno))
    details = {"tool_version": version, "files": len(files), "documented": result.covered, "total": result.total}
    if not result.total:
        return AnalyzerResult(agent=ctx.agent, tool="interrogate", details=details, measurements=[
            Measurement(name="docstring_coverage", value=None, unit="%", detail="nothing to document")])
    return AnalyzerResult(
        agent=ctx.agent, tool="interrogate", findings=findings, details=details,
        measurements=[Measurement(name="docstring_coverage", value=round(float(result.perc_covered), 2), unit="%",
                                  detail=f"{result.covered} of {result.total} documented")])


# -- type hints -------------------------------------------------------------------------------------

def _functions(tree: ast.AST) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, bool]]:
    """Every function with a flag: is it directly a method of a class?"""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, _ = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield child, isinstance(node, ast.ClassDef)
            stack.append((child, False))


def count_annotations(source: str) -> tuple[int, int, list[tuple[str, int, int, int]]]:
    """Annotated slots and all slots in ``source``: parameters (not ``self``/``cls``) and returns.

    ``__init__`` returns are not counted (they are always None). Returns ``(annotated, total,
    [(function, line, annotated, total)…])``.
    """
    tree = ast.parse(source)
    annotated = total = 0
    per_function = []
    for func, is_method in _functions(tree):
        args = func.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in func.decorator_list)
        if is_method and not static and params and params[0].arg in ("self", "cls", "mcs", "metacls"):
            params = params[1:]
        slots = [p.annotation is not None for p in params]
        if func.name != "__init__":
            slots.append(func.returns is not None)
        annotated += sum(slots)
        total += len(slots)
        per_function.append((func.name, func.lineno, sum(slots), len(slots)))
    return annotated, total, per_function


def run_typehints(ctx: Context) -> AnalyzerResult:
    """Share (%) of annotated parameters and return types over all functions (``typehint_coverage``)."""
    files = python_files(ctx.tree)
    if not files:
        return _no_source(ctx, "typehints", ["typehint_coverage"], "ast")
    annotated = total = 0
    findings: list[Finding] = []
    unparsable: list[str] = []
    for rel in files:
        try:
            a, t, per_function = count_annotations((ctx.tree / rel).read_text(encoding="utf-8", errors="replace"))
        except SyntaxError as exc:
            unparsable.append(f"{rel}:{exc.lineno}: {exc.msg}")
            continue
        annotated += a
        total += t
        findings += [Finding(tool="typehints", rule_id="missing-annotations", severity=Severity.INFO,
                             message=f"{name} annotates {fa} of {ft} parameters and return", path=rel, line=line)
                     for name, line, fa, ft in per_function if fa < ft]
    details = {"tool_version": "ast", "files": len(files), "annotated": annotated, "total": total,
               "unparsable": unparsable}
    if not total:
        why = "no function parameters or returns to annotate"
        if unparsable:
            why += f"; unparsable files: {'; '.join(unparsable)}"
        return AnalyzerResult(agent=ctx.agent, tool="typehints", details=details, findings=findings,
                              measurements=[Measurement(name="typehint_coverage", value=None, unit="%", detail=why)])
    detail = f"{annotated} of {total} parameters and returns annotated"
    if unparsable:
        detail += f"; {len(unparsable)} unparsable files not counted"
    return AnalyzerResult(
        agent=ctx.agent, tool="typehints", findings=findings, details=details,
        measurements=[Measurement(name="typehint_coverage", value=round(100.0 * annotated / total, 2), unit="%",
                                  detail=detail)])


# -- bandit -----------------------------------------------------------------------------------------

def _bandit_message(item: dict) -> str:
    text = item.get("issue_text", "")
    if item.get("test_id") in _BANDIT_SECRET_TESTS:  # these quote the password: never keep it
        text = _QUOTED.sub("'***'", text)
        text = re.sub(r"(hardcoded password:)\s*\S.*$", r"\1 '***'", text, flags=re.IGNORECASE)
    return text


def run_bandit(ctx: Context) -> AnalyzerResult:
    """Security linting with bandit: findings and counts of HIGH and MEDIUM severity issues.

    Shared by the quality and the security agent (one implementation). ``# nosec`` is honoured.
    Messages of the hard-coded-password checks are redacted: the finding never carries the value.
    """
    version = tool_version("bandit")
    files = python_files(ctx.tree)
    names = ["bandit_high", "bandit_medium"]
    if not files:
        return _no_source(ctx, "bandit", names, version)
    argv = [*tool_command("bandit"), "-f", "json", "-q", "--", *files]
    run = run_tool(argv, cwd=ctx.tree, timeout=_timeout(ctx), ok_codes=(0, 1))
    data = parse_json(run, "bandit")
    findings = []
    counts = {"HIGH": 0, "MEDIUM": 0, "LOW": 0}
    for item in data.get("results", []):
        sev = item.get("issue_severity", "LOW").upper()
        counts[sev] = counts.get(sev, 0) + 1
        rel = _rel(ctx.tree, item.get("filename", ""))
        line = item.get("line_number")
        digest = hashlib.sha256(f"{item.get('test_id')}:{rel}:{item.get('code', '')}".encode()).hexdigest()[:16]
        findings.append(Finding(
            tool="bandit", rule_id=f"{item.get('test_id')}:{item.get('test_name')}",
            severity=_SEVERITY.get(sev, Severity.LOW),
            message=f"{_bandit_message(item)} (confidence {item.get('issue_confidence', '?').lower()})",
            path=rel, line=line, fingerprint=f"bandit:{item.get('test_id')}:{rel}:{digest}"))
    errors = [f"{_rel(ctx.tree, e.get('filename', '?'))}: {e.get('reason', '')}" for e in data.get("errors", [])]
    if errors and len(errors) >= len(files):
        raise ToolError(f"bandit could not analyze any file: {'; '.join(errors)[:1500]}")
    detail_suffix = f"; {len(errors)} files not analyzed: {'; '.join(errors)[:500]}" if errors else ""
    return AnalyzerResult(
        agent=ctx.agent, tool="bandit", findings=findings,
        measurements=[
            Measurement(name="bandit_high", value=float(counts["HIGH"]), unit="issues",
                        detail=_worst(findings, Severity.HIGH) + detail_suffix),
            Measurement(name="bandit_medium", value=float(counts["MEDIUM"]), unit="issues",
                        detail=_worst(findings, Severity.MEDIUM) + detail_suffix),
        ],
        details={"tool_version": version, "files": len(files), "low": counts["LOW"], "errors": errors})


def _worst(findings: list[Finding], severity: Severity) -> str:
    hits = [f for f in findings if f.severity is severity]
    if not hits:
        return f"no {severity.value} severity issues"
    shown = ", ".join(f"{f.rule_id.split(':')[0]} at {f.path}:{f.line}" for f in hits[:5])
    return shown + (f" and {len(hits) - 5} more" if len(hits) > 5 else "")
