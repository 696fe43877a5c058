"""Nothing a pod starts outlives it: processes that left the process group with setsid (localkube.runtime)."""

from __future__ import annotations

import os
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from waiting import wait_for

from localkube import LocalKube

pytestmark = pytest.mark.localkube



def sleepers(seconds: str) -> list[int]:
    """Live ``sleep <seconds>`` processes, found by their command line (not by localkube's marker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(") ", 1)[1][0]
        except OSError:
            continue
        if argv[:2] == [b"sleep", seconds.encode()] and state != "Z":
            found.append(int(entry.name))
    return found


def unique_seconds() -> str:
    return f"{random.randint(300, 900)}.{random.randint(1000, 9999)}"


def shell_pod(script: str) -> dict[str, Any]:
    return {"metadata": {"name": f"escape-{uuid.uuid4().hex[:6]}"},
            "spec": {"restartPolicy": "Never", "terminationGracePeriodSeconds": 1,
                     "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", script]}]}}


def test_a_setsid_child_dies_when_its_container_exits(localkube: LocalKube) -> None:
    seconds = unique_seconds()
    body = shell_pod(f"setsid sleep {seconds} & sleep 0.3; echo started")
    localkube.core_v1().create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    wait_for(lambda: sleepers(seconds), what="the setsid sleep started")
    escaped = sleepers(seconds)[0]
    assert os.getsid(escaped) == escaped  # it did leave the container's session
    wait_for(lambda: (localkube.pod(name) or {}).get("status", {}).get("phase") == "Succeeded", what="pod done")
    wait_for(lambda: not sleepers(seconds), what="the setsid sleep killed with its container")
    localkube.core_v1().delete_namespaced_pod(name, "default", grace_period_seconds=0)


def test_deleting_a_pod_kills_setsid_and_env_cleared_children(localkube: LocalKube) -> None:
    marked, cleared = unique_seconds(), unique_seconds()
    body = shell_pod(f"setsid sleep {marked} & env -i setsid sleep {cleared} & exec sleep 300")
    localkube.core_v1().create_namespaced_pod("default", body)
    name = body["metadata"]["name"]
    wait_for(lambda: sleepers(marked) and sleepers(cleared), what="both setsid sleeps started")
    localkube.core_v1().delete_namespaced_pod(name, "default")
    wait_for(lambda: localkube.pod(name) is None, what="pod removed")
    wait_for(lambda: not sleepers(marked) and not sleepers(cleared), what="every child of the pod killed")


def test_stop_kills_what_pods_started_outside_their_group(localkube_factory: Callable[..., LocalKube]) -> None:
    kube = localkube_factory()
    seconds = unique_seconds()
    kube.core_v1().create_namespaced_pod("default", shell_pod(f"setsid sleep {seconds} & exec sleep 300"))
    wait_for(lambda: sleepers(seconds), what="the setsid sleep started")
    kube.stop()
    wait_for(lambda: not sleepers(seconds), timeout=10, what="the setsid sleep killed by stop()")
