"""Building a Python test environment with uv: what fails is no-data with uv's own words."""

from __future__ import annotations

import json

import pytest

from golive.settings import get_settings
from golive.targetenv.discover import python_plan
from golive.targetenv.model import EnvError
from golive.targetenv.python import python_env


def test_offline_build_without_a_cache_fails_with_uvs_error(tmp_path, monkeypatch):
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "requirements.txt").write_text("freezegun==1.5.1\n", encoding="utf-8")
    monkeypatch.setenv("GOLIVE_ENV_CACHE_DIR", str(tmp_path / "envs"))
    monkeypatch.setenv("GOLIVE_ENV_OFFLINE", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "empty-uv-cache"))
    get_settings.cache_clear()
    try:
        with pytest.raises(EnvError) as caught:
            python_env(python_plan(tmp_path / "tree"))
    finally:
        get_settings.cache_clear()
    message = str(caught.value)
    assert message.startswith("could not build the test environment (uv pip install)")
    assert "freezegun" in message and "offline" in message.lower()
    assert not list((tmp_path / "envs" / "python").glob("*/bin")), "no half-built environment stays"


def test_a_missing_uv_is_an_env_error_naming_it(tmp_path, monkeypatch):
    from golive import tools

    monkeypatch.setitem(tools.TOOL_COMMANDS, "uv", ["/nonexistent/bin/uv"])
    monkeypatch.setenv("GOLIVE_ENV_CACHE_DIR", str(tmp_path / "envs"))
    get_settings.cache_clear()
    try:
        with pytest.raises(EnvError, match=r"\(uv venv\): uv could not be started \(/nonexistent/bin/uv\)"):
            python_env(python_plan(tmp_path))
    finally:
        get_settings.cache_clear()


SETUP_PY_DUMPING_ITS_ENV = '''
import json, os
from pathlib import Path
from setuptools import setup

Path(__file__).with_name("build-env.json").write_text(json.dumps(dict(os.environ)))
setup(name="envspy", version="0.0.1", py_modules=["envspy"])
'''


def test_the_targets_build_code_never_sees_golives_credentials(tmp_path, monkeypatch):
    """``pip install -e`` of the target runs its ``setup.py``: it gets the installer's environment, not golive's."""
    from golive.targetenv.python import overlay

    seeded = {"KUBECONFIG": "/srv/golive/kubeconfig-seeded", "GOLIVE_LEDGER_URL": "postgresql://u:ledger-s3cret@db/x",
              "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql://a:airflow-s3cret@db/a",
              "AWS_SECRET_ACCESS_KEY": "aws-s3cret", "GITHUB_TOKEN": "ghp_seededtoken",
              "LOCALKUBE_TOKEN": "localkube-s3cret"}
    for name, value in seeded.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOLIVE_ENV_CACHE_DIR", str(tmp_path / "envs"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "setup.py").write_text(SETUP_PY_DUMPING_ITS_ENV, encoding="utf-8")
    (project / "envspy.py").write_text("VALUE = 1\n", encoding="utf-8")
    get_settings.cache_clear()
    try:
        (tmp_path / "no-requirements").mkdir()
        (tmp_path / "overlay").mkdir()
        overlay(python_env(python_plan(tmp_path / "no-requirements")), tmp_path / "overlay", project)
    finally:
        seen = json.loads((project / "build-env.json").read_text(encoding="utf-8"))
    assert "PATH" in seen, "the build ran with an installer environment"
    leaked = {k for k, v in seen.items() if k in seeded or any(s in v for s in seeded.values())}
    assert not leaked, f"golive's variables reached the target's build code: {sorted(leaked)}"
