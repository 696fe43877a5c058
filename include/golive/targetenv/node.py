"""A Node test environment: ``node_modules`` built with npm in the cache, and the copy the tests run in.

``npm ci`` from the lockfile (else ``npm install --no-audit --no-fund``), ``--ignore-scripts`` unless
``GOLIVE_ENV_IGNORE_SCRIPTS=0``, ``--offline`` with ``GOLIVE_ENV_OFFLINE=1``; keyed by the lockfile's
bytes, the manifest's dependency fields and the Node version. The tests run in a copy of the tree (without
its ``node_modules`` and ``.git``, :mod:`golive.targetenv.workcopy`) and links the cached
``node_modules`` into the copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from golive.settings import get_settings
from golive.targetenv.cache import cache_key, cached, file_digest
from golive.targetenv.discover import NodePlan
from golive.targetenv.model import EnvError, TargetEnv
from golive.tools import ToolError, installer_env, run_tool, tool_command

_MANIFEST_FIELDS = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies",
                    "overrides", "bundleDependencies", "workspaces", "engines")


def npm_env() -> dict[str, str]:
    """The environment npm runs in (no update notifier, audit or funding messages)."""
    return installer_env({"NPM_CONFIG_UPDATE_NOTIFIER": "false", "NPM_CONFIG_FUND": "false",
                      "NPM_CONFIG_AUDIT": "false"})


def node_version() -> str:
    """``node --version`` (``EnvError`` when Node is missing)."""
    try:
        return run_tool(["node", "--version"], cwd=Path.cwd(), timeout=30, env=npm_env()).stdout.strip()
    except ToolError as exc:
        raise EnvError(f"Node.js is needed for the tests of a Node package: {exc}") from exc


def _manifest(plan: NodePlan) -> dict[str, Any]:
    try:
        data = json.loads((plan.tree / plan.manifest).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EnvError(f"{plan.manifest} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise EnvError(f"{plan.manifest} is not a JSON object")
    return data


def node_env(plan: NodePlan) -> TargetEnv:
    """The cached ``node_modules`` of ``plan`` (built on a miss).

    :raises EnvError: npm could not install (the message ends with npm's own error).
    """
    settings = get_settings()
    manifest = _manifest(plan)
    installer = "npm ci" if plan.lockfile else "npm install"
    inputs = {"node": node_version(), "installer": installer, "ignore_scripts": settings.env_ignore_scripts,
              "manifest": {k: manifest.get(k) for k in _MANIFEST_FIELDS},
              "lockfile": file_digest(plan.tree / plan.lockfile) if plan.lockfile else None}
    key = cache_key("node", inputs)

    def build(target: Path) -> None:
        shutil.copy2(plan.tree / plan.manifest, target / "package.json")
        if plan.lockfile:
            shutil.copy2(plan.tree / plan.lockfile, target / plan.lockfile)
        argv = [*tool_command("npm"), *(["ci"] if plan.lockfile else ["install"]), "--no-audit", "--no-fund"]
        argv += ["--ignore-scripts"] if settings.env_ignore_scripts else []
        argv += ["--offline"] if settings.env_offline else []
        try:
            run_tool(argv, cwd=target, timeout=settings.env_build_timeout, env=npm_env())
        except ToolError as exc:
            raise EnvError(f"could not build the test environment ({installer}): {exc}") from exc

    path, hit, seconds = cached("node", key, build)
    return TargetEnv(kind="node", path=path, installer=installer, key=key, hit=hit, build_seconds=seconds,
                     inputs={"files": [f for f in (plan.manifest, plan.lockfile) if f],
                             "ignore_scripts": settings.env_ignore_scripts})
