"""The vendored Flask tutorial app in its two states — upstream's code, and upstream with
``flaskr.hardening.patch`` (the tree under ``tests/data/projects/flaskr``) — and a way to run either."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from golive_local.platform import free_port
from repo_paths import TEST_DATA

HARDENED = TEST_DATA / "projects" / "flaskr"
PATCH = TEST_DATA / "projects" / "flaskr.hardening.patch"
PROFILE = (TEST_DATA / "projects" / "flaskr.golive.yaml").read_text()


def upstream_copy(parent: Path) -> Path:
    """A copy of the tree with the hardening patch reversed: the code as pallets/flask ships it."""
    tree = parent / "flaskr-upstream"
    shutil.copytree(HARDENED, tree, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache"))
    subprocess.run(["git", "apply", "-R", str(PATCH)], cwd=tree, check=True, capture_output=True, text=True,
                   env={**os.environ, "GIT_CEILING_DIRECTORIES": str(parent)})
    return tree


@contextmanager
def running(tree: Path, state: Path, **env: str) -> Iterator[str]:
    """Serve ``tree`` with Flask's own server (as localkube's image ``flaskr`` does); yields its URL."""
    state.mkdir(parents=True, exist_ok=True)
    port = free_port()
    full_env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1",
                "FLASKR_SECRET_KEY": secrets.token_hex(32), "FLASKR_DATABASE": str(state / "flaskr.sqlite"), **env}
    flask = [sys.executable, "-m", "flask", "--app", "flaskr"]
    subprocess.run([*flask, "init-db"], cwd=tree, env=full_env, check=True, capture_output=True)
    proc = subprocess.Popen([*flask, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=tree, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/hello", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"flaskr did not start from {tree} (exit {proc.poll()})")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
