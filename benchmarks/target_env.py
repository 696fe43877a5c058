"""The target's own test environment: cold build cost, and the warm coverage analyzer against the same
tests run directly, per vendored project (tests/data/projects).

For each project, with a fresh golive environment cache (uv's and npm's download caches stay as they
are, so "cold" is golive's build, not the network): the first analyzer run (build + tests), then
--runs warm analyzer runs (cache hit: copy of the tree, the per-run project install, the tests)
interleaved with --runs direct runs of the same tests under the same coverage tool in an environment prepared
by hand (uv venv + ``uv pip install -e .[extras]`` for Python, ``npm ci`` for Node). Prints medians
and the ratio warm/direct. Goal: ≤ 1.2×. Then the whole quality verification (every analyzer of the
gate, in parallel as the gate action runs them, warm cache) against that slowest analyzer's tests run
directly, and against its slowest analyzer run alone (the analyzers of a gate run in parallel: the
whole should cost little more than the slowest).

    python benchmarks/target_env.py [--runs 3] [--project humanize]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = ROOT / "tests" / "data" / "projects"
sys.path.insert(0, str(ROOT / "include"))

from golive.agents.quality import REGISTRY  # noqa: E402
from golive.analyzers.base import Context, guarded, run_analyzers  # noqa: E402
from golive.analyzers.code.testsuite import run_coverage  # noqa: E402
from golive.settings import get_settings  # noqa: E402
from golive.tools import tool_command  # noqa: E402


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_"))}


def _timed(argv: list[str], cwd: Path, **extra: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env={**_env(), **extra}, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed: {proc.stdout[-1500:]}{proc.stderr[-1500:]}")
    return seconds


#: The Python projects' test extra and measured source, as their own CI runs them.
PYTHON_PROJECTS = {"humanize": ("tests", "src/humanize"), "flaskr": ("test", "flaskr")}
PROJECT_NAMES = [*PYTHON_PROJECTS, "vary"]


def _direct_python(tree: Path, work: Path) -> Callable[[], float]:
    extra, source = PYTHON_PROJECTS[tree.name]
    copy = work / "direct"
    shutil.copytree(tree, copy)
    uv = tool_command("uv")
    _timed([*uv, "venv", "-q", str(work / "venv")], work)
    python = str(work / "venv" / "bin" / "python")
    _timed([*uv, "pip", "install", "-q", "--python", python, "-e", f"{copy}[{extra}]", "coverage"], work,
           SETUPTOOLS_SCM_PRETEND_VERSION="0.0.0")
    argv = [python, "-m", "coverage", "run", f"--data-file={work / '.coverage'}", f"--source={source}",
            "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    return lambda: _timed(argv, copy)


def _direct_node(tree: Path, work: Path) -> Callable[[], float]:
    copy = work / "direct"
    shutil.copytree(tree, copy)
    _timed(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], copy)
    argv = [str(copy / "node_modules" / ".bin" / "nyc"), "--reporter=json-summary",
            f"--report-dir={work / 'cov'}", f"--temp-dir={work / 'nyc'}", "npm", "test"]
    return lambda: _timed(argv, copy)


def _analyzer(tree: Path) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    result = guarded("coverage", run_coverage, Context(agent="quality", source=tree))
    seconds = time.perf_counter() - start
    if result.error:
        raise SystemExit(f"the coverage analyzer failed on {tree.name}: {result.error}")
    env = result.details["env"]
    assert isinstance(env, dict)
    return seconds, env


def _gate(tree: Path) -> float:
    start = time.perf_counter()
    results = run_analyzers(REGISTRY, Context(agent="quality", source=tree))
    seconds = time.perf_counter() - start
    coverage = next(r for r in results if r.tool == "coverage")
    if coverage.error:
        raise SystemExit(f"the quality verification's coverage failed on {tree.name}: {coverage.error}")
    return seconds


def _slowest(tree: Path) -> tuple[str, float]:
    """The gate's slowest analyzer, each run alone (warm cache), and its seconds."""
    times: dict[str, float] = {}
    for tool, analyzer in REGISTRY.items():
        start = time.perf_counter()
        guarded(tool, analyzer, Context(agent="quality", source=tree))
        times[tool] = time.perf_counter() - start
    tool = max(times, key=lambda t: times[t])
    return tool, times[tool]


def measure(name: str, runs: int) -> None:
    """Print one project's line."""
    tree = PROJECTS / name
    with tempfile.TemporaryDirectory(prefix=f"golive-bench-{name}-") as tmp:
        work = Path(tmp)
        os.environ["GOLIVE_ENV_CACHE_DIR"] = str(work / "envs")
        get_settings.cache_clear()
        cold, env = _analyzer(tree)
        direct_run = (_direct_node if (tree / "package.json").is_file() else _direct_python)(tree, work)
        direct_run()  # the direct environment's first run writes its bytecode / caches
        warm: list[float] = []
        gate: list[float] = []
        direct: list[float] = []
        slowest: list[tuple[str, float]] = []
        for _ in range(runs):  # interleaved, so that the machine's load weighs on both alike
            seconds, again = _analyzer(tree)
            assert again["cache"] == "hit"
            warm.append(seconds)
            gate.append(_gate(tree))
            direct.append(direct_run())
            slowest.append(_slowest(tree))
    w, g, d = statistics.median(warm), statistics.median(gate), statistics.median(direct)
    s_tool = max(slowest, key=lambda ts: ts[1])[0]
    s = statistics.median(t for tool, t in slowest if tool == s_tool)
    print(f"{name:10} {env['installer']:>16}  build {env['build_seconds']:6.2f} s  cold run {cold:6.2f} s  "
          f"warm {w:6.2f} s  direct {d:6.2f} s  ratio {w / d:4.2f}x  whole quality verification {g:6.2f} s "
          f"against its slowest analyzer alone ({s_tool}, {s:.2f} s) {g / s:4.2f}x")


def main() -> None:
    """Measure every vendored project (or the one named)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--project", choices=PROJECT_NAMES)
    args = parser.parse_args()
    for name in [args.project] if args.project else PROJECT_NAMES:
        measure(name, args.runs)


if __name__ == "__main__":
    main()
