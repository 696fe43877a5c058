"""What the target depends on, by ecosystem: lockfiles first, manifests where there is no lockfile.

In each directory of the tree a lockfile (``uv.lock``, ``poetry.lock``, ``Pipfile.lock``,
``package-lock.json``) gives the exact versions installed, direct and transitive. A manifest without a
lockfile beside it (``pyproject.toml``, ``Pipfile``, ``package.json``) gives ranges: reported as
unpinned (what gets installed is unknown; an exact ``package.json`` version is pinned). Requirements
files are read by ``requirements`` (pinned with ``==`` or not) wherever they are.

A **library** (``profile.kind == "library"``): its users install its declared ranges, not its lockfile
(that pins only its development environment), so the manifest's ranges are reported as unpinned even
beside a lockfile, and the lockfile's pins are still checked.

Files of ecosystems without a reader here (Go, Maven, Gradle, Cargo, RubyGems, Composer, yarn/pnpm
locks) are listed in ``unsupported``: the analyzer makes them no-data, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from golive.analyzers.files import walk_files
from golive.analyzers.security.dependency import NPM, PYPI, Dependency
from golive.analyzers.security.lockfiles.errors import LockfileError
from golive.analyzers.security.lockfiles.npm import manifest_ranges, read_package_lock
from golive.analyzers.security.lockfiles.python import read_pipfile_lock, read_poetry_lock, read_uv_lock
from golive.analyzers.security.requirements import declared_dependencies, pyproject_dependencies

PY_LOCKS = ("uv.lock", "poetry.lock", "Pipfile.lock")
NPM_LOCK = "package-lock.json"
UNSUPPORTED = {"go.mod": "Go", "pom.xml": "Maven", "build.gradle": "Maven", "build.gradle.kts": "Maven",
               "Cargo.toml": "crates.io", "Gemfile": "RubyGems", "composer.json": "Packagist",
               "yarn.lock": "npm (yarn.lock)", "pnpm-lock.yaml": "npm (pnpm-lock.yaml)"}


@dataclass
class Inventory:
    """The dependencies found, the files they come from, what could not be read and why."""

    deps: list[Dependency] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unsupported: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def ecosystems(self) -> list[str]:
        """The ecosystems with at least one dependency, sorted."""
        return sorted({d.ecosystem for d in self.deps})


def _read(root: Path, rel: str) -> str:
    return (root / rel).read_text(encoding="utf-8", errors="replace")


def _sibling(root: Path, rel: str, name: str) -> str | None:
    path = root / PurePosixPath(rel).parent / name
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


def _lock(root: Path, rel: str) -> tuple[list[Dependency], list[str]]:
    name = PurePosixPath(rel).name
    readers: dict[str, Callable[[], tuple[list[Dependency], list[str]]]] = {
        "uv.lock": lambda: read_uv_lock(_read(root, rel), rel),
        "poetry.lock": lambda: read_poetry_lock(_read(root, rel), rel, _sibling(root, rel, "pyproject.toml")),
        "Pipfile.lock": lambda: read_pipfile_lock(_read(root, rel), rel, _sibling(root, rel, "Pipfile")),
        NPM_LOCK: lambda: read_package_lock(_read(root, rel), rel, _sibling(root, rel, "package.json")),
    }
    return readers[name]()


def _package_json(root: Path, rel: str) -> list[Dependency]:
    deps = []
    for name, spec, dev in manifest_ranges(_read(root, rel), rel):
        exact = spec.lstrip("=v") if spec.lstrip("=v").replace(".", "").isdigit() and spec.count(".") == 2 else None
        deps.append(Dependency(name=name, version=exact, spec=f"{name}@{spec}", path=rel, line=None, ecosystem=NPM,
                               direct=True, dev=dev))
    return deps


def _pipfile(root: Path, rel: str) -> list[Dependency]:
    import tomllib

    data = tomllib.loads(_read(root, rel))
    return [Dependency(name=name, version=None, spec=f"{name} {_pipfile_spec(spec)}", path=rel, line=None,
                       ecosystem=PYPI, direct=True, dev=section == "dev-packages")
            for section in ("packages", "dev-packages") for name, spec in (data.get(section) or {}).items()]


def _pipfile_spec(spec: object) -> str:
    """A Pipfile constraint in words: the version range, or the kind of source (git, path, file)."""
    if isinstance(spec, dict):
        kinds = [k for k in ("git", "path", "file") if k in spec]
        return str(spec.get("version") or f"({', '.join(kinds) or 'unversioned'})")
    return str(spec)


def collect(root: Path, kind: str = "service") -> Inventory:
    """The inventory of ``root``; ``kind`` is the profile's (``library`` changes what a lockfile means)."""
    inv = Inventory()
    names = {rel: PurePosixPath(rel).name for rel in walk_files(root)}
    by_dir: dict[str, set[str]] = {}
    for rel, name in names.items():
        by_dir.setdefault(str(PurePosixPath(rel).parent), set()).add(name)
    for rel, name in names.items():
        here = by_dir[str(PurePosixPath(rel).parent)]
        if name in UNSUPPORTED:
            inv.unsupported.setdefault(UNSUPPORTED[name], []).append(rel)
        if name in PY_LOCKS or name == NPM_LOCK:
            try:
                deps, notes = _lock(root, rel)
            except LockfileError as exc:
                inv.notes.append(str(exc))
                inv.unsupported.setdefault(f"unreadable {name}", []).append(rel)
                continue
            inv.deps += deps
            inv.notes += notes
            inv.files.append(rel)
        elif name == "package.json" and (NPM_LOCK not in here or kind == "library"):
            inv.deps += _package_json(root, rel)
            inv.files.append(rel)
        elif name == "Pipfile" and ("Pipfile.lock" not in here or kind == "library"):
            inv.deps += _pipfile(root, rel)
            inv.files.append(rel)
    requirements, notes = declared_dependencies(root, pyproject=False)
    inv.deps += requirements
    inv.notes += notes
    inv.files += sorted({d.path for d in requirements})
    locked_root = any(n in by_dir.get(".", set()) for n in ("uv.lock", "poetry.lock"))
    if (root / "pyproject.toml").is_file() and (not locked_root or kind == "library"):
        project = list(pyproject_dependencies(root, inv.notes))
        inv.deps += project
        inv.files.append("pyproject.toml")
    inv.deps = _unique(inv.deps)
    return inv


def _unique(deps: list[Dependency]) -> list[Dependency]:
    """One entry per (ecosystem, name, version, file); nested npm copies of one version are one."""
    seen: dict[tuple[str, str, str | None, str], Dependency] = {}
    for dep in deps:
        key = (dep.ecosystem, dep.name, dep.version, dep.path)
        old = seen.get(key)
        if old is None:
            seen[key] = dep
        elif (dep.direct and not old.direct) or (old.dev and not dep.dev):
            seen[key] = Dependency(name=dep.name, version=dep.version, spec=dep.spec, path=dep.path, line=old.line,
                                   ecosystem=dep.ecosystem, direct=bool(old.direct or dep.direct),
                                   dev=old.dev and dep.dev)
    return list(seen.values())
