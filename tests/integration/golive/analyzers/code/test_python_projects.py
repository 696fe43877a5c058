"""golive's static analyzers on two real Python projects nobody here wrote, compared with ruff, bandit and
radon run directly on the same files in the same test (the coverage side: ``test_testsuite.py``).

* ``tests/data/projects/humanize`` — python-humanize/humanize (a library, ``src/`` layout);
* ``tests/data/projects/flaskr`` — the Flask tutorial app from pallets/flask (a web service).

Each test prints both figures side by side (``pytest -s`` shows them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive.agents import quality
from golive.analyzers.base import Context, guarded
from golive.analyzers.code.lint import RUFF_SELECT
from golive.models import AnalyzerResult

PROJECTS = TEST_DATA / "projects"
#: The shipped source of each project (tests are not measured), listed by hand.
SOURCE = {"humanize": "src/humanize", "flaskr": "flaskr"}


def _files(project: str) -> list[str]:
    root = PROJECTS / project
    return sorted(p.relative_to(root).as_posix() for p in (root / SOURCE[project]).rglob("*.py"))


def _direct(project: str, argv: list[str]) -> object:
    proc = subprocess.run([sys.executable, "-m", *argv, *_files(project)], cwd=PROJECTS / project,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module", params=sorted(SOURCE))
def project(request: pytest.FixtureRequest) -> tuple[str, dict[str, AnalyzerResult]]:
    ctx = Context(agent="quality", source=PROJECTS / request.param, timeout=300)
    return request.param, {tool: guarded(tool, quality.REGISTRY[tool], ctx) for tool in ("ruff", "bandit", "radon")}


def test_measures_the_project_source_only(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    assert results["ruff"].error is None and results["ruff"].details["files"] == len(_files(name))


def test_lint_equals_ruff_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    direct = _direct(name, ["ruff", "check", "--isolated", "--no-cache", "--output-format", "json", "--exit-zero",
                            "--select", RUFF_SELECT, "--"])
    assert isinstance(direct, list)
    golive = sorted(f.rule_id for f in results["ruff"].findings)
    print(f"\n{name}: ruff direct {len(direct)} findings, golive {len(golive)}")
    assert golive == sorted(str(d["code"]) for d in direct)


def test_sast_equals_bandit_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    direct = _direct(name, ["bandit", "-f", "json", "-q", "--"])
    assert isinstance(direct, dict)
    by_severity = {s: sum(1 for r in direct["results"] if r["issue_severity"] == s) for s in ("HIGH", "MEDIUM")}
    sast = results["bandit"]
    print(f"\n{name}: bandit direct high {by_severity['HIGH']} medium {by_severity['MEDIUM']}, golive high "
          f"{sast.value('sast_high')} medium {sast.value('sast_medium')}")
    assert sast.value("sast_high") == by_severity["HIGH"] and sast.value("sast_medium") == by_severity["MEDIUM"]
    assert sorted(f.rule_id.split(":")[0] for f in sast.findings) == sorted(r["test_id"] for r in direct["results"])


def test_complexity_equals_radon_run_directly(project: tuple[str, dict[str, AnalyzerResult]]) -> None:
    name, results = project
    direct = _direct(name, ["radon", "cc", "-j", "-a", "-s"])
    assert isinstance(direct, dict)
    blocks = [b for blocks in direct.values() if isinstance(blocks, list) for b in blocks]
    units = [b for b in blocks if b["type"] in ("function", "method")]
    worst = max(b["complexity"] for b in units)
    average = round(sum(b["complexity"] for b in units) / len(units), 2)
    radon = results["radon"]
    print(f"\n{name}: radon direct average {average} worst {worst} over {len(units)} functions, golive average "
          f"{radon.value('complexity_average')} worst {radon.value('complexity_worst')}")
    assert radon.value("complexity_worst") == worst
    assert radon.value("complexity_average") == pytest.approx(average, abs=0.01)


def test_a_librarys_declared_ranges_are_resolved_and_checked(tmp_path: Path) -> None:
    from golive.agents import security

    ctx = Context(agent="security", source=PROJECTS / "humanize", timeout=300)
    humanize = guarded("dependencies", security.REGISTRY["dependencies"], ctx)
    high = next(m for m in humanize.measurements if m.name == "vulnerable_dependencies_high")
    assert high.value == 0 and "resolved by uv pip compile" in (high.detail or "")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "old"\nversion = "1"\n'
                                             'dependencies = ["django>=3.2,<3.2.1"]\n')
    old = guarded("dependencies", security.REGISTRY["dependencies"], Context(agent="security", source=tmp_path))
    assert old.value("vulnerable_dependencies_high") == 1
    assert any(f.rule_id.startswith("PYSEC-") and f.message.startswith("django 3.2 is affected") for f in old.findings)
