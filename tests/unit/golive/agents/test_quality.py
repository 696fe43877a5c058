"""The quality verification agent: analyzers on fixture trees, scoring, tool failures and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive import tools
from golive.agents import quality
from golive.analyzers.base import Context, guarded, run_analyzers
from golive.analyzers.code.typehints import count_annotations
from golive.cli.gate import AgentSpec
from golive.cli.gate import main as gate_main
from golive.gates.quality import QUALITY
from golive.gates.spec import GateSpec
from golive.ledger import Ledger
from golive.models import AnalyzerResult, CriterionRule, CriterionStatus, Measurement, VerdictStatus

TARGETS = TEST_DATA / "targets"


def _results(name: str) -> list[AnalyzerResult]:
    return run_analyzers(quality.REGISTRY, Context(agent="quality", source=TARGETS / name))


@pytest.fixture(scope="module")
def good() -> list[AnalyzerResult]:
    return _results("good")


@pytest.fixture(scope="module")
def bad() -> list[AnalyzerResult]:
    return _results("bad")


@pytest.fixture(scope="module")
def broken() -> list[AnalyzerResult]:
    return _results("broken")


def _criterion(verdict, name):
    return next(c for c in verdict.criteria if c.name == name)


def _cli_run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_CORE_", "GOLIVE_"))}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "golive.agents.quality", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=240, check=False)


# -- the fixture trees ------------------------------------------------------------------------------

def test_good_tree_passes_every_criterion(good):
    assert [r.tool for r in good] == list(QUALITY.analyzers)
    assert all(r.error is None for r in good), [r.error for r in good]
    verdict = QUALITY.score(good)
    assert verdict.status is VerdictStatus.PASS
    assert verdict.score == 100.0
    assert {c.status for c in verdict.criteria} == {CriterionStatus.PASS}
    assert _criterion(verdict, "test_coverage").value >= 80


def test_bad_tree_fails_on_coverage_key_criterion_with_raw_values(bad):
    verdict = QUALITY.score(bad)
    assert verdict.status is VerdictStatus.FAIL
    coverage = _criterion(verdict, "test_coverage")
    assert coverage.status is CriterionStatus.FAIL and coverage.key
    assert 0 < coverage.value < 80
    assert any(r.startswith("key criterion test_coverage failed") and f"{coverage.value:.4g}" in r
               for r in verdict.reasons)
    high = _criterion(verdict, "security_high")
    assert high.status is CriterionStatus.FAIL and high.value == 1 and "B602" in high.reason
    assert _criterion(verdict, "complexity_worst").status is CriterionStatus.WARNING
    assert "classify" in _criterion(verdict, "complexity_worst").reason
    untested = [f for r in bad for f in r.findings if f.rule_id == "untested-module"]
    assert [f.path for f in untested] == ["shop/report.py"]


def test_bad_tree_findings_never_carry_the_hard_coded_password(bad):
    dumped = json.dumps([r.model_dump(mode="json") for r in bad])
    assert "Sup3rS3cretPassw0rd" not in dumped
    assert "wJalrXUtnFEMI" not in dumped


def test_broken_suite_is_no_data_with_pytest_reason_and_fails(broken):
    verdict = QUALITY.score(broken)
    assert verdict.status is VerdictStatus.FAIL
    for name in ("test_coverage", "tests_failed"):
        criterion = _criterion(verdict, name)
        assert criterion.status is CriterionStatus.NO_DATA
        assert "calc.statistics" in criterion.reason and "pytest could not run" in criterion.reason
    assert _criterion(verdict, "docstring_coverage").status is CriterionStatus.PASS


# -- scoring --------------------------------------------------------------------------------------

def test_rules_cover_every_measurement_with_documented_weights():
    assert QUALITY.analyzers == ("ruff", "radon", "coverage", "interrogate", "typehints", "bandit")
    assert {r.measurement for r in QUALITY.rules} == set(QUALITY.producers)
    assert set(QUALITY.producers.values()) == set(QUALITY.analyzers)
    keys = {r.measurement for r in QUALITY.rules if r.key}
    assert keys == {"test_coverage", "tests_failed", "sast_high"}
    coverage = next(r for r in QUALITY.rules if r.measurement == "test_coverage")
    assert (coverage.pass_at, coverage.warn_at) == (80, None)
    assert all(r.description and r.weight > 0 for r in QUALITY.rules)


def test_a_missing_analyzer_result_is_no_data_never_pass(good):
    without_coverage = [r for r in good if r.tool != "coverage"]
    verdict = QUALITY.score(without_coverage)
    assert verdict.status is VerdictStatus.FAIL
    criterion = _criterion(verdict, "test_coverage")
    assert criterion.status is CriterionStatus.NO_DATA
    assert "coverage analyzer produced no result" in criterion.reason


def test_score_threshold_moves_the_verdict(bad):
    relaxed = [r for r in bad if r.tool not in ("coverage", "bandit")] + [
        AnalyzerResult(agent="quality", tool="coverage", measurements=[
            Measurement(name="test_coverage", value=90, unit="%"), Measurement(name="tests_failed", value=0, unit="")]),
        AnalyzerResult(agent="quality", tool="bandit", measurements=[
            Measurement(name="sast_high", value=0, unit=""), Measurement(name="sast_medium", value=0, unit="")]),
    ]
    verdict = QUALITY.score(relaxed, threshold=10)
    assert verdict.threshold == 10
    assert verdict.status is VerdictStatus.PASS
    assert QUALITY.score(relaxed).status is not VerdictStatus.PASS


# -- tool failures ----------------------------------------------------------------------------------

def test_missing_executable_is_a_tool_error_and_no_data(monkeypatch):
    monkeypatch.setitem(tools.TOOL_COMMANDS, "ruff", ["/nonexistent/bin/ruff"])
    result = guarded("ruff", quality.REGISTRY["ruff"], Context(agent="quality", source=TARGETS / "good"))
    assert result.error and "could not be started" in result.error and "/nonexistent/bin/ruff" in result.error
    verdict = QUALITY.score([result])
    lint = _criterion(verdict, "lint_findings")
    assert lint.status is CriterionStatus.NO_DATA and "/nonexistent/bin/ruff" in lint.reason
    assert verdict.status is VerdictStatus.FAIL


def test_tool_stderr_becomes_the_no_data_reason(monkeypatch):
    monkeypatch.setitem(tools.TOOL_COMMANDS, "radon",
                        [sys.executable, "-c", "import sys; sys.stderr.write('radon exploded: bad ast'); sys.exit(3)"])
    result = guarded("radon", quality.REGISTRY["radon"], Context(agent="quality", source=TARGETS / "good"))
    assert "exited with code 3" in result.error and "radon exploded: bad ast" in result.error
    criterion = _criterion(QUALITY.score([result]), "complexity_average")
    assert criterion.status is CriterionStatus.NO_DATA and "radon exploded" in criterion.reason


def test_tool_that_prints_no_json_is_a_tool_error(monkeypatch):
    monkeypatch.setitem(tools.TOOL_COMMANDS, "bandit", [sys.executable, "-c", "print('not json')"])
    result = guarded("bandit", quality.REGISTRY["bandit"], Context(agent="quality", source=TARGETS / "good"))
    assert result.error and "printed no JSON" in result.error and "not json" in result.error


def test_an_analyzer_crash_is_no_data(monkeypatch):
    def crash(ctx: Context) -> AnalyzerResult:
        raise RuntimeError("boom")

    result = guarded("typehints", crash, Context(agent="quality", source=TARGETS / "good"))
    assert result.error == "the typehints analyzer failed: RuntimeError: boom"


# -- the coverage analyzer on small trees -----------------------------------------------------------

def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def test_no_test_suite_is_a_measured_zero_not_no_data(tmp_path):
    tree = _tree(tmp_path, {"lib/__init__.py": '"""Lib."""\n', "lib/core.py": "def f() -> int:\n    return 1\n"})
    result = guarded("coverage", quality.REGISTRY["coverage"], Context(agent="quality", source=tree))
    assert result.error is None
    assert result.value("test_coverage") == 0.0
    assert "no test suite" in next(m.detail for m in result.measurements if m.name == "test_coverage")
    assert _criterion(QUALITY.score([result]), "test_coverage").status is CriterionStatus.FAIL


def test_failing_tests_are_counted_and_reported(tmp_path):
    tree = _tree(tmp_path, {
        "calc.py": "def add(a, b):\n    return a + b\n",
        "tests/test_calc.py": """
            from calc import add

            def test_ok():
                assert add(1, 1) == 2

            def test_wrong():
                assert add(1, 1) == 3
        """,
    })
    result = guarded("coverage", quality.REGISTRY["coverage"], Context(agent="quality", source=tree))
    assert result.error is None
    assert result.value("tests_failed") == 1
    assert result.value("test_coverage") == 100.0
    assert [f.message.split(":")[0] for f in result.findings if f.rule_id == "test-failure"] == \
        ["tests.test_calc.test_wrong"]
    assert not list(tree.rglob("__pycache__")), "the analyzer must not write bytecode into the target"
    assert not list(tree.rglob(".coverage*"))


def test_src_layout_counts_unimported_modules_as_uncovered(tmp_path):
    tree = _tree(tmp_path, {
        "src/pkg/__init__.py": "",
        "src/pkg/used.py": "def one():\n    return 1\n",
        "src/pkg/unused.py": "def two():\n    return 2\n\n\ndef three():\n    return 3\n",
        "tests/test_used.py": "from pkg.used import one\n\ndef test_one():\n    assert one() == 1\n",
    })
    result = guarded("coverage", quality.REGISTRY["coverage"], Context(agent="quality", source=tree))
    assert result.error is None
    assert result.details["packages"] == ["src/pkg"]
    assert 0 < result.value("test_coverage") < 60  # unused.py was never imported: 0 % of its 4 statements
    assert [f.path for f in result.findings if f.rule_id == "untested-module"] == ["src/pkg/unused.py"]


def test_a_hanging_suite_is_stopped_at_the_timeout(tmp_path):
    tree = _tree(tmp_path, {
        "slow.py": "X = 1\n",
        "tests/test_slow.py": "import time\n\ndef test_sleep():\n    time.sleep(60)\n",
    })
    result = guarded("coverage", quality.REGISTRY["coverage"], Context(agent="quality", source=tree, timeout=1.5))
    assert result.error and "did not finish within 1.5 s" in result.error


def test_typehint_count_skips_self_and_init_returns():
    annotated, total, per_function = count_annotations(textwrap.dedent("""
        class A:
            def __init__(self, x: int):
                self.x = x
            def m(self, y) -> int:
                return y
            @staticmethod
            def s(self_like: int) -> int:
                return self_like
        def f(a: int, *args: str, b, **kw) -> None:
            def inner(z): return z
    """))
    # __init__: x ; m: y, return ; s: self_like, return ; f: a, args, b, kw, return ; inner: z, return
    assert (annotated, total) == (7, 12)
    assert ("inner", 11, 0, 2) in per_function


# -- CLI --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"], ["verify", "--help"]])
def test_help_works_for_every_action(args):
    proc = _cli_run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "usage: python -m golive.agents.quality" in proc.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["analyze", "--tool", "ruff", "--source", "/nonexistent/tree"], "/nonexistent/tree: no such file or directory"),
    (["analyze", "--tool", "pylint", "--source", "."], "invalid choice: 'pylint'"),
    (["analyze", "--tool", "ruff"], "the following arguments are required: --source"),
    (["verify", "--source", ".", "--threshold", "120"], "threshold must be within 0-100"),
    (["verify", "--source", "--help=x"], "--source"),
    (["verify", "--source", ".", "--application", "Bad_Name"], "must be a DNS-1123 label"),
    (["verify", "--source", ".", "--ref", "--upload-pack=x"], "--ref"),
])
def test_bad_input_exits_2_naming_the_problem(args, message):
    proc = _cli_run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert proc.stdout == ""


def test_analyze_prints_one_result_and_writes_the_xcom(tmp_path):
    xcom = tmp_path / "xcom"
    xcom.mkdir()
    proc = _cli_run("analyze", "--tool", "typehints", "--source", str(TARGETS / "good"),
                    env={"LOCALKUBE_MOUNT_MAP": json.dumps({"/airflow/xcom": str(xcom)})})
    assert proc.returncode == 0, proc.stderr
    printed = AnalyzerResult.model_validate_json(proc.stdout)
    assert printed.tool == "typehints" and printed.value("typehint_coverage") == 100.0
    assert json.loads((xcom / "return.json").read_text()) == json.loads(proc.stdout)


def test_analyze_with_a_missing_tool_exits_0_with_the_error():
    proc = _cli_run("analyze", "--tool", "ruff", "--source", str(TARGETS / "good"),
                    env={"GOLIVE_TOOL_RUFF": "/nonexistent/ruff --flag"})
    assert proc.returncode == 0
    result = AnalyzerResult.model_validate_json(proc.stdout)
    assert result.error and "/nonexistent/ruff" in result.error and result.measurements == []


def test_verify_records_submission_and_evaluation_and_exits_by_verdict(tmp_path):
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    bad = _cli_run("verify", "--source", str(TARGETS / "bad"), "--ledger-url", url, "--run-id", "cli-test-bad",
                   "--application", "shop", "--submitted-by", "tester")
    assert bad.returncode == 1, bad.stderr
    payload = json.loads(bad.stdout)
    assert payload["verdict"]["status"] == "FAIL"
    assert [r["tool"] for r in payload["results"]] == list(QUALITY.analyzers)
    record = Ledger.from_url(url).latest_evaluation(gate="quality", application="shop", ref="HEAD")
    assert record is not None and record["run_id"] == "cli-test-bad" and record["task_id"] == "cli.quality.verify"
    assert record["status"] == "FAIL" and len(record["criteria"]) == len(QUALITY.rules)
    assert [r["tool"] for r in record["inputs"]] == list(QUALITY.analyzers)

    good = _cli_run("verify", "--source", str(TARGETS / "good"), env={"GOLIVE_LEDGER_URL": url})
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["verdict"]["status"] == "PASS"
    latest = Ledger.from_url(url).latest_evaluation(gate="quality", application="good", ref="HEAD")
    assert latest is not None and latest["run_id"].startswith("cli-") and latest["status"] == "PASS"


def test_verify_exit_code_is_3_for_a_warning(tmp_path, capsys):
    def analyzer(ctx: Context) -> AnalyzerResult:
        return AnalyzerResult(agent="demo", tool="demo", measurements=[Measurement(name="m", value=7, unit="")])

    rules = [CriterionRule(name="m", measurement="m", unit="", comparison=">=", pass_at=10, warn_at=5, weight=1)]
    spec = AgentSpec(gate=GateSpec(name="demo", analyzers=("demo",), rules=tuple(rules), producers={"m": "demo"}),
                     registry={"demo": analyzer}, gate_action="verify")
    code = gate_main(spec, ["verify", "--source", str(tmp_path), "--threshold", "60"])
    assert code == 3
    assert json.loads(capsys.readouterr().out)["verdict"]["status"] == "WARNING"
    assert gate_main(spec, ["verify", "--source", str(tmp_path), "--threshold", "40"]) == 0


def test_an_unreachable_ledger_exits_5_after_printing_the_verdict(tmp_path, capsys):
    def analyzer(ctx: Context) -> AnalyzerResult:
        return AnalyzerResult(agent="demo", tool="demo", measurements=[Measurement(name="m", value=1, unit="")])

    rules = [CriterionRule(name="m", measurement="m", unit="", comparison=">=", pass_at=1, weight=1)]
    spec = AgentSpec(gate=GateSpec(name="demo", analyzers=("demo",), rules=tuple(rules), producers={"m": "demo"}),
                     registry={"demo": analyzer}, gate_action="verify")
    code = gate_main(spec, ["verify", "--source", str(tmp_path),
                     "--ledger-url", "postgresql://golive:hunter2@127.0.0.1:1/none"])
    captured = capsys.readouterr()
    assert code == 5
    assert json.loads(captured.out)["verdict"]["status"] == "PASS"
    assert "could not be recorded in the ledger" in captured.err and "hunter2" not in captured.err


def test_an_analyzer_refuses_a_source_that_moved_since_the_plan_and_a_gate_names_the_commit(tmp_path):
    from golive.sources import tree_hash

    app = tmp_path / "app"
    shutil.copytree(TARGETS / "good", app)
    pinned = tree_hash(app)
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ok = _cli_run("verify", "--source", str(app), "--commit", pinned, "--ledger-url", url, "--application", "good")
    assert ok.returncode == 0, ok.stderr
    assert Ledger.from_url(url).latest_evaluation(gate="quality", application="good", ref="HEAD")["commit"] == pinned
    (app / "extra.py").write_text("x = 1\n")
    moved = _cli_run("analyze", "--tool", "ruff", "--source", str(app), "--commit", pinned)
    assert moved.returncode == 6 and f"pinned {pinned}" in moved.stderr and moved.stdout == ""


def test_a_branch_moved_between_the_plan_and_the_analyzer_is_refused(tmp_path):
    from golive.agents.orchestrator import plan

    origin = tmp_path / "origin"
    shutil.copytree(TARGETS / "good", origin)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "v1"]):
        subprocess.run([*git, *args], cwd=origin, check=True, capture_output=True)
    url = f"file://{origin}"
    pinned = plan(url, "main")["commit"]
    same = _cli_run("analyze", "--tool", "ruff", "--source", url, "--ref", "main", "--commit", pinned)
    assert same.returncode == 0, same.stderr
    (origin / "later.py").write_text("x = 2\n")
    for args in (["add", "-A"], ["commit", "-q", "-m", "v2"]):
        subprocess.run([*git, *args], cwd=origin, check=True, capture_output=True)
    moved = _cli_run("analyze", "--tool", "ruff", "--source", url, "--ref", "main", "--commit", pinned)
    assert moved.returncode == 6 and f"pinned {pinned}" in moved.stderr and "moved" in moved.stderr
