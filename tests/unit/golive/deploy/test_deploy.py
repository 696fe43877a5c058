"""Pure parts of the deployment strategies: names, values, replica math, rendered releases, targets."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from repo_paths import REPO

from golive.deploy.actions import Request
from golive.deploy.cluster import deployment_info
from golive.deploy.errors import DeployInputError
from golive.deploy.naming import (
    check_application,
    check_version,
    configmap_name,
    deployment_name,
    service_name,
    version_of_image,
)
from golive.deploy.ops import own_objects, split_preview
from golive.deploy.release import ReleaseSpec, build_values, default_chart_dir, find, parse_set, render_release
from golive.deploy.replicas import canary_replicas, effective_weight
from golive.deploy.strategies import bluegreen, canary, rolling
from golive.deploy.verify import verify_service
from golive.kube.pods import pod_ready
from golive.kube.workloads import Revision
from golive.settings import get_settings

CHART = REPO / "charts" / "sample-app"
DEV = CHART / "values-dev.yaml"


def _req(**kw) -> Request:
    base = {"app": "shop", "namespace": "apps", "version": "1.1.0", "chart_dir": CHART, "values_files": (DEV,)}
    base.update(kw)
    return Request(**base)


# --- replica math ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("weight", "stable", "expected"), [
    (50, 2, 2), (25, 3, 1), (25, 6, 2), (10, 2, 1), (1, 3, 1), (75, 1, 3), (20, 4, 1), (100, 3, 3),
    (33, 2, 1), (60, 2, 3),
])
def test_canary_replicas(weight: float, stable: int, expected: int) -> None:
    assert canary_replicas(weight, stable) == expected


def test_canary_replicas_halves_round_up() -> None:
    # 0.2 * 2 / 0.8 = 0.5 -> 1 (Python's round() would give 0 and the max(1, …) would hide it); 0.6*1/0.4 = 1.5 -> 2
    assert canary_replicas(20, 2) == 1
    assert canary_replicas(60, 1) == 2


@pytest.mark.parametrize("weight", [0, -5, 100.5, math.nan])
def test_canary_replicas_rejects_weights(weight: float) -> None:
    with pytest.raises(DeployInputError, match="weight"):
        canary_replicas(weight, 2)


def test_canary_replicas_needs_stable() -> None:
    with pytest.raises(DeployInputError, match="stable"):
        canary_replicas(50, 0)


def test_effective_weight() -> None:
    assert effective_weight(1, 3) == 25.0
    assert effective_weight(2, 2) == 50.0
    assert effective_weight(1, 2) == 33.33
    assert effective_weight(0, 0) == 0.0


# --- names and inputs ------------------------------------------------------------------------------


def test_names() -> None:
    assert deployment_name("shop", "canary") == "shop-canary-api"
    assert configmap_name("shop", "blue") == "shop-blue-config"
    assert service_name("shop") == "shop"


@pytest.mark.parametrize(("image", "version"), [
    ("golive-sample-app:1.2.0", "1.2.0"), ("registry:5000/team/app:2.0.0-errors", "2.0.0-errors"),
    ("registry:5000/app", None), ("app@sha256:abc", None), ("app:1.0@sha256:abc", "1.0"), (None, None),
])
def test_version_of_image(image: str | None, version: str | None) -> None:
    assert version_of_image(image) == version


def test_check_version_and_application() -> None:
    assert check_version("1.1.1-errors") == "1.1.1-errors"
    for bad in ("-1", "1.0 0", "v1+build", ""):
        with pytest.raises(DeployInputError):
            check_version(bad)
    assert check_application("shop") == "shop"
    for bad in ("Shop", "a" * 41, "-x", "x_y"):
        with pytest.raises(DeployInputError):
            check_application(bad)


def test_parse_set_types_and_nesting() -> None:
    values = parse_set(["config.rateLimitPerMinute=100000", "config.logLevel=DEBUG", "api.metrics.enabled=false",
                        "config.faultMode=", "config.extra.X=1.5", "ingress.enabled=true",
                        "config.corsAllowOrigins=null"])
    assert values == {"config": {"rateLimitPerMinute": 100000, "logLevel": "DEBUG", "faultMode": "",
                                 "extra": {"X": "1.5"}, "corsAllowOrigins": None},
                      "api": {"metrics": {"enabled": False}}, "ingress": {"enabled": True}}


@pytest.mark.parametrize("item", ["image.tag=2.0", "track=canary", "service.selector.mode=app", "secrets.values.X=y",
                                  "secrets=x", "colour=blue", "appName=other", "noequals", "a..b=1", "[0]=1"])
def test_parse_set_refuses(item: str) -> None:
    with pytest.raises(DeployInputError):
        parse_set([item])


def test_default_chart_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOLIVE_CHART_DIR", raising=False)
    assert default_chart_dir() == CHART
    monkeypatch.setenv("GOLIVE_CHART_DIR", str(tmp_path))
    get_settings.cache_clear()
    assert default_chart_dir() == tmp_path


def test_build_values_user_values_cannot_override_strategy() -> None:
    spec = ReleaseSpec(app="shop", version="2.0.0", track="canary", replicas=3, service_mode="track",
                       user_values={"config": {"rateLimitPerMinute": 5}, "image": {"repository": "x/app"}})
    values = build_values(spec)
    assert values["image"] == {"repository": "x/app", "tag": "2.0.0"}
    assert values["track"] == "canary" and values["colour"] == ""
    assert values["replicaCount"] == 3
    assert values["config"] == {"rateLimitPerMinute": 5}
    assert values["service"]["selector"]["mode"] == "track"


# --- rendered releases -----------------------------------------------------------------------------


def test_rolling_release_renders_stable_with_version() -> None:
    req = _req(user_values={"config": {"rateLimitPerMinute": 100000}}, replicas=2)
    objs = render_release(rolling.stable_spec(req, "1.1.0", existing="shop-secrets"), "apps", CHART, (DEV,))
    dep = find(objs, "Deployment", "shop-stable-api")
    assert dep is not None
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "golive-sample-app:1.1.0"
    assert dep["spec"]["selector"]["matchLabels"]["track"] == "stable"
    assert dep["metadata"]["namespace"] == "apps"
    svc = find(objs, "Service", "shop")
    assert svc is not None and svc["spec"]["selector"] == {"app": "shop", "app.kubernetes.io/component": "api"}
    cm = find(objs, "ConfigMap", "shop-stable-config")
    assert cm is not None and cm["data"]["RATE_LIMIT_PER_MINUTE"] == "100000"
    assert find(objs, "Secret") is None  # existing Secret: none rendered
    env_from = dep["spec"]["template"]["spec"]["containers"][0]["envFrom"]
    assert {"secretRef": {"name": "shop-secrets"}} in env_from


def test_first_release_renders_the_secret_when_none_exists() -> None:
    objs = render_release(rolling.stable_spec(_req(), "1.0.0", existing=""), "apps", CHART, (DEV,))
    secret = find(objs, "Secret", "shop-secrets")
    assert secret is not None and set(secret["data"]) == {"APP_SECRET_KEY"}


def test_bluegreen_release_and_preview_service() -> None:
    objs = render_release(bluegreen.colour_spec(_req(), "green", existing="shop-secrets", replicas=3),
                          "apps", CHART, (DEV,))
    rest, preview = split_preview(objs, "shop")
    dep = find(rest, "Deployment", "shop-green-api")
    assert dep is not None and dep["spec"]["replicas"] == 3
    assert dep["spec"]["template"]["metadata"]["labels"]["colour"] == "green"
    assert find(rest, "Service") is None  # the live Service is never touched by the new colour
    assert preview["metadata"]["name"] == "shop-preview"
    assert preview["spec"]["selector"] == {"app": "shop", "app.kubernetes.io/component": "api", "colour": "green"}
    assert preview["metadata"]["labels"]["golive.io/preview"] == "true"


def test_canary_release_and_preview_service() -> None:
    objs = render_release(canary.canary_spec(_req(version="1.1.0-errors"), 1, existing="shop-secrets"),
                          "apps", CHART, (DEV,))
    rest, preview = split_preview(objs, "shop")
    dep = find(rest, "Deployment", "shop-canary-api")
    assert dep is not None and dep["spec"]["replicas"] == 1
    assert dep["spec"]["selector"]["matchLabels"]["track"] == "canary"
    assert dep["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == "shop-canary"
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1.1.0-errors")
    assert find(rest, "ConfigMap", "shop-canary-config")["data"]["APP_TRACK"] == "canary"
    assert preview["spec"]["selector"] == {"app": "shop", "app.kubernetes.io/component": "api", "track": "canary"}


def test_release_names_match_the_helpers_for_long_names() -> None:
    app = "a" * 40
    objs = render_release(ReleaseSpec(app=app, version="1.0.0", track="canary"), "apps", CHART, (DEV,))
    assert find(objs, "Deployment", deployment_name(app, "canary")) is not None
    assert find(objs, "ConfigMap", configmap_name(app, "canary")) is not None
    assert find(objs, "Service", service_name(app)) is not None


def test_render_rejects_values_the_schema_refuses() -> None:
    with pytest.raises(DeployInputError, match=r"api\.replicas"):
        render_release(ReleaseSpec(app="shop", version="1.0.0", user_values={"api": {"replicas": -1}}),
                       "apps", CHART)


# --- rollback target -------------------------------------------------------------------------------


def _revs(*pairs: tuple[int, str]) -> list[Revision]:
    return [Revision(revision=r, version=v) for r, v in pairs]


def test_rollback_target() -> None:
    history = _revs((1, "1.0.0"), (2, "1.1.0"))
    assert rolling.rollback_target(history, "1.1.0", None).revision == 1
    assert rolling.rollback_target(history, "1.1.0", 1).revision == 1
    assert rolling.rollback_target(history, "1.1.0", 7).revision == 1  # unknown revision: the previous version
    # a config-only revision of the bad version is skipped
    assert rolling.rollback_target(_revs((3, "1.0.0"), (4, "1.1.0"), (5, "1.1.0")), "1.1.0", None).revision == 3
    assert rolling.rollback_target(_revs((1, "1.0.0")), "1.0.0", None) is None
    # only configuration changed since the previous revision: that one is restored
    assert rolling.rollback_target(_revs((1, "1.0.0"), (2, "1.0.0")), "1.0.0", None).revision == 1
    assert rolling.rollback_target([], None, None) is None


# --- cluster object summaries ------------------------------------------------------------------------


def test_deployment_info_and_pod_ready() -> None:
    info = deployment_info({"metadata": {"name": "shop-stable-api", "annotations":
                                         {"deployment.kubernetes.io/revision": "3"}},
                            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                                {"name": "sidecar", "image": "proxy:9"}, {"name": "api", "image": "app:1.2.0"}]}}},
                            "status": {"readyReplicas": 1}})
    assert (info.revision, info.version, info.replicas, info.ready_replicas) == (3, "1.2.0", 2, 1)
    ready = {"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}, "metadata": {}}
    assert pod_ready(ready)
    assert not pod_ready({**ready, "metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}})
    assert not pod_ready({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "False"}]}})


def test_verify_service_without_url_fails() -> None:
    checks = verify_service(None, "1.0.0")
    assert not checks[0].ok


def test_verify_service_over_http() -> None:
    import httpx

    answers = iter(["1.0.0", "1.0.0", "1.1.0"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(200, json={"version": next(answers, "1.0.0")})

    with httpx.Client(transport=httpx.MockTransport(handler)) as http:
        checks = verify_service("http://svc", "1.0.0", attempts=3, client=http, sleep=lambda s: None)
    assert [c.name for c in checks] == ["health", "version"]
    assert checks[0].ok and not checks[1].ok
    assert "1.0.0, 1.1.0" in checks[1].detail


def test_verify_service_uses_the_one_health_and_version_rule() -> None:
    """golive.http decides: a named unhealthy status fails /health, a leading v matches, no version fails."""
    import httpx

    def app(health: dict[str, str], version: dict[str, str]) -> httpx.Client:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=health if request.url.path == "/health" else version)
        return httpx.Client(transport=httpx.MockTransport(handler))

    with app({"status": "degraded"}, {"version": "v1.0.0"}) as http:
        health, version = verify_service("http://svc", "1.0.0", attempts=2, client=http, sleep=lambda s: None)
    assert not health.ok and "degraded" in health.detail
    assert version.ok and version.detail == "2 answers, all version 1.0.0"
    with app({"status": "UP"}, {"name": "shop"}) as http:
        health, version = verify_service("http://svc", None, attempts=1, client=http, sleep=lambda s: None)
    assert health.ok and not version.ok and "no version in" in version.detail


def test_second_release_applies_only_its_own_objects() -> None:
    prod = CHART / "values-prod.yaml"
    objs = render_release(canary.canary_spec(_req(values_files=(prod,)), 1, existing="shop-secrets"),
                          "apps", CHART, (prod,))
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objs}
    assert ("StatefulSet", "shop-redis") in kinds and ("Ingress", "shop") in kinds  # the chart renders shared parts
    rest, _preview = split_preview(objs, "shop")
    own = {(o["kind"], o["metadata"]["name"]) for o in own_objects(rest, "shop", "canary")}
    assert own == {("Deployment", "shop-canary-api"), ("Deployment", "shop-canary-worker"),
                   ("ConfigMap", "shop-canary-config"), ("ServiceAccount", "shop-canary")}
    # a Secret rendered because none exists yet is kept (the pods need it)
    fresh = render_release(canary.canary_spec(_req(), 1, existing=""), "apps", CHART, (DEV,))
    kept = {(o["kind"], o["metadata"]["name"]) for o in own_objects(fresh, "shop", "canary")}
    assert ("Secret", "shop-secrets") in kept
