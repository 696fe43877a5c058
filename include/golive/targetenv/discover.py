"""What a tree declares its tests need: dependency files, extras and dependency groups.

The profile's ``tests.dependencies`` (when the profile was declared, in ``golive.yaml`` or the run's
conf) names the files; otherwise they are found here. Python: ``uv.lock`` (exported, frozen), else
``pyproject.toml``'s ``[project]`` with its test/dev extras and PEP 735 ``[dependency-groups]``, plus
``requirements.txt`` and the test/dev ``requirements*.txt`` / ``requirements/*.txt``. Node:
``package-lock.json`` (``npm ci``), else ``package.json`` (``npm install``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Extras and dependency groups that hold what a test suite needs.
TEST_SETS = frozenset({"test", "tests", "testing", "dev", "develop", "development"})
_TEST_FILE = re.compile(r"(test|dev|ci)", re.IGNORECASE)
NODE_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class PythonPlan:
    """How to build a tree's Python test environment.

    :param tree: the tree.
    :param lock: ``uv.lock`` when the tree has one (its export is installed, frozen).
    :param pyproject: ``pyproject.toml`` when it declares a ``[project]`` (its dependencies are installed).
    :param requirements: requirements files, relative to the tree.
    :param extras: the optional-dependency sets chosen.
    :param groups: the dependency groups chosen.
    :param installable: the tree is a project a build backend installs (it is installed per run).
    """

    tree: Path
    lock: str | None = None
    pyproject: str | None = None
    requirements: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    installable: bool = False

    @property
    def files(self) -> list[str]:
        """Every dependency file the plan reads."""
        return [f for f in (self.lock, self.pyproject) if f] + self.requirements


@dataclass(frozen=True)
class NodePlan:
    """How to build a tree's ``node_modules``: from ``lockfile`` with ``npm ci``, else ``npm install``."""

    tree: Path
    manifest: str
    lockfile: str | None


def read_pyproject(tree: Path) -> dict[str, Any]:
    """The tree's ``pyproject.toml`` (empty when missing or unreadable: detection never fails on it)."""
    path = tree / "pyproject.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def _requirements(tree: Path) -> list[str]:
    found = [p for p in sorted(tree.glob("requirements*.txt")) + sorted(tree.glob("requirements/*.txt"))
             if p.is_file()]
    return [p.relative_to(tree).as_posix() for p in found
            if p.name == "requirements.txt" or (p.parent.name == "requirements" and p.stem == "base")
            or _TEST_FILE.search(p.name)]


def python_plan(tree: Path, declared: list[str] | None = None) -> PythonPlan:
    """The Python plan of ``tree``; ``declared`` (the profile's ``tests.dependencies``) wins when given."""
    files = [f for f in declared if (tree / f).is_file()] if declared else None
    pyproject = read_pyproject(tree)
    project = pyproject.get("project") if isinstance(pyproject.get("project"), dict) else None
    has = (lambda name: name in files) if files is not None else (lambda name: (tree / name).is_file())
    lock = "uv.lock" if has("uv.lock") and project is not None else None
    requirements = ([f for f in files if f.endswith(".txt")] if files is not None else _requirements(tree))
    use_pyproject = project is not None and (has("pyproject.toml") or files is None or lock is not None)
    extras = sorted(k for k in (project or {}).get("optional-dependencies", {}) if _normalize(k) in TEST_SETS)
    groups_table = pyproject.get("dependency-groups")
    groups = sorted(k for k in (groups_table if isinstance(groups_table, dict) else {})
                    if _normalize(k) in TEST_SETS)
    build = pyproject.get("build-system")
    installable = project is not None and (isinstance(build, dict) or (tree / "setup.py").is_file())
    return PythonPlan(tree=tree, lock=lock, pyproject="pyproject.toml" if use_pyproject else None,
                      requirements=requirements, extras=extras if use_pyproject else [],
                      groups=groups if use_pyproject else [], installable=installable)


def node_plan(tree: Path, declared: list[str] | None = None) -> NodePlan | None:
    """The Node plan of ``tree`` (None without a ``package.json``)."""
    if not (tree / "package.json").is_file():
        return None
    candidates = [f for f in NODE_LOCKFILES if (tree / f).is_file()]
    if declared:
        candidates = [f for f in candidates if f in declared]
    return NodePlan(tree=tree, manifest="package.json", lockfile=candidates[0] if candidates else None)
