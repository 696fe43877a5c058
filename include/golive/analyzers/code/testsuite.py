"""The coverage analyzer: run the target's own test suite under coverage.py, in the target's directory.

``python -m coverage run --source=<packages> -m pytest -q -p no:cacheprovider --junitxml=…`` then
``coverage json``. The measured packages are the tree's top-level packages and modules that are not
tests (``src/`` layout included); files the tests never import count as 0 % covered, so an untested
module pulls the number down. Coverage data, the JUnit report and the JSON report are written to a
temporary directory, never into the target tree, and no bytecode is written there either.

Outcomes:

* no test modules at all → ``test_coverage`` 0 with that reason (a missing suite is a measured 0, not
  missing data), ``tests_failed`` 0;
* pytest cannot collect or run the suite (import error, usage error, internal error, timeout) → a tool
  error: both criteria are no-data with pytest's own message;
* tests ran → coverage % and the number of failed or erroring tests (from the JUnit XML).
"""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET  # parses only the JUnit file our own pytest run wrote
from pathlib import Path

from golive.analyzers.base import Context
from golive.analyzers.files import find_test_modules, source_roots
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.settings import get_settings
from golive.tools import ToolError, clean_env, run_tool, tail, tool_command, tool_version

PYTEST_CONFIGS = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")
#: pytest exit codes (``pytest.ExitCode``): 0 ok, 1 tests failed, 2 interrupted (collection errors),
#: 3 internal error, 4 usage error, 5 no tests collected.
_RAN = (0, 1)


def _has_pytest_config(root: Path) -> bool:
    for name in PYTEST_CONFIGS:
        path = root / name
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if name in ("pytest.ini", ".pytest.ini") or "[tool.pytest" in text or "[pytest]" in text \
                or "[tool:pytest]" in text:
            return True
    return False


def _measurements(coverage: float, failed: int, detail_cov: str, detail_failed: str) -> list[Measurement]:
    return [Measurement(name="test_coverage", value=coverage, unit="%", detail=detail_cov),
            Measurement(name="tests_failed", value=float(failed), unit="tests", detail=detail_failed)]


def _junit(path: Path) -> tuple[int, int, list[Finding]]:
    """Tests run, tests failed or erroring, and one finding per failure, from a JUnit XML report."""
    root = ET.parse(path).getroot()  # nosec B314 - the JUnit file our own pytest run just wrote
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = 0
    findings: list[Finding] = []
    for suite in suites:
        for case in suite.iter("testcase"):
            total += 1
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                continue
            failed += 1
            name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
            file_name = case.get("file")
            line = case.get("line")
            findings.append(Finding(
                tool="coverage", rule_id=f"test-{problem.tag}", severity=Severity.HIGH,
                message=f"{name}: {(problem.get('message') or '').strip()[:300]}",
                path=file_name, line=int(line) + 1 if line and line.isdigit() else None))
    return total, failed, findings


def run_coverage(ctx: Context) -> AnalyzerResult:
    """Run the target's tests under coverage: ``test_coverage`` (%) and ``tests_failed`` (count)."""
    root = ctx.tree
    version = tool_version("coverage")
    details: dict[str, object] = {"tool_version": version, "pytest_version": tool_version("pytest")}
    base, packages = source_roots(root)
    tests = find_test_modules(root)
    details.update(packages=packages, test_modules=len(tests))
    if not packages:
        raise ToolError("found no Python package or module to measure (a directory with __init__.py, or a "
                        "top-level .py file, at the root or under src/)")
    if not tests:
        return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=_measurements(
            0.0, 0, "no test suite: the tree has no test_*.py or *_test.py modules", "no tests to run"))
    timeout = ctx.timeout or get_settings().coverage_timeout
    with tempfile.TemporaryDirectory(prefix="golive-coverage-") as tmp:
        tmpdir = Path(tmp)
        data_file, junit, report = tmpdir / ".coverage", tmpdir / "junit.xml", tmpdir / "coverage.json"
        # --confcutdir: conftest.py files above the tree are not the target's (nor is golive's own)
        pytest_args = ["-q", "-p", "no:cacheprovider", f"--junitxml={junit}", "--rootdir", str(root),
                       "--confcutdir", str(root)]
        if not _has_pytest_config(root):  # stop pytest from adopting a config found above the tree
            (tmpdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
            pytest_args += ["-c", str(tmpdir / "pytest.ini")]
        env = clean_env()
        pythonpath = [str(base)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
        env["PYTHONPATH"] = os.pathsep.join(pythonpath)
        coverage = tool_command("coverage")
        # packages by directory (unimported files count as 0 %), top-level modules by module name
        sources = [Path(p).stem if p.endswith(".py") else p for p in packages]
        argv = [*coverage, "run", f"--data-file={data_file}", f"--source={','.join(sources)}",
                "-m", "pytest", *pytest_args]
        run = run_tool(argv, cwd=root, timeout=timeout, env=env, ok_codes=range(0, 256))
        if run.returncode == 5:
            return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=_measurements(
                0.0, 0, f"no test suite: pytest collected no tests from {len(tests)} test modules",
                "no tests collected"))
        if run.returncode not in _RAN:
            raise ToolError(f"pytest could not run the test suite (exit code {run.returncode}): "
                            f"{_pytest_error(run.stdout, run.stderr)}")
        total, failed, findings = _junit(junit) if junit.exists() else (0, 0, [])
        report_run = run_tool([*coverage, "json", f"--data-file={data_file}", "-o", str(report),
                               "--ignore-errors"], cwd=root, timeout=timeout, env=env, ok_codes=range(0, 256))
        if not report.exists():
            if "No data" in (report_run.stdout + report_run.stderr):
                return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, findings=findings,
                                      measurements=_measurements(
                                          0.0, failed, "the tests never executed the measured packages",
                                          f"{failed} of {total} tests failed"))
            raise ToolError(f"coverage json failed (exit code {report_run.returncode}): "
                            f"{tail(report_run.stderr or report_run.stdout, 800)}")
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ToolError(f"coverage json wrote an unreadable report: {exc}") from exc
    totals = data.get("totals", {})
    percent = round(float(totals.get("percent_covered", 0.0)), 2)
    files = data.get("files", {})
    findings += [Finding(tool="coverage", rule_id="untested-module", severity=Severity.LOW,
                         message=f"{name} is {info['summary']['percent_covered']:.0f}% covered",
                         path=name, line=None)
                 for name, info in sorted(files.items()) if info["summary"]["percent_covered"] < 50]
    details.update(tests=total, statements=totals.get("num_statements"), covered=totals.get("covered_lines"))
    return AnalyzerResult(
        agent=ctx.agent, tool="coverage", findings=findings, details=details,
        measurements=_measurements(
            percent, failed,
            f"{totals.get('covered_lines', 0)} of {totals.get('num_statements', 0)} statements in "
            f"{', '.join(packages)} covered by {total} tests",
            f"{failed} of {total} tests failed" if total else "no test results reported"))


def _pytest_error(stdout: str, stderr: str) -> str:
    """The part of pytest's output that says why it could not run (collection errors first)."""
    text = stdout + ("\n" + stderr if stderr.strip() else "")
    lines = text.splitlines()
    keep = [line for line in lines if line.startswith(("E ", "ERROR", "ImportError", "ModuleNotFoundError",
                                                        "SyntaxError", "INTERNALERROR", "pytest: error"))]
    summary = "\n".join(dict.fromkeys(keep)) if keep else ""
    return tail(summary or text, 1500) or "no output"
