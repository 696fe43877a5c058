"""The type-hint analyzer: the share of annotated parameters and returns, by an AST walk.

No installed tool reports it. mypy's ``--any-exprs-report``/``--linecount-report`` measure typed
*expressions* and *lines* after inference, and need the target's dependencies installed to say
anything; what the gate wants is whether the authors wrote annotations, which an AST walk answers
exactly and without importing the code."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from golive.analyzers.base import Context, no_python_source
from golive.analyzers.files import python_files
from golive.models import AnalyzerResult, Finding, Measurement, Severity


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
        return no_python_source(ctx, "typehints", ["typehint_coverage"], "ast")
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


