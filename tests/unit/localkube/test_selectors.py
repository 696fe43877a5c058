"""Label and field selector parsing and matching (localkube.selectors)."""

from __future__ import annotations

import pytest

from localkube.selectors import (
    SelectorError,
    parse_field_selector,
    parse_label_selector,
    selector_from_spec,
)

KPO_SELECTOR = (
    "dag_id=golive,kubernetes_pod_operator=True,run_id=manual__2024-01-01T0000000000-1a2b3c,"
    "task_id=scan,already_checked!=True,!airflow-worker"
)


def test_kpo_reattach_selector_matches_only_unchecked_pods() -> None:
    selector = parse_label_selector(KPO_SELECTOR)
    labels = {"dag_id": "golive", "kubernetes_pod_operator": "True", "task_id": "scan",
              "run_id": "manual__2024-01-01T0000000000-1a2b3c", "try_number": "1"}
    assert selector.matches(labels)
    assert not selector.matches({**labels, "already_checked": "True"})
    assert selector.matches({**labels, "already_checked": "False"})
    assert not selector.matches({**labels, "airflow-worker": "1"})
    assert not selector.matches({**labels, "task_id": "other"})


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ("app=web", {"app": "web"}, True),
        ("app==web", {"app": "web"}, True),
        ("app=web", {"app": "db"}, False),
        ("app!=web", {}, True),
        ("tier", {"tier": ""}, True),
        ("tier", {}, False),
        ("!tier", {}, True),
        ("env in (prod, staging)", {"env": "staging"}, True),
        ("env in (prod,staging)", {"env": "dev"}, False),
        ("env notin (prod)", {}, True),
        ("env notin (prod)", {"env": "prod"}, False),
        ("example.com/team=a,app in (x,y),!legacy", {"example.com/team": "a", "app": "y"}, True),
        ("app=", {"app": ""}, True),
        ("", {"anything": "goes"}, True),
    ],
)
def test_label_selector_grammar(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


@pytest.mark.parametrize("bad", ["app=a=b", "env in ()", "env in (a", "bad key=1", "a=" + "x" * 64, "-a=b"])
def test_label_selector_rejects_bad_syntax(bad: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(bad)


def test_label_selector_round_trips_to_text() -> None:
    text = "a=1,b!=2,c in (x,y),d notin (z),e,!f"
    assert str(parse_label_selector(text)) == text


def test_selector_from_match_labels_and_expressions() -> None:
    selector = selector_from_spec({"matchLabels": {"app": "web"},
                                   "matchExpressions": [{"key": "tier", "operator": "In", "values": ["fe"]},
                                                        {"key": "old", "operator": "DoesNotExist"}]})
    assert selector.matches({"app": "web", "tier": "fe"})
    assert not selector.matches({"app": "web", "tier": "fe", "old": "1"})
    with pytest.raises(SelectorError):
        selector_from_spec({"matchExpressions": [{"key": "a", "operator": "Near"}]})


def test_field_selectors_on_nested_paths() -> None:
    event = {"involvedObject": {"name": "pod-1", "kind": "Pod"}, "type": "Warning"}
    assert parse_field_selector("involvedObject.name=pod-1").matches(event)
    assert parse_field_selector("involvedObject.name==pod-1,type!=Normal").matches(event)
    assert not parse_field_selector("involvedObject.name=pod-2").matches(event)
    assert parse_field_selector("status.phase=").matches(event)  # a missing field reads as ""
    with pytest.raises(SelectorError):
        parse_field_selector("involvedObject.name")
