"""``GOLIVE_*`` variables are read in one place: ``golive.settings`` (``GoliveSettings``).

Anything else that reads ``os.environ[...]``, ``os.environ.get(...)``/``.pop(...)`` or ``os.getenv(...)`` with a
``GOLIVE_`` key fails here with its file and line: add a field to ``GoliveSettings`` instead.
"""

from __future__ import annotations

import ast

from repo_paths import REPO as ROOT

PACKAGES = (ROOT / "include" / "golive", ROOT / "plugins" / "golive_airflow")
SETTINGS = ROOT / "include" / "golive" / "settings.py"
PREFIX = "GOLIVE_"


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


def _golive_key(node: ast.expr | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value.startswith(PREFIX)
    if isinstance(node, ast.JoinedStr) and node.values:
        return _golive_key(node.values[0])
    return False


def _env_reads(tree: ast.AST) -> list[int]:
    """Lines of ``environ[KEY]``, ``environ.get(KEY…)`` and ``getenv(KEY…)`` with a ``GOLIVE_`` key."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_environ(node.value) and _golive_key(node.slice):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args and _golive_key(node.args[0]):
            func = node.func
            environ_get = isinstance(func, ast.Attribute) and func.attr in ("get", "pop") and _is_environ(func.value)
            getenv = (isinstance(func, ast.Attribute) and func.attr == "getenv") or (
                isinstance(func, ast.Name) and func.id == "getenv")
            if environ_get or getenv:
                lines.append(node.lineno)
    return sorted(lines)


def test_the_scanner_finds_each_form():
    source = ('import os\nfrom os import environ, getenv\nos.environ["GOLIVE_A"]\nos.environ.get("GOLIVE_B", "x")\n'
              'os.getenv("GOLIVE_C")\nenviron.get(f"GOLIVE_TOOL_{n}")\ngetenv("GOLIVE_D")\nos.environ.get("HOME")\n')
    assert _env_reads(ast.parse(source)) == [3, 4, 5, 6, 7]


def test_golive_variables_are_read_only_in_settings():
    offenders = []
    for package in PACKAGES:
        for path in sorted(package.rglob("*.py")):
            if path == SETTINGS:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            offenders += [f"{path.relative_to(ROOT)}:{line}" for line in _env_reads(tree)]
    assert not offenders, ("GOLIVE_* read outside golive.settings (add a GoliveSettings field): "
                           + ", ".join(offenders))


def test_moved_variables_keep_their_names_and_defaults(monkeypatch):
    from golive.settings import get_settings

    monkeypatch.setenv("GOLIVE_TOOL_DETECT_SECRETS", "/opt/ds --flag")
    monkeypatch.setenv("GOLIVE_GPU_TOLERATIONS", "")
    monkeypatch.setenv("GOLIVE_LEDGER_URL", "sqlite:///x.sqlite")
    monkeypatch.setenv("GOLIVE_GIT_TIMEOUT", "12")
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.tool_overrides["DETECT_SECRETS"] == "/opt/ds --flag"
    assert settings.gpu_tolerations[0]["key"] == "nvidia.com/gpu"
    assert settings.gpu_node_selector == {"golive.io/accelerator": "nvidia-gpu"}
    assert settings.ledger_url == "sqlite:///x.sqlite"
    assert settings.git_timeout == 12.0
    assert settings.osv_mode == "offline" and settings.cpu_request == "250m"
