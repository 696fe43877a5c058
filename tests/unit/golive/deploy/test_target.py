"""What the profile says to deploy (golive.deploy.target) and how the release's workload is found."""

from __future__ import annotations

from pathlib import Path

import pytest
from repo_paths import REPO

from golive.deploy.errors import DeployInputError
from golive.deploy.release import generic_chart_dir, workload_of
from golive.deploy.target import resolve_target
from golive.profile import load_profile

FLASKR = REPO / "tests" / "data" / "projects" / "flaskr"
FLASKR_PROFILE = (REPO / "tests" / "data" / "projects" / "flaskr.golive.yaml").read_text()


def _chart(tree: Path, name: str = "shop") -> Path:
    chart = tree / "deploy" / name
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
    (chart / "values-prod.yaml").write_text("replicaCount: 3\n")
    return chart


def test_no_chart_deploys_the_generic_chart_on_the_profiles_endpoints(tmp_path: Path) -> None:
    profile = "image: flaskr\nendpoints: {health: /hello, version: null}\n"
    target = resolve_target(load_profile(tmp_path, profile), tmp_path, "dev", tmp_path / "pull")
    assert target.chart_dir == generic_chart_dir()
    assert target.base_values == {"probes": {"path": "/hello"}}
    assert (target.image, target.health_path, target.version_path) == ("flaskr", "/hello", None)
    assert "generic chart" in target.chart


def test_the_generic_chart_named_with_values_of_the_tree(tmp_path: Path) -> None:
    target = resolve_target(load_profile(FLASKR, FLASKR_PROFILE), FLASKR, "dev", tmp_path)
    assert target.chart_dir == generic_chart_dir()
    assert target.base_values == {"probes": {"path": "/hello"}}  # the probes still follow the profile
    assert target.values_files == ((FLASKR / "deploy" / "golive-values.yaml").resolve(),)
    assert (target.image, target.health_path, target.version_path) == ("flaskr", "/hello", None)


def test_the_generic_chart_needs_an_image(tmp_path: Path) -> None:
    with pytest.raises(DeployInputError, match="no chart and no image"):
        resolve_target(load_profile(FLASKR, "name: flaskr"), FLASKR, None, tmp_path)


def test_a_chart_of_the_tree_with_values_per_environment(tmp_path: Path) -> None:
    tree = tmp_path / "app"
    chart = _chart(tree)
    (tree / "ops").mkdir()
    (tree / "ops" / "prod.yaml").write_text("{}\n")
    profile = "chart: {ref: deploy/shop, values: {prod: [ops/prod.yaml]}}\nimage: ghcr.io/acme/shop\n"
    target = resolve_target(load_profile(tree, profile), tree, "prod", tmp_path / "pull")
    assert target.chart_dir == chart.resolve()
    assert target.values_files == (chart / "values-prod.yaml", (tree / "ops" / "prod.yaml").resolve())
    assert target.image == "ghcr.io/acme/shop" and target.base_values == {}


def test_a_chart_dir_without_chart_yaml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "charts" / "x").mkdir(parents=True)
    with pytest.raises(DeployInputError, match=r"no Chart\.yaml"):
        resolve_target(load_profile(tmp_path, "chart: {ref: charts/x}"), tmp_path, None, tmp_path / "pull")


KUSTOMIZE = REPO / "tests" / "data" / "kustomize" / "flaskr"


def test_kustomize_takes_the_environments_overlay_and_renders_it_with_the_version(tmp_path: Path) -> None:
    import shutil

    from golive.deploy.release import ReleaseSpec, render_release

    shutil.copytree(KUSTOMIZE / "k8s", tmp_path / "k8s")
    resolved = load_profile(tmp_path, "image: flaskr\nchart: {ref: k8s, type: kustomize}")
    prod = resolve_target(resolved, tmp_path, "prod", tmp_path / "pull")
    assert prod.renderer == "kustomize" and prod.chart_dir == (tmp_path / "k8s/overlays/production").resolve()
    assert resolve_target(resolved, tmp_path, "dev", tmp_path / "pull").chart_dir.name == "dev"
    with pytest.raises(DeployInputError, match=r"no kustomization\.yaml in overlays/staging, overlays/stage, \."):
        resolve_target(resolved, tmp_path, "staging", tmp_path / "pull")  # neither an overlay nor k8s/ itself
    objects = render_release(ReleaseSpec(app="flaskr", version="2.0.1", image="flaskr"), "apps", prod.chart_dir,
                             renderer="kustomize")
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    assert deployment["metadata"]["namespace"] == "apps" and deployment["spec"]["replicas"] == 3
    assert deployment["metadata"]["labels"]["app.kubernetes.io/instance"] == "flaskr-stable"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "flaskr:2.0.1"
    assert "app.kubernetes.io/instance" not in deployment["spec"]["selector"]["matchLabels"]  # selectors immutable


def test_kustomize_refuses_what_only_a_chart_can_do(tmp_path: Path) -> None:
    from golive.deploy.release import ReleaseSpec, render_release

    overlay = KUSTOMIZE / "k8s" / "overlays" / "dev"
    with pytest.raises(DeployInputError, match="rolling strategy only"):
        render_release(ReleaseSpec(app="flaskr", version="1", image="flaskr", strategy="canary"), "a", overlay,
                       renderer="kustomize")
    with pytest.raises(DeployInputError, match="not to a kustomize overlay"):
        render_release(ReleaseSpec(app="flaskr", version="1", image="flaskr", user_values={"x": 1}), "a", overlay,
                       renderer="kustomize")
    (tmp_path / "k8s").mkdir()
    with pytest.raises(DeployInputError, match=r"no kustomization\.yaml in overlays/dev, overlays/development, \."):
        resolve_target(load_profile(tmp_path, "image: x\nchart: {ref: k8s, type: kustomize}"), tmp_path, "dev",
                       tmp_path / "pull")
    with pytest.raises(DeployInputError, match="needs the profile's image"):
        resolve_target(load_profile(tmp_path, "chart: {ref: k8s, type: kustomize}"), tmp_path, "dev", tmp_path)


def test_a_remote_chart_that_cannot_be_pulled_names_the_ref(tmp_path: Path) -> None:
    profile = "chart: {ref: 'oci://127.0.0.1:9/charts/shop', version: 1.0.0}"
    with pytest.raises(DeployInputError, match=r"oci://127\.0\.0\.1:9/charts/shop"):
        resolve_target(load_profile(tmp_path, profile), tmp_path, None, tmp_path / "pull")


def _deployment(name: str, **labels: str) -> dict[str, object]:
    return {"kind": "Deployment", "metadata": {"name": name, "labels": labels}}


def test_workload_found_by_instance_label_and_component() -> None:
    objs = [_deployment("w", **{"app.kubernetes.io/instance": "shop-stable", "app.kubernetes.io/component": "worker"}),
            _deployment("a", **{"app.kubernetes.io/instance": "shop-stable", "app.kubernetes.io/component": "api"})]
    assert workload_of(objs, "shop-stable") == "a"


def test_a_chart_without_the_instance_label_is_refused_naming_it() -> None:
    with pytest.raises(DeployInputError, match=r"app\.kubernetes\.io/instance=shop-stable"):
        workload_of([_deployment("web", app="shop")], "shop-stable")


def test_the_image_ships_the_charts_where_the_agent_finds_them(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    from golive.settings import get_settings

    dockerfile = (REPO / "Dockerfile").read_text()
    assert "COPY charts /opt/airflow/charts" in dockerfile
    assert "GOLIVE_CHARTS_HOME=/opt/airflow/charts" in dockerfile
    assert generic_chart_dir() == REPO / "charts" / "golive-app"
    monkeypatch.setenv("GOLIVE_CHARTS_HOME", str(tmp_path))
    get_settings.cache_clear()
    assert generic_chart_dir() == tmp_path / "golive-app"
