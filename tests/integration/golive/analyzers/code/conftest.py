"""Fixtures of the analyzers' integration tests that build real test environments."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from golive.settings import get_settings


@pytest.fixture(scope="module")
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh environment cache for the module (online builds: ``GOLIVE_ENV_OFFLINE`` unset)."""
    with pytest.MonkeyPatch.context() as patch:
        cache = tmp_path_factory.mktemp("envs")
        patch.setenv("GOLIVE_ENV_CACHE_DIR", str(cache))
        patch.delenv("GOLIVE_ENV_OFFLINE", raising=False)
        get_settings.cache_clear()
        yield cache
    get_settings.cache_clear()
