"""The temporary copy of the target's tree that its tests run in (the tree the other analyzers read
is never written: no build output, no ``node_modules``, no coverage data)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from golive.targetenv.model import TargetEnv

_IGNORED = ("node_modules", ".git", "__pycache__", ".venv", ".tox", ".nox")


def work_copy(tree: Path, into: Path, env: TargetEnv | None = None) -> Path:
    """A copy of ``tree`` as ``into/tree`` (without ``node_modules``, ``.git``, virtual environments and
    bytecode); a Node ``env``'s ``node_modules`` is linked into it."""
    copy = into / "tree"
    shutil.copytree(tree, copy, symlinks=True, ignore=shutil.ignore_patterns(*_IGNORED))
    if env is not None and env.kind == "node" and (env.path / "node_modules").is_dir():
        os.symlink(env.path / "node_modules", copy / "node_modules", target_is_directory=True)
    return copy
