"""One commit per go-live: ``pin`` resolves a source once; ``checkout(commit=…)`` refuses a tree that moved."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from golive.patterns import COMMIT_PATTERN
from golive.sources import SourceMoved, checkout, local_commit, pin, tree_hash


def _git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def origin(tmp_path) -> Path:
    root = tmp_path / "origin"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "app.py").write_text("VERSION = 1\n")
    _git(root, "add", "app.py")
    _git(root, "commit", "-q", "-m", "v1")
    return root


def test_a_git_url_is_pinned_to_the_refs_commit(origin, tmp_path):
    tree, commit = pin(f"file://{origin}", "main", tmp_path / "plan")
    assert (tree / "app.py").is_file()
    assert commit == _git(origin, "rev-parse", "main") and re.fullmatch(COMMIT_PATTERN, commit)
    again = checkout(f"file://{origin}", "main", tmp_path / "pod", commit=commit)
    assert (again / "app.py").read_text() == "VERSION = 1\n"


def test_the_analyzer_refuses_when_the_branch_moved_after_the_plan(origin, tmp_path):
    _, commit = pin(f"file://{origin}", "main", tmp_path / "plan")
    (origin / "app.py").write_text("VERSION = 2\n")
    _git(origin, "commit", "-q", "-am", "v2")
    with pytest.raises(SourceMoved) as info:
        checkout(f"file://{origin}", "main", tmp_path / "pod", commit=commit)
    assert commit in str(info.value) and _git(origin, "rev-parse", "main") in str(info.value)


def test_a_clean_local_work_tree_is_pinned_to_head_and_refused_once_it_changes(origin, tmp_path):
    assert local_commit(origin) == _git(origin, "rev-parse", "HEAD")
    (origin / "app.py").write_text("VERSION = 9\n")  # a local change: HEAD no longer names the content
    changed = local_commit(origin)
    assert changed.startswith("tree:") and changed == tree_hash(origin)
    with pytest.raises(SourceMoved):
        checkout(str(origin), "HEAD", tmp_path, commit=_git(origin, "rev-parse", "HEAD"))


def test_a_plain_directory_is_pinned_by_its_content(tmp_path):
    app = tmp_path / "app"
    (app / "pkg" / "__pycache__").mkdir(parents=True)
    (app / "pkg" / "m.py").write_text("x = 1\n")
    _, commit = pin(str(app), "HEAD", tmp_path / "w")
    assert re.fullmatch(COMMIT_PATTERN, commit) and commit.startswith("tree:")
    (app / "pkg" / "__pycache__" / "m.pyc").write_bytes(b"\0")  # bytecode and tool caches are not content
    (app / ".ruff_cache").mkdir()
    (app / ".ruff_cache" / "x").write_text("cache")
    assert checkout(str(app), "HEAD", tmp_path / "w", commit=commit) == app.resolve()
    (app / "pkg" / "m.py").write_text("x = 2\n")
    with pytest.raises(SourceMoved) as info:
        checkout(str(app), "HEAD", tmp_path / "w", commit=commit)
    assert "pinned " + commit in str(info.value)


def test_the_tree_hash_tells_a_rename_from_the_same_bytes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.py").write_text("1")
    (tmp_path / "b" / "y.py").write_text("1")
    assert tree_hash(tmp_path / "a") != tree_hash(tmp_path / "b")
