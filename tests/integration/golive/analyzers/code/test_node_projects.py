"""golive's static analyzers on two real Node packages nobody here wrote, compared with eslint and semgrep
run directly with the same configurations in the same test; and the quality gate on a Go and a Java tree.

* ``tests/data/projects/content-type`` — jshttp/content-type (JavaScript, CommonJS);
* ``tests/data/projects/p-queue`` — sindresorhus/p-queue (TypeScript).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from node_tools import needs_eslint, needs_semgrep
from repo_paths import REPO, TEST_DATA

from golive.agents import quality
from golive.analyzers.base import Context, guarded, run_analyzers
from golive.gates.quality import QUALITY
from golive.models import AnalyzerResult, CriterionStatus, VerdictStatus

PROJECTS = TEST_DATA / "projects"
ESLINT = ["node", str(REPO / "tools" / "node" / "node_modules" / "eslint" / "bin" / "eslint.js")]
SEMGREP = [str(REPO / "tools" / "semgrep" / "venv" / "bin" / "semgrep")]
CONFIGS = REPO / "include" / "golive" / "data"
#: The shipped source of each project (test code and benchmarks are not measured), listed by hand.
SOURCE = {"content-type": ["index.js"],
          "p-queue": sorted(f"source/{p.name}" for p in (PROJECTS / "p-queue" / "source").glob("*.ts"))}
STATIC = ("ruff", "radon", "interrogate", "typehints", "bandit")


def _eslint(project: str, config: str) -> list[dict[str, object]]:
    argv = [*ESLINT, "--no-config-lookup", "--no-inline-config", "-c", str(CONFIGS / "eslint" / config),
            "-f", "json", *SOURCE[project]]
    proc = subprocess.run(argv, cwd=PROJECTS / project, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return [m for f in json.loads(proc.stdout) for m in f["messages"]]


def _results(project: str) -> dict[str, AnalyzerResult]:
    ctx = Context(agent="quality", source=PROJECTS / project, timeout=300)
    return {tool: guarded(tool, quality.REGISTRY[tool], ctx) for tool in STATIC}


@pytest.fixture(scope="module", params=sorted(SOURCE))
def project(request: pytest.FixtureRequest) -> tuple[str, dict[str, AnalyzerResult]]:
    return request.param, _results(request.param)


@needs_eslint
def test_lint_equals_eslint_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    direct = _eslint(name, "lint.config.mjs")
    lint = results["ruff"]
    assert lint.error is None, lint.error
    assert len(lint.findings) == len(direct)
    assert sorted(f.rule_id for f in lint.findings) == sorted(str(m["ruleId"]) for m in direct)
    lines = sum(1 for rel in SOURCE[name] for line in (PROJECTS / name / rel).read_text().splitlines() if line.strip())
    assert lint.details["lines"] == lines
    assert lint.value("lint_findings_per_kloc") == round(1000 * len(direct) / lines, 2)


@needs_eslint
def test_complexity_equals_eslint_complexity_rule(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    numbers = [int(m.group(1)) for msg in _eslint(name, "metrics.config.mjs") if msg["ruleId"] == "complexity"
               and not str(msg["message"]).startswith("Class ")
               for m in [re.search(r"complexity of (\d+)", str(msg["message"]))] if m]
    complexity = results["radon"]
    assert complexity.details["functions"] == len(numbers) > 0
    assert complexity.value("complexity_average") == round(sum(numbers) / len(numbers), 2)
    assert complexity.value("complexity_worst") == max(numbers)


@needs_eslint
def test_docs_and_annotations_equal_golive_rules_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    messages = _eslint(name, "metrics.config.mjs")
    units = [str(m["message"]) for m in messages if m["ruleId"] == "golive/jsdoc"]
    docs = results["interrogate"]
    assert (docs.details["documented"], docs.details["total"]) == (
        sum(u.startswith("documented ") for u in units), len(units))
    hints = results["typehints"]
    if name == "content-type":
        (m,) = hints.measurements
        assert not m.applicable and "plain JavaScript" in m.detail
        return
    pairs = [re.match(r"annotates (\d+) of (\d+)", str(m["message"])) for m in messages
             if m["ruleId"] == "golive/annotations"]
    annotated, total = sum(int(p.group(1)) for p in pairs if p), sum(int(p.group(2)) for p in pairs if p)
    assert (hints.details["annotated"], hints.details["total"]) == (annotated, total)
    assert hints.value("typehint_coverage") == round(100 * annotated / total, 2)


@needs_semgrep
def test_sast_equals_semgrep_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    argv = [*SEMGREP, "scan", "--metrics=off", "--disable-version-check", "--config", str(CONFIGS / "semgrep"),
            "--json", "--quiet", *SOURCE[name]]
    proc = subprocess.run(argv, cwd=PROJECTS / name, capture_output=True, text=True, timeout=300, check=False,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), "SEMGREP_ENABLE_VERSION_CHECK": "0"})
    assert proc.returncode == 0, proc.stderr
    direct = json.loads(proc.stdout)
    sast = results["bandit"]
    assert sast.error is None, sast.error
    assert len(sast.findings) == len(direct["results"])
    high = sum(1 for r in direct["results"] if r["extra"]["severity"] == "ERROR")
    medium = sum(1 for r in direct["results"] if r["extra"]["severity"] == "WARNING")
    assert (sast.value("sast_high"), sast.value("sast_medium")) == (high, medium)


@pytest.mark.parametrize(("files", "language"), [
    ({"go.mod": "module example.com/svc\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() {}\n"}, "go"),
    ({"pom.xml": "<project/>\n", "src/main/java/App.java": "public class App {}\n"}, "java"),
], ids=["go", "java"])
def test_the_quality_gate_on_a_go_or_java_tree_never_passes_and_says_why(
        tmp_path: Path, files: dict[str, str], language: str) -> None:
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    results = run_analyzers({t: quality.REGISTRY[t] for t in STATIC}, Context(agent="quality", source=tmp_path))
    verdict = QUALITY.score(results)
    static = [c for c in verdict.criteria if c.name not in ("test_coverage", "tests_failed")]
    assert len(static) == 7
    for criterion in static:
        assert criterion.status is CriterionStatus.NOT_APPLICABLE, criterion
        assert f"analyzer for {language}" in criterion.reason
    assert verdict.status is VerdictStatus.FAIL  # the test-suite criteria have no data here
