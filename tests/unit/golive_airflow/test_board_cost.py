"""The board (``/golive/runs``) shows what each run cost, from the ledger's usage rows."""

from __future__ import annotations

import re

from golive.ledger import RecordKey
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.ledger_app import runs_page


def test_each_run_shows_its_pods_cpu_and_gpu_seconds(golive_home) -> None:
    ledger = LedgerHook().get_conn()
    for run in ("measured", "cluster", "bare"):
        ledger.record_run(run_id=run, dag_id="golive", request={"application": "shop"}, status="succeeded")
    usage = dict(application="shop", phase="quality", profile="cpu", memory_request=2**30, gpu_request=0)
    ledger.record_usage(RecordKey("measured", "quality.a"), pod_name="a", cpu_request=1.0, wall_seconds=100.0,
                        cpu_seconds=40.0, **usage)
    ledger.record_usage(RecordKey("measured", "quality.b"), pod_name="b", cpu_request=0.5, wall_seconds=100.0,
                        cpu_seconds=10.0, **usage)
    ledger.record_usage(RecordKey("cluster", "quality.a"), pod_name="a", cpu_request=2.0, wall_seconds=10.0,
                        **{**usage, "gpu_request": 1, "profile": "gpu"})
    costs = ledger.run_costs(["measured", "cluster", "bare"])
    assert set(costs) == {"measured", "cluster"}
    assert costs["cluster"]["cpu_seconds_measured"] is None
    page = runs_page([ledger.run_record(r) for r in ("measured", "cluster", "bare")], costs)
    rows = {m[0]: re.sub(r"</td><td>", " | ", m[1]) for m in re.findall(r"<tr><td><a href='runs/(\w+)'>\w+</a></td>"
                                                                      r"<td>(.*?)</td></tr>", page)}
    assert "succeeded | 2 | 150 | 50 | 0 |" in rows["measured"]
    assert "succeeded | 1 | 20 | not measured | 10 |" in rows["cluster"]
    assert "succeeded | 0 | 0 | - | 0 |" in rows["bare"]
