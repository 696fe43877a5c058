"""Getting the source tree an agent analyzes: a local directory as is, or a git checkout.

``checkout`` never builds a shell string: git runs from an argv list, with ``--`` before every value
that came from a user, with terminal prompts disabled (a private repository without credentials fails
fast instead of hanging a pod) and with a timeout. A source URL never carries credentials (refused by
``golive.models.check_source``); git alone takes them from the pod's git credentials
(``golive.settings.git_credentials_env``: ``GIT_ASKPASS``, a credential helper through
``GIT_CONFIG_*``). Error messages carry git's stderr with the credentials of any URL removed.
``resolve_source`` keeps a local source (or ``file://`` URL) inside the allowed source roots.
"""

from __future__ import annotations

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



class SourceError(GoliveError):
    """The source tree could not be found or fetched; the message says what to fix."""


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


def checkout(source: str, ref: str, workdir: Path, timeout: float | None = None) -> Path:
    """Return the directory holding ``source`` at ``ref``.

    :param source: a local directory (used as is; ``ref`` is informational there) or a git URL
        (``https://``, ``ssh://``, ``file://``, ``git@host:repo``).
    :param ref: branch, tag or commit for a git URL; ``HEAD`` means the default branch.
    :param workdir: an empty directory this call may clone into (the caller removes it).
    :param timeout: seconds each git command may take (default ``$GOLIVE_GIT_TIMEOUT`` or 300).
    :raises SourceError: the path is missing or not a directory, the ref is invalid, or git failed.
    """
    try:
        check_source(source)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
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
    # credentials come from the pod's git credentials (the Secret GOLIVE_GIT_CREDENTIALS_SECRET names:
    # GIT_ASKPASS, GIT_CONFIG_* naming a credential helper), never from a prompt
    env = clean_env({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": "", **git_credentials_env()})
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
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


def checked_out_profile(source: str | None, ref: str, workdir: Path) -> tuple[Path | None, ResolvedProfile]:
    """Check ``source`` out into ``workdir`` (when one is given) and load its profile — the conf's
    (``$GOLIVE_PROFILE``) first, what it leaves out detected from the tree: what an agent does with its
    ``--source``.

    :raises golive.errors.GoliveError: the source cannot be fetched, or a profile is invalid.
    """
    from golive.profile.load import load_profile

    tree = checkout(source, ref, workdir) if source else None
    return tree, load_profile(tree, get_settings().profile)
