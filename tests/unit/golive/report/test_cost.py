"""The report's Cost section, from a real ledger's usage rows: per phase and totals; what nobody measured
reads "not measured", never 0."""

from __future__ import annotations

import json
import re
from html import unescape

from golive.ledger import Ledger, RecordKey
from golive.report import format_summary, render_report, summarize
from golive.usage import cost

RUN = "manual__cost"


def seeded(tmp_path) -> Ledger:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id=RUN, dag_id="golive", request={"application": "shop", "version": "1.0.0"},
                      status="succeeded")
    rows = [  # task, pod, profile, cores, memory, gpus, wall, measured cpu, measured peak
        ("quality.ruff", "q-1", "cpu", 0.5, 512 * 2**20, 0, 40.0, 12.0, 200 * 2**20),
        ("quality.coverage", "q-2", "cpu", 1.0, 2**30, 0, 60.0, 50.0, 700 * 2**20),
        ("verification.model", "v-1", "gpu", 2.0, 4 * 2**30, 1, 30.0, None, None),  # a real cluster's pod
    ]
    for task, pod, profile, cores, memory, gpus, wall, cpu, peak in rows:
        ledger.record_usage(RecordKey(RUN, task), pod_name=pod, application="shop", phase=task.split(".")[0],
                            profile=profile, cpu_request=cores, memory_request=memory, gpu_request=gpus,
                            wall_seconds=wall, cpu_seconds=cpu, peak_memory_bytes=peak)
    return ledger


def test_the_report_shows_what_each_phase_and_the_go_live_cost(tmp_path) -> None:
    report = seeded(tmp_path).run_report(RUN)
    summary = summarize(report)
    total, phases = summary["cost"]["total"], summary["cost"]["phases"]
    assert (total["pods"], total["wall_seconds"], total["cpu_seconds_requested"]) == (3, 130.0, 140.0)
    assert total["gpu_seconds"] == 30.0 and total["cpu_seconds_measured"] == 62.0 and total["measured_pods"] == 2
    assert phases["verification"]["cpu_seconds_measured"] is None  # not measured, never 0
    assert phases["verification"]["peak_memory_bytes"] is None
    assert "cost: 3 pod(s), wall 130 s, CPU-seconds requested 140, measured 62, GPU-seconds 30" in \
        format_summary(summary)

    paths = render_report(report, tmp_path / "out", plots=False)
    html = unescape(paths.html.read_text())
    section = html[html.index('<section id="cost">'):]
    section = section[:section.index("</section>")]
    text = [" ".join(re.sub(r"<[^>]+>", "", cell).strip() for cell in re.split(r"</t[dh]>", row) if cell.strip())
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", section, re.DOTALL)]
    assert any(t.startswith("quality 2 100.0 80.0 62.0 0.0 1,024 MiB 700 MiB") for t in text), text
    assert any(t.startswith("verification 1 30.0 60.0 not measured 30.0 4,096 MiB not measured") for t in text), text
    assert any(t.startswith("total 3 130.0 140.0 62.0 (2 of 3 pods) 30.0 4,096 MiB 700 MiB") for t in text), text
    saved = json.loads(paths.json.read_text())
    assert len(saved["usage"]) == 3 and saved["summary"]["cost"]["total"]["pods"] == 3


def test_a_run_without_pods_says_so(tmp_path) -> None:
    ledger = Ledger.from_url(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.record_run(run_id="bare", dag_id="golive", request={"application": "shop"}, status="rejected")
    html = render_report(ledger.run_report("bare"), tmp_path / "out", plots=False).html.read_text()
    assert "No agent pod was recorded for this run" in html
    assert cost([])["total"]["cpu_seconds_measured"] is None
