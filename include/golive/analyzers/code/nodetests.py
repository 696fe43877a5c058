"""The coverage analyzer for a Node package: its own test command under nyc or c8, in its own
``node_modules`` (built by :mod:`golive.targetenv.node`, in a copy of the tree).

The command is the profile's ``tests.command`` (detected: ``npm test``). Coverage comes from the
package's own nyc (its configuration honoured) or c8 when it depends on one, else from c8 that golive
installs in its own tool directory (``<envs>/tools``), always asked for the ``json-summary`` report:
``test_coverage`` is the line percentage of ``coverage-summary.json``'s total. The counts of tests come
from the runner's summary lines (mocha ``N passing`` / ``N failing``, TAP ``# pass`` / ``# fail``,
``node --test``, jest ``Tests:``, vitest ``Tests``); the detail says which. A run whose runner prints
none of these counts 0 failed only when the command exited 0, and is no-data otherwise (a mocha,
``node --test`` or jest run golive's witness saw gives the counts then).

The test command is untrusted code: it runs with a minimal environment (``golive.tools.sandbox_env``)
and with golive's witness preloaded into each of its Node processes (:mod:`golive.analyzers.code.nodewitness`);
a record that contradicts the summary or the exit status makes both criteria no-data, reason "the suite
rewrites its own outcomes: …", a critical finding.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from golive.analyzers.base import Context
from golive.analyzers.code import nodewitness
from golive.analyzers.code.results import measurements, tampered
from golive.analyzers.code.services import describe, missing_services
from golive.models import AnalyzerResult
from golive.profile.model import TestsSpec
from golive.settings import get_settings
from golive.targetenv.cache import cache_key, cached
from golive.targetenv.discover import node_plan
from golive.targetenv.model import EnvError
from golive.targetenv.node import node_env, node_version, npm_env
from golive.targetenv.workcopy import work_copy
from golive.tools import ToolError, ToolRun, run_tool, sandbox_env, tail, tool_command

NODE_LANGUAGES = frozenset({"node", "typescript"})
#: The c8 golive installs when the package brings neither nyc nor c8.
C8_VERSION = "10.1.3"
_NO_TEST = "no test specified"
#: The counts' source when the runner printed no summary golive reads but the witness saw it run.
WITNESS_COUNTS = "golive's witness of"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass(frozen=True)
class Counts:
    """Tests passed and failed, and the runner summary they were read from."""

    passed: int
    failed: int
    source: str


def _count(pattern: str, text: str) -> int | None:
    found = re.findall(pattern, text, re.MULTILINE)
    return sum(int(n) for n in found) if found else None


def parse_counts(output: str) -> Counts | None:
    """The counts of a test run from its runner's summary lines (None when no runner golive reads)."""
    text = _ANSI.sub("", output)
    for source, passed, failed in (
            ("mocha summary lines", r"^\s*(\d+) passing\b", r"^\s*(\d+) failing\b"),
            ("node --test summary lines", r"^ℹ pass (\d+)", r"^ℹ fail (\d+)"),
            ("TAP summary lines", r"^# pass\s+(\d+)", r"^# fail\s+(\d+)")):
        npassed, nfailed = _count(passed, text), _count(failed, text)
        if npassed is not None or nfailed is not None:
            return Counts(npassed or 0, nfailed or 0, source)
    # jest: "Tests:       1 failed, 3 passed, 4 total"; vitest: "      Tests  1 failed | 3 passed (4)"
    for source, colon in (("jest Tests: summary line", ":"), ("vitest Tests summary line", "")):
        lines = re.findall(rf"^\s*Tests{colon}\s+(.*\d+ (?:passed|failed).*)$", text, re.MULTILINE)
        if lines:
            npassed = sum(int(n) for line in lines for n in re.findall(r"(\d+) passed", line))
            nfailed = sum(int(n) for line in lines for n in re.findall(r"(\d+) failed", line))
            return Counts(npassed, nfailed, source)
    return None


def _major(version: str) -> int:
    """The major number of ``node --version`` (``v20.20.2`` → 20; 0 when unreadable)."""
    found = re.match(r"v?(\d+)", version)
    return int(found.group(1)) if found else 0


def _test_command(root: Path, declared: TestsSpec | None) -> list[str] | None:
    if declared is not None and declared.command:
        return list(declared.command)
    try:
        scripts = json.loads((root / "package.json").read_text(encoding="utf-8")).get("scripts") or {}
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        return None
    test = scripts.get("test") if isinstance(scripts, dict) else None
    return ["npm", "test"] if isinstance(test, str) and test.strip() and _NO_TEST not in test else None


def _golive_c8() -> Path:
    """c8 in golive's own tool directory (installed once per Node version)."""
    key = cache_key("tools", {"c8": C8_VERSION, "node": node_version()})

    def build(target: Path) -> None:
        (target / "package.json").write_text('{"private": true}\n', encoding="utf-8")
        argv = [*tool_command("npm"), "install", "--no-audit", "--no-fund", "--ignore-scripts",
                f"c8@{C8_VERSION}", *(["--offline"] if get_settings().env_offline else [])]
        try:
            run_tool(argv, cwd=target, timeout=get_settings().env_build_timeout, env=npm_env())
        except ToolError as exc:
            raise EnvError(f"could not install c8 {C8_VERSION} into golive's tool directory: {exc}") from exc

    path, _, _ = cached("tools", key, build)
    return path / "node_modules" / ".bin" / "c8"


def _coverage_wrapper(copy: Path, reports: Path, scratch: Path) -> tuple[str, list[str]]:
    bin_dir = copy / "node_modules" / ".bin"
    if (bin_dir / "nyc").exists():
        return "nyc (the package's)", [str(bin_dir / "nyc"), "--reporter=json-summary",
                                       f"--report-dir={reports}", f"--temp-dir={scratch}"]
    c8 = bin_dir / "c8" if (bin_dir / "c8").exists() else _golive_c8()
    owner = "the package's" if c8.parent == bin_dir else f"golive's {C8_VERSION}"
    return f"c8 ({owner})", [str(c8), "--reporter=json-summary", f"--reports-dir={reports}",
                             f"--temp-directory={scratch}"]


def run_node_coverage(ctx: Context, declared: TestsSpec | None) -> AnalyzerResult:
    """Run a Node package's tests under coverage in its own ``node_modules``."""
    root = ctx.tree
    plan = node_plan(root, declared.dependencies if declared and declared.dependencies else None)
    if plan is None:
        raise ToolError("the profile says Node but the tree has no package.json")
    command = _test_command(root, declared)
    details: dict[str, object] = {"test_command": command}
    if command is None:
        return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=measurements(
            0.0, 0, "no test suite: package.json has no test script and the profile no tests.command",
            "no tests to run"))
    env = node_env(plan)
    details["env"] = env.details()
    timeout = ctx.timeout or get_settings().coverage_timeout
    with tempfile.TemporaryDirectory(prefix="golive-node-coverage-") as tmp:
        tmpdir = Path(tmp)
        copy = work_copy(root, tmpdir, env)
        reports = tmpdir / "coverage"
        tool, wrapper = _coverage_wrapper(copy, reports, tmpdir / "coverage-tmp")
        details["coverage_tool"] = tool
        # the package's own test script is untrusted code: golive's environment stays out of it
        run_env = sandbox_env(tmpdir / "home", {k: v for k, v in npm_env().items() if k.startswith("NPM_CONFIG_")})
        run_env["PATH"] = os.pathsep.join([str(copy / "node_modules" / ".bin"), run_env["PATH"]])
        witness_module = nodewitness.install(tmpdir)
        major = _major(node_version())
        modes = _reporter_modes(copy, command) if major >= 20 else ["none"]
        started = time.monotonic()
        for reporter in modes:
            run, seen = _run_witnessed([*wrapper, *command], copy, timeout, {
                **run_env, "NODE_OPTIONS": nodewitness.node_options(witness_module, major, reporter)},
                witness_module.parent / nodewitness.RECORD)
            # Node's clash stops it before any reporter starts: the message printed once golive's reporter
            # ran is the suite's, not Node's
            if nodewitness.REPORTER_CLASH not in run.stdout + run.stderr or seen.ran("node:test"):
                break
        details["test_seconds"] = round(time.monotonic() - started, 2)
        details["witness_reporter"] = reporter
        if reporter == "none":
            details["witness_note"] = ("node:test results are counted from the summary only (Node before 20, "
                                       "or the package's reporters could not be joined)")
        output = run.stdout + "\n" + run.stderr
        summary = reports / "coverage-summary.json"
        counts = parse_counts(output)
        problems = nodewitness.check(seen, (counts.passed, counts.failed, counts.source) if counts else None,
                                     run.returncode, nodewitness.ALL_RUNNERS if reporter != "none"
                                     else nodewitness.ALL_RUNNERS - {"node:test"})
        if problems:
            return tampered(ctx, details, [], problems)
        if counts is None and seen.runs:
            runners = ", ".join(sorted({r.runner for r in seen.runs.values()}))
            counts = Counts(seen.passed(), len(seen.failed()), f"{WITNESS_COUNTS} {runners}")
        if not summary.is_file():
            raise ToolError(f"{' '.join(command)} under {tool} wrote no coverage summary (exit code "
                            f"{run.returncode}): {tail(output, 1500)}")
        total = json.loads(summary.read_text(encoding="utf-8")).get("total", {})
    return _result(ctx, details, total, counts, run)


def _reporter_modes(copy: Path, command: list[str]) -> list[str]:
    """The ways to join golive's ``node:test`` reporter to the package's (``nodewitness.REPORTER_MODES``),
    the likeliest first: by what the test command and the scripts of ``package.json`` name."""
    try:
        scripts = json.loads((copy / "package.json").read_text(encoding="utf-8")).get("scripts") or {}
    except (OSError, json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        scripts = {}
    text = " ".join([*command, *(v for v in scripts.values() if isinstance(v, str))] if isinstance(scripts, dict)
                    else command)
    first = ("paired" if "--test-reporter-destination" in text else "single" if "--test-reporter" in text
             else "default")
    return [first, *(mode for mode in nodewitness.REPORTER_MODES if mode != first)]


def _run_witnessed(argv: list[str], copy: Path, timeout: float, env: dict[str, str],
                   record: Path) -> tuple[ToolRun, nodewitness.NodeWitnessed]:
    """The test command run with golive's witness preloaded (``env``'s ``NODE_OPTIONS``), and its record."""
    record.unlink(missing_ok=True)
    run = run_tool(argv, cwd=copy, timeout=timeout, env=env, ok_codes=range(0, 256))
    return run, nodewitness.read(record)


def _result(ctx: Context, details: dict[str, object], total: dict[str, dict[str, object]], counts: Counts | None,
            run: ToolRun) -> AnalyzerResult:
    returncode, output = run.returncode, run.stdout + "\n" + run.stderr
    if counts is None:
        failed: int | None = 0 if returncode == 0 else None
        failed_detail = ("the test command exited 0 and its runner printed no summary golive reads" if failed == 0
                         else f"the test command exited {returncode} and printed no test summary golive reads: "
                              f"{tail(output, 800)}")
    elif returncode != 0 and counts.failed == 0:
        raise ToolError(f"the test command exited {returncode} with no failed test in its summary: "
                        f"{tail(output, 1500)}")
    else:
        failed = counts.failed
        details.update(tests=counts.passed + counts.failed, tests_passed=counts.passed, counts_from=counts.source)
        failed_detail = f"{counts.failed} of {counts.passed + counts.failed} tests failed (from the {counts.source})"
    services = missing_services(output) if returncode != 0 else []
    if services:
        details["missing_services"] = {s.name: s.evidence for s in services}
        failed_detail += f"; {describe(services)}"
    lines = total.get("lines", {})
    details.update({f"{k}_pct": total.get(k, {}).get("pct") for k in ("statements", "branches", "functions")})
    pct = lines.get("pct", 0.0)
    # c8 says "Unknown" of 0 lines: no process that ran the tests wrote its V8 coverage (jest's workers that
    # jest ends with SIGTERM before they wrote it)
    percent = round(float(pct), 2) if isinstance(pct, int | float) else None
    detail_cov = (f"{lines.get('covered', 0)} of {lines.get('total', 0)} lines covered "
                  f"({details['coverage_tool']}, json-summary)" if percent is not None else
                  f"{details['coverage_tool']} measured no lines (pct {pct!r}): the processes that ran the tests "
                  f"wrote no coverage")
    return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=measurements(
        percent, failed, detail_cov, failed_detail))
