"""The target's dependency declarations: what it requires, pinned or not, and where it says so.

Declarations read: every ``requirements*.txt`` / ``constraints*.txt`` (and ``requirements/*.txt``)
of the tree, following ``-r``/``-c`` includes inside the tree, ``[project] dependencies`` and
``optional-dependencies`` of the root ``pyproject.toml``, and a literal ``install_requires`` list in
``setup.py``. Environment markers are evaluated (a requirement for another platform is dropped) and
``--hash`` options are ignored. A file named for development (``dev``, ``test``, ``lint``, ``doc``) marks
its requirements ``dev``; pip-compile's ``# via`` comments tell direct (``via -r file``) from
transitive requirements. A requirement pinned with ``==`` has a ``version``; anything else
cannot be audited (the version that gets installed is unknown).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from golive.analyzers.files import walk_files
from golive.analyzers.security.dependency import Dependency

_DEV_FILE = re.compile(r"dev|test|lint|doc", re.IGNORECASE)
_REQ_FILE = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$", re.IGNORECASE)


def _requirement(text: str, path: str, line: int | None, notes: list[str],
                 direct: bool | None = None) -> Dependency | None:
    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        notes.append(f"{path}:{line}: unreadable requirement {text!r}: {exc}")
        return None
    if req.marker is not None:
        try:
            if not req.marker.evaluate():
                return None
        except Exception:  # an unknown marker variable: keep the requirement
            pass
    version = None
    specs = list(req.specifier)
    if req.url is None and len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        version = specs[0].version
    dev = bool(_DEV_FILE.search(Path(path).name)) if path.endswith((".txt", ".in")) else False
    return Dependency(name=canonicalize_name(req.name), version=version, spec=str(req), path=path, line=line,
                      direct=direct if path.endswith((".txt", ".in")) else True, dev=dev)


_VIA = re.compile(r"^\s*#\s+via\b\s*(.*)$")
_VIA_MORE = re.compile(r"^\s+#\s{2,}(\S.*)$")


def _via(lines: list[str]) -> dict[int, bool]:
    """pip-compile's ``# via`` blocks: line of each requirement → direct (``-r``/``-c`` a file) or not."""
    found: dict[int, list[str]] = {}
    owner: int | None = None
    in_via = False
    for number, raw in enumerate(lines, start=1):
        via = _VIA.match(raw)
        more = _VIA_MORE.match(raw) if in_via else None
        if via and owner is not None:
            in_via = True
            found.setdefault(owner, []).extend([via.group(1)] if via.group(1) else [])
        elif more and owner is not None:
            found.setdefault(owner, []).append(more.group(1))
        else:
            in_via = False
            if raw.strip() and not raw.lstrip().startswith(("#", "-")) and not raw.startswith((" ", "\t")):
                owner = number
    return {line: any(v.startswith(("-r", "-c")) for v in vias) for line, vias in found.items() if vias}


def _requirements_file(root: Path, rel: str, seen: set[str], notes: list[str]) -> Iterator[Dependency]:
    if rel in seen:
        return
    seen.add(rel)
    path = (root / rel).resolve()
    if not path.is_file() or not path.is_relative_to(root.resolve()):
        notes.append(f"{rel}: included requirements file not found inside the tree")
        return
    logical: list[tuple[int, str]] = []
    buffer, start = "", 0
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    direct = _via(lines)
    for number, raw in enumerate(lines, start=1):
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buffer:
            start = number
        if text.endswith("\\"):
            buffer += text[:-1] + " "
            continue
        buffer += text
        if buffer.strip():
            logical.append((start, buffer.strip()))
        buffer = ""
    for number, text in logical:
        if text.startswith(("-r ", "-c ", "--requirement", "--constraint")):
            target = re.split(r"[\s=]+", text, maxsplit=1)[1].strip()
            yield from _requirements_file(root, (Path(rel).parent / target).as_posix(), seen, notes)
            continue
        if text.startswith("-"):
            if text.startswith(("-e", "--editable")):
                notes.append(f"{rel}:{number}: editable requirement not audited: {text}")
            continue
        requirement = re.split(r"\s+--?\w", text, maxsplit=1)[0].strip()  # drop --hash=… options
        dep = _requirement(requirement, rel, number, notes, direct.get(number))
        if dep is not None:
            yield dep


_POETRY_EXACT = re.compile(r"^(==?)?\s*(\d+(\.\d+)*)$")


def _poetry(data: dict[str, object], notes: list[str]) -> Iterator[Dependency]:
    """Poetry's ``[tool.poetry.dependencies]`` and group tables: an exact ``1.2.3`` pins, anything else is a range."""
    tool = data.get("tool")
    poetry = tool.get("poetry", {}) if isinstance(tool, dict) else {}
    groups = poetry.get("group", {}) if isinstance(poetry, dict) else {}
    tables = [(poetry.get("dependencies", {}), False), (poetry.get("dev-dependencies", {}), True)]
    tables += [(g.get("dependencies", {}), name != "main") for name, g in groups.items() if isinstance(g, dict)]
    for table, dev in tables:
        for name, constraint in (table or {}).items():
            if name.lower() == "python":
                continue
            text = constraint.get("version") if isinstance(constraint, dict) else constraint
            if not isinstance(text, str):
                notes.append(f"pyproject.toml: {name} is a git, path or URL dependency: not audited")
                continue
            exact = _POETRY_EXACT.match(text.strip())
            yield Dependency(name=canonicalize_name(name), version=exact.group(2) if exact else None,
                             spec=f"{canonicalize_name(name)} {text}", path="pyproject.toml", line=None,
                             direct=True, dev=dev)


def pyproject_dependencies(root: Path, notes: list[str]) -> Iterator[Dependency]:
    """``[project] dependencies`` and ``optional-dependencies`` of the root ``pyproject.toml``, and
    Poetry's dependency tables."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        notes.append(f"pyproject.toml unreadable: {exc}")
        return
    project = data.get("project", {})
    declared = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        declared += list(extra)
    lines = path.read_text(encoding="utf-8").splitlines()
    for spec in declared:
        line = next((i for i, text in enumerate(lines, start=1) if spec in text), None)
        dep = _requirement(spec, "pyproject.toml", line, notes)
        if dep is not None:
            yield dep
    yield from _poetry(data, notes)


def _setup_py(root: Path, notes: list[str]) -> Iterator[Dependency]:
    path = root / "setup.py"
    if not path.is_file():
        return
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except SyntaxError as exc:
        notes.append(f"setup.py unparsable: {exc}")
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "install_requires" and isinstance(node.value, ast.List):
            for element in node.value.elts:
                if isinstance(element, ast.Constant) and isinstance(element.value, str):
                    dep = _requirement(element.value, "setup.py", element.lineno, notes)
                    if dep is not None:
                        yield dep


def declared_dependencies(root: Path, pyproject: bool = True) -> tuple[list[Dependency], list[str]]:
    """All requirements declared in the tree (first declaration of each name+version) and notes.

    :param pyproject: also the root ``pyproject.toml`` (``inventory`` leaves it out beside a lockfile).
    """
    notes: list[str] = []
    seen_files: set[str] = set()
    found: list[Dependency] = []
    for rel in walk_files(root, (".txt", ".in")):
        p = Path(rel)
        if _REQ_FILE.match(p.name) or (p.parent.name == "requirements" and p.suffix in (".txt", ".in")):
            found += list(_requirements_file(root, rel, seen_files, notes))
    if pyproject:
        found += list(pyproject_dependencies(root, notes))
    found += list(_setup_py(root, notes))
    unique: dict[tuple[str, str | None], Dependency] = {}
    for dep in found:
        unique.setdefault((dep.name, dep.version), dep)
    return list(unique.values()), notes
