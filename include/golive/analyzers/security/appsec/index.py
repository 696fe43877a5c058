"""The source model the application-security checks share: ``SourceIndex`` (the parsed non-test Python
files of a tree and the literal constants they define), ``Module``, the ``Check`` result, and the AST
helpers (literal values, call and dotted names, keyword arguments, ``file:line`` locations, imports).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.analyzers.files import python_files


@dataclass
class Check:
    """The result of one static check: passed or not, a value, and the evidence (``file:line …``)."""

    name: str
    passed: bool
    value: float
    evidence: list[str] = field(default_factory=list)
    missing: str = ""

    def detail(self) -> str:
        """Evidence and what is missing, in one line."""
        parts = []
        if self.evidence:
            shown = "; ".join(self.evidence[:8])
            parts.append(shown + (f" (+{len(self.evidence) - 8} more)" if len(self.evidence) > 8 else ""))
        if self.missing:
            parts.append(self.missing)
        return " — ".join(parts) or ("found" if self.passed else "not found")


@dataclass
class Module:
    """One parsed source file."""

    path: str
    tree: ast.Module
    text: str


class SourceIndex:
    """The parsed non-test Python files of a tree, and the literal constants they define.

    ``constants`` maps a name (module-level assignment, or a class attribute/field default such as a
    settings field) to its literal value, so ``settings.cors_origins`` can be resolved to the list a
    settings class declares; ``aliases`` maps names to their assigned expressions and ``functions``
    names to their definitions (first one wins), so a check can follow a helper one level deep.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules: list[Module] = []
        self.unparsable: list[str] = []
        for rel in python_files(root):
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
            try:
                self.modules.append(Module(rel, ast.parse(text), text))
            except SyntaxError as exc:
                self.unparsable.append(f"{rel}:{exc.lineno}")
        self.constants: dict[str, Any] = {}
        self.aliases: dict[str, ast.expr] = {}
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        for module in self.modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, node)
                targets: list[ast.expr] = []
                value = None
                if isinstance(node, ast.Assign):
                    targets, value = node.targets, node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets, value = [node.target], node.value
                for target in targets:
                    name = target.id if isinstance(target, ast.Name) else \
                        target.attr if isinstance(target, ast.Attribute) else None
                    if name is None or value is None:
                        continue
                    self.aliases.setdefault(name, value)
                    literal = literal_value(_unwrap_field_default(value))
                    if literal is not MISSING:
                        self.constants.setdefault(name, literal)

    def walk(self) -> Iterator[tuple[Module, ast.AST]]:
        """Every node of every module."""
        for module in self.modules:
            for node in ast.walk(module.tree):
                yield module, node

    def resolve(self, node: ast.expr | None) -> Any:
        """The literal value of ``node``, following names and attributes to known constants."""
        if node is None:
            return MISSING
        node = _unwrap_field_default(node)
        if isinstance(node, ast.Call) and call_name(node) in ("list", "tuple", "set", "frozenset", "sorted") \
                and len(node.args) == 1:
            return self.resolve(node.args[0])
        value = literal_value(node)
        if value is not MISSING:
            return value
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        return self.constants.get(name, MISSING) if name else MISSING


MISSING = object()  #: what ``literal_value`` and ``SourceIndex.resolve`` answer for a non-literal


def literal_value(node: ast.expr) -> Any:
    """The value of a literal expression (``ast.literal_eval``), or ``MISSING``."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return MISSING


def _unwrap_field_default(node: ast.expr) -> ast.expr:
    """``Field(default=x)`` / ``Field(x)`` / ``Field(default_factory=lambda: x)`` → ``x``."""
    if isinstance(node, ast.Call) and call_name(node) == "Field":
        for kw in node.keywords:
            if kw.arg == "default":
                return kw.value
            if kw.arg == "default_factory" and isinstance(kw.value, ast.Lambda):
                return kw.value.body
        if node.args:
            return node.args[0]
    return node


def call_name(node: ast.Call) -> str:
    """The called name: ``f`` of ``f(…)`` and of ``x.f(…)``; empty for anything else."""
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def dotted_name(node: ast.AST) -> str:
    """``a.b.c`` of a name/attribute chain (of the callee for a call); empty for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted_name(node.func)
    return ""


def keyword_arg(node: ast.Call, name: str) -> ast.expr | None:
    """The value passed as keyword ``name`` in a call, or None."""
    return next((k.value for k in node.keywords if k.arg == name), None)


def location(module: Module, node: ast.AST) -> str:
    """``file:line`` of ``node``."""
    return f"{module.path}:{getattr(node, 'lineno', '?')}"


def imports_of(index: SourceIndex, prefixes: tuple[str, ...]) -> list[str]:
    """``file:line imports x`` for every import of a module in (or under) ``prefixes``."""
    found = []
    for module, node in index.walk():
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                found.append(f"{location(module, node)} imports {name}")
    return found


def function_defs(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function and method defined in ``tree``, nested ones included."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node
