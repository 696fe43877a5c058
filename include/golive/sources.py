"""Getting the source tree an agent analyzes: a local directory as is, or a git checkout.

``checkout`` never builds a shell string: git runs from an argv list, with ``--`` before every value
that came from a user, with terminal prompts disabled (a private repository without credentials fails
fast instead of hanging a pod) and with a timeout. Error messages carry git's stderr with the
credentials of any URL removed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from golive.errors import GoliveError
from golive.models import is_git_source
from golive.settings import get_settings
from golive.tools import ToolError, clean_env, run_tool, tool_command

if TYPE_CHECKING:
    from golive.profile.load import ResolvedProfile

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")
_REF = re.compile(r"^[A-Za-z0-9._/@+][A-Za-z0-9._/@+-]{0,199}$")


class SourceError(GoliveError):
    """The source tree could not be found or fetched; the message says what to fix."""


def redact(text: str) -> str:
    """Remove the user-info part (``user:token@``) of every URL in ``text``."""
    return _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)


def checkout(source: str, ref: str, workdir: Path, timeout: float | None = None) -> Path:
    """Return the directory holding ``source`` at ``ref``.

    :param source: a local directory (used as is; ``ref`` is informational there) or a git URL
        (``https://``, ``ssh://``, ``file://``, ``git@host:repo``).
    :param ref: branch, tag or commit for a git URL; ``HEAD`` means the default branch.
    :param workdir: an empty directory this call may clone into (the caller removes it).
    :param timeout: seconds each git command may take (default ``$GOLIVE_GIT_TIMEOUT`` or 300).
    :raises SourceError: the path is missing or not a directory, the ref is invalid, or git failed.
    """
    if not is_git_source(source):
        path = Path(source).expanduser()
        if not path.exists():
            raise SourceError(f"source path {source} does not exist: give the root of the application's "
                              "source tree or a git URL")
        if not path.is_dir():
            raise SourceError(f"source path {source} is not a directory: give the root of the source tree")
        return path.resolve()
    if source.startswith("-") or not _REF.match(ref):
        raise SourceError(f"ref {ref!r} is not a branch, tag or commit name")
    return _git_checkout(source, ref, workdir, get_settings().git_timeout if timeout is None else timeout)


def _git_checkout(url: str, ref: str, workdir: Path, timeout: float) -> Path:
    dest = workdir / "source"
    env = clean_env({"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""})
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
