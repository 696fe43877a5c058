"""Detect an application's profile from its tree, when it has no ``golive.yaml``.

Pure and offline: files are read as text (TOML, JSON, requirement lines, Dockerfile), nothing of the
target is imported or run. Every conclusion is one sentence in ``Detection.assumptions``, so the
report can say why golive treated a tree as a service or a library.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.profile.model import ApplicationProfile, ChartSpec, Kind, Language, TestsSpec

WEB_FRAMEWORKS = frozenset({
    "fastapi", "flask", "django", "starlette", "aiohttp", "tornado", "sanic", "falcon", "bottle", "quart",
    "litestar", "pyramid", "uvicorn", "gunicorn", "hypercorn", "bentoml", "gradio", "streamlit",
    "express", "koa", "fastify", "next", "@nestjs/core", "@hapi/hapi", "hapi", "restify", "nuxt",
    "@remix-run/node",
})
ML_LIBRARIES = frozenset({
    "torch", "tensorflow", "tensorflow-cpu", "keras", "scikit-learn", "sklearn", "transformers", "xgboost",
    "lightgbm", "catboost", "jax", "onnxruntime", "sentence-transformers", "vllm", "@tensorflow/tfjs",
    "@tensorflow/tfjs-node", "onnxruntime-node",
})
TASK_QUEUES = frozenset({"celery", "rq", "dramatiq", "arq", "huey", "faust-streaming", "kombu", "bullmq",
                         "bull", "kafkajs", "amqplib"})
#: Python modules whose import makes a tree a service even when no dependency file names them.
_WEB_IMPORT = re.compile(r"^\s*(?:from|import)\s+(fastapi|flask|django|starlette|aiohttp|tornado|sanic|"
                         r"falcon|bottle|quart|litestar|pyramid)\b", re.MULTILINE)
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", ".tox",
                        ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages"})
_MAX_FILES = 5000
_MAX_BYTES = 256 * 1024
_NAME = re.compile(r"^\s*([A-Za-z0-9@][A-Za-z0-9._/-]*)")
_NPM_NO_TEST = "no test specified"
_REQUIREMENT = re.compile(r"^[A-Za-z][\w.-]*([<>=!~\[ ]|$)")
LOCKFILES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock", "package-lock.json", "yarn.lock",
             "pnpm-lock.yaml")


def normalize(name: str) -> str:
    """A dependency name as compared here: lowercase, '_' and '.' as '-' (PEP 503 for Python)."""
    return re.sub(r"[-_.]+", "-", name.strip().lower())


@dataclass
class Detection:
    """What was found in a tree: the profile it implies and one sentence per conclusion."""

    profile: ApplicationProfile
    basis: dict[str, str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    #: Every declared dependency (Python names PEP 503-normalised, npm names lowercase) → its file.
    dependencies: dict[str, str] = field(default_factory=dict)


@dataclass
class _Deps:
    """Declared dependencies, each with the file that declares it."""

    python: dict[str, str] = field(default_factory=dict)
    node: dict[str, str] = field(default_factory=dict)

    def add(self, names: Iterable[str], where: str, node: bool = False) -> None:
        target = self.node if node else self.python
        for raw in names:
            match = _NAME.match(raw)
            if match:
                name = match.group(1).lower() if node else normalize(re.split(r"[\[<>=!~;@ ]", match.group(1))[0])
                target.setdefault(name, where)

    def first(self, names: frozenset[str]) -> tuple[str, str] | None:
        for deps in (self.python, self.node):
            for name, where in deps.items():
                if name in names:
                    return name, where
        return None


def _read(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(_MAX_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""


def walk(tree: Path, depth: int = 4) -> Iterator[Path]:
    """Files of ``tree`` up to ``depth`` levels, skipping virtualenvs, caches and node_modules."""
    count = 0
    stack = [(tree, 0)]
    while stack:
        folder, level = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_symlink():
                continue
            if entry.is_dir():
                if level < depth and entry.name not in _SKIP_DIRS and not entry.name.endswith(".egg-info"):
                    stack.append((entry, level + 1))
            elif entry.is_file():
                count += 1
                if count > _MAX_FILES:
                    return
                yield entry


# -- dependencies ---------------------------------------------------------------------------------
def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError:
        return {}


def _pyproject_deps(data: dict[str, Any], deps: _Deps) -> None:
    project = data.get("project") or {}
    deps.add(_strings(project.get("dependencies")), "pyproject dependencies")
    for extra in (project.get("optional-dependencies") or {}).values():
        deps.add(_strings(extra), "pyproject optional-dependencies")
    for group in (data.get("dependency-groups") or {}).values():
        deps.add(_strings(group), "pyproject dependency-groups")
    poetry = (data.get("tool") or {}).get("poetry") or {}
    sections = [poetry.get("dependencies"), poetry.get("dev-dependencies"),
                *[g.get("dependencies") for g in (poetry.get("group") or {}).values() if isinstance(g, dict)]]
    for section in sections:
        if isinstance(section, dict):
            deps.add((k for k in section if k.lower() != "python"), "pyproject poetry dependencies")


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _requirements(text: str) -> list[str]:
    lines = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-", "git+", "http")):
            lines.append(line)
    return lines


def _setup_py_strings(text: str) -> list[str]:
    try:
        module = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    return [n.value for n in ast.walk(module) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _package_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(_read(path))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


# -- detection ------------------------------------------------------------------------------------
@dataclass
class _Tree:
    root: Path
    files: list[Path]
    pyproject: dict[str, Any]
    package: dict[str, Any]
    deps: _Deps

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def has(self, name: str) -> bool:
        return (self.root / name).is_file()

    def top(self, pattern: str) -> list[Path]:
        return sorted(p for p in self.root.glob(pattern) if p.is_file())


def _scan(root: Path) -> _Tree:
    files = list(walk(root))
    pyproject = _toml(root / "pyproject.toml") if (root / "pyproject.toml").is_file() else {}
    package = _package_json(root / "package.json") if (root / "package.json").is_file() else {}
    deps = _Deps()
    _pyproject_deps(pyproject, deps)
    for req in sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt")):
        deps.add(_requirements(_read(req)), req.relative_to(root).as_posix())
    if (root / "setup.py").is_file():
        strings = _setup_py_strings(_read(root / "setup.py"))
        deps.add((s for s in strings if _REQUIREMENT.match(s)), "setup.py")
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        value = package.get(section)
        if isinstance(value, dict):
            deps.add(value.keys(), f"package.json {section}", node=True)
    return _Tree(root, files, pyproject, package, deps)


def _languages(tree: _Tree, notes: list[str]) -> list[Language]:
    langs: list[Language] = []
    python_markers = [n for n in ("pyproject.toml", "setup.py", "setup.cfg") if tree.has(n)]
    python_markers += [tree.rel(p) for p in tree.top("requirements*.txt")]
    if python_markers:
        langs.append("python")
        notes.append(f"language python: {', '.join(python_markers)}")
    elif any(p.suffix == ".py" for p in tree.files):
        langs.append("python")
        notes.append("language python: .py files (no pyproject.toml or requirements file)")
    if tree.has("package.json"):
        langs.append("node")
        notes.append("language node: package.json")
        if tree.has("tsconfig.json") or "typescript" in tree.deps.node:
            langs.append("typescript")
            why = "tsconfig.json" if tree.has("tsconfig.json") else "a typescript dependency in package.json"
            notes.append(f"language typescript: {why}")
    if tree.has("go.mod"):
        langs.append("go")
        notes.append("language go: go.mod")
    java = [n for n in ("pom.xml", "build.gradle", "build.gradle.kts") if tree.has(n)]
    if java:
        langs.append("java")
        notes.append(f"language java: {java[0]}")
    if not langs:
        langs.append("other")
        notes.append("language other: no pyproject.toml, setup.py, requirements*.txt, package.json, go.mod, "
                     "pom.xml or .py file found")
    return langs


def _dockerfile_expose(tree: _Tree) -> tuple[str, bool] | None:
    for path in tree.top("Dockerfile*"):
        text = _read(path)
        return tree.rel(path), bool(re.search(r"^\s*EXPOSE\s+\S", text, re.MULTILINE | re.IGNORECASE))
    return None


def _web_import(tree: _Tree) -> tuple[str, str] | None:
    for path in tree.files:
        if path.suffix == ".py":
            match = _WEB_IMPORT.search(_read(path))
            if match:
                return match.group(1), tree.rel(path)
    return None


def _entry_points(tree: _Tree) -> str | None:
    project = tree.pyproject.get("project") or {}
    if project.get("scripts") or project.get("gui-scripts"):
        return "[project.scripts] in pyproject.toml"
    if ((tree.pyproject.get("tool") or {}).get("poetry") or {}).get("scripts"):
        return "[tool.poetry.scripts] in pyproject.toml"
    if tree.package.get("bin"):
        return "bin in package.json"
    return None


def _kind(tree: _Tree) -> tuple[Kind, str]:
    web = tree.deps.first(WEB_FRAMEWORKS)
    ml = tree.deps.first(ML_LIBRARIES)
    if web is None:
        imported = _web_import(tree)
        if imported is not None:
            web = (imported[0], f"an import in {imported[1]}")
    docker = _dockerfile_expose(tree)
    if web is not None and ml is not None:
        return "ml-service", (f"kind ml-service: web framework {web[0]} ({web[1]}) and ML library "
                              f"{ml[0]} ({ml[1]})")
    if web is not None:
        return "service", f"kind service: web framework {web[0]} in {web[1]}"
    if docker is not None and docker[1]:
        return "service", f"kind service: {docker[0]} EXPOSEs a port"
    queue = tree.deps.first(TASK_QUEUES)
    if queue is not None:
        return "worker", f"kind worker: task-queue library {queue[0]} in {queue[1]} and no web framework"
    entry = _entry_points(tree)
    if entry is not None:
        return "worker", f"kind worker: {entry} and no web framework"
    if docker is not None:
        return "worker", f"kind worker: {docker[0]} without EXPOSE and no web framework"
    why = "no web framework, task queue, entry point or Dockerfile found"
    if ml is not None:
        why = f"ML library {ml[0]} ({ml[1]}) but no web framework"
    return "library", f"kind library: {why}"


def _python_tests(tree: _Tree) -> str | None:
    tool = tree.pyproject.get("tool") or {}
    if "pytest" in tool:
        return "[tool.pytest] in pyproject.toml"
    for name, marker in (("pytest.ini", ""), ("setup.cfg", "[tool:pytest]"), ("tox.ini", "[pytest]")):
        if tree.has(name) and marker in _read(tree.root / name):
            return name
    if tree.has("conftest.py") or (tree.root / "tests" / "conftest.py").is_file():
        return "conftest.py"
    if "pytest" in tree.deps.python:
        return f"pytest in {tree.deps.python['pytest']}"
    if (tree.root / "tests").is_dir() and any(p.name.startswith("test_") for p in (tree.root / "tests").glob("*.py")):
        return "a tests/ directory of test_*.py files"
    return None


def _node_tests(tree: _Tree) -> tuple[list[str], str] | None:
    scripts = tree.package.get("scripts")
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if isinstance(test, str) and test.strip() and _NPM_NO_TEST not in test:
        return ["npm", "test"], "scripts.test in package.json"
    for runner in ("vitest", "jest", "mocha"):
        if runner in tree.deps.node:
            argv = ["npx", runner] + (["run"] if runner == "vitest" else [])
            return argv, f"{runner} in {tree.deps.node[runner]}"
    return None


def _tests(tree: _Tree, langs: list[Language], notes: list[str]) -> TestsSpec | None:
    command: list[str] | None = None
    if "python" in langs:
        why = _python_tests(tree)
        if why is not None:
            command = ["python", "-m", "pytest"]
            notes.append(f"tests: python -m pytest ({why})")
    if command is None and "node" in langs:
        found = _node_tests(tree)
        if found is not None:
            command = found[0]
            notes.append(f"tests: {' '.join(found[0])} ({found[1]})")
    hints = [n for n in LOCKFILES if tree.has(n)] + [tree.rel(p) for p in tree.top("requirements*.txt")]
    if tree.has("package.json") and "package-lock.json" not in hints:
        hints.append("package.json")
    if hints:
        notes.append(f"dependency files: {', '.join(hints)}")
    if command is None:
        notes.append("tests: no test runner found")
        if not hints:
            return None
    return TestsSpec(command=command, dependencies=hints)


def _chart(tree: _Tree, notes: list[str]) -> ChartSpec | None:
    charts = sorted(p.parent for p in tree.root.glob("charts/*/Chart.yaml"))
    if (tree.root / "chart" / "Chart.yaml").is_file():
        charts.insert(0, tree.root / "chart")
    if charts:
        ref = tree.rel(charts[0])
        more = f" (also {', '.join(tree.rel(c) for c in charts[1:])})" if len(charts) > 1 else ""
        notes.append(f"chart {ref}: its Chart.yaml{more}")
        return ChartSpec(ref=ref)
    for folder in ("k8s", "deploy", "kustomize"):
        if (tree.root / folder / "kustomization.yaml").is_file():
            notes.append(f"manifests {folder}: kustomization.yaml")
            return ChartSpec(ref=folder, type="kustomize")
    notes.append("chart: none in the tree (charts/*/Chart.yaml, chart/, k8s/ or deploy/ kustomization)")
    return None


def detect(root: Path) -> Detection:
    """Detect the profile of the tree at ``root`` (no file of golive's own is needed there)."""
    tree = _scan(root)
    notes: list[str] = []
    basis: dict[str, str] = {}
    langs = _languages(tree, notes)
    basis["languages"] = "; ".join(notes)
    kind, why = _kind(tree)
    basis["kind"] = why
    notes.insert(0, why)
    before = len(notes)
    tests = _tests(tree, langs, notes)
    basis["tests"] = "; ".join(notes[before:])
    before = len(notes)
    chart = _chart(tree, notes)
    basis["chart"] = "; ".join(notes[before:])
    profile = ApplicationProfile(kind=kind, languages=langs, tests=tests, chart=chart)
    return Detection(profile=profile, basis=basis, assumptions=notes,
                     dependencies={**tree.deps.node, **tree.deps.python})
