"""npm: ``package-lock.json`` (lockfileVersion 1, 2 and 3) and ``package.json`` ranges.

* v2/v3: the ``packages`` map. Key ``""`` is the project; ``node_modules/a`` and nested
  ``node_modules/a/node_modules/b`` are installed packages (the name is the part after the last
  ``node_modules/``, scoped names included, or the entry's ``name`` for an alias); ``link`` entries
  (workspaces) are the project's own code. ``dev``/``devOptional`` mark development-only packages.
  Direct = a top-level ``node_modules/<name>`` the project's manifest asks for.
* v1: the nested ``dependencies`` tree (``version``, ``dev``, ``dependencies``); direct = a top-level
  name the ``package.json`` text (optional) asks for.
* A version that is not a registry release (``git+…``, ``file:…``, a tarball URL) is noted, not checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from golive.analyzers.security.dependency import NPM, Dependency
from golive.analyzers.security.lockfiles.errors import LockfileError

_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$")
MANIFEST_SECTIONS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")


def _json(text: str, path: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise LockfileError(f"{path} is not a JSON object")
    return data


def manifest_ranges(text: str, path: str) -> Iterator[tuple[str, str, bool]]:
    """``(name, range, dev)`` of each dependency ``package.json`` declares."""
    data = _json(text, path)
    for section in MANIFEST_SECTIONS:
        for name, spec in (data.get(section) or {}).items():
            yield name, str(spec), section == "devDependencies"


def _entry(name: str, entry: dict[str, Any], path: str, direct: bool | None,
           notes: list[str]) -> Dependency | None:
    version = str(entry.get("version", ""))
    if not _SEMVER.match(version):
        notes.append(f"{path}: {name} {version or '(no version)'} is not a registry release: not checked")
        return None
    return Dependency(name=name, version=version.lstrip("v"), spec=f"{name}@{version}", path=path, line=None,
                      ecosystem=NPM, direct=direct, dev=bool(entry.get("dev") or entry.get("devOptional")))


def _v1(tree: dict[str, Any], path: str, declared: set[str] | None, notes: list[str],
        top: bool) -> Iterator[Dependency]:
    for name, entry in tree.items():
        if not isinstance(entry, dict):
            continue
        direct = (name in declared if declared is not None else None) if top else False
        dep = _entry(name, entry, path, direct, notes)
        if dep is not None:
            yield dep
        yield from _v1(entry.get("dependencies") or {}, path, declared, notes, top=False)


def read_package_lock(text: str, path: str, manifest: str | None = None) -> tuple[list[Dependency], list[str]]:
    """The packages a ``package-lock.json`` installs; ``manifest`` (``package.json`` text) for v1's direct."""
    data = _json(text, path)
    version = data.get("lockfileVersion")
    notes: list[str] = []
    packages = data.get("packages")
    if isinstance(packages, dict) and version in (2, 3):
        root = packages.get("") or {}
        declared = {n for s in MANIFEST_SECTIONS for n in (root.get(s) or {})}
        deps = []
        for key, entry in packages.items():
            if not key or "node_modules/" not in key or not isinstance(entry, dict) or entry.get("link"):
                continue
            name = str(entry.get("name") or key.rsplit("node_modules/", 1)[1])
            direct = key == f"node_modules/{name}" and name in declared
            dep = _entry(name, entry, path, direct, notes)
            if dep is not None:
                deps.append(dep)
        return deps, notes
    if version == 1 or (version is None and "dependencies" in data):
        names = None if manifest is None else {n for n, _, _ in manifest_ranges(manifest, "package.json")}
        return list(_v1(data.get("dependencies") or {}, path, names, notes, top=True)), notes
    raise LockfileError(f"{path}: lockfileVersion {version!r} is not 1, 2 or 3")
