"""Which dependency files, extras and groups a tree declares for its tests."""

from __future__ import annotations

from pathlib import Path

from golive.targetenv.discover import node_plan, python_plan


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


PYPROJECT = """
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "lib"
version = "1"
dependencies = ["attrs"]
optional-dependencies.tests = ["freezegun"]
optional-dependencies.docs = ["mkdocs"]

[dependency-groups]
dev = ["pytest"]
lint = ["ruff"]
"""


def test_pyproject_extras_and_groups_are_the_test_ones(tmp_path):
    plan = python_plan(_tree(tmp_path, {"pyproject.toml": PYPROJECT}))
    assert (plan.pyproject, plan.lock, plan.extras, plan.groups, plan.installable) == \
        ("pyproject.toml", None, ["tests"], ["dev"], True)


def test_uv_lock_is_used_with_the_pyproject(tmp_path):
    plan = python_plan(_tree(tmp_path, {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n"}))
    assert plan.lock == "uv.lock" and plan.files == ["uv.lock", "pyproject.toml"]


def test_requirements_files_test_and_dev_ones_only(tmp_path):
    tree = _tree(tmp_path, {"requirements.txt": "", "requirements-dev.txt": "", "requirements-docs.txt": "",
                            "requirements/test.txt": "", "requirements/base.txt": "", "requirements/prod.txt": ""})
    plan = python_plan(tree)
    assert plan.requirements == ["requirements-dev.txt", "requirements.txt", "requirements/base.txt",
                                 "requirements/test.txt"]
    assert plan.pyproject is None and not plan.installable


def test_a_pyproject_without_project_table_is_tool_settings_only(tmp_path):
    plan = python_plan(_tree(tmp_path, {"pyproject.toml": "[tool.pytest.ini_options]\n", "requirements.txt": ""}))
    assert (plan.pyproject, plan.requirements, plan.installable) == (None, ["requirements.txt"], False)


def test_declared_files_win_over_detection(tmp_path):
    tree = _tree(tmp_path, {"pyproject.toml": PYPROJECT, "requirements.txt": "", "ci/test-reqs.txt": ""})
    plan = python_plan(tree, ["ci/test-reqs.txt"])
    assert (plan.pyproject, plan.requirements, plan.extras) == (None, ["ci/test-reqs.txt"], [])


def test_node_plan_prefers_the_lockfile(tmp_path):
    assert node_plan(tmp_path) is None
    _tree(tmp_path, {"package.json": "{}"})
    assert node_plan(tmp_path).lockfile is None
    _tree(tmp_path, {"package-lock.json": "{}"})
    assert node_plan(tmp_path).lockfile == "package-lock.json"
