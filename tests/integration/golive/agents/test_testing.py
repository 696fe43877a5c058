"""The testing agent against the real sample application, started as a process on loopback.

Three deployments of include/sample_app: a good one, one answering 500 to every /api request
(FAULT_MODE=errors) and a slow one (FAULT_MODE=slow, 2.5 s per /api request). Each analyzer runs for
real (httpx, pytest, Schemathesis, Locust, Great Expectations) and must tell them apart; the gate
action ``run`` gives the good one PASS through the CLI entry point and records it in a ledger.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repo_paths import REPO as ROOT

from golive.agents import testing
from golive.analyzers.base import Context, guarded
from golive.gates.testing import TESTING
from golive.models import AnalyzerResult, CriterionStatus, VerdictStatus

SAMPLE_APP = ROOT / "include" / "sample_app"
ML_APP = ROOT / "tests" / "data" / "targets" / "ml_app"
#: Short, small runs: the point is that each tool runs for real and discriminates, not a benchmark.
FAST = {"fuzz_phases": "fuzzing", "fuzz_max_examples": 10, "load_users": 5, "load_duration": 5}


@pytest.fixture(scope="module")
def good_app(sample_app_factory):
    return sample_app_factory("good")


@pytest.fixture(scope="module")
def erroring_app(sample_app_factory):
    return sample_app_factory("errors", FAULT_MODE="errors", FAULT_ERROR_RATE="1.0")


@pytest.fixture(scope="module")
def slow_app(sample_app_factory):
    return sample_app_factory("slow", FAULT_MODE="slow", FAULT_DELAY_SECONDS="2.5")


def analyze(tool: str, url: str, *, source: Path | None = SAMPLE_APP, expected: str | None = "1.0.0",
            **options: object) -> AnalyzerResult:
    ctx = Context(agent="testing", source=source, url=url, expected_version=expected, options={**FAST, **options})
    return guarded(tool, testing.REGISTRY[tool], ctx)


def values(result: AnalyzerResult) -> dict[str, float | None]:
    assert result.error is None, result.error
    return {m.name: m.value for m in result.measurements}


# -- smoke ------------------------------------------------------------------------------------------

def test_smoke_passes_on_the_good_app(good_app):
    result = analyze("smoke", good_app.url)
    assert values(result) == {"smoke_passed": 100.0}
    assert [c["name"] for c in result.details["checks"]] == ["health", "version", "openapi", "metrics",
                                                            "unknown_path_404"]
    assert all(c["passed"] for c in result.details["checks"]) and result.findings == []


def test_smoke_detects_a_version_mismatch(good_app):
    result = analyze("smoke", good_app.url, expected="2.0.0")
    assert values(result)["smoke_passed"] == 80.0
    assert [f.rule_id for f in result.findings] == ["smoke.version"]
    assert "'1.0.0', expected '2.0.0'" in result.findings[0].message
    verdict = TESTING.score([result])
    smoke = next(c for c in verdict.criteria if c.name == "smoke")
    assert smoke.status is CriterionStatus.FAIL and "expected '2.0.0'" in smoke.reason


# -- e2e --------------------------------------------------------------------------------------------

def test_the_sample_apps_e2e_suite_passes_against_the_good_app(good_app):
    result = analyze("e2e", good_app.url)
    assert values(result) == {"e2e_passed_ratio": 100.0, "e2e_failed": 0.0}
    assert result.details["suite"] == "tests_e2e" and result.details["tests"] >= 10


def test_e2e_failures_are_counted_with_the_failing_tests(good_app):
    result = analyze("e2e", good_app.url, expected="9.9.9")  # the suite checks EXPECTED_VERSION
    measured = values(result)
    assert measured["e2e_failed"] >= 1 and measured["e2e_passed_ratio"] < 100
    assert any("version" in f.message for f in result.findings)


def test_an_e2e_suite_that_rewrites_its_outcomes_is_no_data(good_app, tmp_path):
    from golive.analyzers.code.witness import TAMPERED

    suite = tmp_path / "tests_e2e"
    suite.mkdir()
    (suite / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n", encoding="utf-8")
    (suite / "test_live.py").write_text("def test_version():\n    assert False\n", encoding="utf-8")
    result = analyze("e2e", good_app.url, source=tmp_path)
    assert values(result) == {"e2e_passed_ratio": None, "e2e_failed": None}
    assert result.measurements[0].detail.startswith(TAMPERED)
    assert [f.rule_id for f in result.findings] == ["test-outcomes-rewritten"]


# -- fuzz -------------------------------------------------------------------------------------------

def test_fuzzing_finds_no_server_error_on_the_good_app(good_app):
    result = analyze("fuzz", good_app.url)
    measured = values(result)
    assert measured["fuzz_server_errors"] == 0 and measured["fuzz_failures"] == 0
    assert measured["fuzz_operations"] == 8  # every operation of the sample app's OpenAPI document
    assert result.details["config_file"] == str(SAMPLE_APP / "schemathesis.toml")


def test_fuzzing_finds_the_server_errors_of_the_erroring_app(erroring_app):
    result = analyze("fuzz", erroring_app.url)
    measured = values(result)
    assert measured["fuzz_server_errors"] > 0
    assert measured["fuzz_failures"] >= measured["fuzz_server_errors"]
    assert any(f.rule_id == "fuzz.ST101" and "/api/v1/items" in (f.path or "") for f in result.findings)
    criterion = next(c for c in TESTING.score([result]).criteria if c.name == "fuzz_server_errors")
    assert criterion.status is CriterionStatus.FAIL and criterion.key


# -- load + Great Expectations ----------------------------------------------------------------------

def test_load_on_the_good_app_meets_the_expectations(good_app):
    result = analyze("load", good_app.url)
    measured = values(result)
    assert measured["load_p95_ms"] < 2000 and measured["load_error_rate"] == 0 and measured["load_rps"] > 0
    assert measured["gx_expectations_failed"] == 0
    gx = result.details["great_expectations"]
    assert gx["success"] and len(gx["expectations"]) == 4
    assert result.details["operations"] == ["/version", "/api/v1/items"]  # from the OpenAPI document
    names = {e["name"] for e in result.details["endpoints"]}
    assert {"GET /health", "GET /api/v1/items"} <= names


def test_load_on_the_slow_app_fails_the_gx_expectation_with_the_measured_p95(slow_app):
    result = analyze("load", slow_app.url)
    measured = values(result)
    assert measured["load_p95_ms"] > 2000, result.details
    assert measured["gx_expectations_failed"] >= 1
    verdict = TESTING.score([result])
    by_name = {c.name: c for c in verdict.criteria}
    assert by_name["load_p95"].status is CriterionStatus.FAIL
    gx = by_name["load_expectations"]
    assert gx.status is CriterionStatus.FAIL
    slowest = max(e["p95_ms"] for e in result.details["endpoints"])
    assert f"max p95_ms is {slowest:.4g}" in gx.reason and "GET /api/v1/items" in gx.reason
    assert verdict.status is VerdictStatus.FAIL


def test_load_counts_the_requests_that_end_after_locusts_last_periodic_csv_write(slow_app):
    # a 1 s run against 2.5 s answers: every /api request ends after the run stopped, when Locust has
    # written its CSVs for the last time (it writes them once a second, not at exit): only the final
    # rewrite at exit (locust_final_stats.py) has them, as the printed summary does
    result = analyze("load", slow_app.url, load_duration=1)
    measured = values(result)
    items = next((e for e in result.details["endpoints"] if e["name"] == "GET /api/v1/items"), None)
    assert items is not None and items["requests"] >= 1, result.details["endpoints"]
    assert measured["load_p95_ms"] > 2000


# -- the gate action through the real CLI -----------------------------------------------------------

def test_gate_action_run_gives_the_good_app_pass_and_records_it(good_app, tmp_path: Path, capsys):
    ledger = f"sqlite:///{tmp_path / 'ledger.db'}"
    code = testing.main(["run", "--url", good_app.url + "/", "--source", str(SAMPLE_APP), "--expected-version",
                         "1.0.0", "--application", "inventory", "--fuzz-phases", "fuzzing",
                         "--fuzz-max-examples", "10", "--load-duration", "5", "--ledger-url", ledger,
                         "--run-id", "cli-testing-1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err[-3000:]
    payload = json.loads(captured.out)
    verdict = payload["verdict"]
    assert verdict["status"] == "PASS" and verdict["score"] == 100.0
    assert [r["tool"] for r in payload["results"]] == list(TESTING.analyzers)
    statuses = {c["name"]: c["status"] for c in verdict["criteria"]}
    assert statuses.pop("model_accuracy") == "no-data"  # not an ML workload: optional, out of the score
    assert set(statuses.values()) == {"pass"}
    assert "testing gate: PASS" in captured.err

    from golive.ledger import Ledger

    record = Ledger.from_url(ledger).latest_evaluation(gate="testing", application="inventory", ref="1.0.0")
    assert record is not None and record["run_id"] == "cli-testing-1" and record["task_id"] == "cli.testing.run"
    assert record["status"] == "PASS"


def test_model_eval_runs_with_a_deployed_url(good_app):
    result = analyze("model_eval", good_app.url, source=ML_APP)
    assert values(result)["model_accuracy"] >= 90
    assert result.details["gpu"]["device"] in ("cpu", "cuda")
