"""No import cycles among our modules (include/ and plugins/).

The graph is built from the source with ``ast``: the imports a module runs when it is imported
(its top level, including module-level ``try``/``if``/``with`` blocks and class bodies, but not
``if TYPE_CHECKING:`` blocks nor function bodies). Relative imports are resolved; ``import a.b.c``
and ``from a.b import c`` count as importing ``a.b.c`` (when ``c`` is a module; else ``a.b``) and the
``__init__`` of each of its parent packages that is ours, except the importer's own parent packages:
Python starts those before the importer, so ``from golive.deploy.cluster import X`` inside
``golive.deploy.strategies.rolling`` does not depend on ``golive.deploy``'s ``__init__`` (an explicit
``from golive.deploy import name`` of something the ``__init__`` defines does). Every strongly
connected component of more than one module is a cycle. A second check counts the imports inside
functions too: a cycle is broken by moving the shared piece, not by deferring one of its imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from repo_paths import REPO as ROOT

#: Directories whose sub-directories with an ``__init__.py`` are our top-level packages.
SEARCH_ROOTS = (ROOT / "include", ROOT / "plugins", ROOT / "include" / "sample_app")


def our_modules() -> dict[str, Path]:
    """Dotted name → file of every module of our packages (a package is its ``__init__``)."""
    modules: dict[str, Path] = {}
    for base in SEARCH_ROOTS:
        for package in sorted(p.parent for p in base.glob("*/__init__.py")):
            for path in sorted(package.rglob("*.py")):
                parts = list(path.relative_to(base).with_suffix("").parts)
                if any(not (base / Path(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))):
                    continue  # not inside a package chain (e.g. a scripts folder)
                if parts[-1] == "__init__":
                    parts.pop()
                modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_statements(body: list[ast.stmt], deferred: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """The import statements ``body`` runs when it is executed at import time (with ``deferred``, also
    those in function bodies, which run later)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from import_time_statements(node.body, deferred)
            yield from import_time_statements(node.orelse, deferred)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from import_time_statements(block, deferred)
        elif isinstance(node, ast.With | ast.ClassDef) or (
                deferred and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)):
            yield from import_time_statements(node.body, deferred)
        elif deferred and isinstance(node, ast.For | ast.AsyncFor | ast.While | ast.AsyncWith | ast.Match):
            blocks = [c.body for c in node.cases] if isinstance(node, ast.Match) else [
                node.body, getattr(node, "orelse", [])]
            for block in blocks:
                yield from import_time_statements(block, deferred)


def _with_parents(name: str, modules: dict[str, Path], importer: str) -> set[str]:
    """``name`` and its parent packages that are ours; the importer's own parent packages are left
    out as implicit parents (Python has started them before the importer, so they add no order)."""
    parts = name.split(".")
    own_parents = {".".join(importer.split(".")[:i]) for i in range(1, importer.count(".") + 1)}
    parents = {".".join(parts[:i]) for i in range(1, len(parts))} - own_parents
    return ({name} | parents) & modules.keys()


def imports_of(name: str, path: Path, modules: dict[str, Path], deferred: bool = False) -> set[str]:
    """Our modules that importing ``name`` (the module at ``path``) imports directly (with ``deferred``,
    also those its functions import when they run)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in import_time_statements(tree.body, deferred):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets |= _with_parents(alias.name, modules, name)
            continue
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, *([node.module] if node.module else [])])
        else:
            base = node.module or ""
        submodules = {f"{base}.{alias.name}" for alias in node.names} & modules.keys()
        if len(submodules) < len(node.names):  # a name defined by ``base`` itself
            targets |= _with_parents(base, modules, name)
        for submodule in submodules:
            targets |= _with_parents(submodule, modules, name)
    targets.discard(name)
    return targets


def import_graph(deferred: bool = False) -> dict[str, set[str]]:
    """Module → the modules it imports at import time (ours only; with ``deferred``, also in functions)."""
    modules = our_modules()
    return {name: imports_of(name, path, modules, deferred) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components that are cycles (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_cycle_detection_finds_a_cycle_and_ignores_a_chain():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_type_checking_and_function_imports_are_not_import_time():
    tree = ast.parse("import os\nif TYPE_CHECKING:\n    import x\nelse:\n    import y\n"
                     "try:\n    import z\nexcept ImportError:\n    import w\ndef f():\n    import v\n")
    assert [a.name for n in import_time_statements(tree.body) for a in n.names] == ["os", "y", "z", "w"]
    assert [a.name for n in import_time_statements(tree.body, deferred=True) for a in n.names][-1] == "v"


def test_the_graph_sees_our_packages():
    graph = import_graph()
    assert {"golive.settings", "localkube", "golive_airflow"} <= graph.keys()
    assert "golive.errors" in graph["golive.sources"]


def _describe(graph: dict[str, set[str]], found: list[list[str]]) -> str:
    return "\n".join(
        " <-> ".join(c) + "\n    " + "\n    ".join(f"{m} imports {', '.join(sorted(graph[m] & set(c)))}" for m in c)
        for c in found)


def test_no_import_cycles():
    graph = import_graph()
    found = cycles(graph)
    assert not found, f"import cycles among our modules:\n{_describe(graph, found)}"


def test_no_cycle_is_hidden_in_a_function():
    """A cycle is broken by moving the shared piece, not by deferring one of its imports into a function."""
    graph = import_graph(deferred=True)
    found = cycles(graph)
    assert not found, f"import cycles through imports inside functions:\n{_describe(graph, found)}"
