"""What the analyzers look at in a target's source tree: which files, which packages, how many lines.

Every analyzer uses the same file set, so that a ratio such as "ruff findings per 1000 lines" divides
findings and lines counted over the same files:

* directories that are never the application's own code are skipped everywhere (``EXCLUDED_DIRS``:
  virtual environments, VCS metadata, caches, build output, vendored ``node_modules``…), and so is any
  directory holding a ``pyvenv.cfg`` (a virtual environment under any name);
* test code (``tests/``, ``test/``, ``test_*.py``, ``*_test.py``, ``conftest.py``; for JavaScript and
  TypeScript also ``__tests__/``, ``*.test.*`` and ``*.spec.*``) is measured by the
  coverage analyzer, and left out of the code metrics (lint, complexity, docstrings, type hints,
  bandit), whose thresholds are meant for the shipped code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".venv", "venv", "env", ".env", ".tox", ".nox", "node_modules",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs",
    "site-packages", ".idea", ".vscode", "htmlcov", ".hypothesis", ".schemathesis", ".cache",
})
TEST_DIRS = frozenset({"tests", "test", "testing", "tests_e2e", "e2e"})
NOT_PACKAGES = frozenset({"setup.py", "conftest.py", "noxfile.py", "fabfile.py", "manage.py"})


def is_test_path(rel: str | PurePosixPath) -> bool:
    """True for test code: a file under a tests directory, ``test_*.py``, ``*_test.py`` or conftest."""
    parts = PurePosixPath(rel).parts
    if any(p in TEST_DIRS or p.startswith("tests_") for p in parts[:-1]):
        return True
    name = parts[-1] if parts else ""
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def _skip_dir(directory: Path, name: str) -> bool:
    if name in EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    return (directory / name / "pyvenv.cfg").exists()


def walk_files(root: Path, suffixes: tuple[str, ...] | None = None) -> Iterator[str]:
    """Yield the POSIX paths (relative to ``root``) of the tree's files, skipping ``EXCLUDED_DIRS``.

    :param root: the source tree.
    :param suffixes: only files ending with one of these (e.g. ``(".py",)``); None for all files.
    """
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skip_dir(here, d))
        for name in sorted(filenames):
            if suffixes is None or name.endswith(suffixes):
                yield (here / name).relative_to(root).as_posix()


def python_files(root: Path, tests: bool = False) -> list[str]:
    """The tree's Python files (relative POSIX paths), without test code unless ``tests`` is True."""
    return [p for p in walk_files(root, (".py",)) if tests or not is_test_path(p)]


#: JavaScript and TypeScript source (``golive.analyzers.languages`` splits them).
NODE_SUFFIXES = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")


def is_node_test_path(rel: str) -> bool:
    """True for JavaScript/TypeScript test code: under a tests or ``__tests__`` dir, ``*.test.*``, ``*.spec.*``."""
    parts = PurePosixPath(rel).parts
    if is_test_path(rel) or "__tests__" in parts[:-1]:
        return True
    name = parts[-1] if parts else ""
    return ".test." in name or ".spec." in name


def node_files(root: Path, tests: bool = False) -> list[str]:
    """The tree's JavaScript and TypeScript files, without test code unless ``tests`` is True, and
    without minified bundles (``*.min.js``: generated, not written)."""
    return [p for p in walk_files(root, NODE_SUFFIXES)
            if not p.endswith(".min.js") and (tests or not is_node_test_path(p))]


def find_test_modules(root: Path) -> list[str]:
    """The tree's test modules (``test_*.py`` / ``*_test.py``), relative POSIX paths."""
    return [p for p in walk_files(root, (".py",))
            if PurePosixPath(p).name.startswith("test_") or p.endswith("_test.py")]


def nonblank_lines(root: Path, files: list[str]) -> int:
    """Number of non-blank lines over ``files`` (comments count: they are source a reader reads)."""
    total = 0
    for rel in files:
        with open(root / rel, encoding="utf-8", errors="replace") as fh:
            total += sum(1 for line in fh if line.strip())
    return total


def source_roots(root: Path) -> tuple[Path, list[str]]:
    """Where the importable code lives and what it is: ``(base, [package dirs and modules])``.

    ``base`` is ``root`` or ``root/src`` (src layout). The list holds the top-level packages (a
    directory with ``__init__.py`` that is not test code) and top-level modules, relative to ``root``.
    """
    base = root / "src" if (root / "src").is_dir() and not (root / "src" / "__init__.py").exists() else root
    found: list[str] = []
    for entry in sorted(base.iterdir()):
        rel = entry.relative_to(root).as_posix()
        if entry.is_dir():
            if (_skip_dir(base, entry.name) or entry.name in TEST_DIRS or entry.name.startswith("tests_")
                    or not (entry / "__init__.py").exists()):
                continue
            found.append(rel)
        elif entry.suffix == ".py" and entry.name not in NOT_PACKAGES and not is_test_path(entry.name):
            found.append(rel)
    return base, found
