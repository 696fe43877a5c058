"""A Python test environment built with uv, and the per-run overlay that holds the project itself.

The cached environment holds the dependencies only (``uv export --frozen`` of ``uv.lock``, or
``uv pip install -r pyproject.toml`` with the chosen extras and groups, plus the requirements files),
and pytest and coverage at golive's own versions when the target brought none. The project itself
changes every run, so it is never cached (the dependencies are byte-compiled when installed, so that
no run compiles them again): ``overlay`` makes a small virtual environment that sees the
cached one's packages (a ``.pth`` running ``site.addsitedir``) and installs the project editable from
the run's copy of the tree, without its dependencies.
"""

from __future__ import annotations

import platform
import sys
import tempfile
from pathlib import Path

from golive.settings import get_settings
from golive.targetenv.cache import cache_key, cached, file_digest
from golive.targetenv.discover import PythonPlan, read_pyproject
from golive.targetenv.model import EnvError, TargetEnv
from golive.tools import ToolError, installer_env, run_tool, tail, tool_command, tool_version

#: What golive adds when the target's dependencies bring no test runner or coverage.
RUNNERS = ("pytest", "coverage")


def python_bin(venv: Path) -> Path:
    """The interpreter of a virtual environment."""
    return venv / "bin" / "python"


def site_packages(venv: Path) -> Path:
    """The site-packages directory of a virtual environment (``EnvError`` when it has none)."""
    found = sorted(venv.glob("lib/python*/site-packages"))
    if not found:
        raise EnvError(f"{venv} is not a virtual environment (no lib/python*/site-packages)")
    return found[0]


def installed_version(venv: Path, distribution: str) -> str | None:
    """The version of ``distribution`` installed in ``venv`` (from its dist-info directory), or None."""
    wanted = distribution.lower().replace("-", "_")
    for info in site_packages(venv).glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").rpartition("-")
        if name.lower().replace("-", "_") == wanted:
            return version
    return None


def _uv(*args: str) -> list[str]:
    offline = ["--offline"] if get_settings().env_offline else []
    return [*tool_command("uv"), *args, *offline]


def _installer_env() -> dict[str, str]:
    return installer_env({"UV_NO_PROGRESS": "1", "UV_PYTHON_DOWNLOADS": "never"})


def _run(argv: list[str], cwd: Path, what: str) -> None:
    try:
        run_tool(argv, cwd=cwd, timeout=get_settings().env_build_timeout, env=_installer_env())
    except ToolError as exc:
        raise EnvError(f"could not build the test environment ({what}): {exc}") from exc


def _inputs(plan: PythonPlan) -> dict[str, object]:
    pyproject = read_pyproject(plan.tree)
    project = pyproject.get("project") or {}
    declared = {k: project.get(k) for k in ("dependencies", "optional-dependencies", "requires-python")}
    declared["build-requires"] = _build_requires(plan)
    return {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "files": {f: file_digest(plan.tree / f) for f in [plan.lock, *plan.requirements] if f},
        "pyproject": declared if plan.pyproject else None,
        "dependency_groups": pyproject.get("dependency-groups") if plan.pyproject else None,
        "extras": plan.extras, "groups": plan.groups,
        "runners": {name: tool_version(name) for name in RUNNERS},
    }


def _build_requires(plan: PythonPlan) -> list[str]:
    """The build backend's requirements of an installable project (installed with its dependencies, so
    that the per-run install of the project needs no isolated build environment)."""
    build = read_pyproject(plan.tree).get("build-system")
    requires = build.get("requires") if isinstance(build, dict) else None
    if not plan.installable:
        return []
    found = [str(r) for r in requires] if isinstance(requires, list) else ["setuptools>=40.8.0"]
    # hatchling asks for editables when it builds an editable wheel (PEP 660 get_requires_for_build_editable)
    return found + (["editables"] if any(r.startswith("hatchling") for r in found) else [])


def _install(plan: PythonPlan, venv: Path) -> list[str]:
    """Install the plan's dependencies into ``venv``; the installer commands used."""
    python = str(python_bin(venv))
    steps: list[str] = []
    selection = [a for e in plan.extras for a in ("--extra", e)] + [a for g in plan.groups for a in ("--group", g)]
    with tempfile.TemporaryDirectory(prefix="golive-env-") as tmp:
        requirements = [a for r in plan.requirements for a in ("-r", str(plan.tree / r))]
        if plan.lock:
            exported = Path(tmp) / "requirements.txt"
            _run(_uv("export", "--frozen", "--no-emit-project", "--format", "requirements-txt", "--project",
                     str(plan.tree), "-o", str(exported), *selection), plan.tree, "uv export of uv.lock")
            requirements = ["-r", str(exported), *requirements]
            steps.append("uv export --frozen")
        elif plan.pyproject:
            requirements = ["-r", str(plan.tree / plan.pyproject), *selection, *requirements]
        if requirements:
            _run(_uv("pip", "install", "--compile-bytecode", "--python", python, *requirements), plan.tree,
                 "uv pip install")
            steps.append("uv pip install")
    backend = _build_requires(plan)
    if backend:
        _run(_uv("pip", "install", "--compile-bytecode", "--python", python, *backend), venv,
             "uv pip install of the build backend")
        steps.append("uv pip install of the build backend")
    missing = [f"{name}=={tool_version(name)}" for name in RUNNERS if installed_version(venv, name) is None]
    if missing:
        _run(_uv("pip", "install", "--compile-bytecode", "--python", python, *missing), venv,
             "uv pip install of the test runner")
        steps.append(f"uv pip install {' '.join(missing)}")
    return steps


def python_env(plan: PythonPlan) -> TargetEnv:
    """The cached dependency environment of ``plan`` (built on a miss).

    :raises EnvError: uv could not build it (the message ends with uv's own error).
    """
    inputs = _inputs(plan)
    key = cache_key("python", inputs)
    steps: list[str] = []

    def build(target: Path) -> None:
        _run(_uv("venv", "--quiet", "--python", sys.executable, str(target)), target.parent, "uv venv")
        steps.extend(_install(plan, target))

    path, hit, seconds = cached("python", key, build)
    return TargetEnv(kind="python", path=path, installer=", ".join(steps) if steps else "uv (cached)",
                     key=key, hit=hit, build_seconds=seconds,
                     inputs={"files": plan.files, "extras": plan.extras, "groups": plan.groups})


def overlay(env: TargetEnv, into: Path, project: Path | None) -> Path:
    """A virtual environment in ``into`` that sees ``env``'s packages and, given ``project`` (a copy of the
    tree), has it installed editable without dependencies; returns its interpreter.

    :raises EnvError: the project could not be built (the build backend's error).
    """
    venv = into / "venv"
    _run(_uv("venv", "--quiet", "--python", str(python_bin(env.path)), str(venv)), into, "uv venv overlay")
    (site_packages(venv) / "_golive_env.pth").write_text(
        f"import site; site.addsitedir({str(site_packages(env.path))!r})\n", encoding="utf-8")
    if project is not None:
        extra = {"SETUPTOOLS_SCM_PRETEND_VERSION": "0.0.0"}  # the copy has no .git to version from
        argv = _uv("pip", "install", "--python", str(python_bin(venv)), "--no-deps", "-e", str(project))
        try:  # the backend is in the cached environment; an isolated build is the fallback
            run_tool([*argv, "--no-build-isolation"], cwd=into, timeout=get_settings().env_build_timeout,
                     env={**_installer_env(), **extra})
        except ToolError:
            try:
                run_tool(argv, cwd=into, timeout=get_settings().env_build_timeout, env={**_installer_env(), **extra})
            except ToolError as exc:
                raise EnvError(f"could not install the project itself into its test environment: "
                               f"{tail(str(exc), 1500)}") from exc
    return python_bin(venv)
