"""Waivers, proven on a real finding a project made on purpose: Django 1.4's ``salted_hmac`` derives its
HMAC key with SHA-1 (bandit B324, HIGH). Unwaived it vetoes the gate; an active waiver recounts
``sast_high`` without it and the ledger and the report show the waiver and both counts; an expired
waiver vetoes again; a waiver on a detected secret is refused."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from repo_paths import TEST_DATA

from golive.analyzers.base import Context
from golive.analyzers.security.bandit import run_bandit
from golive.analyzers.security.secrets import run_secrets
from golive.cli.gate import profile_waivers
from golive.gates.security import PRODUCERS, RULES
from golive.gates.spec import GateSpec
from golive.ledger import Ledger, RecordKey
from golive.models import AnalyzerResult, CriterionStatus, Finding, Severity, VerdictStatus, WaiverStatus
from golive.profile.model import Waiver
from golive.report.render import render_report
from golive.scoring import ScoringError
from golive.waivers import apply_waivers, matches

HMAC_APP = TEST_DATA / "waivers" / "hmac_app"
TODAY = date(2026, 6, 1)
#: The security gate's two key criteria fed by findings: SAST high and secrets.
GATE = GateSpec(name="security", analyzers=("bandit", "secrets"),
                rules=tuple(r for r in RULES if r.name in ("sast_high", "secrets")),
                producers={m: PRODUCERS[m] for m in ("sast_high", "secrets_found")})


def _waiver(**kw: object) -> Waiver:
    fields: dict[str, object] = {"reason": "SHA-1 keys Django's HMAC, not a password hash (RFC 2104 holds)",
                                 "owner": "team-crypto", "expires": date(2026, 12, 31)}
    fields.update(kw)
    return Waiver.model_validate(fields)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[AnalyzerResult]:
    tree = tmp_path_factory.mktemp("hmac") / "app"
    shutil.copytree(HMAC_APP, tree)
    ctx = Context(agent="security", source=tree)
    return [run_bandit(ctx), run_secrets(ctx)]


def _criterion(verdict_criteria: list, name: str):  # type: ignore[no-untyped-def]
    return next(c for c in verdict_criteria if c.name == name)


def test_the_real_sha1_hmac_finding_vetoes_the_gate(results: list[AnalyzerResult]) -> None:
    b324 = [f for f in results[0].findings if f.rule_id.startswith("B324")]
    assert len(b324) == 1 and b324[0].severity is Severity.HIGH and b324[0].line == 24
    assert b324[0].counts_toward == "sast_high"
    verdict = GATE.score(results)
    assert verdict.status is VerdictStatus.FAIL
    assert any(r.startswith("key criterion sast_high failed") for r in verdict.reasons)


def test_an_active_waiver_recounts_the_measurement_and_keeps_the_finding(results: list[AnalyzerResult]) -> None:
    verdict = GATE.score(results, waivers=[_waiver(rule="B324", path="app/*.py")], on=TODAY)
    sast = _criterion(verdict.criteria, "sast_high")
    assert verdict.status is VerdictStatus.PASS
    assert sast.status is CriterionStatus.PASS and sast.value == 0 and sast.raw_value == 1
    assert "1 waived (B324 at app/crypto.py:24 by team-crypto until 2026-12-31" in sast.reason
    assert results[0].value("sast_high") == 1  # the analyzer's raw count is untouched
    [applied] = verdict.waivers
    assert applied.status is WaiverStatus.ACTIVE and applied.measurement == "sast_high"
    assert applied.fingerprint == next(f for f in results[0].findings if f.rule_id.startswith("B324")).fingerprint


def test_an_expired_waiver_vetoes_again_and_says_so(results: list[AnalyzerResult]) -> None:
    verdict = GATE.score(results, waivers=[_waiver(rule="bandit:B324", expires=date(2026, 5, 31))], on=TODAY)
    assert verdict.status is VerdictStatus.FAIL
    assert _criterion(verdict.criteria, "sast_high").raw_value is None
    assert verdict.waivers[0].status is WaiverStatus.EXPIRED
    assert any("expired on 2026-05-31" in r for r in verdict.reasons)


def test_the_expiry_day_itself_still_holds(results: list[AnalyzerResult]) -> None:
    verdict = GATE.score(results, waivers=[_waiver(rule="B324", expires=TODAY)], on=TODAY)
    assert verdict.status is VerdictStatus.PASS


def test_a_path_glob_that_misses_waives_nothing(results: list[AnalyzerResult]) -> None:
    verdict = GATE.score(results, waivers=[_waiver(rule="B324", path="vendor/**")], on=TODAY)
    assert verdict.status is VerdictStatus.FAIL and verdict.waivers == []


def test_a_waiver_never_hides_a_detected_secret(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    shutil.copytree(HMAC_APP, tree)
    (tree / "app" / "keys.py").write_text('AWS_ACCESS_KEY_ID = "' + "AKIA" + 'IOSFODNN7EXAMPLE"\n', encoding="utf-8")
    ctx = Context(agent="security", source=tree)
    results = [run_bandit(ctx), run_secrets(ctx)]
    secret = next(f for f in results[1].findings if f.counts_toward == "secrets_found")
    waivers = [_waiver(id=secret.fingerprint), _waiver(rule="secrets:aws-access-key"), _waiver(rule="B324")]
    verdict = GATE.score(results, waivers=waivers, on=TODAY)
    assert verdict.status is VerdictStatus.FAIL
    assert _criterion(verdict.criteria, "secrets").value == 1
    refused = [w for w in verdict.waivers if w.status is WaiverStatus.REFUSED]
    assert [w.fingerprint for w in refused] == [secret.fingerprint]
    assert any("refused: a waiver can never hide a detected secret" in r for r in verdict.reasons)


def test_waivers_need_the_day_they_are_judged_on(results: list[AnalyzerResult]) -> None:
    with pytest.raises(ScoringError, match="day"):
        GATE.score(results, waivers=[_waiver(rule="B324")])


def test_more_waived_findings_than_counted_is_no_data() -> None:
    finding = Finding(tool="bandit", rule_id="B324:hashlib", severity=Severity.HIGH, message="m", path="a.py",
                      line=1, counts_toward="sast_high")
    lying = AnalyzerResult(agent="security", tool="bandit", findings=[finding],
                           measurements=[{"name": "sast_high", "value": 0, "unit": "issues"}])  # type: ignore[list-item]
    secrets = AnalyzerResult(agent="security", tool="secrets",
                             measurements=[{"name": "secrets_found", "value": 0, "unit": "secrets"}])  # type: ignore[list-item]
    verdict = GATE.score([lying, secrets], waivers=[_waiver(rule="B324")], on=TODAY)
    assert _criterion(verdict.criteria, "sast_high").status is CriterionStatus.NO_DATA


@pytest.mark.parametrize(("waiver", "hit"), [
    ({"rule": "B324"}, True), ({"rule": "bandit:B324"}, True), ({"rule": "B324:hashlib"}, True),
    ({"rule": "B303"}, False), ({"rule": "B324", "path": "app/*.py"}, True), ({"rule": "B324", "path": "x/*"}, False),
    ({"id": "bandit:B324:app/crypto.py:abc"}, True), ({"id": "bandit:B324:app/crypto.py:other"}, False),
])
def test_matching_by_rule_name_path_glob_or_fingerprint(waiver: dict[str, object], hit: bool) -> None:
    finding = Finding(tool="bandit", rule_id="B324:hashlib", message="m", path="app/crypto.py", line=24,
                      fingerprint="bandit:B324:app/crypto.py:abc")
    assert matches(_waiver(**waiver), finding) is hit
    assert len(apply_waivers([AnalyzerResult(agent="a", tool="bandit", findings=[finding])],
                             [_waiver(**waiver)], TODAY)) == int(hit)


def test_the_profile_in_the_tree_reaches_the_gate_cli(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    shutil.copytree(HMAC_APP, tree)
    (tree / "golive.yaml").write_text(
        "name: hmac-app\nkind: library\nlanguages: [python]\nwaivers:\n"
        "  - rule: B324\n    path: app/crypto.py\n    reason: SHA-1 keys the HMAC, not a password hash\n"
        "    owner: team-crypto\n    expires: 2026-12-31\n", encoding="utf-8")
    [waiver] = profile_waivers(Context(agent="security", source=tree))
    assert waiver.rule == "B324" and waiver.owner == "team-crypto"
    assert profile_waivers(Context(agent="security")) == ()


def test_ledger_and_report_show_the_waiver_and_both_counts(results: list[AnalyzerResult], tmp_path: Path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id="r1", dag_id="golive", request={"application": "hmac-app", "source": "x"},
                      status="running")
    verdicts = {
        "active": GATE.score(results, waivers=[_waiver(rule="B324")], on=TODAY),
        "expired": GATE.score(results, waivers=[_waiver(rule="B324", expires=date(2026, 1, 1))], on=TODAY),
    }
    for try_number, verdict in enumerate(verdicts.values(), start=1):
        ledger.record_evaluation(RecordKey("r1", "security.score", try_number), application="hmac-app", ref="HEAD",
                                 verdict=verdict, findings=[f for r in results for f in r.findings],
                                 inputs=[r.model_dump(mode="json") for r in results])
    report = ledger.run_report("r1")
    active, expired = report["evaluations"]
    assert [w["status"] for w in active["waivers"]] == ["active"]
    assert [w["status"] for w in expired["waivers"]] == ["expired"]
    sast = next(c for c in active["criteria"] if c["name"] == "sast_high")
    assert sast["value"] == 0 and sast["raw_value"] == 1
    assert next(i for i in active["inputs"] if i["tool"] == "bandit")["measurements"][0]["value"] == 1
    b324 = next(f for f in active["findings"] if f["rule_id"].startswith("B324"))
    assert b324["waiver"]["owner"] == "team-crypto" and b324["waiver"]["expires"] == date(2026, 12, 31)
    assert (active["status"], expired["status"]) == ("PASS", "FAIL")

    paths = render_report(report, tmp_path / "report", plots=False)
    html = paths.html.read_text(encoding="utf-8")
    assert "Waivers (1)" in html and "team-crypto" in html and "(raw 1)" in html
    assert "waiver active: SHA-1 keys Django" in html and "expired on 2026-01-01" in html
    data = json.loads(paths.json.read_text(encoding="utf-8"))
    assert data["evaluations"][0]["waivers"][0]["expires"] == "2026-12-31"
