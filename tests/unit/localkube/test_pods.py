"""Pod lifecycle on a real localkube server, through the kubernetes python client."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import stream
from waiting import wait_for

from localkube import LocalKube

pytestmark = pytest.mark.localkube

TS_LINE = re.compile(rb"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (.*)$")


def pod_body(code: str, name: str | None = None, **spec: Any) -> dict[str, Any]:
    container = {"name": "base", "image": "python:3.11", "command": ["python", "-c", code]}
    container.update(spec.pop("container", {}))
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name or f"p-{uuid.uuid4().hex[:8]}", "labels": {"suite": "pods"}},
            "spec": {"restartPolicy": "Never", "containers": [container], **spec}}


def run_pod(kube: LocalKube, body: dict[str, Any], phases: tuple[str, ...] = ("Succeeded", "Failed")) -> dict:
    api = kube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    return wait_for(lambda: (p := kube.pod(name)) and p["status"]["phase"] in phases and p, what=f"{name} {phases}")


def logs(kube: LocalKube, name: str, **kwargs: Any) -> str:
    # _preload_content=False: kubernetes 36 returns str(bytes) for preloaded logs, as KPO avoids too
    response = kube.core_v1().read_namespaced_pod_log(name, "default", container="base",
                                                      _preload_content=False, **kwargs)
    return response.data.decode()


def main_pid(kube: LocalKube, name: str) -> int:
    """The pid (= process group) of the pod's ``base`` container."""
    return kube.call(lambda: next(r for r in kube.kubelet.pods.values() if r.name == name)
                     .containers["base"].process.pid)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (our child, not reaped yet) counts as dead
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def test_exit_codes_become_container_states_and_phases(localkube: LocalKube) -> None:
    ok = run_pod(localkube, pod_body("print('fine')"))
    bad = run_pod(localkube, pod_body("import sys; print('broken'); sys.exit(3)"))
    assert ok["status"]["phase"] == "Succeeded" and bad["status"]["phase"] == "Failed"
    terminated = bad["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 3 and terminated["reason"] == "Error"
    assert terminated["finishedAt"].endswith("Z") and terminated["startedAt"].endswith("Z")
    status = ok["status"]["containerStatuses"][0]
    assert status["state"]["terminated"]["reason"] == "Completed"
    assert status["imageID"] == "localkube://python:3.11" and status["restartCount"] == 0
    assert ok["spec"]["nodeName"] == "localkube" and ok["status"]["podIP"].startswith("127.")
    # the client deserializes it (required fields present)
    typed = localkube.core_v1().read_namespaced_pod(bad["metadata"]["name"], "default")
    assert typed.status.container_statuses[0].state.terminated.exit_code == 3
    reasons = [e["reason"] for e in localkube.events(ok["metadata"]["name"])]
    assert reasons == ["Scheduled", "Pulled", "Created", "Started"]


def test_pod_runs_quickly_after_create(localkube: LocalKube) -> None:
    body = pod_body("import time; time.sleep(2)")
    created = localkube.core_v1().create_namespaced_pod("default", body)
    assert created.status.phase == "Pending"  # the create response is the stored object, as on a cluster
    pod = localkube.pod(body["metadata"]["name"])
    assert pod["status"]["phase"] == "Running"  # the kubelet started it before answering
    assert pod["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    localkube.core_v1().delete_namespaced_pod(body["metadata"]["name"], "default", grace_period_seconds=0)


def test_logs_with_timestamps_tail_since_and_limit(localkube: LocalKube) -> None:
    pod = run_pod(localkube, pod_body("import sys; print('one'); print('two', file=sys.stderr); print('three')"))
    name = pod["metadata"]["name"]
    assert logs(localkube, name) == "one\ntwo\nthree\n"
    stamped = logs(localkube, name, timestamps=True).encode().splitlines()
    assert [TS_LINE.match(line).group(1) for line in stamped] == [b"one", b"two", b"three"]
    assert logs(localkube, name, tail_lines=1) == "three\n"
    assert logs(localkube, name, since_seconds=3600) == "one\ntwo\nthree\n"
    assert logs(localkube, name, limit_bytes=5) == "one\nt"


def test_follow_streams_until_the_container_ends(localkube: LocalKube) -> None:
    body = pod_body("import time\nfor i in range(3):\n    print(i)\n    time.sleep(0.2)")
    api = localkube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    response = api.read_namespaced_pod_log(name, "default", container="base", follow=True, _preload_content=False)
    assert b"".join(response.stream()) == b"0\n1\n2\n"
    # the stream ended only after the status said terminated
    assert localkube.pod(name)["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


def test_env_args_expansion_field_refs_and_interpreter(localkube: LocalKube) -> None:
    code = ("import json, os, sys; print(json.dumps({'argv': sys.argv[1:], 'exe': sys.executable, "
            "'env': {k: os.environ.get(k) for k in ('GREETING', 'POD_NAME', 'POD_NS', 'POD_IP', 'PATH', 'HOSTNAME')},"
            " 'cwd': os.getcwd()}))")
    body = pod_body(code, container={
        "args": ["$(GREETING)", "$$(KEPT)"], "workingDir": "/work/dir",
        "env": [{"name": "WHO", "value": "localkube"}, {"name": "GREETING", "value": "hello $(WHO)"},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "POD_NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}]})
    pod = run_pod(localkube, body)
    out = json.loads(logs(localkube, pod["metadata"]["name"]))
    assert out["argv"] == ["hello localkube", "$(KEPT)"]
    assert out["exe"] == sys.executable
    assert out["env"]["POD_NAME"] == pod["metadata"]["name"] and out["env"]["POD_NS"] == "default"
    assert out["env"]["POD_IP"] == pod["status"]["podIP"] and out["env"]["HOSTNAME"] == pod["metadata"]["name"]
    assert out["env"]["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
    assert out["cwd"].endswith("/rootfs/work/dir")


def test_mount_map_volumes_and_virtual_xcom_sidecar(localkube: LocalKube) -> None:
    localkube.core_v1().create_namespaced_config_map("default", {"metadata": {"name": "settings"},
                                                                 "data": {"mode": "fast"}})
    code = ("import json, os; from golive import runtime; print(os.environ['LOCALKUBE_MOUNT_MAP']); "
            "print(open(runtime.resolve('/etc/settings/mode')).read()); runtime.write_xcom({'answer': 42}); "
            "import time; time.sleep(0.2)")
    body = pod_body(code, container={"volumeMounts": [{"name": "xcom", "mountPath": "/airflow/xcom"},
                                                      {"name": "cfg", "mountPath": "/etc/settings"}]},
                    volumes=[{"name": "xcom", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "settings"}}])
    body["spec"]["containers"].append({"name": "airflow-xcom-sidecar", "image": "alpine",
                                       "command": ["sh", "-c", "while true; do sleep 1; done"],
                                       "volumeMounts": [{"name": "xcom", "mountPath": "/airflow/xcom"}]})
    api = localkube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    pod = wait_for(lambda: (p := localkube.pod(name)) and p["status"]["containerStatuses"][0]["state"].get(
        "terminated") and p)
    assert pod["status"]["phase"] == "Running"  # the sidecar keeps it running, as on a cluster
    mount_line, mode = logs(localkube, name).splitlines()[:2]
    mapping = json.loads(mount_line)
    assert set(mapping) >= {"/airflow/xcom", "/etc/settings"} and mode == "fast"
    assert json.load(open(os.path.join(mapping["/airflow/xcom"], "return.json"))) == {"answer": 42}
    read = stream(api.connect_get_namespaced_pod_exec, name, "default", container="airflow-xcom-sidecar",
                  command=["/bin/sh", "-c", ("if [ -s /airflow/xcom/return.json ]; then cat /airflow/xcom/return.json;"
                           " else echo empty; fi")], stderr=True, stdin=False, stdout=True, tty=False,
                  _preload_content=False)
    read.run_forever(timeout=10)
    assert json.loads(read.read_stdout()) == {"answer": 42} and read.returncode == 0
    missing = stream(api.connect_get_namespaced_pod_exec, name, "default", container="airflow-xcom-sidecar",
                     command=["cat", "/airflow/xcom/nope"], stderr=True, stdin=False, stdout=True, tty=False,
                     _preload_content=False)
    missing.run_forever(timeout=10)
    assert missing.returncode == 1
    killer = stream(api.connect_get_namespaced_pod_exec, name, "default", container="airflow-xcom-sidecar",
                    command=["/bin/sh"], stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
    killer.write_stdin("kill -2 $(pgrep -u $(id -u) -f 'sh')\n")
    killer.run_forever(timeout=10)
    assert not killer.is_open()  # the server closed the stream after the kill
    assert wait_for(lambda: localkube.pod(name)["status"]["phase"] == "Succeeded")


def test_exec_runs_argv_in_a_running_container(localkube: LocalKube) -> None:
    body = pod_body("import time; time.sleep(30)", container={"env": [{"name": "SECRET_WORD", "value": "swordfish"}]})
    api = localkube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    out = stream(api.connect_get_namespaced_pod_exec, name, "default", container="base",
                 command=["python", "-c", "import os; print(os.environ['SECRET_WORD'])"],
                 stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    out.run_forever(timeout=10)
    assert out.read_stdout().strip() == "swordfish"
    echo = stream(api.connect_get_namespaced_pod_exec, name, "default", container="base",
                  command=["python", "-c", "import sys; sys.stdout.write(sys.stdin.readline().upper()); sys.exit(4)"],
                  stderr=True, stdin=True, stdout=True, tty=False, _preload_content=False)
    echo.write_stdin("shout\n")
    echo.run_forever(timeout=10)
    assert echo.read_stdout() == "SHOUT\n" and echo.returncode == 4
    api.delete_namespaced_pod(name, "default", grace_period_seconds=0)
    wait_for(lambda: localkube.pod(name) is None)
    url = f"{localkube.url}/api/v1/namespaces/default/pods/{name}/exec?command=true&container=base&stdout=True"
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {localkube.token}"}))
    assert gone.value.code == 404 and json.load(gone.value)["reason"] == "NotFound"


def test_delete_kills_the_whole_process_group(localkube: LocalKube) -> None:
    code = ("import subprocess, sys, time; child = subprocess.Popen([sys.executable, '-c', 'import time; "
            "time.sleep(60)']); print(child.pid, flush=True); time.sleep(60)")
    body = pod_body(code)
    api = localkube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    child = int(wait_for(lambda: logs(localkube, name).strip(), what="child pid"))
    pid = main_pid(localkube, name)
    assert alive(pid) and alive(child)
    deleted = api.delete_namespaced_pod(name, "default")
    assert deleted.metadata.deletion_timestamp is not None
    wait_for(lambda: not alive(pid) and not alive(child), what="process group gone")
    wait_for(lambda: localkube.pod(name) is None, what="pod object removed")
    with pytest.raises(ApiException) as gone:
        api.read_namespaced_pod(name, "default")
    assert gone.value.status == 404 and json.loads(gone.value.body)["reason"] == "NotFound"
    assert "Killing" in [e["reason"] for e in localkube.events(name)]


def test_grace_period_is_capped_for_processes_ignoring_sigterm(localkube_factory: Callable[..., LocalKube]) -> None:
    kube = localkube_factory(max_grace_seconds=0.5)
    body = pod_body("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True);"
                    " time.sleep(60)", terminationGracePeriodSeconds=600)
    api = kube.core_v1()
    api.create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    wait_for(lambda: "ready" in logs(kube, name))
    pid = main_pid(kube, name)
    api.delete_namespaced_pod(name, "default")
    assert alive(pid)  # SIGTERM is ignored: it lives through the (capped) grace period
    wait_for(lambda: not alive(pid), what="SIGKILL after the grace period")
    wait_for(lambda: kube.pod(name) is None)


def test_active_deadline_seconds_fails_the_pod(localkube: LocalKube) -> None:
    pod = run_pod(localkube, pod_body("import time; time.sleep(60)", activeDeadlineSeconds=1))
    assert pod["status"]["phase"] == "Failed"
    assert pod["status"]["reason"] == "DeadlineExceeded"
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] in (128 + signal.SIGTERM, 128 + signal.SIGKILL)
    reasons = [e["reason"] for e in localkube.events(pod["metadata"]["name"])]
    assert "DeadlineExceeded" in reasons and "Killing" in reasons


def test_memory_limit_is_a_process_limit(localkube: LocalKube) -> None:
    limits = {"resources": {"limits": {"memory": "128Mi"}}}
    small = run_pod(localkube, pod_body("print(len(bytearray(16 * 2**20)))", container=limits))
    big = run_pod(localkube, pod_body("print(len(bytearray(512 * 2**20)))", container=limits))
    assert small["status"]["phase"] == "Succeeded"
    assert big["status"]["phase"] == "Failed"
    assert "MemoryError" in logs(localkube, big["metadata"]["name"])
    assert small["status"]["qosClass"] == "Burstable"


def test_cpu_limit_pins_cores_and_caps_cpu_time(localkube: LocalKube) -> None:
    pod = run_pod(localkube, pod_body("import os; print(len(os.sched_getaffinity(0)))",
                                      container={"resources": {"limits": {"cpu": "500m"}}}))
    assert logs(localkube, pod["metadata"]["name"]).strip() == "1"
    spin = run_pod(localkube, pod_body("while True: pass", activeDeadlineSeconds=30,
                                       container={"resources": {"limits": {"cpu": "30m"}}}))
    # 0.03 cpu x 30 s = 1 s of CPU time, then SIGXCPU; long before the 30 s deadline
    terminated = spin["status"]["containerStatuses"][0]["state"]["terminated"]
    assert terminated["exitCode"] == 128 + signal.SIGXCPU and spin["status"].get("reason") is None


def test_gpu_pod_pending_without_capacity(localkube: LocalKube) -> None:
    body = pod_body("print('gpu')", container={"resources": {"limits": {"nvidia.com/gpu": "1"}}})
    localkube.core_v1().create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    pod = localkube.pod(name)
    assert pod["status"]["phase"] == "Pending" and "containerStatuses" not in pod["status"]
    (condition,) = pod["status"]["conditions"]
    assert condition == {**condition, "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                         "message": "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."}
    (event,) = localkube.events(name)
    assert event["reason"] == "FailedScheduling" and event["type"] == "Warning"
    assert event["message"] == "0/1 nodes are available: 1 Insufficient nvidia.com/gpu."
    assert logs(localkube, name) == ""  # not on a node: an empty log, as kube-apiserver answers
    localkube.core_v1().delete_namespaced_pod(name, "default")
    assert localkube.pod(name) is None


def test_gpu_pods_run_on_a_node_with_capacity(localkube_factory: Callable[..., LocalKube]) -> None:
    kube = localkube_factory(gpus=1)
    node = kube.core_v1().read_node("localkube")
    assert node.status.capacity["nvidia.com/gpu"] == "1" and node.status.allocatable["nvidia.com/gpu"] == "1"
    assert node.metadata.labels["nvidia.com/gpu.present"] == "true"
    gpu = {"resources": {"limits": {"nvidia.com/gpu": "1"}}}
    first = pod_body("import os, time; print(os.environ['CUDA_VISIBLE_DEVICES']); time.sleep(0.5)", container=gpu)
    second = pod_body("import os; print(os.environ['CUDA_VISIBLE_DEVICES'])", container=gpu)
    api = kube.core_v1()
    api.create_namespaced_pod("default", first)
    api.create_namespaced_pod("default", second)
    assert kube.pod(second["metadata"]["name"])["status"]["phase"] == "Pending"  # the only GPU is taken
    done = wait_for(lambda: (p := kube.pod(second["metadata"]["name"])) and p["status"]["phase"] == "Succeeded" and p,
                    what="second GPU pod scheduled after the first finished")
    assert kube.pod(first["metadata"]["name"])["status"]["phase"] == "Succeeded"
    assert logs(kube, done["metadata"]["name"]).strip() == "0"
    scheduled = [e["reason"] for e in kube.events(done["metadata"]["name"])]
    assert scheduled[:2] == ["FailedScheduling", "Scheduled"]


def test_restart_policy_on_failure_restarts_with_backoff(localkube: LocalKube) -> None:
    code = ("import os, sys; marker = os.path.join(os.environ['DATA'], 'seen'); first = not os.path.exists(marker);"
            " open(marker, 'w').close(); print('attempt', 'first' if first else 'second'); sys.exit(1 if first else 0)")
    body = pod_body(code, restartPolicy="OnFailure",
                    container={"env": [{"name": "DATA", "value": "/data"}],
                               "volumeMounts": [{"name": "data", "mountPath": "/data"}]},
                    volumes=[{"name": "data", "emptyDir": {}}])
    body["spec"]["containers"][0]["command"] = ["python", "-c",
                                                code.replace("os.environ['DATA']", "runtime.resolve('/data')")]
    body["spec"]["containers"][0]["command"][2] = "from golive import runtime; " + body["spec"]["containers"][0][
        "command"][2]
    pod = run_pod(localkube, body, phases=("Succeeded",))
    status = pod["status"]["containerStatuses"][0]
    assert status["restartCount"] == 1 and status["lastState"]["terminated"]["exitCode"] == 1
    name = pod["metadata"]["name"]
    assert logs(localkube, name).strip() == "attempt second"
    assert logs(localkube, name, previous=True).strip() == "attempt first"
    assert "BackOff" in [e["reason"] for e in localkube.events(name)]


def test_init_containers_run_first(localkube: LocalKube) -> None:
    body = pod_body("from golive import runtime; print(open(runtime.resolve('/shared/msg')).read())",
                    container={"volumeMounts": [{"name": "shared", "mountPath": "/shared"}]},
                    volumes=[{"name": "shared", "emptyDir": {}}],
                    initContainers=[{"name": "prepare", "image": "python:3.11", "command": [
                        "python", "-c", ("from golive import runtime; open(runtime.resolve('/shared/msg'), 'w')"
                        ".write('prepared')")], "volumeMounts": [{"name": "shared", "mountPath": "/shared"}]}])
    pod = run_pod(localkube, body)
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 0
    assert logs(localkube, pod["metadata"]["name"]).strip() == "prepared"


def test_start_errors_fail_the_pod(localkube: LocalKube) -> None:
    missing = pod_body("", container={"command": ["no-such-binary-here"]})
    pod = run_pod(localkube, missing)
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert pod["status"]["phase"] == "Failed"
    assert terminated["exitCode"] == 128 and terminated["reason"] == "StartError"
    assert "executable file not found" in terminated["message"]
    no_command = pod_body("")
    no_command["spec"]["containers"][0]["command"] = []
    assert "no command or args" in run_pod(localkube, no_command)["status"]["containerStatuses"][0]["state"][
        "terminated"]["message"]


def test_termination_message_fallback_to_logs(localkube: LocalKube) -> None:
    pod = run_pod(localkube, pod_body("import sys; print('the reason'); sys.exit(2)",
                                      container={"terminationMessagePolicy": "FallbackToLogsOnError"}))
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["message"] == "the reason\n"
    written = run_pod(localkube, pod_body("from golive import runtime; open(runtime.resolve('/dev/termination-log'),"
                                          " 'w').write('custom')"))
    assert written["status"]["containerStatuses"][0]["state"]["terminated"]["message"] == "custom"


def test_config_and_secret_env_sources(localkube: LocalKube) -> None:
    api = localkube.core_v1()
    api.create_namespaced_secret("default", {"metadata": {"name": "creds"}, "stringData": {"token": "t0ps3cret"}})
    body = pod_body("import os; print(os.environ['TOKEN'] == 't0ps3cret')", container={
        "env": [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}]})
    pod = run_pod(localkube, body)
    assert logs(localkube, pod["metadata"]["name"]).strip() == "True"
    blocked = pod_body("print(1)", container={"env": [{"name": "X", "valueFrom": {
        "configMapKeyRef": {"name": "absent", "key": "k"}}}]})
    api.create_namespaced_pod("default", blocked)
    name = blocked["metadata"]["name"]
    waiting = wait_for(lambda: localkube.pod(name)["status"].get("containerStatuses", [{}])[0]
                       .get("state", {}).get("waiting", {}).get("reason") == "CreateContainerConfigError")
    assert waiting and localkube.pod(name)["status"]["phase"] == "Pending"
    api.delete_namespaced_pod(name, "default")
