"""The deployment agent's command line, without a cluster: bad input refused before any side effect."""

from __future__ import annotations

import json
from typing import Any

import pytest
from repo_paths import REPO

from golive.agents import deployment

CHART = REPO / "charts" / "sample-app"


class NoCluster:
    """A cluster that fails the test on any use: bad input must be refused before any side effect."""

    namespace = "apps"

    def __getattr__(self, name: str) -> Any:
        pytest.fail(f"the agent touched the cluster ({name}) on bad input")


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], cluster: Any = None) -> tuple[int, dict]:
    code = deployment.main(argv, cluster=cluster or NoCluster())
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return code, json.loads(out[0])


BASE = ["--application", "shop", "--namespace", "apps"]


@pytest.mark.parametrize(("argv", "message"), [
    (["deploy", *BASE], "needs --version"),
    (["deploy", *BASE, "--version", "1.0 0"], "not a valid image tag"),
    (["deploy", "--application", "Shop", "--namespace", "apps", "--version", "1"], "DNS-1123"),
    (["deploy", *BASE, "--version", "1", "--strategy", "wild"], "invalid choice"),
    (["deploy", *BASE, "--version", "1", "--set", "image.tag=2"], "managed by the deployment agent"),
    (["deploy", *BASE, "--version", "1", "--set", "secrets.values.APP_SECRET_KEY=x"], "never travel"),
    (["deploy", *BASE, "--version", "1", "--values-file", "/nonexistent.yaml"], "no such file"),
    (["deploy", *BASE, "--version", "1", "--chart", "/tmp"], "no Chart.yaml"),
    (["deploy", *BASE, "--version", "1", "--replicas", "0"], "--replicas 0"),
    (["deploy", *BASE, "--version", "1", "--timeout", "-3"], "seconds"),
    (["canary-step", *BASE, "--strategy", "canary"], "--weight"),
    (["canary-step", *BASE, "--strategy", "canary", "--weight", "0"], "weight"),
    (["canary-step", *BASE, "--weight", "50"], "no 'canary-step' action"),
    (["explode", *BASE], "invalid choice"),
])
def test_bad_input_exits_2_without_touching_the_cluster(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                        message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CHART_DIR", str(CHART))
    code, doc = _run(capsys, argv)
    assert code == 2
    assert doc["ok"] is False
    assert message in doc["error"]


def test_request_from_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CHART_DIR", str(CHART))
    monkeypatch.setenv("GOLIVE_EVIDENCE", json.dumps([{"strategy": "rolling", "previous_revision": 4,
                                                        "version": "1.1.0"}]))
    args = deployment.build_parser().parse_args(
        ["rollback", *BASE, "--version", "1.1.0", "--environment", "dev", "--set", "config.rateLimitPerMinute=9",
         "--reason", "verification failed"])
    req = deployment.make_request(args)
    assert req.values_files == (CHART / "values-dev.yaml",)
    assert req.user_values == {"config": {"rateLimitPerMinute": 9}}
    assert req.to_revision == 4  # from the deploy step's result
    assert req.reason == "verification failed"
    args = deployment.build_parser().parse_args(["deploy", *BASE, "--version", "2", "--strategy", "canary",
                                                 "--environment", "staging"])
    req = deployment.make_request(args)
    assert req.weight == 25.0 and req.values_files == ()


def test_action_failure_exits_1(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_CHART_DIR", str(CHART))

    class Unreachable:
        namespace = "apps"

        def deployment(self, name: str) -> None:
            raise ConnectionError("the API server refused the connection")

        def deployments(self, selector: dict[str, str]) -> None:
            raise ConnectionError("the API server refused the connection")

    code, doc = _run(capsys, ["status", *BASE], cluster=Unreachable())
    assert code == 1
    assert "refused" in doc["error"]


FLASKR = REPO / "tests" / "data" / "projects" / "flaskr"
FLASKR_PROFILE = (REPO / "tests" / "data" / "projects" / "flaskr.golive.yaml").read_text()


def _request(argv: list[str], tmp_path: Any) -> Any:
    return deployment.make_request(deployment.build_parser().parse_args(argv), tmp_path)


def test_the_profile_chooses_chart_image_and_endpoints(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("GOLIVE_PROFILE", FLASKR_PROFILE)
    req = _request(["deploy", *BASE, "--version", "1.0.0", "--source", str(FLASKR), "--environment", "dev",
                    "--set", "probes.readiness.periodSeconds=2"], tmp_path)
    assert req.chart_dir == REPO / "charts" / "golive-app"
    assert (req.image, req.health_path, req.version_path) == ("flaskr", "/hello", None)
    assert req.user_values == {"probes": {"path": "/hello", "readiness": {"periodSeconds": 2}}}


def test_chart_option_overrides_the_profiles_chart_and_keeps_its_endpoints(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Any) -> None:
    req = _request(["deploy", *BASE, "--version", "1.0.0", "--source", str(REPO / "include" / "sample_app"),
                    "--chart", str(CHART), "--environment", "dev"], tmp_path)
    assert req.chart_dir == CHART and req.values_files == (CHART / "values-dev.yaml",)
    assert (req.image, req.health_path, req.version_path) == ("golive-sample-app", "/health", "/version")


def test_without_a_profile_the_legacy_chart(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("GOLIVE_CHART_DIR", str(CHART))
    req = _request(["deploy", *BASE, "--version", "1.0.0"], tmp_path)
    assert req.chart_dir == CHART and req.image is None and req.health_path == "/health"


def test_an_invalid_profile_is_bad_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_PROFILE", "endpoints: {health: no-slash}")
    code, doc = _run(capsys, ["deploy", *BASE, "--version", "1.0.0"])
    assert code == 2 and "endpoints.health" in doc["error"]


def test_a_tree_that_moved_since_the_plan_is_not_deployed(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from golive.sources import tree_hash

    app = tmp_path / "app"
    app.mkdir()
    (app / "golive.yaml").write_text("kind: library\n")
    pinned = tree_hash(app)
    (app / "app.py").write_text("changed = True\n")  # after the plan: the gates measured the old tree
    code, doc = _run(capsys, ["deploy", *BASE, "--version", "1.0.0", "--source", str(app), "--commit", pinned])
    assert code == 6 and f"pinned {pinned}" in doc["error"] and doc["ok"] is False
