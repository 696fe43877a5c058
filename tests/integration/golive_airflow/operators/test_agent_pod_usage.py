"""An AgentPodOperator pod on localkube, sync and deferrable: its usage row holds the pod's requests, its
wall time and what localkube measured."""

from __future__ import annotations

from typing import Any

import pytest

from localkube import LocalKube
from localkube.kpo import run_operator, task_context

pytestmark = [pytest.mark.localkube, pytest.mark.airflow]

FAST = {"startup_check_interval_seconds": 1, "poll_interval": 0.2, "base_container_status_polling_interval": 0.2}
BURN = ("import time; from golive.runtime import write_xcom\n"
        "end = time.process_time() + 0.8\nwhile time.process_time() < end:\n    pass\n"
        "time.sleep(0.3); write_xcom({'ok': True})")


@pytest.mark.parametrize("deferrable", [False, True], ids=["sync", "deferrable"])
def test_the_pods_usage_is_recorded_with_what_localkube_measured(kpo_env: LocalKube, golive_home: Any,
                                                                 deferrable: bool) -> None:
    from golive_airflow.hooks.ledger import LedgerHook
    from golive_airflow.operators.agent_pod import AgentPodOperator

    op = AgentPodOperator(task_id="quality.burn", agent="quality", action="analyze", image="golive-agents:test",
                          deferrable=deferrable, cmds=["python", "-c", BURN], arguments=[], **FAST)
    context = task_context(op.task_id, run_id=f"manual__usage_{deferrable}")
    assert run_operator(op, context) == {"ok": True}
    [row] = LedgerHook().get_conn().run_usage(context["run_id"])
    assert (row["phase"], row["profile"], row["pod_name"]) == ("quality", "cpu", context["ti"].xcoms["pod_name"])
    assert row["cpu_request"] > 0 and row["memory_request"] > 0 and row["gpu_request"] == 0
    assert row["wall_seconds"] is not None and row["wall_seconds"] > 0
    assert row["cpu_seconds"] is not None and 0.3 <= row["cpu_seconds"] <= 5
    assert row["peak_memory_bytes"] is not None and row["peak_memory_bytes"] > 0
