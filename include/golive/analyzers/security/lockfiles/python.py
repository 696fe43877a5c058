"""PyPI lockfiles: ``uv.lock`` and ``poetry.lock`` (TOML), ``Pipfile.lock`` (JSON).

* ``uv.lock``: every ``[[package]]`` from a registry; the project itself (an ``editable``, ``virtual``
  or ``directory`` source) is not a dependency. Direct = named by a workspace member's
  ``dependencies`` / ``optional-dependencies`` / ``dev-dependencies``; dev = reachable only through
  ``dev-dependencies``.
* ``poetry.lock``: every ``[[package]]``; dev = its ``groups`` (Poetry 2) lack ``main``, or its
  ``category`` (Poetry 1) is ``dev``. Direct when the manifest (``pyproject.toml`` text, optional)
  names it; unknown without one. Git, path and URL packages are not registry releases: noted, skipped.
* ``Pipfile.lock``: ``default`` (runtime) and ``develop`` (dev) sections, versions ``==x``; direct
  when the ``Pipfile`` text (optional) names it.
"""

from __future__ import annotations

import json
import tomllib
from collections import deque
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from golive.analyzers.security.dependency import PYPI, Dependency
from golive.analyzers.security.lockfiles.errors import LockfileError

_LOCAL_SOURCES = ("editable", "virtual", "directory", "path")


def _toml(text: str, path: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LockfileError(f"{path} is not valid TOML: {exc}") from exc


def _names(entries: Any) -> list[str]:
    return [canonicalize_name(e["name"]) for e in entries or [] if isinstance(e, dict) and "name" in e]


def _reachable(start: list[str], edges: dict[str, list[str]]) -> set[str]:
    seen, todo = set(start), deque(start)
    while todo:
        for nxt in edges.get(todo.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def read_uv_lock(text: str, path: str) -> tuple[list[Dependency], list[str]]:
    """The registry packages ``uv.lock`` pins."""
    packages = [p for p in _toml(text, path).get("package", []) if isinstance(p, dict) and "name" in p]
    edges: dict[str, list[str]] = {}
    runtime: list[str] = []
    dev: list[str] = []
    for package in packages:
        name = canonicalize_name(package["name"])
        edges[name] = _names(package.get("dependencies")) + [
            n for extra in (package.get("optional-dependencies") or {}).values() for n in _names(extra)]
        if any(k in (package.get("source") or {}) for k in _LOCAL_SOURCES):
            runtime += edges[name]
            dev += [n for group in (package.get("dev-dependencies") or {}).values() for n in _names(group)]
    prod = _reachable(runtime, edges)
    direct = set(runtime) | set(dev)
    deps, notes = [], []
    for package in packages:
        name = canonicalize_name(package["name"])
        source = package.get("source") or {}
        if any(k in source for k in _LOCAL_SOURCES):
            continue
        if "version" not in package or not ({"registry"} & set(source) or not source):
            notes.append(f"{path}: {name} comes from {sorted(source)} (not a registry release): not checked")
            continue
        deps.append(Dependency(name=name, version=str(package["version"]), spec=f"{name}=={package['version']}",
                               path=path, line=None, ecosystem=PYPI, direct=name in direct,
                               dev=name not in prod))
    return deps, notes


def _requirement_name(spec: Any) -> str | None:
    try:
        return canonicalize_name(Requirement(str(spec)).name)
    except InvalidRequirement:
        return None


def _manifest_names(pyproject: str | None) -> set[str] | None:
    """Names ``pyproject.toml`` asks for: PEP 621 dependencies and extras, Poetry tables, dependency groups."""
    if pyproject is None:
        return None
    data = tomllib.loads(pyproject)
    project = data.get("project", {})
    specs = list(project.get("dependencies", []))
    specs += [s for extra in project.get("optional-dependencies", {}).values() for s in extra]
    specs += [s for group in data.get("dependency-groups", {}).values() for s in group if isinstance(s, str)]
    names = {n for n in map(_requirement_name, specs) if n}
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    return names | {canonicalize_name(n) for table in tables for n in table if n.lower() != "python"}


def read_poetry_lock(text: str, path: str, pyproject: str | None = None) -> tuple[list[Dependency], list[str]]:
    """The packages ``poetry.lock`` pins; ``pyproject`` (the manifest's text) tells which are direct."""
    direct = _manifest_names(pyproject)
    deps, notes = [], []
    for package in _toml(text, path).get("package", []):
        name = canonicalize_name(package["name"])
        kind = (package.get("source") or {}).get("type")
        if kind in ("git", "directory", "file", "url"):
            notes.append(f"{path}: {name} comes from a {kind} source (not a registry release): not checked")
            continue
        groups = package.get("groups")
        dev = ("main" not in groups) if isinstance(groups, list) else package.get("category") == "dev"
        deps.append(Dependency(name=name, version=str(package["version"]), spec=f"{name}=={package['version']}",
                               path=path, line=None, ecosystem=PYPI,
                               direct=None if direct is None else name in direct, dev=dev))
    return deps, notes


def read_pipfile_lock(text: str, path: str, pipfile: str | None = None) -> tuple[list[Dependency], list[str]]:
    """The packages ``Pipfile.lock`` pins; ``pipfile`` (the manifest's text) tells which are direct."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or "_meta" not in data:
        raise LockfileError(f"{path} has no _meta section: not a Pipfile.lock")
    declared: set[str] | None = None
    if pipfile is not None:
        manifest = tomllib.loads(pipfile)
        declared = {canonicalize_name(n) for section in ("packages", "dev-packages")
                    for n in manifest.get(section, {})}
    deps, notes = [], []
    for section, dev in (("default", False), ("develop", True)):
        for raw, entry in (data.get(section) or {}).items():
            name = canonicalize_name(raw)
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                notes.append(f"{path}: {name} in {section} has no ==version (git, path or file): not checked")
                continue
            deps.append(Dependency(name=name, version=version[2:], spec=f"{name}{version}", path=path, line=None,
                                   ecosystem=PYPI, direct=None if declared is None else name in declared, dev=dev))
    return deps, notes
