"""golive.kube.pods.pod_ready: the one readiness rule, the cases both former rules handled.

The deployment strategies' rule (deploy/cluster.py) and the verification agent's rule
(agents/verification_kube.py) agreed on a pod's Ready condition; the strategies' also refused a
pod being deleted or not Running (the agent filtered terminating pods out before asking).
"""

from __future__ import annotations

from typing import Any

import pytest

from golive.kube.pods import pod_ready


def pod(phase: str | None = "Running", ready: str | None = "True", *, deleting: bool = False,
        **conditions: str) -> dict[str, Any]:
    conds = [{"type": k, "status": v} for k, v in conditions.items()]
    if ready is not None:
        conds.append({"type": "Ready", "status": ready})
    status: dict[str, Any] = {"conditions": conds}
    if phase is not None:
        status["phase"] = phase
    meta = {"name": "p", "deletionTimestamp": "2026-01-01T00:00:00Z"} if deleting else {"name": "p"}
    return {"metadata": meta, "status": status}


@pytest.mark.parametrize(("obj", "expected"), [
    (pod(), True),                                                   # Running, Ready True
    (pod(ContainersReady="True", PodScheduled="True"), True),        # other conditions do not matter
    (pod(ready="False"), False),                                     # both rules: Ready False
    (pod(ready="Unknown"), False),                                   # node lost: Ready Unknown
    (pod(ready=None), False),                                        # no Ready condition yet
    (pod(deleting=True), False),                                     # terminating: drains, serves nothing new
    (pod(phase="Pending"), False),
    (pod(phase="Succeeded", ready="False"), False),
    (pod(phase="Failed"), False),                                    # a stale Ready True does not count
    (pod(phase=None), False),                                        # no phase reported
    ({"metadata": {}, "status": {}}, False),
    ({}, False),
])
def test_pod_ready_is_the_ready_condition_of_a_running_pod_not_being_deleted(obj: dict[str, Any],
                                                                             expected: bool) -> None:
    assert pod_ready(obj) is expected


def test_pod_ready_accepts_a_status_that_is_not_a_string() -> None:
    assert pod_ready({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": True}]}})
    assert not pod_ready({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": False}]}})
