"""Shared inputs of the documentation tests: the sample app's live OpenAPI document, a store."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from golive.docs.store import ArtifactStore


@pytest.fixture(scope="module")
def sample_openapi(sample_app_factory) -> dict[str, Any]:
    """The OpenAPI document the running sample app serves."""
    app = sample_app_factory("docs-openapi")
    doc: dict[str, Any] = httpx.get(f"{app.url}/openapi.json", timeout=10).json()
    return doc


@pytest.fixture
def openapi(sample_openapi) -> dict[str, Any]:
    """A copy a test may break."""
    return copy.deepcopy(sample_openapi)


@pytest.fixture
def store(tmp_path) -> ArtifactStore:
    return ArtifactStore((tmp_path / "docs").as_uri())
