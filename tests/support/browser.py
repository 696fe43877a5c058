"""Headless Chromium for the UI tests: Playwright driving the system ``chromium`` (Debian's package; no
browser is downloaded), signed in as a simple-auth-manager user the way the Airflow UI keeps it (the
``_token`` cookie), screenshots kept as test artifacts.

Screenshots land in ``$GOLIVE_TEST_ARTIFACTS/board/`` (default ``var/test-artifacts/board/`` of the
repository). Without Chromium or Playwright a test fails under ``CI=true`` and is skipped elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from repo_paths import REPO

#: Where Debian's ``chromium`` package puts the browser (``GOLIVE_CHROMIUM`` overrides it).
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def artifacts_dir(kind: str = "board") -> Path:
    """The directory the screenshots of ``kind`` are kept in (created)."""
    root = Path(os.environ.get("GOLIVE_TEST_ARTIFACTS") or REPO / "var" / "test-artifacts")
    path = root / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def _missing(what: str) -> None:
    message = f"{what} (install it with ./scripts/setup.sh as root, or apt-get install chromium)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{message}; CI=true: the browser tests must run")
    pytest.skip(message)


def chromium_executable() -> str:
    """The system Chromium's path (fails under CI=true, skips elsewhere, when it is not installed)."""
    for candidate in filter(None, (os.environ.get("GOLIVE_CHROMIUM"), *CHROMIUM_PATHS)):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    _missing("the system chromium is not installed")
    raise AssertionError("unreachable")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright's ``Browser``), closed afterwards."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, headless=True,
                                         args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield browser
        finally:
            browser.close()


def signed_in(browser: Any, base_url: str, token: str | None) -> Any:
    """A new page whose context carries ``token`` as the UI's ``_token`` cookie (None: signed out)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    if token is not None:
        context.add_cookies([{"name": "_token", "value": token, "url": base_url}])
    return context.new_page()


def screenshot(page: Any, name: str) -> Path:
    """Keep a full-page screenshot of ``page`` as ``<artifacts>/board/<name>.png``."""
    path = artifacts_dir() / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
