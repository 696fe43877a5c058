"""The coverage analyzer on real projects nobody here wrote, each in its own environment, against the
same tools run directly: humanize (Python, its tests need freezegun) and vary (Node, mocha + nyc).

The first run needs PyPI and npm (or warm uv/npm caches); the environments are built once per session
in a cache under pytest's tmp.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive.analyzers.base import Context, guarded
from golive.analyzers.code.testsuite import run_coverage
from golive.tools import tool_command

PROJECTS = TEST_DATA / "projects"



def _analyze(tree: Path):
    result = guarded("coverage", run_coverage, Context(agent="quality", source=tree))
    assert result.error is None, result.error
    return result


@pytest.fixture(scope="module")
def humanize(env_cache):
    return _analyze(PROJECTS / "humanize")


@pytest.fixture(scope="module")
def vary(env_cache):
    return _analyze(PROJECTS / "vary")


def _run(argv: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    full = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_", "COVERAGE_"))}
    return subprocess.run(argv, cwd=cwd, env={**full, **env}, capture_output=True, text=True, timeout=900,
                          check=False)


def test_humanize_matches_its_own_tests_run_directly(humanize, tmp_path):
    copy = tmp_path / "humanize"
    shutil.copytree(PROJECTS / "humanize", copy)
    uv = tool_command("uv")
    assert _run([*uv, "venv", "-q", str(tmp_path / "venv")], tmp_path).returncode == 0
    python = tmp_path / "venv" / "bin" / "python"
    installed = _run([*uv, "pip", "install", "--python", str(python), "-e", f"{copy}[tests]"], tmp_path,
                     SETUPTOOLS_SCM_PRETEND_VERSION="0.0.0")
    assert installed.returncode == 0, installed.stderr
    direct = _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--cov=humanize",
                   f"--cov-report=json:{tmp_path / 'cov.json'}", f"--junitxml={tmp_path / 'junit.xml'}"], copy)
    assert direct.returncode == 0, direct.stdout[-2000:]
    percent = json.loads((tmp_path / "cov.json").read_text())["totals"]["percent_covered"]
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    tests, failures = int(suite.get("tests")), int(suite.get("failures")) + int(suite.get("errors"))
    assert abs(humanize.value("test_coverage") - percent) <= 0.5, (humanize.value("test_coverage"), percent)
    assert (humanize.details["tests"], humanize.value("tests_failed")) == (tests, failures)
    assert tests > 500 and humanize.details["env"]["extras"] == ["tests"]


def test_vary_matches_nyc_and_mocha_run_directly(vary, tmp_path):
    copy = tmp_path / "vary"
    shutil.copytree(PROJECTS / "vary", copy)
    assert _run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], copy).returncode == 0
    direct = _run(["npx", "nyc", "--reporter=json-summary", f"--report-dir={tmp_path / 'cov'}", "npm", "test"],
                  copy)
    assert direct.returncode == 0, direct.stdout[-2000:]
    lines = json.loads((tmp_path / "cov" / "coverage-summary.json").read_text())["total"]["lines"]["pct"]
    passing = int(re.search(r"^\s*(\d+) passing", direct.stdout, re.MULTILINE).group(1))
    assert abs(vary.value("test_coverage") - lines) <= 0.5 and lines == 100
    assert (vary.details["tests_passed"], vary.value("tests_failed")) == (passing, 0)
    assert vary.details["coverage_tool"] == "nyc (the package's)" and vary.details["env"]["installer"] == "npm ci"
    assert not (PROJECTS / "vary" / "node_modules").exists(), "the target's tree is never written"


@pytest.mark.parametrize("name", ["humanize", "vary"])
def test_a_second_run_is_a_cache_hit(name, humanize, vary):
    first = {"humanize": humanize, "vary": vary}[name]
    again = _analyze(PROJECTS / name)
    assert (first.details["env"]["cache"], again.details["env"]["cache"]) == ("miss", "hit")
    assert again.details["env"]["hash"] == first.details["env"]["hash"]
    assert again.details["env"]["build_seconds"] == 0
    assert again.measurements == first.measurements


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_suite_that_needs_redis_says_so(env_cache, tmp_path):
    tree = tmp_path / "cache_user"
    (tree / "tests").mkdir(parents=True)
    (tree / "requirements.txt").write_text("redis==8.1.0\n", encoding="utf-8")
    (tree / "counter.py").write_text("import redis\n\n\ndef hits(port):\n    r = redis.Redis(port=port)\n"
                                     "    return r.incr('hits')\n", encoding="utf-8")
    (tree / "tests" / "test_counter.py").write_text(
        f"from counter import hits\n\n\ndef test_hits():\n    assert hits({_closed_port()}) == 1\n",
        encoding="utf-8")
    result = _analyze(tree)
    assert result.value("tests_failed") == 1
    assert "Redis" in result.details["missing_services"]
    detail = next(m.detail for m in result.measurements if m.name == "tests_failed")
    assert "the suite needs services it could not reach: Redis (" in detail and "Connection refused" in detail


def test_a_node_package_without_nyc_is_measured_with_golives_c8(env_cache, tmp_path):
    tree = tmp_path / "plain"
    (tree / "test").mkdir(parents=True)
    (tree / "package.json").write_text(json.dumps({"name": "plain", "version": "1.0.0",
                                                   "scripts": {"test": "node --test test/"}}), encoding="utf-8")
    (tree / "index.js").write_text("exports.half = (n) => n / 2\nexports.never = () => {\n  return 1\n}\n",
                                   encoding="utf-8")
    (tree / "test" / "half.test.js").write_text(
        "const test = require('node:test')\nconst assert = require('node:assert')\nconst { half } = require('..')\n"
        "test('half', () => assert.strictEqual(half(4), 2))\ntest('wrong', () => assert.strictEqual(half(4), 3))\n",
        encoding="utf-8")
    result = _analyze(tree)
    assert result.details["coverage_tool"].startswith("c8 (golive's")
    assert result.value("tests_failed") == 1 and result.details["tests_passed"] == 1
    assert 0 < result.value("test_coverage") < 100


def test_a_uv_lock_is_exported_frozen_with_its_dev_group(env_cache, tmp_path):
    tree = tmp_path / "locked"
    (tree / "src" / "locked").mkdir(parents=True)
    (tree / "tests").mkdir()
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "locked"\nversion = "1.0"\nrequires-python = ">=3.11"\ndependencies = ["iniconfig"]\n\n'
        '[dependency-groups]\ndev = ["pytest"]\n', encoding="utf-8")
    (tree / "src" / "locked" / "__init__.py").write_text(
        "import iniconfig\n\n\ndef parse(text):\n    return iniconfig.IniConfig('x.ini', data=text).sections\n",
        encoding="utf-8")
    (tree / "tests" / "test_locked.py").write_text(
        "from locked import parse\n\n\ndef test_parse():\n    assert list(parse('[a]\\nb = 1\\n')) == ['a']\n",
        encoding="utf-8")
    locked = _run([*tool_command("uv"), "lock", "--project", str(tree)], tree)
    assert locked.returncode == 0, locked.stderr
    before = sorted(p.relative_to(tree) for p in tree.rglob("*"))
    result = _analyze(tree)
    assert (result.value("test_coverage"), result.value("tests_failed")) == (100.0, 0)
    env = result.details["env"]
    assert env["installer"].startswith("uv export --frozen") and env["files"] == ["uv.lock", "pyproject.toml"]
    assert env["groups"] == ["dev"] and env["project_installed"] is True
    assert sorted(p.relative_to(tree) for p in tree.rglob("*")) == before, "the target's tree is never written"
