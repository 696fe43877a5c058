"""Detection of a profile from a tree without golive.yaml, and golive.yaml winning over it."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from repo_paths import REPO, TEST_DATA

from golive.profile import ProfileError, load_profile


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_fastapi_service(tmp_path):
    root = _tree(tmp_path, {
        "pyproject.toml": """
            [project]
            name = "svc"
            dependencies = ["fastapi>=0.110", "pydantic"]
            [dependency-groups]
            dev = ["pytest>=8", {include-group = "lint"}]
        """,
        "uv.lock": "",
        "app/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "charts/svc/Chart.yaml": "name: svc\n",
    })
    resolved = load_profile(root)
    profile = resolved.profile
    assert resolved.source == "detected"
    assert (profile.kind, profile.languages) == ("service", ["python"])
    assert profile.tests is not None and profile.tests.command == ["python", "-m", "pytest"]
    assert profile.tests.dependencies == ["uv.lock"]
    assert profile.chart is not None and (profile.chart.ref, profile.chart.type) == ("charts/svc", "helm")
    assert "kind service: web framework fastapi in pyproject dependencies" in resolved.assumptions
    assert resolved.why("kind") == "kind service: web framework fastapi in pyproject dependencies"


def test_plain_library(tmp_path):
    root = _tree(tmp_path, {
        "pyproject.toml": '[project]\nname = "lib"\ndependencies = ["attrs"]\n'
                          '[project.optional-dependencies]\ntest = ["pytest"]\n',
        "lib/__init__.py": "def f():\n    return 1\n",
    })
    resolved = load_profile(root)
    assert (resolved.profile.kind, resolved.profile.languages) == ("library", ["python"])
    assert not resolved.profile.has_http_surface
    assert resolved.why("kind").startswith("kind library: no web framework")
    assert resolved.profile.tests is not None and resolved.profile.tests.command == ["python", "-m", "pytest"]


def test_node_typescript_package(tmp_path):
    root = _tree(tmp_path, {
        "package.json": json.dumps({"name": "pkg", "scripts": {"test": "vitest run"},
                                    "devDependencies": {"typescript": "^5", "vitest": "^1"}}),
        "tsconfig.json": "{}",
        "package-lock.json": "{}",
    })
    resolved = load_profile(root)
    assert resolved.profile.languages == ["node", "typescript"]
    assert resolved.profile.kind == "library"
    assert resolved.profile.tests is not None and resolved.profile.tests.command == ["npm", "test"]
    assert "package-lock.json" in resolved.profile.tests.dependencies
    assert "language typescript: tsconfig.json" in resolved.assumptions


def test_node_express_service_and_bin_worker(tmp_path):
    svc = _tree(tmp_path / "svc", {"package.json": json.dumps({"dependencies": {"express": "^4"}})})
    assert load_profile(svc).profile.kind == "service"
    cli = _tree(tmp_path / "cli", {"package.json": json.dumps({"bin": {"x": "x.js"}})})
    assert load_profile(cli).profile.kind == "worker"


@pytest.mark.parametrize(("files", "kind"), [
    ({"requirements.txt": "torch==2.3\nfastapi\n"}, "ml-service"),
    ({"requirements.txt": "scikit-learn\n"}, "library"),
    ({"requirements.txt": "celery[redis]>=5\n"}, "worker"),
    ({"Dockerfile": "FROM python:3.11\nEXPOSE 8000\n", "app.py": "print(1)\n"}, "service"),
    ({"Dockerfile": "FROM python:3.11\nCMD [\"python\", \"job.py\"]\n"}, "worker"),
    ({"setup.py": "from setuptools import setup\nsetup(name='x', install_requires=['flask>=2'])\n"}, "service"),
    ({"server.py": "import flask\n"}, "service"),  # no dependency file: the import is evidence enough
    ({"pyproject.toml": '[project]\nname = "x"\n[project.scripts]\nx = "x:main"\n'}, "worker"),
])
def test_kinds(tmp_path, files, kind):
    assert load_profile(_tree(tmp_path, files)).profile.kind == kind


def test_empty_tree_is_a_library_of_other(tmp_path):
    resolved = load_profile(tmp_path)
    assert (resolved.profile.kind, resolved.profile.languages) == ("library", ["other"])
    assert any(a.startswith("kind library: ") for a in resolved.assumptions)
    assert any(a.startswith("language other: ") for a in resolved.assumptions)
    assert resolved.profile.tests is None and resolved.profile.chart is None


def test_kustomize_manifests(tmp_path):
    root = _tree(tmp_path, {"deploy/kustomization.yaml": "resources: []\n"})
    chart = load_profile(root).profile.chart
    assert chart is not None and (chart.ref, chart.type) == ("deploy", "kustomize")


def test_golive_yaml_wins_over_detection(tmp_path):
    root = _tree(tmp_path, {
        "requirements.txt": "fastapi\n",
        "golive.yaml": "kind: library\nsecret_keys: [TOKEN]\n",
    })
    resolved = load_profile(root)
    assert resolved.source == "golive.yaml"
    assert resolved.profile.kind == "library" and resolved.profile.secret_keys == ["TOKEN"]
    assert resolved.why("kind") == "kind library declared in golive.yaml"
    # what the file leaves out is detected, and said so
    assert resolved.profile.languages == ["python"]
    assert any("not set in golive.yaml, detected" in a for a in resolved.assumptions)


def test_golive_yml_and_errors(tmp_path):
    _tree(tmp_path, {"golive.yml": "kind: worker\n"})
    assert load_profile(tmp_path).source == "golive.yml"
    (tmp_path / "golive.yaml").write_text("endpoints: {health: nope}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"golive.yaml: endpoints.health: "):
        load_profile(tmp_path)


@pytest.mark.parametrize("tree", [REPO / "include" / "sample_app", TEST_DATA / "targets" / "good",
                                  TEST_DATA / "targets" / "bad"])
def test_the_existing_service_targets_stay_services(tree):
    assert load_profile(tree).profile.kind == "service"
