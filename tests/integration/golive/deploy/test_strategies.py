"""The deployment agent on localkube: rolling and blue-green go-lives, failures and rollbacks.

Real chart rendering, real Deployments/ReplicaSets run by localkube's controllers, the sample app's
processes behind each Service's loopback proxy, real HTTP to ``/version``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from deploy_support import APP, Env, Poller, namespace_env, versions

from golive.deploy.naming import deployment_name, preview_service_name
from golive.kube.objects import get

pytestmark = pytest.mark.localkube


@pytest.fixture
def env(localkube, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Env]:
    with namespace_env(localkube, monkeypatch, capsys, "deploy") as e:
        yield e


def test_rolling_deploy_update_fail_and_rollback(env: Env) -> None:
    # First deploy, through the real command line (a process with $KUBECONFIG, as in a pod).
    code, first = env.deployment_process("deploy", "--version", "1.0.0")
    assert code == 0, first
    assert first["ok"] and first["first_deploy"] and first["revision"] == 1
    assert first["previous_revision"] is None
    assert "Secret/shop-secrets" in first["objects"]  # no Secret yet: the first release creates it
    secret = get("Secret", "shop-secrets", env.namespace, env.client)
    encoded = secret["data"]["APP_SECRET_KEY"]
    assert encoded not in json.dumps(first) and base64.b64decode(encoded).decode() not in json.dumps(first)
    assert versions(first["service_url"]) == {"1.0.0"}

    code, second = env.deployment("deploy", "--version", "1.1.0")
    assert code == 0, second
    assert (second["revision"], second["previous_revision"], second["previous_version"]) == (2, 1, "1.0.0")
    assert "Secret/shop-secrets" not in second["objects"]  # existingSecret from now on
    assert second["verify_url"] == second["service_url"]
    assert versions(second["service_url"]) == {"1.1.0"}

    code, back = env.deployment("rollback", "--version", "1.1.0", "--to-revision", str(second["previous_revision"]),
                                "--reason", "verification gate failed")
    assert code == 0, back
    assert back["rolled_back"] and back["verified"], back
    assert (back["from_version"], back["to_version"], back["from_revision"]) == ("1.1.0", "1.0.0", 2)
    assert back["to_revision"] == 3  # undo re-uses revision 1's ReplicaSet under a new number
    assert back["reason"] == "verification gate failed"
    assert {c["name"] for c in back["checks"] if c["ok"]} == {"rollout", "health", "version"}
    assert versions(env.url()) == {"1.0.0"}

    code, again = env.deployment("rollback", "--version", "1.1.0", "--reason", "retry of the rollback task")
    assert code == 0, again
    assert again["verified"] and "nothing to undo" in again["note"]
    assert env.revision("stable") == 3  # idempotent: no second undo

    # A build that cannot start (an unusable FAULT_MODE stops the app): the rollout never completes,
    # the agent exits 1 with the reason, and maxUnavailable=0 keeps the old version serving.
    with Poller(env.url()) as poller:
        code, broken = env.deployment("deploy", "--version", "1.2.0", "--set", "config.faultMode=explode",
                                      "--timeout", "8")
    assert code == 1, broken
    assert not broken["ok"] and "did not complete" in broken["error"]
    assert broken["rollout"]["done"] is False and broken["previous_version"] == "1.0.0"
    assert poller.answers and not poller.errors
    assert {v for _, v in poller.answers} == {"1.0.0"}

    code, restored = env.deployment("rollback", "--version", "1.2.0", "--reason", "rollout did not complete")
    assert code == 0, restored
    assert restored["verified"] and restored["to_version"] == "1.0.0" and restored["restored_revision"] == 3

    code, status = env.deployment("status")
    assert code == 0
    assert status["live_versions"] == ["1.0.0"] and status["strategy_detected"] == "rolling"
    assert [r["version"] for r in status["deployments"]["stable"]["revisions"]][-1] == "1.0.0"


def test_blue_green_preview_promote_and_rollback(env: Env) -> None:
    code, first = env.deployment("deploy", "--version", "1.0.0", strategy="blue-green")
    assert code == 0, first
    assert first["first_deploy"] and first["live_colour"] == "blue" and first["preview_url"] is None
    live = first["live_url"]
    assert versions(live) == {"1.0.0"}

    code, green = env.deployment("deploy", "--version", "1.1.0", strategy="blue-green")
    assert code == 0, green
    assert (green["live_colour"], green["new_colour"], green["deployment"]) == ("blue", "green", "shop-green-api")
    assert green["service_url"] == green["verify_url"] == green["preview_url"] != live
    assert green["previous_version"] == "1.0.0"
    assert versions(green["preview_url"]) == {"1.1.0"}  # verification reaches the new colour...
    assert versions(live) == {"1.0.0"}                  # ...while users still get blue

    with Poller(live) as poller:
        code, promoted = env.deployment("promote", "--version", "1.1.0", strategy="blue-green")
    assert code == 0, promoted
    assert promoted["switched"] and promoted["live_colour"] == "green" and promoted["verified"]
    assert promoted["old_deployment_kept"] and env.exists("Deployment", deployment_name(APP, "blue"))
    assert not env.exists("Service", preview_service_name(APP))
    assert versions(live) == {"1.1.0"}
    assert not poller.errors and all(s == 200 for s, _ in poller.answers)  # the switch drops nothing

    code, back = env.deployment("rollback", "--version", "1.1.0", "--reason", "testing gate failed",
                                strategy="blue-green")
    assert code == 0, back
    assert back["switched_back"] and back["live_colour"] == "blue" and back["verified"]
    assert (back["from_version"], back["to_version"]) == ("1.1.0", "1.0.0")
    assert not env.exists("Deployment", deployment_name(APP, "green"))
    assert versions(live) == {"1.0.0"}

    code, again = env.deployment("rollback", "--version", "1.1.0", strategy="blue-green")
    assert code == 0 and again["verified"] and "already rolled back" in again["note"]

    # Promote with nothing deployed to promote is a failure, not a silent success.
    code, nothing = env.deployment("promote", "--version", "9.9.9", strategy="blue-green")
    assert code == 1 and "nothing to promote" in nothing["error"]


def test_rollback_of_a_first_deploy_removes_the_release(env: Env) -> None:
    code, first = env.deployment("deploy", "--version", "1.0.0")
    assert code == 0, first
    code, back = env.deployment("rollback", "--version", "1.0.0", "--reason", "verification gate failed")
    assert code == 0, back
    assert back["rolled_back"] and back["verified"] and back["to_version"] is None
    assert "Deployment/shop-stable-api" in back["deleted"]
    assert not env.exists("Deployment", deployment_name(APP, "stable"))
    code, status = env.deployment("status")
    assert code == 1 and "has no Deployment" in status["error"]
