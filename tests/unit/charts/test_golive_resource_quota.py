"""charts/golive's ResourceQuota on the agent pods (rendered with the project's chart helpers)."""

from __future__ import annotations

import pytest
from repo_paths import REPO

from golive.charts import ChartValuesError, render_chart, validate_manifests

CHART = REPO / "charts" / "golive"


def quota(values: dict | None = None) -> list[dict]:
    return [o for o in render_chart(CHART, "golive", "default", values or {}) if o["kind"] == "ResourceQuota"]


def test_the_quota_holds_the_values_and_selects_the_agent_pods_by_priority_class() -> None:
    objs = render_chart(CHART, "golive", "default", {
        "resourceQuota": {"pods": 12, "requests": {"cpu": "8", "memory": "16Gi"},
                          "limits": {"cpu": "16", "memory": "32Gi"}, "gpus": 2},
        "gpu": {"resourceName": "amd.com/gpu"}})
    assert validate_manifests(objs, k8s_version="1.31") == []
    [rq] = [o for o in objs if o["kind"] == "ResourceQuota"]
    assert rq["metadata"] == {**rq["metadata"], "name": "golive-agent-pods", "namespace": "golive"}
    assert rq["spec"]["hard"] == {"pods": "12", "requests.cpu": "8", "requests.memory": "16Gi", "limits.cpu": "16",
                                  "limits.memory": "32Gi", "requests.amd.com/gpu": "2"}
    [expr] = rq["spec"]["scopeSelector"]["matchExpressions"]
    assert expr == {"scopeName": "PriorityClass", "operator": "In", "values": ["golive-critical", "golive-batch"]}


def test_the_defaults_render_a_quota_and_it_can_be_turned_off() -> None:
    [rq] = quota()
    assert rq["spec"]["hard"]["requests.nvidia.com/gpu"] == "4"
    assert quota({"resourceQuota": {"enabled": False}}) == []


def test_a_bad_quota_value_is_refused_naming_the_key() -> None:
    with pytest.raises(ChartValuesError, match="resourceQuota"):
        quota({"resourceQuota": {"pods": -1}})
