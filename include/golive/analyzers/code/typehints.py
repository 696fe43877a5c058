"""The type-hint analyzer: the share of annotated parameters and returns, by an AST walk.

Python by :mod:`ast`; TypeScript by rule ``golive/annotations`` of golive's eslint (its AST, through
``@typescript-eslint/parser``): every function's parameters and return, not counting functions
typed by their context (a callback argument, a ``const f: Handler = …``), overload signatures, and
the returns of constructors and setters. Plain JavaScript has no annotations: for a tree whose only
source is JavaScript the measurement is not applicable (JSDoc ``@type`` tags are not counted).

No installed tool reports it. mypy's ``--any-exprs-report``/``--linecount-report`` measure typed
*expressions* and *lines* after inference, and need the target's dependencies installed to say
anything; what the gate wants is whether the authors wrote annotations, which an AST walk answers
exactly and without importing the code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from golive.analyzers.base import Context
from golive.analyzers.code.eslint import METRICS_CONFIG, eslint_version, run_eslint
from golive.analyzers.languages import Sources, sources, unmeasured_result
from golive.models import AnalyzerResult, Finding, Measurement, Severity

NAME = "typehint_coverage"
_ANNOTATES = re.compile(r"^annotates (?P<annotated>\d+) of (?P<total>\d+): (?P<name>.*)$")


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


def python_count(ctx: Context, files: list[str]) -> tuple[int, int, list[Finding], list[str]]:
    """``(annotated, total, findings, unparsable)`` over Python ``files``."""
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
    return annotated, total, findings, unparsable


def typescript_count(ctx: Context, files: list[str]) -> tuple[int, int, list[Finding], list[str]]:
    """``(annotated, total, findings, unparsable)`` over TypeScript ``files`` (rule ``golive/annotations``)."""
    annotated = total = 0
    findings: list[Finding] = []
    unparsable: list[str] = []
    for m in run_eslint(ctx, METRICS_CONFIG, files):
        if m.rule is None:
            unparsable.append(f"{m.path}:{m.line}: {m.message}")
            continue
        match = _ANNOTATES.match(m.message) if m.rule == "golive/annotations" else None
        if match is None:
            continue
        fa, ft = int(match["annotated"]), int(match["total"])
        annotated += fa
        total += ft
        if fa < ft:
            findings.append(Finding(tool="eslint", rule_id="missing-annotations", severity=Severity.INFO,
                                    message=f"{match['name']} annotates {fa} of {ft} parameters and return",
                                    path=m.path, line=m.line))
    return annotated, total, findings, unparsable


def _not_applicable(ctx: Context, src: Sources, version: str) -> AnalyzerResult:
    why = (f"plain JavaScript has no type annotations ({len(src.javascript)} JavaScript files, no Python or "
           "TypeScript); typehint_coverage applies to Python and TypeScript")
    return AnalyzerResult(agent=ctx.agent, tool="typehints", details={"tool_version": version, "files": 0},
                          measurements=[Measurement(name=NAME, value=None, unit="%", applicable=False, detail=why)])


def run_typehints(ctx: Context) -> AnalyzerResult:
    """Share (%) of annotated parameters and return types over all Python and TypeScript functions."""
    src = sources(ctx)
    version = "ast" + (f", eslint {eslint_version()}" if src.typescript else "")
    if not src.python and not src.typescript:
        if src.javascript:
            return _not_applicable(ctx, src, version)
        return unmeasured_result(ctx, "typehints", [NAME], version, src, what="type-annotation")
    annotated, total, findings, unparsable = python_count(ctx, src.python)
    if src.typescript:
        more = typescript_count(ctx, src.typescript)
        annotated, total = annotated + more[0], total + more[1]
        findings, unparsable = findings + more[2], unparsable + more[3]
    files = len(src.python) + len(src.typescript)
    details = {"tool_version": version, "files": files, "annotated": annotated, "total": total,
               "unparsable": unparsable}
    if src.javascript:
        details["javascript_not_counted"] = len(src.javascript)
    if not total:
        why = "no function parameters or returns to annotate"
        if unparsable:
            why += f"; unparsable files: {'; '.join(unparsable)}"
        return AnalyzerResult(agent=ctx.agent, tool="typehints", details=details, findings=findings,
                              measurements=[Measurement(name=NAME, value=None, unit="%", detail=why)])
    detail = f"{annotated} of {total} parameters and returns annotated"
    if unparsable:
        detail += f"; {len(unparsable)} unparsable files not counted"
    if src.javascript:
        detail += f"; {len(src.javascript)} JavaScript files have no annotations to count"
    return AnalyzerResult(
        agent=ctx.agent, tool="typehints", findings=findings, details=details,
        measurements=[Measurement(name=NAME, value=round(100.0 * annotated / total, 2), unit="%",
                                  detail=detail)])
