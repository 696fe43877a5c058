"""Getting the source tree an agent analyzes: a local directory as is, or a git checkout — pinned to
the one commit the orchestrator's plan resolved.

``pin`` resolves a source once (a git URL: the ref's commit SHA; a local directory that is the top of a
clean git work tree: its ``HEAD``; any other local directory: ``tree:<sha256>`` of its content), and
``checkout(…, commit=…)`` refuses (``SourceMoved``) a tree that is no longer at that commit, so every pod
of a run measures the same code and each verdict names it.

``checkout`` never builds a shell string: git runs from an argv list, with ``--`` before every value
that came from a user, with terminal prompts disabled (a private repository without credentials fails
fast instead of hanging a pod) and with a timeout. A source URL never carries credentials (refused by
``golive.models.check_source``); git alone takes them from the pod's git credentials
(``golive.settings.git_credentials_env``: ``GIT_ASKPASS``, a credential helper through
``GIT_CONFIG_*``). Error messages carry git's stderr with the credentials of any URL removed.
``resolve_source`` keeps a local source (or ``file://`` URL) inside the allowed source roots.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from golive.errors import GoliveError
from golive.models import check_ref, check_source, is_git_source
from golive.patterns import URL_USERINFO
from golive.settings import get_settings, git_credentials_env
from golive.tools import ToolError, clean_env, run_tool, tool_command

if TYPE_CHECKING:
    from golive.profile.load import ResolvedProfile

TREE_PREFIX = "tree:"
#: Not the application's content: git's own data, bytecode and the caches analyzers may leave behind.
_NOT_CONTENT = frozenset({".git", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis",
                          ".schemathesis", ".coverage"})


class SourceError(GoliveError):
    """The source tree could not be found or fetched; the message says what to fix."""


class SourceMoved(SourceError):
    """The source is no longer at the commit the run's plan pinned (a branch moved, a tree changed)."""


def tree_hash(root: Path) -> str:
    """``tree:<sha256>`` over the sorted relative paths and bytes of every file under ``root``
    (``.git``, ``__pycache__`` and tool caches left out; a symlink counts by its target path, never followed)."""
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if not _NOT_CONTENT.intersection(p.relative_to(root).parts)
                   and (p.is_symlink() or p.is_file()))
    for path in files:
        rel = path.relative_to(root).as_posix().encode()
        data = str(path.readlink()).encode() if path.is_symlink() else path.read_bytes()
        digest.update(b"%d:%s%d:" % (len(rel), rel, len(data)))
        digest.update(data)
    return TREE_PREFIX + digest.hexdigest()


def _git_env() -> dict[str, str]:
    # credentials come from the pod's git credentials (the Secret GOLIVE_GIT_CREDENTIALS_SECRET names:
    # GIT_ASKPASS, GIT_CONFIG_* naming a credential helper), never from a prompt
    env = clean_env({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", **git_credentials_env()})
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


def local_commit(path: Path, timeout: float | None = None) -> str:
    """The commit of a local tree: ``HEAD`` when ``path`` is the top of a git work tree with nothing
    changed or untracked; otherwise (a plain directory, a subdirectory, local changes) its ``tree_hash``."""
    git, env = tool_command("git"), _git_env()
    limit = get_settings().git_timeout if timeout is None else timeout

    def git_out(*args: str) -> str:
        return run_tool([*git, *args], cwd=path, timeout=limit, env=env).stdout.strip()

    try:
        top = git_out("rev-parse", "--show-toplevel")
        if Path(top).resolve() == path.resolve() and not git_out("status", "--porcelain"):
            return git_out("rev-parse", "--verify", "HEAD^{commit}")
    except (ToolError, OSError):
        pass  # not a git work tree (or no git): the content decides
    return tree_hash(path)


def pin(source: str, ref: str, workdir: Path, timeout: float | None = None) -> tuple[Path, str]:
    """Check ``source`` out at ``ref`` and return the tree with the commit it is at (see the module)."""
    tree = checkout(source, ref, workdir, timeout=timeout)
    if is_git_source(source):
        return tree, _head(tree, timeout)
    return tree, local_commit(tree, timeout)


def _head(tree: Path, timeout: float | None) -> str:
    try:
        return run_tool([*tool_command("git"), "rev-parse", "--verify", "HEAD^{commit}"], cwd=tree,
                        timeout=get_settings().git_timeout if timeout is None else timeout,
                        env=_git_env()).stdout.strip()
    except ToolError as exc:
        raise SourceError(f"the checkout has no commit: {redact(str(exc))}") from None


def redact(text: str) -> str:
    """Remove the user-info part (``user:token@``) of every URL in ``text``."""
    return URL_USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)


def redact_json(value: Any) -> Any:
    """``value`` (JSON-like) with :func:`redact` applied to every string in it."""
    if isinstance(value, dict):
        return {k: redact_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v) for v in value]
    return redact(value) if isinstance(value, str) else value


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def resolve_source(source: str, base: Path, roots: Sequence[Path]) -> str:
    """The source a run may use: a local path made absolute (relative to ``base``, symlinks and '..'
    resolved) that lies under one of ``roots``; a ``file://`` URL only when its path does; any other git
    URL as given.

    :raises SourceError: the path is outside every root, or is not a directory (the message names the
        field and the roots, never a credential).
    """
    if is_git_source(source) and not source.startswith("file://"):
        return source
    local = unquote(urlsplit(source).path) if source.startswith("file://") else source
    path = Path(os.path.realpath(base / Path(local).expanduser()))
    if not _under(path, roots):
        raise SourceError(f"source: {path} is outside the allowed source roots "
                          f"({os.pathsep.join(str(r) for r in roots)}; GOLIVE_SOURCE_ROOTS names them)")
    if not path.is_dir():
        raise SourceError(f"source: {path} is not a directory (a local path must exist; or give a git URL)")
    return source if source.startswith("file://") else str(path)


def checkout(source: str, ref: str, workdir: Path, timeout: float | None = None, commit: str | None = None) -> Path:
    """Return the directory holding ``source`` at ``ref`` (and, when given, at exactly ``commit``).

    :param source: a local directory (used as is; ``ref`` is informational there) or a git URL
        (``https://``, ``ssh://``, ``file://``, ``git@host:repo``).
    :param ref: branch, tag or commit for a git URL; ``HEAD`` means the default branch.
    :param workdir: an empty directory this call may clone into (the caller removes it).
    :param timeout: seconds each git command may take (default ``$GOLIVE_GIT_TIMEOUT`` or 300).
    :param commit: the commit the run's plan pinned (``pin``); the tree must still be at it.
    :raises SourceMoved: the tree is no longer at ``commit``.
    :raises SourceError: the path is missing or not a directory, the ref is invalid, or git failed.
    """
    try:
        check_source(source)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    tree = _checkout(source, ref, workdir, timeout)
    if commit:
        now = _head(tree, timeout) if is_git_source(source) else local_commit(tree, timeout)
        if now != commit:
            where = f"{redact(source)} at {ref}" if is_git_source(source) else f"the tree {source}"
            raise SourceMoved(f"{where} is now {now}, but this run's plan pinned {commit}: the source moved "
                              "since the plan; start a new go-live to deliver the new code")
    return tree


def _checkout(source: str, ref: str, workdir: Path, timeout: float | None) -> Path:
    if not is_git_source(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise SourceError(f"source path {source} does not exist: give the root of the application's "
                              "source tree or a git URL")
        if not path.is_dir():
            raise SourceError(f"source path {source} is not a directory: give the root of the source tree")
        return path.resolve()
    try:
        check_ref(ref)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    return _git_checkout(source, ref, workdir, get_settings().git_timeout if timeout is None else timeout)


def _git_checkout(url: str, ref: str, workdir: Path, timeout: float) -> Path:
    dest = workdir / "source"
    env = _git_env()
    git = tool_command("git")

    def run(*args: str, cwd: Path = workdir) -> str:
        try:
            return run_tool([*git, *args], cwd=cwd, timeout=timeout, env=env).stdout.strip()
        except ToolError as exc:
            raise SourceError(f"git could not fetch {redact(url)} at {ref}: {redact(str(exc))}") from None

    workdir.mkdir(parents=True, exist_ok=True)
    run("clone", "--no-checkout", "--quiet", "--", url, str(dest))
    if ref == "HEAD":
        commit = run("rev-parse", "--verify", "HEAD^{commit}", cwd=dest)
    else:
        commit = ""
        for candidate in (ref, f"origin/{ref}"):
            try:
                commit = run_tool([*git, "rev-parse", "--verify", "--quiet", "--end-of-options",
                                   f"{candidate}^{{commit}}"], cwd=dest, timeout=timeout, env=env).stdout.strip()
                break
            except ToolError:
                continue
        if not commit:
            raise SourceError(f"{redact(url)} has no branch, tag or commit named {ref!r}")
    run("-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit, "--", cwd=dest)
    return dest


def checked_out_profile(source: str | None, ref: str, workdir: Path,
                        commit: str | None = None) -> tuple[Path | None, ResolvedProfile]:
    """Check ``source`` out into ``workdir`` (when one is given) and load its profile — the conf's
    (``$GOLIVE_PROFILE``) first, what it leaves out detected from the tree: what an agent does with its
    ``--source``, at the plan's ``commit`` when given.

    :raises SourceMoved: the source is no longer at ``commit``.
    :raises golive.errors.GoliveError: the source cannot be fetched, or a profile is invalid.
    """
    from golive.profile.load import load_profile

    tree = checkout(source, ref, workdir, commit=commit) if source else None
    return tree, load_profile(tree, get_settings().profile)
