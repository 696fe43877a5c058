"""The repair as a patch file (unified diff of the copy against the original) and, when the source is a
local git repository, as a commit on a new branch ``golive/repair-<run>`` of that repository.

The branch is made with git plumbing and a private index file (``read-tree`` of ``HEAD``, ``apply
--cached``, ``write-tree``, ``commit-tree``, ``update-ref``): the repository's checked-out branch, its
index and its work tree are never touched. A branch is only made when the tree that was repaired is the
top of the repository and clean at ``HEAD`` (otherwise the patch would not describe ``HEAD``).
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path

from golive.errors import GoliveError
from golive.settings import safe_name
from golive.tools import ToolError, clean_env, run_tool, tool_command

BRANCH_PREFIX = "golive/repair-"
GIT_TIMEOUT = 60.0
_NO_NEWLINE = "\\ No newline at end of file\n"
_IDENTITY = {"GIT_AUTHOR_NAME": "golive repair", "GIT_AUTHOR_EMAIL": "golive-repair@localhost",
             "GIT_COMMITTER_NAME": "golive repair", "GIT_COMMITTER_EMAIL": "golive-repair@localhost"}


class BranchError(GoliveError):
    """The repair branch could not be made; the message says why."""


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n" + _NO_NEWLINE
    return lines


def _read(path: Path) -> str | None:
    """The text of ``path``; None when it is not UTF-8 (binary files are not patched)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not p.is_symlink() and "node_modules" not in p.relative_to(root).parts)


def unified_diff(original: Path, copy: Path) -> str:
    """The unified diff (``a/``, ``b/`` prefixes, what ``git apply`` reads) that turns ``original`` into
    ``copy``, over the files of the copy (fixers change and add files, never delete them)."""
    out: list[str] = []
    for rel in _files(copy):
        new_path, old_path = copy / rel, original / rel
        if old_path.is_file() and old_path.read_bytes() == new_path.read_bytes():
            continue
        new = _read(new_path)
        old = _read(old_path) if old_path.is_file() else ""
        if new is None or old is None:
            continue
        fromfile = f"a/{rel}" if old_path.is_file() else "/dev/null"
        if not old_path.is_file():
            out.append(f"diff --git a/{rel} b/{rel}\nnew file mode 100644\n")
        else:
            out.append(f"diff --git a/{rel} b/{rel}\n")
        out += difflib.unified_diff(_lines(old), _lines(new), fromfile=fromfile, tofile=f"b/{rel}")
    return "".join(out)


def changed_files(patch: str) -> list[str]:
    """The paths a patch made by :func:`unified_diff` changes."""
    return sorted(set(re.findall(r"^diff --git a/\S+ b/(\S+)$", patch, re.MULTILINE)))


def branch_name(run_id: str) -> str:
    """``golive/repair-<run>``: the run id as :func:`golive.settings.safe_name` writes it (``:`` and ``+``
    become ``_``, a short hash keeps two run ids apart), made a valid ref name."""
    safe = re.sub(r"\.{2,}", ".", safe_name(run_id)).strip(".")
    return BRANCH_PREFIX + (safe.removesuffix(".lock") or "run")


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return run_tool([*tool_command("git"), "-C", str(repo), *args], cwd=repo, timeout=GIT_TIMEOUT,
                    env=env).stdout.strip()


def repository_head(tree: Path) -> str | None:
    """``HEAD`` of the git repository whose top is ``tree`` when it is clean there; None otherwise."""
    try:
        top = _git(tree, "rev-parse", "--show-toplevel")
        if Path(top).resolve() != tree.resolve():
            return None
        if _git(tree, "status", "--porcelain", "--untracked-files=no"):
            return None
        return _git(tree, "rev-parse", "--verify", "HEAD^{commit}")
    except ToolError:
        return None


def commit_branch(repo: Path, head: str, patch: str, branch: str, message: str) -> str:
    """Commit ``patch`` on top of ``head`` as ``branch`` of ``repo`` (its work tree and index untouched);
    returns the new commit. A retried run moves its own branch to the new commit.

    :raises BranchError: the patch does not apply to ``head`` or git failed.
    """
    with tempfile.TemporaryDirectory(prefix="golive-repair-git-") as tmp:
        patch_file = Path(tmp) / "repair.patch"
        patch_file.write_text(patch, encoding="utf-8")
        env = clean_env({**_IDENTITY, "GIT_INDEX_FILE": str(Path(tmp) / "index")})
        try:
            _git(repo, "check-ref-format", f"refs/heads/{branch}")
            _git(repo, "read-tree", head, env=env)
            _git(repo, "apply", "--cached", "--whitespace=nowarn", str(patch_file), env=env)
            tree = _git(repo, "write-tree", env=env)
            commit = _git(repo, "commit-tree", tree, "-p", head, "-m", message, env=env)
            _git(repo, "update-ref", "-m", "golive repair", f"refs/heads/{branch}", commit)
        except ToolError as exc:
            raise BranchError(f"the repair branch {branch} could not be made in {repo}: {exc}") from exc
    return commit
