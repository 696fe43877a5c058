"""Building a Python test environment with uv: what fails is no-data with uv's own words."""

from __future__ import annotations

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
