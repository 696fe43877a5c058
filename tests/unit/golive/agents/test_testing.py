"""The testing agent without a deployed application: rules and scoring, the report parsers, the Great
Expectations check, the model evaluation on the ML fixture, target policy, unreachable URLs, the CLI."""

from __future__ import annotations

import http.server
import json
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from local_http import serving
from repo_paths import REPO as ROOT

from golive.agents import testing
from golive.analyzers.base import Context, guarded
from golive.analyzers.testing.expectations import GXInputError, GXValidationFailed, validate_load_stats
from golive.analyzers.testing.fuzz import summarize_report
from golive.analyzers.testing.load import parse_stats_csv
from golive.analyzers.testing.smoke import ensure_internal_target
from golive.analyzers.testing.suites import find_e2e_suite, parse_junit
from golive.cli.gate import application_from_url
from golive.gates.testing import TESTING
from golive.models import AnalyzerResult, CriterionStatus, Measurement, VerdictStatus
from golive.tools import ToolError

ML_APP = ROOT / "tests" / "data" / "targets" / "ml_app"
SAMPLE_APP = ROOT / "include" / "sample_app"


def result(tool: str, **measured: float | None) -> AnalyzerResult:
    return AnalyzerResult(agent="testing", tool=tool,
                          measurements=[Measurement(name=k, value=v, unit="") for k, v in measured.items()])


GOOD = [result("smoke", smoke_passed=100), result("e2e", e2e_passed_ratio=100, e2e_failed=0),
        result("fuzz", fuzz_server_errors=0, fuzz_failures=0, fuzz_operations=8),
        result("load", load_p95_ms=40, load_error_rate=0, load_rps=50, gx_expectations_failed=0)]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


def ctx(url: str | None = "http://127.0.0.1:9", source: Path | None = None, **options: object) -> Context:
    return Context(agent="testing", source=source, url=url, options=options)


# -- rules and scoring ------------------------------------------------------------------------------

def test_rules_cover_every_produced_measurement_and_weights_are_documented():
    assert TESTING.analyzers == ("smoke", "e2e", "fuzz", "load", "model_eval")
    assert {r.measurement for r in TESTING.rules} == set(TESTING.producers)
    assert set(TESTING.producers.values()) <= set(TESTING.analyzers)
    keys = {r.name for r in TESTING.rules if r.key}
    assert keys == {"smoke", "e2e", "fuzz_server_errors", "load_p95", "load_error_rate"}
    assert [r.name for r in TESTING.rules if r.optional] == ["model_accuracy"]
    assert sum(r.weight for r in TESTING.rules if not r.optional) == 18


def test_all_good_results_pass_and_the_missing_model_eval_is_optional():
    verdict = TESTING.score(GOOD)
    assert verdict.status is VerdictStatus.PASS and verdict.score == 100
    model = next(c for c in verdict.criteria if c.name == "model_accuracy")
    assert model.status is CriterionStatus.NO_DATA and model.optional


def test_a_low_model_accuracy_counts_against_the_score():
    verdict = TESTING.score([*GOOD, result("model_eval", model_accuracy=85)])
    model = next(c for c in verdict.criteria if c.name == "model_accuracy")
    assert model.status is CriterionStatus.WARNING
    assert verdict.score == pytest.approx(100 * 19 / 20, abs=0.01)


def test_one_server_error_vetoes_the_gate_whatever_the_score():
    bad = [*GOOD[:2], result("fuzz", fuzz_server_errors=1, fuzz_failures=1, fuzz_operations=8), GOOD[3]]
    verdict = TESTING.score(bad)
    assert verdict.status is VerdictStatus.FAIL and verdict.score >= 70
    assert any("fuzz_server_errors" in r for r in verdict.reasons)


def test_e2e_between_90_and_100_percent_is_a_warning_for_a_human():
    verdict = TESTING.score([GOOD[0], result("e2e", e2e_passed_ratio=95, e2e_failed=1), *GOOD[2:]], threshold=85)
    e2e = next(c for c in verdict.criteria if c.name == "e2e")
    assert e2e.status is CriterionStatus.WARNING
    assert verdict.status is VerdictStatus.WARNING  # one failed E2E test always goes to a human
    assert verdict.score == pytest.approx(100 * 15 / 18, abs=0.01)
    worse = TESTING.score([GOOD[0], result("e2e", e2e_passed_ratio=80, e2e_failed=4), *GOOD[2:]])
    assert worse.status is VerdictStatus.FAIL


def test_slow_load_fails_two_key_criteria():
    slow = result("load", load_p95_ms=2600, load_error_rate=0, load_rps=4, gx_expectations_failed=1)
    verdict = TESTING.score([*GOOD[:3], slow])
    failed = {c.name for c in verdict.criteria if c.status is CriterionStatus.FAIL}
    assert failed == {"load_p95", "load_expectations"} and verdict.status is VerdictStatus.FAIL


def test_an_analyzer_error_is_no_data_and_never_passes():
    broken = AnalyzerResult(agent="testing", tool="load", error="the application at X is not reachable")
    verdict = TESTING.score([*GOOD[:3], broken])
    load = [c for c in verdict.criteria if c.name.startswith("load")]
    assert {c.status for c in load} == {CriterionStatus.NO_DATA}
    assert all("not reachable" in c.reason for c in load)
    assert verdict.status is VerdictStatus.FAIL


# -- an unreachable URL: no-data, never a pass ------------------------------------------------------

@pytest.mark.parametrize("tool", ["smoke", "e2e", "fuzz", "load"])
def test_an_unreachable_url_is_an_error_for_every_http_analyzer(tool: str):
    url = closed_port_url()
    outcome = guarded(tool, testing.REGISTRY[tool], ctx(url, source=SAMPLE_APP, load_duration=2))
    assert outcome.error is not None and "not reachable" in outcome.error and url in outcome.error
    assert outcome.measurements == []


def test_the_whole_gate_on_an_unreachable_url_fails_with_no_data(capsys):
    code = testing.main(["run", "--url", closed_port_url(), "--source", str(SAMPLE_APP)])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["verdict"]["status"] == "FAIL"
    statuses = {c["name"]: c["status"] for c in payload["verdict"]["criteria"]}
    assert set(statuses.values()) == {"no-data"}


def test_no_source_means_no_e2e_suite_and_no_model_evaluation():
    e2e = guarded("e2e", testing.REGISTRY["e2e"], ctx())
    assert e2e.error is None and e2e.value("e2e_passed_ratio") is None
    assert "no --source" in e2e.measurements[0].detail
    model = guarded("model_eval", testing.REGISTRY["model_eval"], ctx())
    assert model.value("model_accuracy") is None and "no --source" in model.details["reason"]


def test_a_source_without_a_suite_is_no_data_with_the_reason(tmp_path: Path):
    outcome = guarded("e2e", testing.REGISTRY["e2e"], ctx(source=tmp_path))
    assert outcome.value("e2e_passed_ratio") is None
    assert "no E2E suite" in outcome.measurements[0].detail and "tests_e2e" in outcome.measurements[0].detail
    verdict = TESTING.score([*GOOD[:1], outcome, *GOOD[2:]])
    e2e = next(c for c in verdict.criteria if c.name == "e2e")
    assert e2e.status is CriterionStatus.NO_DATA and verdict.status is VerdictStatus.FAIL


def test_e2e_suite_lookup_stays_inside_the_source(tmp_path: Path):
    (tmp_path / "tests" / "e2e").mkdir(parents=True)
    assert find_e2e_suite(tmp_path) == tmp_path / "tests" / "e2e"
    assert find_e2e_suite(tmp_path, "../") is None
    assert find_e2e_suite(SAMPLE_APP) == SAMPLE_APP / "tests_e2e"


# -- target policy ----------------------------------------------------------------------------------

def test_fuzzing_and_load_refuse_public_addresses_unless_allowed():
    with pytest.raises(ToolError, match="public address"):
        ensure_internal_target("http://8.8.8.8:80", ctx())
    assert "allowed" in ensure_internal_target("http://8.8.8.8", ctx(allow_external_target=True))
    assert "internal" in ensure_internal_target("http://127.0.0.1:8000", ctx())
    assert "internal" in ensure_internal_target("http://10.96.0.12", ctx())
    assert "cluster" in ensure_internal_target("http://shop.golive-apps.svc.cluster.local:8080", ctx())
    load = guarded("load", testing.REGISTRY["load"], ctx("http://8.8.8.8"))
    assert load.error is not None and "refusing" in load.error


# -- parsers ----------------------------------------------------------------------------------------

def test_parse_junit_counts_failures_errors_and_skips(tmp_path: Path):
    junit = tmp_path / "junit.xml"
    junit.write_text(textwrap.dedent("""\
        <?xml version="1.0" encoding="utf-8"?>
        <testsuites><testsuite name="pytest" tests="5" failures="1" errors="1" skipped="1">
          <testcase classname="t.test_a" name="test_ok"/>
          <testcase classname="t.test_a" name="test_fail"><failure message="assert 1 == 2">tb</failure></testcase>
          <testcase classname="t.test_a" name="test_err"><error message="fixture broke">tb</error></testcase>
          <testcase classname="t.test_a" name="test_skip"><skipped message="later"/></testcase>
          <testcase classname="t.test_a" name="test_ok2"/>
        </testsuite></testsuites>"""))
    totals = parse_junit(junit)
    assert (totals["tests"], totals["failures"], totals["errors"], totals["skipped"]) == (5, 1, 1, 1)
    assert [c["test"] for c in totals["failed_cases"]] == ["t.test_a::test_fail", "t.test_a::test_err"]
    assert totals["failed_cases"][0]["message"] == "assert 1 == 2"
    junit.write_text("not xml")
    with pytest.raises(ToolError, match="JUnit"):
        parse_junit(junit)


def test_parse_locust_stats_csv(tmp_path: Path):
    stats = tmp_path / "load_stats.csv"
    stats.write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
        "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,"
        "99.99%,100%\n"
        "GET,/api/v1/items,40,4,2500,2501,2500,2510,44,2.0,0.2,2500,2500,2500,2500,2500,2500,2500,2500,2500,2500,2500\n"
        "GET,/health,60,0,5,6,1,20,57,3.0,0.0,5,6,7,8,10,12,15,20,20,20,20\n"
        ",Aggregated,100,4,8,1004,1,2510,52,5.0,0.2,8,9,2500,2500,2500,2500,2500,2500,2500,2500,2500\n")
    rows, aggregated = parse_stats_csv(stats)
    assert [r["name"] for r in rows] == ["GET /api/v1/items", "GET /health"]
    assert rows[0]["failure_ratio"] == 0.1 and rows[1]["p95_ms"] == 12
    assert aggregated["requests"] == 100 and aggregated["failure_ratio"] == 0.04 and aggregated["rps"] == 5.0
    stats.write_text(stats.read_text().splitlines()[0] + "\n")
    with pytest.raises(ToolError, match="Aggregated"):
        parse_stats_csv(stats)


def test_summarize_a_schemathesis_report():
    report = {"schemathesis_version": "4.32.5", "operations": {"total": 8, "tested": 8, "errored": 0},
              "test_cases": {"generated": 40},
              "failures": [{"type": "ServerError", "code": "ST101", "title": "Server error", "count": 3,
                            "operations": ["GET /a", "POST /b", "DELETE /c"]},
                           {"type": "UndocumentedStatusCode", "code": "ST103", "title": "Undocumented status code",
                            "count": 2, "operations": ["GET /a", "POST /b"]}],
              "errors": [], "seed": 1}
    summary = summarize_report(report)
    assert (summary["server_errors"], summary["failures"], summary["operations_tested"]) == (3, 5, 8)
    assert [g["server_error"] for g in summary["groups"]] == [True, False]


# -- Great Expectations -----------------------------------------------------------------------------

def _row(name: str, requests: int, failures: int, p95: float) -> dict[str, object]:
    return {"name": name, "requests": requests, "failures": failures, "failure_ratio": failures / requests,
            "p95_ms": p95, "rps": requests / 5}


def test_gx_load_expectations_pass_and_fail_with_the_observed_values():
    ok = validate_load_stats([_row("GET /health", 100, 0, 12), _row("GET /api", 80, 1, 300)])
    assert ok.success and ok.failed == () and len(ok.expectations) == 4
    ok.raise_for_failure()  # no error

    bad = validate_load_stats([_row("GET /health", 100, 0, 12), _row("GET /api", 20, 4, 2600)])
    assert not bad.success
    failed = {e.expectation: e for e in bad.failed}
    assert set(failed) == {"expect_column_max_to_be_between", "expect_column_values_to_be_between"}
    assert failed["expect_column_max_to_be_between"].observed == 2600
    assert "2600 (endpoint GET /api)" in failed["expect_column_max_to_be_between"].description
    assert "GET /api=0.2" in failed["expect_column_values_to_be_between"].description
    with pytest.raises(GXValidationFailed) as info:
        bad.raise_for_failure()
    assert info.value.failed_expectation_types == ["expect_column_max_to_be_between",
                                                   "expect_column_values_to_be_between"]
    assert info.value.statistics["unsuccessful_expectations"] == 2
    json.dumps(bad.as_dict())  # JSON-able for the analyzer's details

    stricter = validate_load_stats([_row("GET /api", 80, 0, 300)], max_p95_ms=250)
    assert not stricter.success


def test_gx_refuses_unusable_input():
    with pytest.raises(GXInputError, match="no load statistics"):
        validate_load_stats([])
    with pytest.raises(GXInputError, match="p95_ms"):
        validate_load_stats([{"name": "x", "requests": 1, "failures": 0, "failure_ratio": 0, "rps": 1}])


def test_gx_is_not_imported_with_the_agent():
    code = "import sys, golive.agents.testing; print('great_expectations' in sys.modules, 'locust' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["False", "False"]


# -- model evaluation -------------------------------------------------------------------------------

def test_model_eval_on_the_ml_fixture_reads_the_accuracy():
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=ML_APP))
    assert outcome.error is None, outcome.error
    assert outcome.value("model_accuracy") == 98.0
    assert outcome.details["metrics"]["samples"] == 200
    gpu = outcome.details["gpu"]
    assert gpu["device"] in ("cpu", "cuda") and "note" in gpu
    if shutil.which("nvidia-smi") is None:
        assert gpu["device"] == "cpu" and "CPU" in gpu["note"]
    criterion = next(c for c in TESTING.score([*GOOD, outcome]).criteria if c.name == "model_accuracy")
    assert criterion.status is CriterionStatus.PASS


def test_a_degraded_model_fails_its_criterion(tmp_path: Path):
    tree = tmp_path / "ml_app"
    shutil.copytree(ML_APP, tree)
    model = json.loads((tree / "model.json").read_text())
    model["weights"] = [-w for w in model["weights"]]  # the model now predicts the opposite class
    model["bias"] = -model["bias"]
    (tree / "model.json").write_text(json.dumps(model))
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=tree))
    assert outcome.value("model_accuracy") is not None and outcome.value("model_accuracy") < 20
    verdict = TESTING.score([*GOOD, outcome])
    assert next(c for c in verdict.criteria if c.name == "model_accuracy").status is CriterionStatus.FAIL


def test_a_broken_model_eval_declaration_or_command_is_an_error(tmp_path: Path):
    (tmp_path / "golive-model-eval.json").write_text(json.dumps({"command": "python eval.py"}))
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=tmp_path))
    assert outcome.error is not None and "argv" in outcome.error
    (tmp_path / "golive-model-eval.json").write_text(json.dumps({"command": ["python", "-c", "print('no metrics')"]}))
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=tmp_path))
    assert outcome.error is not None and "no readable metrics JSON" in outcome.error
    (tmp_path / "golive-model-eval.json").write_text(json.dumps({"command": [
        "python", "-c", "import json, os; json.dump({'accuracy': 93}, open(os.environ['GOLIVE_METRICS_PATH'], 'w'))"]}))
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=tmp_path))
    assert outcome.error is not None and "fraction in [0, 1]" in outcome.error


def test_model_eval_without_a_declaration_is_optional_no_data(tmp_path: Path):
    outcome = guarded("model_eval", testing.REGISTRY["model_eval"], ctx(source=tmp_path))
    assert outcome.error is None and outcome.value("model_accuracy") is None
    assert "declares no model evaluation" in outcome.details["reason"]


# -- CLI --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, message", [
    ("ftp://host/x", "http:// or https://"),
    ("http://user:secret@127.0.0.1:8000", "user:password@"),
    ("http://", "with a host"),
    ("http://127.0.0.1:99999", "not a valid URL"),
])
def test_cli_refuses_bad_urls(url: str, message: str, capsys):
    with pytest.raises(SystemExit) as info:
        testing.main(["analyze", "--tool", "smoke", "--url", url])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "secret" not in err


def test_cli_requires_a_url_and_validates_the_testing_options(capsys):
    with pytest.raises(SystemExit):
        testing.main(["analyze", "--tool", "smoke"])
    assert "--url" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        testing.main(["run", "--url", "http://127.0.0.1:1", "--e2e-dir", "../elsewhere"])
    assert "without '..'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        testing.main(["run", "--url", "http://127.0.0.1:1", "--load-max-error-rate", "5"])
    assert "ratio" in capsys.readouterr().err


def test_cli_analyze_passes_the_options_through(monkeypatch, capsys):
    seen: list[Context] = []

    def spy(c: Context) -> AnalyzerResult:
        seen.append(c)
        return result("smoke", smoke_passed=100)

    monkeypatch.setitem(testing.REGISTRY, "smoke", spy)
    code = testing.main(["analyze", "--tool", "smoke", "--url", "http://127.0.0.1:8000/", "--expected-version",
                         "1.2.3", "--load-users", "7", "--e2e-url-env", "MY_URL", "--source", str(ML_APP)])
    assert code == 0 and json.loads(capsys.readouterr().out)["tool"] == "smoke"
    c = seen[0]
    assert c.url == "http://127.0.0.1:8000" and c.expected_version == "1.2.3" and c.source == ML_APP
    assert c.options["load_users"] == 7 and c.options["e2e_url_env"] == ["MY_URL"]
    assert c.options["fuzz_max_examples"] == 25 and c.options["allow_external_target"] is False


def test_users_duration_and_examples_are_bounded_before_any_request():
    url = closed_port_url()
    load = guarded("load", testing.REGISTRY["load"], ctx(url, load_users=500))
    assert load.error is not None and "--load-users must be within 1-50" in load.error
    load = guarded("load", testing.REGISTRY["load"], ctx(url, load_duration=3600))
    assert load.error is not None and "--load-duration must be within 1-120" in load.error
    fuzz = guarded("fuzz", testing.REGISTRY["fuzz"], ctx(url, fuzz_max_examples=10_000))
    assert fuzz.error is not None and "1-200" in fuzz.error


def test_a_broken_locustfile_is_an_error_with_locusts_message(tmp_path: Path):
    class NotFound(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    (tmp_path / "locustfile.py").write_text("raise RuntimeError('broken load profile')\n")
    with serving(NotFound) as url:
        outcome = guarded("load", testing.REGISTRY["load"], ctx(url, source=tmp_path, load_duration=2))
    assert outcome.error is not None and "without statistics" in outcome.error
    assert "broken load profile" in outcome.error


def test_spec_is_a_url_agent_running_its_analyzers_one_by_one():
    assert testing.SPEC.target == "url" and testing.SPEC.max_workers == 1
    assert testing.SPEC.task_id == "cli.testing.run"
    assert application_from_url("http://inventory.golive-apps.svc:8080") == "inventory"
    assert application_from_url("http://127.0.0.1:8000") == "app"
