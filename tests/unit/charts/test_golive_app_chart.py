"""golive's generic chart (charts/golive-app): lint, a render valid for Kubernetes 1.31, the values contract."""

from __future__ import annotations

from typing import Any

import pytest
from repo_paths import REPO

from golive.charts import ChartRenderError, lint_chart, render_chart, validate_manifests
from golive.deploy.release import ReleaseSpec, build_values, workload_of

CHART = REPO / "charts" / "golive-app"


def _render(**values: Any) -> dict[str, dict[str, Any]]:
    base = {"appName": "flaskr", "image": {"repository": "ghcr.io/acme/flaskr", "tag": "1.2.0"},
            "probes": {"path": "/hello"}}
    objs = render_chart(CHART, "flaskr-stable", "apps", {**base, **values})
    assert validate_manifests(objs, k8s_version="1.31") == []
    return {o["kind"]: o for o in objs}


def test_lints_clean_in_strict_mode() -> None:
    report = lint_chart(CHART, {"image": {"repository": "flaskr", "tag": "1.0.0"}}, strict=True)
    assert report.ok, report.errors + report.warnings


def test_renders_deployment_service_pdb_hpa_valid_for_kubernetes() -> None:
    objs = _render()
    assert set(objs) == {"Deployment", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler"}
    container = objs["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "ghcr.io/acme/flaskr:1.2.0"
    assert container["readinessProbe"]["httpGet"]["path"] == "/hello"
    assert container["livenessProbe"]["httpGet"]["path"] == "/hello"
    assert container["resources"]["limits"] and container["resources"]["requests"]
    assert objs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]["name"] == objs["Deployment"]["metadata"]["name"]


def test_pods_run_restricted() -> None:
    pod = _render()["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    sc = pod["containers"][0]["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert pod["automountServiceAccountToken"] is False


def test_golive_finds_the_workload_by_its_labels() -> None:
    spec = ReleaseSpec(app="flaskr", version="1.2.0", image="flaskr", replicas=3)
    objs = render_chart(CHART, spec.release, "apps", build_values(spec))
    name = workload_of(objs, spec.release)
    dep = next(o for o in objs if o["kind"] == "Deployment")
    assert name == dep["metadata"]["name"] == "flaskr-stable"
    assert dep["spec"]["replicas"] == 3
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert {"app": "flaskr", "app.kubernetes.io/component": "api", "track": "stable"}.items() <= labels.items()


@pytest.mark.parametrize(("values", "selector"), [
    ({}, {"app": "flaskr", "app.kubernetes.io/component": "api"}),
    ({"track": "canary", "service": {"selector": {"mode": "track"}}},
     {"app": "flaskr", "app.kubernetes.io/component": "api", "track": "canary"}),
    ({"colour": "green", "strategy": {"type": "blue-green"}},
     {"app": "flaskr", "app.kubernetes.io/component": "api", "colour": "green"}),
])
def test_service_selects_like_the_strategies_expect(values: dict[str, Any], selector: dict[str, str]) -> None:
    assert _render(**values)["Service"]["spec"]["selector"] == selector


def test_an_image_repository_is_required() -> None:
    with pytest.raises(ChartRenderError, match=r"image\.repository is required"):
        render_chart(CHART, "x-stable", "apps", {"image": {"tag": "1.0.0"}})
