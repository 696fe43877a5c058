"""Running the external tools the analyzers (and a git checkout) need.

``run_tool`` starts a subprocess from an argv list (never a shell), in its own process group, with
a timeout that kills the whole group and the tool's stderr captured for the error message. How each
tool is started is ``TOOL_COMMANDS`` (``GOLIVE_TOOL_<NAME>`` overrides an entry, see
``golive.settings``); ``clean_env`` is the environment a tool gets.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from golive.errors import GoliveError
from golive.settings import GIT_CREDENTIALS_ENV_PREFIX, get_settings

_TAIL = 2000


def _beside_python(name: str) -> str:
    """Program ``name`` next to golive's interpreter (a wheel of golive's environment installed it: uv,
    kubectl), else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.is_file() else shutil.which(name) or name


#: golive's own tool installs (``scripts/setup.sh``): ``node/`` (eslint, ``npm ci``) and ``semgrep/venv``
#: (semgrep in its own virtual environment: its pinned dependencies clash with Airflow's). The image
#: installs them elsewhere and sets ``GOLIVE_TOOL_ESLINT`` / ``GOLIVE_TOOL_SEMGREP``.
TOOLS_DIR = Path(__file__).resolve().parents[2] / "tools"

#: How each external tool is started. Tests (and unusual images) replace an entry, or set
#: ``GOLIVE_TOOL_<NAME>`` (e.g. ``GOLIVE_TOOL_RUFF=/usr/local/bin/ruff``), split like a shell would.
TOOL_COMMANDS: dict[str, list[str]] = {
    "ruff": [sys.executable, "-m", "ruff"],
    "radon": [sys.executable, "-m", "radon"],
    "bandit": [sys.executable, "-m", "bandit"],
    "eslint": ["node", str(TOOLS_DIR / "node" / "node_modules" / "eslint" / "bin" / "eslint.js")],
    "semgrep": [str(TOOLS_DIR / "semgrep" / "venv" / "bin" / "semgrep")],
    "git": ["git"],
    "uv": [_beside_python("uv")],
    "kubectl": [_beside_python("kubectl")],
    "lychee": [_beside_python("lychee")],
    "npm": ["npm"],
}


class ToolError(GoliveError):
    """An analyzer's tool could not run, or its output could not be read; the message says why."""



@dataclass(frozen=True)
class ToolRun:
    """A finished tool process."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str


def tool_command(name: str) -> list[str]:
    """The argv prefix that starts tool ``name`` (``GOLIVE_TOOL_<NAME>`` overrides ``TOOL_COMMANDS``)."""
    override = get_settings().tool_overrides.get(name.upper().replace("-", "_"))
    if override:
        return shlex.split(override)
    return list(TOOL_COMMANDS[name])


def tool_version(distribution: str) -> str:
    """Installed version of a Python distribution, or ``unknown``."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def tail(text: str, limit: int = _TAIL) -> str:
    """The last ``limit`` characters of ``text``, stripped (where tools print their actual error)."""
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a tool: ours without pytest/coverage state that would leak into a child run,
    and without the pod's git credentials (``GIT_CREDENTIALS_ENV_PREFIX``: git alone gets those)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_", "LOCALKUBE_", GIT_CREDENTIALS_ENV_PREFIX))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


#: What an untrusted process (a target's test suite) keeps of golive's environment: the locale only.
SANDBOX_PASSTHROUGH = ("LANG", "LC_ALL", "LC_CTYPE", "TZ")

#: What a package installer (uv, pip, npm) keeps of golive's environment besides ``SANDBOX_PASSTHROUGH``:
#: it runs the target's own build code (``setup.py``, a build backend, npm lifecycle scripts), so it gets
#: what finding, fetching and compiling packages needs and nothing of golive's (``KUBECONFIG``,
#: ``GOLIVE_*``, ``AIRFLOW__*``, cloud credentials, tokens).
INSTALLER_PASSTHROUGH = (
    "PATH", "HOME", "USER", "LOGNAME", "TMPDIR", "SOURCE_DATE_EPOCH",
    "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
    "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS",
    "CC", "CXX", "CFLAGS", "CXXFLAGS", "CPPFLAGS", "LDFLAGS", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH",
    "CUDA_HOME", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES",
)
#: The installers' own configuration variables (an index URL, a cache directory, a registry).
INSTALLER_PREFIXES = ("PIP_", "UV_", "NPM_CONFIG_")


def installer_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for an installer that runs a target's build code (``INSTALLER_PASSTHROUGH``,
    ``INSTALLER_PREFIXES``, the locale and ``extra``): the real ``HOME`` stays, for the installers' caches
    and configuration files."""
    env = {k: v for k, v in os.environ.items()
           if k in INSTALLER_PASSTHROUGH or k in SANDBOX_PASSTHROUGH or k.upper().startswith(INSTALLER_PREFIXES)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def sandbox_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The minimal environment for code golive does not trust (a target's tests, its test script):
    ``PATH``, a fresh ``HOME`` (and ``TMPDIR`` under it), the locale and ``extra`` — never golive's own
    variables (``KUBECONFIG``, ``GOLIVE_*``, ``AIRFLOW_*``, tokens, cloud credentials, ``LOCALKUBE_*``).

    :param home: an empty directory golive made for this run (created here with ``tmp/`` inside).
    """
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env = {k: os.environ[k] for k in SANDBOX_PASSTHROUGH if k in os.environ}
    env.update({"PATH": os.environ.get("PATH", os.defpath), "HOME": str(home), "TMPDIR": str(home / "tmp"),
                "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1"})
    env.update(extra or {})
    return env


def run_tool(argv: Sequence[str], *, cwd: Path, timeout: float, env: Mapping[str, str] | None = None,
             ok_codes: Sequence[int] = (0,)) -> ToolRun:
    """Run ``argv`` (a list; never a shell) in ``cwd``; raise ``ToolError`` if it cannot run or fails.

    The process gets its own session, so a timeout kills it and everything it started.

    :param argv: the command line.
    :param cwd: working directory.
    :param timeout: seconds before the process group is killed.
    :param env: environment (default: ``clean_env()``).
    :param ok_codes: exit codes that mean the tool ran (e.g. bandit exits 1 when it found issues).
    :raises ToolError: the executable is missing, it timed out, or it exited with another code.
    """
    argv = [str(a) for a in argv]
    name = Path(argv[0]).name if argv[0] != sys.executable else " ".join(argv[1:3])
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env=dict(env) if env is not None else clean_env(),
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace", start_new_session=True)
    except OSError as exc:
        raise ToolError(f"{name} could not be started ({argv[0]}): {exc.strerror or exc}") from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        stdout, stderr = proc.communicate()
        raise ToolError(f"{name} did not finish within {timeout:g} s and was stopped; "
                        f"last output: {tail(stderr or stdout, 500)}") from None
    if proc.returncode not in ok_codes:
        raise ToolError(f"{name} exited with code {proc.returncode}: {tail(stderr or stdout) or 'no output'}")
    return ToolRun(argv=argv, returncode=proc.returncode, stdout=stdout, stderr=stderr)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def parse_json(run: ToolRun, what: str) -> Any:
    """Parse a tool's JSON stdout; a tool that printed something else is a ``ToolError``."""
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError as exc:
        raise ToolError(f"{what} printed no JSON ({exc.msg}); stderr: {tail(run.stderr, 800) or 'empty'}; "
                        f"stdout: {tail(run.stdout, 400) or 'empty'}") from exc
