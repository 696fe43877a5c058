"""Canary go-live on localkube: a bad build caught by the canary agent and rolled back, a fixed one promoted.

stable 1.0.0 → canary 1.1.0-errors at 50 % (localkube's image catalog makes ``-errors`` tags a build
that answers half of ``/api/*`` with 500) → the canary agent scrapes both tracks' pods around real
traffic through the Service → the gate (``score``) fails on the canary's error rate → rollback
deletes the canary while stable keeps serving → canary 1.1.1 passes → promote rolls stable to 1.1.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from deploy_support import APP, Env, Poller, namespace_env, versions

from golive.deploy.naming import deployment_name, preview_service_name
from golive.gates.canary import CANARY
from golive.models import AnalyzerResult, CriterionStatus, VerdictStatus

pytestmark = pytest.mark.localkube

# Analysis options: 240 requests in at most 8 s; the two tracks share two cores here, so latency
# differences below 250 ms are scheduling noise (the p95 ratio compares against at least that).
ANALYSIS = ("--tool", "analysis", "--seconds", "8", "--requests", "240", "--p95-floor", "0.25")


@pytest.fixture
def env(localkube, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Env]:
    with namespace_env(localkube, monkeypatch, capsys, "canary") as e:
        yield e


def _criterion(verdict, name: str):
    return next(c for c in verdict.criteria if c.name == name)


def test_canary_bad_build_rolled_back_then_good_build_promoted(env: Env) -> None:
    code, stable = env.deployment("deploy", "--version", "1.0.0", strategy="canary")
    assert code == 0, stable
    assert stable["first_deploy"] and stable["deployment"] == "shop-stable-api"
    live = stable["service_url"]
    stable_rs = env.revision("stable")

    # A canary of the bad build next to stable at 50 %.
    code, bad = env.deployment("deploy", "--version", "1.1.0-errors", "--weight", "50", strategy="canary")
    assert code == 0, bad
    assert (bad["stable_replicas"], bad["canary_replicas"], bad["weight"]) == (1, 1, 50.0)
    assert bad["verify_url"] == bad["preview_url"] != live
    assert versions(bad["preview_url"]) == {"1.1.0-errors"}
    assert versions(live, 20) == {"1.0.0", "1.1.0-errors"}  # the live Service splits between the tracks

    with Poller(live) as poller:
        code, doc = env.canary("analyze", *ANALYSIS, "--weight", "50")
        assert code == 0, doc
        result = AnalyzerResult.model_validate(doc)
        assert result.error is None, result.error
        assert result.details["traffic"][0]["sent"] > 0 and result.details["traffic"][1]["authenticated"]
        assert result.details["versions"] == {"canary": "1.1.0-errors", "stable": "1.0.0"}
        verdict = CANARY.score([result], 85.0)
        assert verdict.status is VerdictStatus.FAIL
        error_rate = _criterion(verdict, "canary error rate")
        assert error_rate.status is CriterionStatus.FAIL and error_rate.key
        assert 0.3 <= error_rate.value <= 0.7, error_rate  # FAULT_ERROR_RATE is 0.5
        assert result.details["stable"]["errors"] == 0

        code, back = env.deployment("rollback", "--version", "1.1.0-errors", "--reason", "canary-50 gate failed",
                                    strategy="canary")
        assert code == 0, back
        assert back["rolled_back"] and back["verified"] and back["stable_revision_unchanged"]
        assert (back["from_version"], back["to_version"]) == ("1.1.0-errors", "1.0.0")
        assert not env.exists("Deployment", deployment_name(APP, "canary"))
        assert not env.exists("Service", preview_service_name(APP))
        after_rollback = len(poller.answers)
        assert versions(live, 20) == {"1.0.0"}
    # The Service never stopped answering (/version is outside the fault injection), and once the
    # rollback returned only stable answered.
    assert not poller.errors, poller.errors[:5]
    assert all(status == 200 for status, _ in poller.answers)
    assert {v for _, v in poller.answers[after_rollback:]} == {"1.0.0"}
    assert env.revision("stable") == stable_rs  # stable was never touched

    # The fixed build passes the same analysis and is promoted.
    code, good = env.deployment("deploy", "--version", "1.1.1", "--weight", "25", strategy="canary")
    assert code == 0, good
    code, step = env.deployment("canary-step", "--version", "1.1.1", "--weight", "50", strategy="canary")
    assert code == 0, step
    assert step["weight"] == 50.0 and step["canary_replicas"] == 1

    code, gate = env.canary("gate", *ANALYSIS, "--threshold", "85")
    verdict = CANARY.score([AnalyzerResult.model_validate(gate["results"][0])], 85.0)
    assert code == 0, gate["verdict"]
    assert verdict.status is VerdictStatus.PASS
    assert _criterion(verdict, "canary error rate").value == 0

    code, promoted = env.deployment("promote", "--version", "1.1.1", strategy="canary")
    assert code == 0, promoted
    assert promoted["promoted"] and promoted["verified"]
    assert (promoted["version"], promoted["previous_version"]) == ("1.1.1", "1.0.0")
    assert promoted["revision"] == stable_rs + 1
    assert not env.exists("Deployment", deployment_name(APP, "canary"))
    assert versions(live, 10) == {"1.1.1"}

    code, status = env.deployment("status", strategy="canary")
    assert status["live_versions"] == ["1.1.1"] and "canary" not in status["deployments"]
