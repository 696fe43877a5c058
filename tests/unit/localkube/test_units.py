"""Pure helpers of localkube: quantities, patches, timestamps, env expansion, mount maps, IPs."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from golive import runtime
from localkube.ipam import IPAllocator
from localkube.patch import PatchError, apply_patch, json_patch, merge_patch, strategic_merge_patch
from localkube.podspec import ContainerConfigError, build_env, expand, map_path, mount_map, process_limits
from localkube.quantity import QuantityError, parse_quantity
from localkube.scheduler import Node, Scheduler, pod_requests
from localkube.timeutil import parse_rfc3339, rfc3339, rfc3339_nano


@pytest.mark.parametrize(("text", "value"), [("500m", Decimal("0.5")), ("2", Decimal(2)), ("1.5", Decimal("1.5")),
                                             ("512Mi", Decimal(512 * 2**20)), ("1G", Decimal(10**9)),
                                             ("1e3", Decimal(1000)), (3, Decimal(3))])
def test_quantities(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


def test_bad_quantity() -> None:
    with pytest.raises(QuantityError):
        parse_quantity("lots")


def test_merge_and_strategic_patches() -> None:
    pod = {"metadata": {"labels": {"a": "1", "b": "2"}},
           "spec": {"containers": [{"name": "base", "image": "x:1"}, {"name": "side", "image": "y:1"}]}}
    merged = merge_patch(pod, {"metadata": {"labels": {"a": None, "already_checked": "True"}}})
    assert merged["metadata"]["labels"] == {"b": "2", "already_checked": "True"}
    assert pod["metadata"]["labels"] == {"a": "1", "b": "2"}  # input untouched
    strategic = strategic_merge_patch(pod, {"spec": {"containers": [{"name": "side", "image": "y:2"}]}})
    assert [c["image"] for c in strategic["spec"]["containers"]] == ["x:1", "y:2"]
    removed = strategic_merge_patch(pod, {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}})
    assert [c["name"] for c in removed["spec"]["containers"]] == ["base"]
    # merge patch replaces lists wholesale
    assert len(merge_patch(pod, {"spec": {"containers": [{"name": "only"}]}})["spec"]["containers"]) == 1


def test_json_patch_operations_and_errors() -> None:
    doc = {"metadata": {"labels": {"a": "1"}}, "items": [1, 2]}
    out = json_patch(doc, [{"op": "add", "path": "/metadata/labels/b~1c", "value": "2"},
                           {"op": "replace", "path": "/items/0", "value": 9},
                           {"op": "remove", "path": "/metadata/labels/a"},
                           {"op": "add", "path": "/items/-", "value": 3},
                           {"op": "test", "path": "/items/2", "value": 3}])
    assert out == {"metadata": {"labels": {"b/c": "2"}}, "items": [9, 2, 3]}
    with pytest.raises(PatchError):
        json_patch(doc, [{"op": "remove", "path": "/nope"}])
    with pytest.raises(PatchError):
        json_patch(doc, {"op": "add"})
    with pytest.raises(PatchError):
        apply_patch("application/apply-patch+yaml", doc, {})
    assert apply_patch("application/json-patch+json; charset=utf-8", doc,
                       [{"op": "add", "path": "/x", "value": 1}])["x"] == 1


def test_timestamps_round_trip() -> None:
    assert rfc3339(0) == "1970-01-01T00:00:00Z"
    nano = rfc3339_nano(1.5)
    assert nano == "1970-01-01T00:00:01.500000000Z"
    assert parse_rfc3339(nano) == 1.5
    assert parse_rfc3339("1970-01-01T01:00:00+01:00") == 0


def test_env_expansion_like_kubernetes() -> None:
    env = {"A": "x", "B": "y"}
    assert expand("$(A)-$(B)-$(C)-$$(A)", env) == "x-y-$(C)-$(A)"


def test_build_env_sources() -> None:
    pod = {"metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"app": "web"}},
           "spec": {"nodeName": "localkube", "containers": [{"name": "c", "resources": {"limits": {"memory": "1Mi"}}}]},
           "status": {"podIP": "127.1.0.9"}}
    container = {"name": "c", "env": [
        {"name": "NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Ki"}}},
        {"name": "GREETING", "value": "hi $(NAME) at $(IP)"},
        {"name": "CFG", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
        {"name": "OPT", "valueFrom": {"secretKeyRef": {"name": "missing", "key": "k", "optional": True}}},
    ], "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "CM_"}]}
    configmaps = {("ns", "cm"): {"data": {"k": "v"}}}
    env = build_env(container, pod, {"BASE": "1"}, lambda ns, n: configmaps.get((ns, n)), lambda ns, n: None)
    assert env["NAME"] == "p" and env["IP"] == "127.1.0.9" and env["APP"] == "web"
    assert env["MEM"] == "1024" and env["GREETING"] == "hi p at 127.1.0.9"
    assert env["CFG"] == "v" and env["CM_k"] == "v" and env["BASE"] == "1" and "OPT" not in env
    with pytest.raises(ContainerConfigError, match='configmap "nope" not found'):
        build_env({"name": "c", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]},
                  pod, {}, lambda ns, n: None, lambda ns, n: None)


def test_mount_map_agrees_with_golive_runtime(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    volumes = {"xcom": str(tmp_path / "xcom"), "data": str(tmp_path / "data")}
    container = {"volumeMounts": [{"name": "xcom", "mountPath": "/airflow/xcom"},
                                  {"name": "data", "mountPath": "/airflow/xcom/data", "subPath": "sub"}]}
    mapping = mount_map(container, volumes)
    assert map_path("/airflow/xcom/return.json", mapping) == str(tmp_path / "xcom" / "return.json")
    assert map_path("/airflow/xcom/data/f", mapping) == str(tmp_path / "data" / "sub" / "f")
    assert map_path("/elsewhere", mapping) == "/elsewhere"
    monkeypatch.setenv(runtime.MOUNT_MAP_ENV, json.dumps(mapping))
    assert runtime.resolve("/airflow/xcom/data/f") == map_path("/airflow/xcom/data/f", mapping)
    with pytest.raises(ContainerConfigError):
        mount_map({"volumeMounts": [{"name": "nope", "mountPath": "/x"}]}, volumes)


def test_process_limits_from_resources() -> None:
    limits = process_limits({"resources": {"limits": {"memory": "64Mi", "cpu": "500m"}}}, deadline=10)
    assert limits.memory_bytes == 64 * 2**20
    assert limits.cpu_seconds == 5
    assert process_limits({"resources": {}}, deadline=None).memory_bytes is None


def test_ip_allocator_uses_loopback_and_reuses_late() -> None:
    ips = IPAllocator()
    first, second = ips.allocate(), ips.allocate()
    assert first.startswith("127.") and first not in (second, "127.0.0.1")
    ips.release(first)
    assert ips.allocate() not in (first, second)


def test_scheduler_gpu_accounting() -> None:
    scheduler = Scheduler(Node(gpus=1))
    gpu_pod = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"nvidia.com/gpu": "1"}}}]}}
    assert pod_requests(gpu_pod["spec"])["nvidia.com/gpu"] == 1
    assert scheduler.unschedulable_reason(gpu_pod) is None
    assert scheduler.bind("a", gpu_pod).gpu_ids == [0]
    assert scheduler.unschedulable_reason(gpu_pod) == "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    scheduler.release("a")
    assert scheduler.unschedulable_reason(gpu_pod) is None
    picky = {"spec": {"nodeSelector": {"disk": "ssd"}, "containers": [{"name": "c"}]}}
    assert "didn't match Pod's node affinity/selector" in scheduler.unschedulable_reason(picky)


def test_virtual_sidecar_shell_runs_kpos_commands(tmp_path) -> None:
    from localkube.exec_ws import VirtualShell, exit_status

    (tmp_path / "return.json").write_text('{"a": 1}')
    shell = VirtualShell({"/airflow/xcom": str(tmp_path)})
    script = ("if [ -s /airflow/xcom/return.json ]; then cat /airflow/xcom/return.json; "
              "else echo __airflow_xcom_result_empty__; fi")
    assert shell.run(script) == (b'{"a": 1}', b"", 0)
    (tmp_path / "return.json").write_text("")
    assert shell.run(script) == (b"__airflow_xcom_result_empty__\n", b"", 0)
    out, err, code = shell.run("cat /airflow/xcom/missing")
    assert out == b""
    assert code == 1 and b"No such file" in err
    assert shell.run("ls /airflow")[2] == 127  # nothing else runs
    assert shell.run("if true; then echo x")[2] == 2
    assert not shell.killed
    assert shell.run("kill -2 $(pgrep -u $(id -u) -f 'sh')")[2] == 0 and shell.killed
    assert exit_status(["x"], 0)["status"] == "Success"
    assert exit_status(["x"], 3)["details"]["causes"][0]["message"] == "3"
