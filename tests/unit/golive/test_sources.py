"""Getting a source tree: local paths as is, git URLs cloned at a ref (tested with a file:// repo)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from golive.sources import SourceError, checkout, redact


def _git(cwd: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "HOME": str(cwd), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A repository: v1 (tag) → main with v2; branch ``feature`` with v3."""
    root = tmp_path_factory.mktemp("origin")
    _git(root, "init", "-q", "-b", "main")
    (root / "app.py").write_text("VERSION = 1\n")
    _git(root, "add", "app.py")
    _git(root, "commit", "-q", "-m", "v1")
    _git(root, "tag", "v1")
    (root / "app.py").write_text("VERSION = 2\n")
    _git(root, "commit", "-q", "-am", "v2")
    _git(root, "checkout", "-q", "-b", "feature")
    (root / "app.py").write_text("VERSION = 3\n")
    _git(root, "commit", "-q", "-am", "v3")
    _git(root, "checkout", "-q", "main")
    return root


def test_a_local_directory_is_used_as_is(tmp_path):
    assert checkout(str(tmp_path), "HEAD", tmp_path / "work") == tmp_path.resolve()
    assert not (tmp_path / "work").exists()


def test_a_missing_local_path_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="does not exist"):
        checkout(str(tmp_path / "nope"), "HEAD", tmp_path / "work")
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(SourceError, match="not a directory"):
        checkout(str(tmp_path / "file.txt"), "HEAD", tmp_path / "work")


@pytest.mark.parametrize(("ref", "version"), [("HEAD", 2), ("main", 2), ("v1", 1), ("feature", 3)])
def test_a_git_url_is_cloned_at_the_ref(repo, tmp_path, ref, version):
    tree = checkout(repo.as_uri(), ref, tmp_path / "work")
    assert (tree / "app.py").read_text() == f"VERSION = {version}\n"
    assert tree.is_relative_to(tmp_path / "work")


def test_a_commit_sha_works(repo, tmp_path):
    sha = _git(repo, "rev-parse", "v1")
    tree = checkout(repo.as_uri(), sha, tmp_path / "work")
    assert (tree / "app.py").read_text() == "VERSION = 1\n"


def test_an_unknown_ref_is_an_error_naming_it(repo, tmp_path):
    with pytest.raises(SourceError, match="no branch, tag or commit named 'nope'"):
        checkout(repo.as_uri(), "nope", tmp_path / "work")


def test_an_option_like_ref_is_refused_before_git_runs(repo, tmp_path):
    with pytest.raises(SourceError, match="not a branch, tag or commit name"):
        checkout(repo.as_uri(), "--upload-pack=touch /tmp/pwned", tmp_path / "work")
    assert not (tmp_path / "work").exists()


def test_a_missing_repository_reports_gits_error(tmp_path):
    with pytest.raises(SourceError) as info:
        checkout((tmp_path / "missing").as_uri(), "HEAD", tmp_path / "work")
    assert "git could not fetch" in str(info.value)
    assert "does not appear to be a git repository" in str(info.value)  # git's own stderr


def test_a_url_with_credentials_is_refused_before_git_runs_and_never_echoed(tmp_path):
    url = "https://deploy:s3cr3t-token@127.0.0.1:1/team/app.git"
    with pytest.raises(SourceError) as info:
        checkout(url, "HEAD", tmp_path / "work", timeout=30)
    assert "s3cr3t-token" not in str(info.value) and "deploy" not in str(info.value)
    assert "must not carry credentials" in str(info.value)
    assert not (tmp_path / "work").exists()


def test_redact_removes_user_info_only():
    assert redact("clone https://u:p@host/x.git and ssh://git@host/y") == \
        "clone https://***@host/x.git and ssh://***@host/y"
    assert redact("/local/path") == "/local/path"


def test_git_alone_gets_the_pods_git_credentials(repo, tmp_path, monkeypatch):
    from golive import sources
    from golive.tools import clean_env

    monkeypatch.setenv("GOLIVE_GITCRED_GIT_ASKPASS", "/secrets/askpass.sh")
    monkeypatch.setenv("GOLIVE_GITCRED_GIT_TOKEN", "tok-from-the-secret")
    seen: list[dict[str, str]] = []
    real = sources.run_tool

    def recording(argv, **kwargs):
        seen.append(dict(kwargs["env"]))
        return real(argv, **kwargs)

    monkeypatch.setattr(sources, "run_tool", recording)
    assert (checkout(repo.as_uri(), "HEAD", tmp_path / "work") / ".git").exists()
    assert seen and all(env["GIT_ASKPASS"] == "/secrets/askpass.sh" and env["GIT_TOKEN"] == "tok-from-the-secret"
                        and env["GIT_TERMINAL_PROMPT"] == "0" for env in seen)
    assert not any("tok-from-the-secret" in v for v in clean_env().values())
