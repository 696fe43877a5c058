"""SARIF 2.1.0 output, validated against the OASIS schema (vendored in tests/data/sarif)."""

from __future__ import annotations

import json

import jsonschema
import pytest
from repo_paths import TEST_DATA

from golive.agents import security
from golive.analyzers.base import Context
from golive.cli.gate import gate_results
from golive.models import Finding, Severity
from golive.sarif import FINGERPRINT_KEY, results_to_sarif, to_sarif

DATA = TEST_DATA
SCHEMA = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())


def _validate(log: dict) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


FINDINGS = {
    "bandit": [
        Finding(tool="bandit", rule_id="B602:subprocess_popen_with_shell_equals_true", severity=Severity.HIGH,
                message="subprocess call with shell=True", path="shop/core.py", line=13),
        Finding(tool="bandit", rule_id="B105:hardcoded_password_string", severity=Severity.LOW,
                message="Possible hardcoded password: '***'", path="dir with space/cfg.py", line=4),
        Finding(tool="bandit", rule_id="B602:subprocess_popen_with_shell_equals_true", severity=Severity.HIGH,
                message="again", path="shop/other.py", line=2),
    ],
    "hardening": [Finding(tool="hardening", rule_id="cors_restricted", severity=Severity.MEDIUM,
                          message="no CORS configuration", fingerprint="hardening:cors_restricted")],
    "dependencies": [Finding(tool="dependencies", rule_id="GHSA-462w-v97r-4m45", severity=Severity.CRITICAL,
                             message="jinja2 2.10 is affected", path="requirements.txt", line=1)],
}


def test_the_log_is_valid_sarif_2_1_0():
    log = to_sarif(FINDINGS, {"bandit": "1.9.4"}, source_root="/srv/app",
                   errors={"secrets": "detect-secrets crashed"})
    _validate(log)
    assert log["version"] == "2.1.0"
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == ["bandit", "dependencies", "hardening", "secrets"]


def test_rules_results_levels_and_locations():
    log = to_sarif(FINDINGS, {"bandit": "1.9.4"}, source_root="/srv/app")
    bandit = next(r for r in log["runs"] if r["tool"]["driver"]["name"] == "bandit")
    driver = bandit["tool"]["driver"]
    assert driver["version"] == "1.9.4"
    assert [rule["id"] for rule in driver["rules"]] == ["B602:subprocess_popen_with_shell_equals_true",
                                                      "B105:hardcoded_password_string"]
    assert [res["ruleIndex"] for res in bandit["results"]] == [0, 1, 0]
    assert [res["level"] for res in bandit["results"]] == ["error", "note", "error"]
    location = bandit["results"][1]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "dir%20with%20space/cfg.py", "uriBaseId": "SRCROOT"},
                        "region": {"startLine": 4}}
    assert bandit["originalUriBaseIds"]["SRCROOT"]["uri"] == "file:///srv/app/"
    hardening = next(r for r in log["runs"] if r["tool"]["driver"]["name"] == "hardening")
    assert "locations" not in hardening["results"][0] and hardening["results"][0]["level"] == "warning"
    deps = next(r for r in log["runs"] if r["tool"]["driver"]["name"] == "dependencies")
    assert deps["results"][0]["level"] == "error" and deps["tool"]["driver"]["version"] == "unknown"


def test_fingerprints_are_stable_and_distinct():
    first = to_sarif(FINDINGS, {})
    second = to_sarif(FINDINGS, {})
    prints = [res["partialFingerprints"][FINGERPRINT_KEY] for run in first["runs"] for res in run["results"]]
    assert prints == [res["partialFingerprints"][FINGERPRINT_KEY] for run in second["runs"] for res in run["results"]]
    assert len(set(prints)) == len(prints)


def test_a_failed_tool_is_a_failed_invocation():
    log = to_sarif({}, {}, errors={"secrets": "detect-secrets crashed"})
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "detect-secrets crashed"


@pytest.mark.parametrize("target", ["bad", "good"])
def test_security_scan_results_as_sarif_validate(target):
    source = DATA / "targets" / target
    results = gate_results(security.SPEC, Context(agent="security", source=source))
    log = results_to_sarif(results, source_root=str(source))
    _validate(log)
    total = sum(len(run["results"]) for run in log["runs"])
    assert total == sum(len(r.findings) for r in results)
    for run in log["runs"]:
        for res in run["results"]:
            for loc in res.get("locations", []):
                uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                assert not uri.startswith("/") and (source / uri).exists(), uri


def test_the_schema_check_can_fail():
    log = to_sarif(FINDINGS, {})
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][1]["tool"]
    errors = list(jsonschema.Draft4Validator(SCHEMA).iter_errors(log))
    assert len(errors) >= 2
