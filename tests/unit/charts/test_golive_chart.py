"""The golive platform chart (RBAC, NetworkPolicies, PriorityClasses, pod profiles) and
charts/airflow-values.yaml.

The pod-launcher Role is checked against the API calls KubernetesPodOperator makes, re-derived
from the installed cncf-kubernetes provider's source: a provider upgrade that adds a call fails
here until the Role grants it.
"""

from __future__ import annotations

import copy
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from repo_paths import REPO as ROOT

from golive.charts import (
    ChartValuesError,
    lint_chart,
    parse_pod_profiles,
    render_chart,
    validate_manifests,
)
from golive.errors import GoliveError

CHART = ROOT / "charts" / "golive"
SAMPLE_APP = ROOT / "charts" / "sample-app"
AIRFLOW_VALUES = ROOT / "charts" / "airflow-values.yaml"


@lru_cache(maxsize=32)
def _render(values_json: str) -> tuple[dict[str, Any], ...]:
    return tuple(render_chart(CHART, "golive", "default", json.loads(values_json)))


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return copy.deepcopy(list(_render(json.dumps(values or {}, sort_keys=True))))


def find(objs: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    hits = [
        o
        for o in objs
        if o["kind"] == kind
        and o["metadata"]["name"] == name
        and (namespace is None or o["metadata"].get("namespace") == namespace)
    ]
    assert len(hits) == 1, f"{kind}/{namespace}/{name}: {len(hits)} found"
    return hits[0]


def kinds(objs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objs if o["kind"] == kind]


LEDGER = {"networkPolicy": {"ledger": {"to": [{"ipBlock": {"cidr": "10.20.0.5/32"}}]}}}
VALUE_SETS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "ledger-and-api": {
        "networkPolicy": {
            "ledger": {
                "port": 6432,
                "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "db"}}}],
            },
            "kubeApi": {"cidrs": ["10.0.0.1/32", "10.0.0.2/32"]},
            "extraEgress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}],
        }
    },
    "no-netpol-no-ns": {"networkPolicy": {"enabled": False}, "namespaces": {"create": False}},
    "launch-in-both": {"rbac": {"podLauncher": {"namespaces": ["system", "workload"]}}},
    "custom-gpu": {"gpu": {"resourceName": "amd.com/gpu", "count": 2, "nodeSelector": {"pool": "mi300"}}},
    "no-priority-classes": {"priorityClasses": {"create": False}, "rbac": {"deploy": {"subjects": ["agent"]}}},
}


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_value_set_renders_valid_kubernetes_objects(name: str) -> None:
    objs = render(VALUE_SETS[name])
    assert validate_manifests(objs, k8s_version="1.31") == []
    for obj in objs:
        if obj["kind"] not in ("Namespace", "PriorityClass", "ClusterRole", "ClusterRoleBinding"):
            assert obj["metadata"]["namespace"] in ("golive", "golive-apps"), obj["metadata"]


def test_helm_lint_passes() -> None:
    report = lint_chart(CHART, strict=True)
    assert report.ok and report.warnings == [], report


def test_namespaces_and_service_accounts() -> None:
    objs = render()
    assert {n["metadata"]["name"] for n in kinds(objs, "Namespace")} == {"golive", "golive-apps"}
    workload_ns = find(objs, "Namespace", "golive-apps")
    assert workload_ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    sas = {s["metadata"]["name"]: s for s in kinds(objs, "ServiceAccount")}
    assert set(sas) == {"golive-agent", "golive-airflow-worker"}
    assert all(s["metadata"]["namespace"] == "golive" for s in sas.values())
    assert not kinds(render({"namespaces": {"create": False}}), "Namespace")


# --- RBAC: exactly what KubernetesPodOperator calls ------------------------------------------

# Kubernetes client method -> the (resource, verb) permissions it needs.
KPO_CALL_PERMISSIONS: dict[str, set[tuple[str, str]]] = {
    "create_namespaced_pod": {("pods", "create")},
    "read_namespaced_pod": {("pods", "get")},
    "list_namespaced_pod": {("pods", "list")},
    "patch_namespaced_pod": {("pods", "patch")},
    "delete_namespaced_pod": {("pods", "delete")},
    "read_namespaced_pod_log": {("pods/log", "get")},
    # websocket exec: a GET upgrade, authorized as "create" since Kubernetes 1.31, "get" before
    "connect_get_namespaced_pod_exec": {("pods/exec", "create"), ("pods/exec", "get")},
    "list_namespaced_event": {("events", "list")},
    "watch:list_namespaced_event": {("events", "watch")},
    # the kubernetes client's Watch streams this one with follow=True: still a GET on pods/log
    "watch:read_namespaced_pod_log": {("pods/log", "get")},
}
KPO_SOURCES = ("operators/pod.py", "utils/pod_manager.py", "triggers/pod.py", "hooks/kubernetes.py")


def kpo_calls() -> set[str]:
    """Pod and event API methods the installed provider calls, plus watches (as ``watch:<method>``)."""
    import airflow.providers.cncf.kubernetes as provider

    base = Path(provider.__file__).parent
    calls: set[str] = set()
    for rel in KPO_SOURCES:
        source = (base / rel).read_text(encoding="utf-8")
        for method in re.findall(r"\.(\w+_namespaced_(?:pod|event)\w*)\b", source):
            calls.add(method)
        for method in re.findall(r"\.stream\(\s*[\w.]*?\.?(\w+_namespaced_\w+)", source):
            calls.add(f"watch:{method}")
    return calls


def role_permissions(role: dict[str, Any]) -> set[tuple[str, str]]:
    perms: set[tuple[str, str]] = set()
    for rule in role["rules"]:
        assert rule["apiGroups"] == [""], rule
        assert "resourceNames" not in rule
        perms |= {(res, verb) for res in rule["resources"] for verb in rule["verbs"]}
    return perms


def test_kpo_source_scan_finds_the_known_calls() -> None:
    calls = kpo_calls()
    assert {"create_namespaced_pod", "connect_get_namespaced_pod_exec", "watch:list_namespaced_event"} <= calls
    unknown = calls - set(KPO_CALL_PERMISSIONS)
    assert not unknown, f"KubernetesPodOperator now calls {unknown}: extend golive-pod-launcher and this map"


def test_pod_launcher_role_grants_exactly_what_kpo_calls() -> None:
    needed = set().union(*(KPO_CALL_PERMISSIONS[c] for c in kpo_calls()))
    role = find(render(), "Role", "golive-pod-launcher", "golive")
    granted = role_permissions(role)
    assert granted == needed, f"missing {needed - granted}, extra {granted - needed}"
    assert ("pods", "watch") not in granted, "KPO 10.25 never watches pods"
    assert not any(res == "secrets" for res, _ in granted)


def test_pod_launcher_is_bound_to_the_airflow_worker_in_each_configured_namespace() -> None:
    objs = render({"rbac": {"podLauncher": {"namespaces": ["system", "workload"]}}})
    for ns in ("golive", "golive-apps"):
        find(objs, "Role", "golive-pod-launcher", ns)
        binding = find(objs, "RoleBinding", "golive-pod-launcher", ns)
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "golive-pod-launcher",
        }
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": "golive-airflow-worker", "namespace": "golive"}
        ]
    assert len(kinds(render(), "RoleBinding")) == 3


def test_deployer_role_covers_every_kind_the_sample_app_renders() -> None:
    objs = render()
    role = find(objs, "Role", "golive-deployer", "golive-apps")
    writes: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                writes.setdefault((group, res), set()).update(rule["verbs"])
    everything = {
        "worker": {"enabled": True},
        "gpuWorker": {"enabled": True},
        "redis": {"enabled": True},
        "postgres": {"enabled": True},
        "ingress": {"enabled": True},
    }
    app_objs = render_chart(SAMPLE_APP, "sample-app", "golive-apps", everything)
    crud = {"get", "list", "watch", "create", "update", "patch", "delete"}
    for obj in app_objs:
        group = obj["apiVersion"].rpartition("/")[0]
        resource = obj["kind"].lower() + "s" if not obj["kind"].endswith("s") else obj["kind"].lower() + "es"
        assert crud <= writes.get((group, resource), set()), f"golive-deployer cannot manage {group}/{resource}"
    # Helm's release records are Secrets of the namespace; rollout watching reads pods and events
    assert crud <= writes[("", "secrets")]
    assert {"get", "list", "watch"} <= writes[("", "pods")] and "create" not in writes[("", "pods")]
    binding = find(objs, "RoleBinding", "golive-deployer", "golive-apps")
    assert {s["name"] for s in binding["subjects"]} == {"golive-agent", "golive-airflow-worker"}
    only_agent = render({"rbac": {"deploy": {"subjects": ["agent"]}}})
    assert [s["name"] for s in find(only_agent, "RoleBinding", "golive-deployer")["subjects"]] == ["golive-agent"]


def test_pod_profiles_reader_is_limited_to_one_configmap() -> None:
    role = find(render(), "Role", "golive-pod-profiles-reader", "golive")
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["golive-pod-profiles"], "verbs": ["get"]}
    ]


def test_node_reader_only_lists_nodes_for_the_airflow_worker() -> None:
    objs = render()
    role = next(o for o in kinds(objs, "ClusterRole") if o["metadata"]["name"] == "golive-node-reader")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["list"]}]
    binding = next(o for o in kinds(objs, "ClusterRoleBinding") if o["metadata"]["name"] == "golive-node-reader")
    assert binding["roleRef"]["kind"] == "ClusterRole" and binding["roleRef"]["name"] == "golive-node-reader"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "golive-airflow-worker", "namespace": "golive"}]


def test_rbac_subjects_exist() -> None:
    objs = render()
    sas = {(s["metadata"]["namespace"], s["metadata"]["name"]) for s in kinds(objs, "ServiceAccount")}
    roles = {(r["metadata"]["namespace"], r["metadata"]["name"]) for r in kinds(objs, "Role")}
    for binding in kinds(objs, "RoleBinding"):
        assert (binding["metadata"]["namespace"], binding["roleRef"]["name"]) in roles
        for subject in binding["subjects"]:
            assert (subject["namespace"], subject["name"]) in sas


# --- NetworkPolicies -------------------------------------------------------------------------


def test_workload_namespace_is_default_deny() -> None:
    objs = render()
    deny = find(objs, "NetworkPolicy", "golive-default-deny", "golive-apps")
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    allow = find(objs, "NetworkPolicy", "golive-workload-allow", "golive-apps")
    dns = allow["spec"]["egress"][0]
    assert {"protocol": "UDP", "port": 53} in dns["ports"] and {"protocol": "TCP", "port": 53} in dns["ports"]
    sources = allow["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "golive"}}} in sources
    assert not kinds(render({"networkPolicy": {"enabled": False}}), "NetworkPolicy")


def test_agent_pods_egress_only_to_what_is_allowed() -> None:
    objs = render({"networkPolicy": {"allowEgressToWorkload": False}})
    agents = find(objs, "NetworkPolicy", "golive-agents", "golive")
    assert agents["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert agents["spec"]["ingress"] == []
    assert len(agents["spec"]["egress"]) == 1, "without a ledger configured only DNS is allowed"
    assert agents["spec"]["egress"][0]["to"][0]["podSelector"] == {"matchLabels": {"k8s-app": "kube-dns"}}
    with_ledger = find(render(LEDGER), "NetworkPolicy", "golive-agents")
    ledger_rule = [r for r in with_ledger["spec"]["egress"] if r.get("ports") == [{"protocol": "TCP", "port": 5432}]]
    assert ledger_rule and ledger_rule[0]["to"] == [{"ipBlock": {"cidr": "10.20.0.5/32"}}]
    # the policy selects the agent pods by the labels the pod profiles tell the operator to set
    profiles = parse_pod_profiles(find(objs, "ConfigMap", "golive-pod-profiles"))
    assert agents["spec"]["podSelector"] == {"matchLabels": profiles["labels"]}
    assert not [p for p in kinds(objs, "NetworkPolicy") if p["metadata"]["name"] == "golive-agents-kube-api"]


def test_only_the_agent_pods_that_need_the_api_reach_it() -> None:
    from golive.kube.agentpod import KUBE_API_LABEL

    objs = render({"networkPolicy": {"kubeApi": {"cidrs": ["10.0.0.1/32"]}}})
    base = find(objs, "NetworkPolicy", "golive-agents", "golive")
    assert not any("ipBlock" in peer for rule in base["spec"]["egress"] for peer in rule["to"]), \
        "the policy of every agent pod has no route to the API"
    api = find(objs, "NetworkPolicy", "golive-agents-kube-api", "golive")
    profiles = parse_pod_profiles(find(objs, "ConfigMap", "golive-pod-profiles"))
    assert api["spec"]["podSelector"] == {"matchLabels": {**profiles["labels"], KUBE_API_LABEL: "true"}}
    assert api["spec"]["policyTypes"] == ["Egress"] and "ingress" not in api["spec"]
    assert api["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.0.1/32"}}],
                                      "ports": [{"protocol": "TCP", "port": 443}]}]


def test_agent_pods_reach_only_the_applications_under_test_in_the_workload_namespace() -> None:
    everyone = find(render(), "NetworkPolicy", "golive-agents", "golive")
    workload = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "golive-apps"}}}
    assert {"to": [workload]} in everyone["spec"]["egress"]
    narrowed = find(render({"networkPolicy": {"workloadPodLabels": {"app.kubernetes.io/part-of": "shop"}}}),
                    "NetworkPolicy", "golive-agents", "golive")
    peer = {**workload, "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "shop"}}}
    assert {"to": [peer]} in narrowed["spec"]["egress"] and {"to": [workload]} not in narrowed["spec"]["egress"]


# --- PriorityClasses and pod profiles ----------------------------------------------------------


def test_priority_classes() -> None:
    pcs = {p["metadata"]["name"]: p for p in kinds(render(), "PriorityClass")}
    assert set(pcs) == {"golive-critical", "golive-batch"}
    assert pcs["golive-critical"]["value"] > pcs["golive-batch"]["value"]
    assert pcs["golive-batch"]["preemptionPolicy"] == "Never"
    assert not any(p["globalDefault"] for p in pcs.values())
    with pytest.raises(ChartValuesError, match=r"priorityClasses\.critical\.value"):
        render_chart(CHART, "golive", "default", {"priorityClasses": {"critical": {"value": 2_000_000_000}}})


def test_pod_profiles_configmap() -> None:
    objs = render()
    doc = parse_pod_profiles(find(objs, "ConfigMap", "golive-pod-profiles", "golive"))
    assert doc["namespace"] == "golive" and doc["serviceAccountName"] == "golive-agent"
    cpu, gpu = doc["profiles"]["cpu"], doc["profiles"]["gpu"]
    assert "nvidia.com/gpu" not in cpu["resources"]["limits"] and cpu["tolerations"] == []
    assert gpu["resources"]["limits"]["nvidia.com/gpu"] == "1" == gpu["resources"]["requests"]["nvidia.com/gpu"]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in gpu["tolerations"]
    assert gpu["nodeSelector"] == {"golive.io/accelerator": "nvidia-gpu"}
    assert cpu["activeDeadlineSeconds"] > 0 and gpu["activeDeadlineSeconds"] > 0
    pc_names = {p["metadata"]["name"] for p in kinds(objs, "PriorityClass")}
    assert {cpu["priorityClassName"], gpu["priorityClassName"]} <= pc_names
    custom = parse_pod_profiles(find(render(VALUE_SETS["custom-gpu"]), "ConfigMap", "golive-pod-profiles"))
    assert custom["gpuResourceName"] == "amd.com/gpu"
    limits = custom["profiles"]["gpu"]["resources"]["limits"]
    assert limits["amd.com/gpu"] == "2" and "nvidia.com/gpu" not in limits
    assert custom["profiles"]["gpu"]["nodeSelector"] == {"golive.io/accelerator": "nvidia-gpu", "pool": "mi300"}


def test_the_embedded_pod_profiles_are_the_charts_defaults() -> None:
    from golive.kube.podprofiles import EMBEDDED_PROFILES

    doc = parse_pod_profiles(find(render(), "ConfigMap", "golive-pod-profiles", "golive"))
    assert json.loads(EMBEDDED_PROFILES.read_text(encoding="utf-8")) == doc


def test_parse_pod_profiles_rejects_bad_documents() -> None:
    with pytest.raises(GoliveError, match=r"profiles\.json"):
        parse_pod_profiles({"data": {}})
    with pytest.raises(GoliveError, match="version"):
        parse_pod_profiles({"data": {"profiles.json": json.dumps({"version": 2})}})
    head = {"version": 1, "serviceAccountName": "golive-agent", "labels": {}}
    cpu = {"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}, "nodeSelector": {}, "tolerations": [],
           "priorityClassName": "p", "activeDeadlineSeconds": 60}
    with pytest.raises(GoliveError, match="'gpu'"):
        parse_pod_profiles({"data": {"profiles.json": json.dumps({**head, "profiles": {"cpu": cpu}})}})
    with pytest.raises(GoliveError, match="lacks nodeSelector"):
        bad = {"cpu": {k: v for k, v in cpu.items() if k != "nodeSelector"}, "gpu": cpu}
        parse_pod_profiles({"data": {"profiles.json": json.dumps({**head, "profiles": bad})}})
    with pytest.raises(GoliveError, match=r"profiles\.gpu\.activeDeadlineSeconds"):
        bad = {"cpu": cpu, "gpu": {**cpu, "activeDeadlineSeconds": 0}}
        parse_pod_profiles({"data": {"profiles.json": json.dumps({**head, "profiles": bad})}})
    with pytest.raises(GoliveError, match=r"profiles\.cpu\.resources\.limits needs cpu and memory"):
        bad = {"cpu": {**cpu, "resources": {"limits": {"cpu": "1"}}}, "gpu": cpu}
        parse_pod_profiles({"data": {"profiles.json": json.dumps({**head, "profiles": bad})}})


@pytest.mark.parametrize(
    ("values", "offending"),
    [
        ({"gpu": {"nodeSelector": None}}, "gpu.nodeSelector"),
        ({"gpu": {"tolerations": []}}, "gpu.tolerations"),
        ({"gpu": {"count": 0}}, "gpu.count"),
        ({"rbac": {"deploy": {"subjects": ["root"]}}}, "rbac.deploy.subjects.0"),
        ({"namespaces": {"system": "Golive_System"}}, "namespaces.system"),
        (
            {"podProfiles": {"cpu": {"resources": {"limits": {"memory": None}}}}},
            "podProfiles.cpu.resources.limits.memory",
        ),
        ({"networkPolicy": {"kubeApi": {"cidrs": ["kubernetes.default"]}}}, "networkPolicy.kubeApi.cidrs.0"),
        ({"networkPolicy": {"ledgr": {}}}, "networkPolicy.ledgr"),
    ],
)
def test_bad_values_are_rejected_naming_the_value(values: dict[str, Any], offending: str) -> None:
    with pytest.raises(ChartValuesError) as err:
        render_chart(CHART, "golive", "default", values)
    assert offending in err.value.violations, err.value.violations


# --- airflow-values.yaml for the official chart -------------------------------------------------
# The official apache-airflow/airflow chart cannot be fetched offline, so this file is checked as
# YAML with the keys golive depends on, and against charts/golive's objects.


@pytest.fixture(scope="module")
def airflow_values() -> dict[str, Any]:
    return yaml.safe_load(AIRFLOW_VALUES.read_text(encoding="utf-8"))


def test_airflow_values_image_executor_and_components(airflow_values: dict[str, Any]) -> None:
    v = airflow_values
    assert v["images"]["airflow"]["repository"] == "golive-airflow"
    assert isinstance(v["images"]["airflow"]["tag"], str) and v["images"]["airflow"]["tag"]
    assert v["airflowVersion"].startswith("3.")
    assert v["executor"] in ("CeleryExecutor", "KubernetesExecutor")
    if v["executor"] == "CeleryExecutor":
        assert v["redis"]["enabled"] is True, "Celery needs a broker"
    assert v["triggerer"]["enabled"] is True, "the gate sensors are deferrable"
    assert v["config"]["operators"]["default_deferrable"] == "True"
    env = {e["name"]: e["value"] for e in v["env"]}
    assert env["AIRFLOW__CORE__DAGS_FOLDER"].startswith("/")
    assert v["dags"]["gitSync"]["enabled"] is False and v["dags"]["persistence"]["enabled"] is False


def test_airflow_values_database_and_connections_come_from_secrets(airflow_values: dict[str, Any]) -> None:
    v = airflow_values
    assert v["postgresql"]["enabled"] is False and v["data"]["metadataSecretName"]
    assert set(v["data"]) <= {"metadataSecretName", "resultBackendSecretName", "brokerUrlSecretName"}
    assert "metadataConnection" not in v["data"], "no inline database credentials"
    conns = {s["envName"]: s for s in v["secret"]}
    for env_name, key in (
        ("AIRFLOW_CONN_KUBERNETES_DEFAULT", "kubernetes_default"),
        ("AIRFLOW_CONN_GOLIVE_LEDGER", "golive_ledger"),
    ):
        assert conns[env_name]["secretKey"] == key and conns[env_name]["secretName"]
    text = AIRFLOW_VALUES.read_text(encoding="utf-8")
    assert not re.search(r"(?im)^\s*(password|fernetKey|jwtSecret|apiSecretKey)\s*:", text), "no secret values inline"
    assert "in_cluster" in text


def test_airflow_service_accounts_are_the_ones_charts_golive_binds(airflow_values: dict[str, Any]) -> None:
    objs = render()
    launcher_subjects = {s["name"] for s in find(objs, "RoleBinding", "golive-pod-launcher", "golive")["subjects"]}
    for component in ("workers", "triggerer"):
        sa = airflow_values[component]["serviceAccount"]
        assert sa["create"] is False, f"{component}: charts/golive creates the account"
        assert sa["name"] in launcher_subjects, f"{component} runs KPO (or its trigger) without pod rights"
    env = {e["name"]: e["value"] for e in airflow_values["env"]}
    volume = next(v for v in airflow_values["volumes"] if v["name"] == "golive-pod-profiles")
    assert volume["configMap"]["name"] == find(objs, "ConfigMap", "golive-pod-profiles")["metadata"]["name"]
    mount = next(m for m in airflow_values["volumeMounts"] if m["name"] == "golive-pod-profiles")
    assert env["GOLIVE_POD_PROFILES"] == f"{mount['mountPath']}/profiles.json", "the operator reads the mounted file"
    assert env["GOLIVE_AGENT_NAMESPACE"] == "golive"
    assert airflow_values["allowPodLaunching"] is False
