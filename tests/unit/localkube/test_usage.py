"""localkube measures what a pod's containers used and publishes it on the pod (``localkube.io/usage``)."""

from __future__ import annotations

import os

import pytest

from localkube import LocalKube
from localkube.usage import ContainerUsage, parse_annotation, usage_by_group

from .test_pods import pod_body, run_pod

pytestmark = pytest.mark.localkube

BURN = ("import time\nend = time.process_time() + 1.0\nwhile time.process_time() < end:\n    pass\n"
        "x = bytearray(40 * 2**20)\n")


def test_a_pod_that_burns_a_second_of_cpu_is_measured(localkube: LocalKube) -> None:
    pod = run_pod(localkube, pod_body(BURN + "time.sleep(0.5)\n"))
    assert pod["status"]["phase"] == "Succeeded"
    usage = parse_annotation(pod["metadata"].get("annotations"))
    assert set(usage) == {"base"}
    assert 0.5 <= usage["base"]["cpuSeconds"] <= 5
    assert usage["base"]["peakMemoryBytes"] >= 40 * 2**20  # the bytearray, held across the last samples
    assert usage["base"]["samples"] >= 1


def test_usage_by_group_reads_this_process_group() -> None:
    group = os.getpgrp()
    cpu, rss = usage_by_group([group])[group]
    assert cpu > 0 and rss > 0
    assert usage_by_group([]) == {}


def test_runs_add_up_and_a_bad_annotation_reads_as_none() -> None:
    usage = ContainerUsage()
    usage.observe(1.0, 10)
    usage.observe(2.0, 5)
    usage.end_run()
    usage.observe(0.5, 7)
    assert (usage.cpu_seconds, usage.peak_memory_bytes, usage.samples) == (2.5, 10, 3)
    assert parse_annotation({"localkube.io/usage": "{not json"}) == {}
    assert parse_annotation(None) == {}


def test_golive_reads_the_annotation_localkube_writes() -> None:
    from golive.usage import USAGE_ANNOTATION, measured
    from localkube.usage import USAGE_ANNOTATION as WRITTEN
    from localkube.usage import annotation_value

    usage = ContainerUsage()
    usage.observe(1.25, 2**20)
    assert USAGE_ANNOTATION == WRITTEN
    assert measured({WRITTEN: annotation_value({"base": usage})}) == (1.25, 2**20)
