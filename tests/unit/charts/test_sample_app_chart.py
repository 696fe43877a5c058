"""The sample-app chart and golive.charts: render with Helm's Go SDK, validate against Kubernetes.

Every render goes through helm-python-sdk (Helm v4's engine) and every rendered object through
the Kubernetes 1.31 OpenAPI schema (kubernetes-validate, strict: unknown fields are errors).
"""

from __future__ import annotations

import copy
import json
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_paths import REPO as ROOT

from golive.charts import (
    ChartRenderError,
    ChartValuesError,
    lint_chart,
    merge_values,
    render_chart,
    validate_manifests,
)

CHART = ROOT / "charts" / "sample-app"
DEV = str(CHART / "values-dev.yaml")
PROD = str(CHART / "values-prod.yaml")
DATA = ROOT / "tests" / "data" / "charts"
NS = "golive-apps"


@lru_cache(maxsize=64)
def _render(release: str, values_json: str, files: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    return tuple(render_chart(CHART, release, NS, json.loads(values_json), list(files)))


def render(values: dict[str, Any] | None = None, files: tuple[str, ...] = (), release: str = "sample-app") -> list:
    """Render (cached) and hand out a private copy."""
    return copy.deepcopy(list(_render(release, json.dumps(values or {}, sort_keys=True), files)))


def by_kind(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


def one(objs: list[dict[str, Any]], kind: str, name_part: str = "") -> dict[str, Any]:
    found = [o for o in by_kind(objs, kind) if name_part in o["metadata"]["name"]]
    assert len(found) == 1, f"expected one {kind} *{name_part}*, got {[o['metadata']['name'] for o in found]}"
    return found[0]


def container(obj: dict[str, Any], name: str) -> dict[str, Any]:
    containers = obj["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


ALL_ON = {
    "worker": {"enabled": True},
    "gpuWorker": {"enabled": True},
    "redis": {"enabled": True},
    "postgres": {"enabled": True},
    "ingress": {"enabled": True},
}

VALUE_SETS: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "defaults": ({}, ()),
    "dev": ({}, (DEV,)),
    "prod": ({}, (PROD,)),
    "canary": ({}, (str(DATA / "canary-values.yaml"),)),
    "blue": ({"strategy": {"type": "blue-green"}, "colour": "blue"}, ()),
    "green-prod": ({"strategy": {"type": "blue-green"}, "colour": "green"}, (PROD,)),
    "gpu": ({"gpuWorker": {"enabled": True}}, ()),
    "redis-postgres": ({"redis": {"enabled": True}, "postgres": {"enabled": True}}, (DEV,)),
    "ingress": ({"ingress": {"enabled": True, "className": "nginx"}}, ()),
    "recreate": ({"strategy": {"type": "recreate"}}, ()),
    "all-on": (ALL_ON, ()),
}


# --- every value set renders and every object is valid Kubernetes ---------------------------


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_value_set_renders_valid_kubernetes_objects(name: str) -> None:
    values, files = VALUE_SETS[name]
    objs = render(values, files)
    assert by_kind(objs, "Deployment"), "every value set deploys the API"
    assert validate_manifests(objs, k8s_version="1.31") == []
    names = [(o["kind"], o["metadata"]["name"]) for o in objs]
    assert len(names) == len(set(names)), f"duplicate objects: {names}"


@pytest.mark.parametrize("name", ["defaults", "dev", "prod", "all-on"])
def test_every_pod_is_non_root_with_read_only_root_and_resources(name: str) -> None:
    values, files = VALUE_SETS[name]
    for obj in render(values, files):
        if obj["kind"] not in ("Deployment", "StatefulSet", "Job"):
            continue
        pod = obj["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        assert pod["securityContext"]["runAsUser"] > 0
        assert pod["automountServiceAccountToken"] is False
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, c["name"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(c["resources"]["requests"]) and {"cpu", "memory"} <= set(
                c["resources"]["limits"]
            ), c["name"]


# --- the API Deployment ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["defaults", "dev", "prod"])
def test_api_probes_env_and_config_wiring(name: str) -> None:
    values, files = VALUE_SETS[name]
    objs = render(values, files)
    api = one(objs, "Deployment", "-api")
    c = container(api, "api")
    assert c["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    for probe in ("readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"] == {"path": "/health", "port": "http"}
    env = {e["name"]: e for e in c["env"]}
    assert env["POD_IP"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}
    assert env["HOST"]["value"] == "$(POD_IP)"
    names = [e["name"] for e in c["env"]]
    assert names.index("POD_IP") < names.index("HOST"), "$(POD_IP) only expands from an earlier variable"
    assert env["PORT"]["value"] == "8000"
    assert env["APP_VERSION"]["value"] == "0.1.0"
    config_ref = c["envFrom"][0]["configMapRef"]["name"]
    secret_ref = c["envFrom"][1]["secretRef"]["name"]
    cm = one(objs, "ConfigMap", "-config")
    assert cm["metadata"]["name"] == config_ref
    assert {"RATE_LIMIT_PER_MINUTE", "CORS_ALLOW_ORIGINS", "FAULT_MODE"} <= set(cm["data"])
    if name == "prod":
        assert secret_ref == "sample-app-secrets" and not by_kind(objs, "Secret"), "prod uses existingSecret"
    else:
        assert one(objs, "Secret")["metadata"]["name"] == secret_ref
    assert "checksum/config" in api["spec"]["template"]["metadata"]["annotations"]


def test_replicas_resources_and_values_files_merge_in_order() -> None:
    assert one(render(), "Deployment", "-api")["spec"]["replicas"] == 2
    assert one(render({}, (DEV,)), "Deployment", "-api")["spec"]["replicas"] == 1
    prod = render({}, (PROD,))
    assert one(prod, "Deployment", "-api")["spec"]["replicas"] == 3
    # later files and explicit values win, like helm -f a -f b --set
    both = render({}, (PROD, DEV))
    assert one(both, "Deployment", "-api")["spec"]["replicas"] == 1
    assert one(render({"api": {"replicas": 5}}, (PROD, DEV)), "Deployment", "-api")["spec"]["replicas"] == 5
    limits = container(one(prod, "Deployment", "-api"), "api")["resources"]["limits"]
    assert limits == {"cpu": "1", "memory": "512Mi"}


def test_rolling_and_recreate_strategies() -> None:
    rolling = one(render({"strategy": {"rollingUpdate": {"maxSurge": 2, "maxUnavailable": "50%"}}}), "Deployment")
    assert rolling["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 2, "maxUnavailable": "50%"},
    }
    recreate = one(render({"strategy": {"type": "recreate"}}), "Deployment")
    assert recreate["spec"]["strategy"] == {"type": "Recreate"}


# --- canary and blue/green: names, labels, Service selectors --------------------------------


def _selects(selector: dict[str, str], pod_labels: dict[str, str]) -> bool:
    return all(pod_labels.get(k) == v for k, v in selector.items())


def _api_pod_labels(objs: list[dict[str, Any]]) -> dict[str, str]:
    return one(objs, "Deployment", "-api")["spec"]["template"]["metadata"]["labels"]


def test_rolling_service_selects_the_app_without_track() -> None:
    objs = render()
    svc = one(objs, "Service")
    assert svc["spec"]["selector"] == {"app": "sample-app", "app.kubernetes.io/component": "api"}
    assert svc["spec"]["ports"][0]["targetPort"] == "http"
    api = one(objs, "Deployment", "-api")
    assert api["metadata"]["name"] == "sample-app-stable-api"
    assert api["metadata"]["labels"]["track"] == "stable"
    assert _selects(api["spec"]["selector"]["matchLabels"], _api_pod_labels(objs))


def test_stable_and_canary_coexist_behind_one_service() -> None:
    stable = render()
    canary = render({}, (str(DATA / "canary-values.yaml"),), release="sample-app-canary")
    canary_api = one(canary, "Deployment", "-api")
    assert canary_api["metadata"]["name"] == "sample-app-canary-api"
    assert canary_api["metadata"]["labels"]["track"] == "canary"
    assert not by_kind(canary, "Service"), "the stable release owns the Service"
    assert not by_kind(canary, "Secret"), "the canary shares the stable release's Secret"
    assert container(canary_api, "api")["envFrom"][1]["secretRef"]["name"] == "sample-app-secrets"
    assert one(stable, "Secret")["metadata"]["name"] == "sample-app-secrets"
    # the two releases own disjoint objects, so Helm can install both in one namespace
    stable_names = {(o["kind"], o["metadata"]["name"]) for o in stable}
    canary_names = {(o["kind"], o["metadata"]["name"]) for o in canary}
    assert stable_names.isdisjoint(canary_names), stable_names & canary_names
    # the stable Service sends traffic to both tracks ...
    selector = one(stable, "Service")["spec"]["selector"]
    assert _selects(selector, _api_pod_labels(stable)) and _selects(selector, _api_pod_labels(canary))
    # ... but each Deployment only owns its own pods
    stable_sel = one(stable, "Deployment", "-api")["spec"]["selector"]["matchLabels"]
    canary_sel = canary_api["spec"]["selector"]["matchLabels"]
    assert not _selects(stable_sel, _api_pod_labels(canary)) and not _selects(canary_sel, _api_pod_labels(stable))


def test_track_mode_selects_one_track() -> None:
    svc = one(render({"service": {"selector": {"mode": "track", "track": "stable"}}}), "Service")
    assert svc["spec"]["selector"]["track"] == "stable"
    canary = render({}, (str(DATA / "canary-values.yaml"),), release="sample-app-canary")
    assert not _selects(svc["spec"]["selector"], _api_pod_labels(canary))


def test_blue_green_service_selects_exactly_one_colour() -> None:
    bg = {"appName": "sample-app", "strategy": {"type": "blue-green"}}
    blue = render({**bg, "colour": "blue"}, release="sample-app-blue")
    green = render({**bg, "colour": "green", "service": {"enabled": False}}, release="sample-app-green")
    assert one(blue, "Deployment", "-api")["metadata"]["name"] == "sample-app-blue-api"
    assert one(green, "Deployment", "-api")["metadata"]["name"] == "sample-app-green-api"
    assert _api_pod_labels(blue)["colour"] == "blue"
    svc = one(blue, "Service")
    assert svc["spec"]["selector"]["colour"] == "blue", "blue-green defaults to the colour selector"
    assert _selects(svc["spec"]["selector"], _api_pod_labels(blue))
    assert not _selects(svc["spec"]["selector"], _api_pod_labels(green))
    # switching traffic = upgrading the Service owner with the other colour
    switched = one(
        render({**bg, "colour": "blue", "service": {"selector": {"colour": "green"}}}, release="sample-app-blue"),
        "Service",
    )
    assert _selects(switched["spec"]["selector"], _api_pod_labels(green))
    assert not _selects(switched["spec"]["selector"], _api_pod_labels(blue))
    # mode "app" puts both colours behind the Service (value-controlled)
    both = one(
        render({"strategy": {"type": "blue-green"}, "colour": "blue", "service": {"selector": {"mode": "app"}}}),
        "Service",
    )
    assert "colour" not in both["spec"]["selector"]


def test_colour_selector_without_a_colour_is_refused() -> None:
    with pytest.raises(ChartRenderError, match=r"service\.selector\.colour"):
        render({"service": {"selector": {"mode": "colour"}}})


# --- GPU job, worker, Redis, PostgreSQL, ingress --------------------------------------------


def test_gpu_job_requests_gpus_on_the_gpu_pool() -> None:
    assert not by_kind(render(), "Job"), "the GPU job is off by default"
    job = one(render({"gpuWorker": {"enabled": True}}), "Job")
    pod = job["spec"]["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    gpu = container(job, "gpu-worker")
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert gpu["resources"]["requests"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert job["spec"]["activeDeadlineSeconds"] == 3600
    amd = one(render({"gpuWorker": {"enabled": True, "gpu": {"resourceName": "amd.com/gpu", "count": 2}}}), "Job")
    assert container(amd, "gpu-worker")["resources"]["limits"]["amd.com/gpu"] == 2
    assert "nvidia.com/gpu" not in container(amd, "gpu-worker")["resources"]["limits"]


def test_gpu_job_without_node_selector_is_rejected() -> None:
    with pytest.raises(ChartValuesError) as err:
        # a map given as {} merges with the defaults (Helm semantics): null removes it
        render({"gpuWorker": {"enabled": True, "nodeSelector": None, "tolerations": []}})
    assert "gpuWorker.nodeSelector" in str(err.value) and "gpuWorker.tolerations" in str(err.value)


def test_cpu_worker_is_optional() -> None:
    assert len(by_kind(render(), "Deployment")) == 1
    worker = one(render({"worker": {"enabled": True}}), "Deployment", "-worker")
    assert container(worker, "worker")["command"] == ["python", "-m", "sample_app.worker"]
    assert len(by_kind(render({}, (PROD,)), "Deployment")) == 2


def test_redis_and_postgres_are_disabled_in_dev_and_wired_when_enabled() -> None:
    dev = render({}, (DEV,))
    assert not by_kind(dev, "StatefulSet")
    assert [s["metadata"]["name"] for s in by_kind(dev, "Service")] == ["sample-app"]
    objs = render({"redis": {"enabled": True}, "postgres": {"enabled": True}}, (DEV,))
    sts = {s["metadata"]["name"]: s for s in by_kind(objs, "StatefulSet")}
    assert set(sts) == {"sample-app-redis", "sample-app-postgres"}
    services = {s["metadata"]["name"] for s in by_kind(objs, "Service")}
    assert {"sample-app-redis", "sample-app-postgres", "sample-app-redis-headless"} <= services
    for name, st in sts.items():
        assert st["spec"]["serviceName"] == f"{name}-headless"
    env = {e["name"]: e for e in container(one(objs, "Deployment"), "api")["env"]}
    assert env["REDIS_URL"]["value"] == "redis://:$(REDIS_PASSWORD)@sample-app-redis:6379/0"
    assert env["DATABASE_URL"]["value"].endswith("@sample-app-postgres:5432/app")
    secret = one(objs, "Secret")
    assert set(secret["data"]) == {"APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"}
    prod = render({}, (PROD,))
    for st in by_kind(prod, "StatefulSet"):
        assert st["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"]


def test_ingress_only_when_enabled() -> None:
    assert not by_kind(render(), "Ingress")
    objs = render({"ingress": {"enabled": True, "className": "nginx", "host": "app.example.com"}})
    ing = one(objs, "Ingress")
    assert ing["spec"]["ingressClassName"] == "nginx"
    rule = ing["spec"]["rules"][0]
    assert rule["host"] == "app.example.com"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": one(objs, "Service")["metadata"]["name"], "port": {"name": "http"}}
    prod_ing = one(render({}, (PROD,)), "Ingress")
    assert prod_ing["spec"]["tls"][0]["secretName"] == "sample-app-tls"


# --- secrets are never in the chart ----------------------------------------------------------


def test_secret_values_are_generated_passed_or_external_never_committed() -> None:
    # render_chart is called directly (not the cache): two installs must differ
    first = one(render_chart(CHART, "sample-app", NS), "Secret")["data"]["APP_SECRET_KEY"]
    second = one(render_chart(CHART, "sample-app", NS), "Secret")["data"]["APP_SECRET_KEY"]
    assert first != second, "APP_SECRET_KEY must be generated at install, not hard-coded"
    assert len(__import__("base64").b64decode(first)) == 48
    passed = one(render_chart(CHART, "s", NS, {"secrets": {"values": {"APP_SECRET_KEY": "from-infra"}}}), "Secret")
    assert passed["data"]["APP_SECRET_KEY"] == "ZnJvbS1pbmZyYQ=="  # base64("from-infra")
    external = render({"secrets": {"existingSecret": "made-by-infra"}})
    assert not by_kind(external, "Secret")
    assert container(one(external, "Deployment"), "api")["envFrom"][1]["secretRef"]["name"] == "made-by-infra"


def test_detect_secrets_finds_nothing_in_the_charts() -> None:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    files = [str(p) for p in (ROOT / "charts").rglob("*") if p.is_file()]
    assert len(files) > 20
    found = SecretsCollection()
    with default_settings():
        found.scan_files(*files)
    assert found.json() == {}


def test_detect_secrets_scan_can_fail(tmp_path: Path) -> None:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    leaked = tmp_path / "values.yaml"
    leaked.write_text('secrets:\n  values:\n    password: "k8Yq2vRzT9wLmN4pXs7B"\n', encoding="utf-8")
    found = SecretsCollection()
    with default_settings():
        found.scan_files(str(leaked))
    assert found.json() != {}


# --- bad values are rejected, naming the value -----------------------------------------------


def test_bad_values_file_is_rejected_naming_each_value() -> None:
    with pytest.raises(ChartValuesError) as err:
        render_chart(CHART, "sample-app", NS, values_files=[str(DATA / "bad-values.yaml")])
    message = str(err.value)
    assert "api.replicas" in message and "minimum" in message
    assert "image.tag" in message
    assert set(err.value.violations) == {"api.replicas", "image.tag"}
    assert "values don't meet the specifications" in err.value.helm_message


@pytest.mark.parametrize(
    ("values", "offending"),
    [
        ({"api": {"replicas": 0}}, "api.replicas"),
        ({"image": {"tag": None}}, "image.tag"),
        ({"image": {"tag": "bad tag"}}, "image.tag"),
        ({"api": {"resources": {"requests": {"memory": None}}}}, "api.resources.requests.memory"),
        ({"api": {"replicaCount": 3}}, "api.replicaCount"),
        ({"track": "beta"}, "track"),
        ({"strategy": {"type": "blue-green"}}, "colour"),
        ({"strategy": {"type": "rolling", "rollingUpdate": {"maxSurge": "lots"}}}, "strategy.rollingUpdate.maxSurge"),
        ({"securityContext": {"readOnlyRootFilesystem": False}}, "securityContext.readOnlyRootFilesystem"),
        ({"podSecurityContext": {"runAsNonRoot": False}}, "podSecurityContext.runAsNonRoot"),
    ],
)
def test_schema_violation_names_the_offending_value(values: dict[str, Any], offending: str) -> None:
    with pytest.raises(ChartValuesError) as err:
        render_chart(CHART, "sample-app", NS, values)
    assert offending in err.value.violations, err.value.violations
    assert offending in str(err.value)


def test_render_errors_carry_helm_message(tmp_path: Path) -> None:
    with pytest.raises(ChartRenderError, match="cannot be loaded"):
        render_chart(tmp_path / "nope", "r", NS)
    with pytest.raises(ChartValuesError, match=r"missing\.yaml"):
        render_chart(CHART, "r", NS, values_files=[str(tmp_path / "missing.yaml")])
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("api: [unclosed\n", encoding="utf-8")
    with pytest.raises(ChartValuesError, match="not valid YAML"):
        render_chart(CHART, "r", NS, values_files=[str(broken_yaml)])
    with pytest.raises(ChartRenderError, match="release name"):
        render_chart(CHART, "Not_A_Release", NS)
    broken = tmp_path / "sample-app"
    shutil.copytree(CHART, broken)
    (broken / "templates" / "configmap.yaml").write_text("{{ .Values.nothing.here }}\n", encoding="utf-8")
    with pytest.raises(ChartRenderError) as err:
        render_chart(broken, "r", NS)
    assert "configmap.yaml" in str(err.value) and err.value.helm_message
    assert not isinstance(err.value, ChartValuesError)


# --- helm lint ----------------------------------------------------------------------------------


@pytest.mark.parametrize("files", [(), (DEV,), (PROD,)])
def test_helm_lint_passes(files: tuple[str, ...]) -> None:
    report = lint_chart(CHART, values_files=list(files), namespace=NS, strict=True)
    assert report.ok and report.errors == [] and report.warnings == [], report


def test_helm_lint_reports_errors(tmp_path: Path) -> None:
    report = lint_chart(CHART, values_files=[str(DATA / "bad-values.yaml")])
    assert not report.ok and any("replicas" in e for e in report.errors)
    broken = tmp_path / "sample-app"
    shutil.copytree(CHART, broken)
    (broken / "Chart.yaml").write_text("apiVersion: v2\nname: sample-app\n", encoding="utf-8")
    assert not lint_chart(broken).ok, "a chart without a version must fail lint"


# --- validate_manifests ---------------------------------------------------------------------


def test_validate_manifests_reports_every_error() -> None:
    api = one(render(), "Deployment")
    c = api["spec"]["template"]["spec"]["containers"][0]
    c["readinesProbe"] = c.pop("readinessProbe")  # misspelt field
    c["ports"][0]["containerPort"] = "8000"  # string instead of integer
    del api["spec"]["selector"]
    errors = validate_manifests([api])
    joined = "\n".join(errors)
    assert len(errors) >= 3, errors
    assert "Deployment/sample-app-stable-api" in joined
    assert "readinesProbe" in joined and "containerPort" in joined and "selector" in joined


def test_validate_manifests_unknown_kinds_and_versions() -> None:
    crd_obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert validate_manifests([crd_obj]) and "no schema" in validate_manifests([crd_obj])[0]
    assert validate_manifests([crd_obj], allow_unknown_kinds=True) == []
    assert validate_manifests([{"metadata": {}}])[0].startswith("object #0")
    with pytest.raises(Exception, match="ships"):
        validate_manifests([], k8s_version="1.99")
    ok = one(render(), "Service")
    assert validate_manifests([ok], k8s_version="1.25") == []
    assert validate_manifests([ok], k8s_version="v1.37.0") == []


def test_merge_values_is_helm_like() -> None:
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert merge_values(base, {"a": {"c": [3]}, "e": None}) == {"a": {"b": 1, "c": [3]}, "d": 1, "e": None}
    assert base == {"a": {"b": 1, "c": [1, 2]}, "d": 1}, "inputs are not mutated"


def test_notes_and_chart_files_are_present() -> None:
    expected = {
        "Chart.yaml",
        "values.yaml",
        "values-dev.yaml",
        "values-prod.yaml",
        "values.schema.json",
        "templates/_helpers.tpl",
        "templates/api-deployment.yaml",
        "templates/worker-deployment.yaml",
        "templates/gpu-worker-job.yaml",
        "templates/redis-statefulset.yaml",
        "templates/postgres-statefulset.yaml",
        "templates/services.yaml",
        "templates/configmap.yaml",
        "templates/secrets.yaml",
        "templates/ingress.yaml",
        "templates/NOTES.txt",
    }
    present = {str(p.relative_to(CHART)) for p in CHART.rglob("*") if p.is_file()}
    assert expected <= present, expected - present
    for values_file in ("values.yaml", "values-dev.yaml", "values-prod.yaml"):
        assert isinstance(yaml.safe_load((CHART / values_file).read_text(encoding="utf-8")), dict)
