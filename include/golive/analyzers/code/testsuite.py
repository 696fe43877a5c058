"""The coverage analyzer: run the target's own test suite under coverage.py, in the target's own environment.

The environment is built from the target's declared dependencies and cached (:mod:`golive.targetenv`:
uv for Python; a Node tree, by the profile's first language, goes to
:mod:`golive.analyzers.code.nodetests`). In a temporary copy of the tree, with the project installed
into a per-run overlay, the env's own interpreter runs ``python -m coverage run --source=<packages> -m
pytest -q -p no:cacheprovider --junitxml=…`` (plus the arguments of a declared ``tests.command``), then
``coverage json``. The measured packages are the tree's top-level packages and modules that are not
tests (``src/`` layout included); files the tests never import count as 0 % covered, so an untested
module pulls the number down. Nothing is written into the target tree. ``details['env']`` records the
installer, cache hit or miss, the hash and the build seconds.

The suite is untrusted code: it runs with a minimal environment (``golive.tools.sandbox_env``: PATH, a
fresh HOME, the locale; never KUBECONFIG, golive's or Airflow's variables, tokens) and under golive's
witness plugin (:mod:`golive.analyzers.code.witness`), loaded before its conftest files.

Outcomes:

* no test modules at all → ``test_coverage`` 0 with that reason (a missing suite is a measured 0, not
  missing data), ``tests_failed`` 0;
* the environment cannot be built → a tool error: both criteria are no-data with the installer's error;
* pytest cannot collect or run the suite (import error, usage error, internal error, timeout) → a tool
  error: both criteria are no-data with pytest's own message;
* tests ran → coverage % and the number of failed or erroring tests (from the JUnit XML); failures that
  show an unreachable service (PostgreSQL, Redis, …) name it in the detail, with the errors;
* the witness's record contradicts the JUnit XML or the exit status (a conftest rewrote outcomes) → both
  criteria no-data, reason "the suite rewrites its own outcomes: …", a critical finding.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import xml.etree.ElementTree as ET  # parses only the JUnit file our own pytest run wrote
from pathlib import Path

from golive.analyzers.base import Context
from golive.analyzers.code import witness
from golive.analyzers.code.nodetests import NODE_LANGUAGES, run_node_coverage
from golive.analyzers.code.results import measurements as _measurements
from golive.analyzers.code.results import tampered
from golive.analyzers.code.services import describe, missing_services
from golive.analyzers.files import find_test_modules, source_roots
from golive.models import AnalyzerResult, Finding, Severity
from golive.profile import ResolvedProfile
from golive.profile.model import TestsSpec
from golive.settings import WITNESS_ENV, get_settings
from golive.targetenv.discover import python_plan
from golive.targetenv.python import installed_version, overlay, python_bin, python_env
from golive.targetenv.workcopy import work_copy
from golive.tools import ToolError, run_tool, sandbox_env, tail

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


def _junit(path: Path) -> tuple[int, int, list[Finding], set[tuple[str, str]]]:
    """Tests run, tests failed or erroring, one finding per failure and the failed ``(classname, name)``,
    from a JUnit XML report."""
    root = ET.parse(path).getroot()  # nosec B314 - the JUnit file our own pytest run just wrote
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    total = failed = 0
    findings: list[Finding] = []
    keys: set[tuple[str, str]] = set()
    for suite in suites:
        for case in suite.iter("testcase"):
            total += 1
            problem = case.find("failure")
            if problem is None:
                problem = case.find("error")
            if problem is None:
                continue
            failed += 1
            keys.add((case.get("classname", ""), case.get("name", "")))
            name = f"{case.get('classname', '')}.{case.get('name', '')}".strip(".")
            file_name = case.get("file")
            line = case.get("line")
            findings.append(Finding(
                tool="coverage", rule_id=f"test-{problem.tag}", severity=Severity.HIGH,
                message=f"{name}: {(problem.get('message') or '').strip()[:300]}",
                path=file_name, line=int(line) + 1 if line and line.isdigit() else None))
    return total, failed, findings, keys


def _declared_tests(resolved: ResolvedProfile) -> TestsSpec | None:
    """The profile's ``tests`` when a person declared them (golive.yaml or the conf), not detection."""
    tests = resolved.profile.tests
    if tests is None or resolved.source in ("detected", "default") or "declared" not in resolved.why("tests"):
        return None
    return tests


def _pytest_extra_args(command: list[str] | None) -> list[str]:
    """The arguments after ``pytest`` in a declared test command (``ToolError`` for another runner)."""
    if not command:
        return []
    for i, arg in enumerate(command):
        if Path(arg).name in ("pytest", "py.test") or (arg == "pytest" and i > 0 and command[i - 1] == "-m"):
            return command[i + 1:]
    raise ToolError(f"tests.command {command!r} does not run pytest: golive measures the coverage of a "
                    "Python suite through pytest (declare e.g. [python, -m, pytest, tests])")


def run_coverage(ctx: Context) -> AnalyzerResult:
    """Run the target's tests under coverage in its own environment: ``test_coverage`` (%) and
    ``tests_failed`` (count); a Node tree (the profile's first language) goes to the Node runner."""
    resolved = ctx.profile
    languages = list(resolved.profile.languages)
    primary = languages[0] if languages else "python"
    declared = _declared_tests(resolved)
    if primary in NODE_LANGUAGES:
        result = run_node_coverage(ctx, declared)
    else:
        result = _run_python(ctx, declared)
    result.details["language"] = primary
    if len(languages) > 1:
        result.details["languages_note"] = (f"measured {primary}, the profile's first language, of "
                                            f"{', '.join(languages)}")
    return result


def _run_python(ctx: Context, declared: TestsSpec | None) -> AnalyzerResult:
    root = ctx.tree
    details: dict[str, object] = {}
    _, packages = source_roots(root)
    tests = find_test_modules(root)
    details.update(packages=packages, test_modules=len(tests))
    if not packages:
        raise ToolError("found no Python package or module to measure (a directory with __init__.py, or a "
                        "top-level .py file, at the root or under src/)")
    if not tests:
        return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=_measurements(
            0.0, 0, "no test suite: the tree has no test_*.py or *_test.py modules", "no tests to run"))
    extra_args = _pytest_extra_args(declared.command if declared else None)
    plan = python_plan(root, declared.dependencies if declared and declared.dependencies else None)
    env = python_env(plan)
    details["env"] = env.details()
    details.update(tool_version=installed_version(env.path, "coverage") or "unknown",
                   pytest_version=installed_version(env.path, "pytest") or "unknown")
    timeout = ctx.timeout or get_settings().coverage_timeout
    with tempfile.TemporaryDirectory(prefix="golive-coverage-") as tmp:
        tmpdir = Path(tmp)
        copy = work_copy(root, tmpdir)
        started = time.monotonic()
        python = overlay(env, tmpdir, copy) if plan.installable else python_bin(env.path)
        details["env"] = {**env.details(), "project_install_seconds": round(time.monotonic() - started, 2),
                          "project_installed": plan.installable}
        started = time.monotonic()
        base, _ = source_roots(copy)
        data_file, junit, report = tmpdir / ".coverage", tmpdir / "junit.xml", tmpdir / "coverage.json"
        # --confcutdir: conftest.py files above the tree are not the target's (nor is golive's own)
        pytest_args = ["-q", "-p", "no:cacheprovider", f"--junitxml={junit}", "--rootdir", str(copy),
                       "--confcutdir", str(copy)]
        if not _has_pytest_config(copy):  # stop pytest from adopting a config found above the tree
            (tmpdir / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
            pytest_args += ["-c", str(tmpdir / "pytest.ini")]
        witness_file = tmpdir / "witness.jsonl"
        pytest_args[:0] = ["-p", witness.PLUGIN]  # before the target's conftest files and plugins load
        env_vars = sandbox_env(tmpdir / "home", {
            "VIRTUAL_ENV": str(python.parent.parent), WITNESS_ENV: str(witness_file),
            "PYTHONPATH": os.pathsep.join([str(witness.install(tmpdir)), str(base)])})
        env_vars.pop("PYTHONDONTWRITEBYTECODE", None)  # the copy is ours: its bytecode dies with it
        env_vars["PATH"] = os.pathsep.join([str(python.parent), env_vars["PATH"]])
        coverage = [str(python), "-m", "coverage"]
        # packages by directory (unimported files count as 0 %), top-level modules by module name
        sources = [Path(p).stem if p.endswith(".py") else p for p in packages]
        argv = [*coverage, "run", f"--data-file={data_file}", f"--source={','.join(sources)}",
                "-m", "pytest", *pytest_args, *extra_args]
        run = run_tool(argv, cwd=copy, timeout=timeout, env=env_vars, ok_codes=range(0, 256))
        details["test_seconds"] = round(time.monotonic() - started, 2)
        output = run.stdout + "\n" + run.stderr
        if run.returncode == 5:
            return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, measurements=_measurements(
                0.0, 0, f"no test suite: pytest collected no tests from {len(tests)} test modules",
                "no tests collected"))
        if run.returncode not in _RAN:
            services = missing_services(output)
            why = f"; {describe(services)}" if services else ""
            raise ToolError(f"pytest could not run the test suite (exit code {run.returncode}){why}: "
                            f"{_pytest_error(run.stdout, run.stderr)}")
        total, failed, findings, failed_keys = _junit(junit) if junit.exists() else (0, 0, [], set())
        seen = witness.read(witness_file)
        tampering = witness.check(seen, failed_keys, run.returncode)
        if seen.dropped:
            details["tests_dropped"] = seen.dropped
            findings.append(Finding(tool="coverage", rule_id="tests-dropped", severity=Severity.MEDIUM, path=None,
                                    line=None, message=f"{seen.dropped} collected tests were removed without "
                                                       "being deselected (a conftest hides them)"))
        if tampering:
            return tampered(ctx, details, findings, tampering)
        failed_detail = f"{failed} of {total} tests failed" if total else "no test results reported"
        services = missing_services(output + "\n" + "\n".join(f.message for f in findings)) if failed else []
        if services:
            details["missing_services"] = {s.name: s.evidence for s in services}
            failed_detail += f"; {describe(services)}"
        report_run = run_tool([*coverage, "json", f"--data-file={data_file}", "-o", str(report),
                               "--ignore-errors"], cwd=copy, timeout=timeout, env=env_vars,
                              ok_codes=range(0, 256))
        if not report.exists():
            if "No data" in (report_run.stdout + report_run.stderr):
                return AnalyzerResult(agent=ctx.agent, tool="coverage", details=details, findings=findings,
                                      measurements=_measurements(
                                          0.0, failed, "the tests never executed the measured packages",
                                          failed_detail))
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
            failed_detail))


def _pytest_error(stdout: str, stderr: str) -> str:
    """The part of pytest's output that says why it could not run (collection errors first)."""
    text = stdout + ("\n" + stderr if stderr.strip() else "")
    lines = text.splitlines()
    keep = [line for line in lines if line.startswith(("E ", "ERROR", "ImportError", "ModuleNotFoundError",
                                                        "SyntaxError", "INTERNALERROR", "pytest: error"))]
    summary = "\n".join(dict.fromkeys(keep)) if keep else ""
    return tail(summary or text, 1500) or "no output"
