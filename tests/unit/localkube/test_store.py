"""The object store: resourceVersions, copies, watches and their resume semantics; events."""

from __future__ import annotations

import asyncio

import pytest

from localkube.errors import ApiError
from localkube.events import WARNING, EventRecorder
from localkube.selectors import parse_field_selector, parse_label_selector
from localkube.store import EVENTS, PODS, Store


def _pod(name: str, **labels: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "labels": labels}, "spec": {}}


def test_crud_resource_versions_and_copies() -> None:
    store = Store()
    created = store.create(PODS, _pod("a", app="web"))
    assert created["kind"] == "Pod" and created["metadata"]["uid"]
    created["metadata"]["labels"]["app"] = "mutated"  # a copy: the store is unaffected
    assert store.get(PODS, "default", "a")["metadata"]["labels"]["app"] == "web"
    rv1 = int(created["metadata"]["resourceVersion"])
    updated = store.update(PODS, "default", "a", lambda o: o["metadata"]["labels"].update(tier="fe"))
    assert int(updated["metadata"]["resourceVersion"]) > rv1
    same = store.update(PODS, "default", "a", lambda o: None)
    assert same["metadata"]["resourceVersion"] == updated["metadata"]["resourceVersion"]  # no-op: no bump
    with pytest.raises(ApiError) as exists:
        store.create(PODS, _pod("a"))
    assert exists.value.code == 409
    assert [p["metadata"]["name"] for p in store.list(PODS, "default", parse_label_selector("tier=fe"))] == ["a"]
    store.delete(PODS, "default", "a")
    with pytest.raises(ApiError) as missing:
        store.get(PODS, "default", "a")
    assert missing.value.code == 404 and missing.value.status()["reason"] == "NotFound"


async def _collect(watch, count: int) -> list:
    out = []
    async for change in watch:
        out.append((change.type, change.obj["metadata"]["name"]))
        if len(out) == count:
            break
    watch.close()
    return out


def test_watch_replays_state_then_follows_changes() -> None:
    async def scenario() -> tuple[list, list]:
        store = Store()
        store.create(PODS, _pod("a", app="web"))
        store.create(PODS, _pod("other", app="db"))
        watch = store.watch(PODS, "default", None, parse_label_selector("app=web"))
        store.update(PODS, "default", "a", lambda o: o["metadata"].setdefault("annotations", {}).update(x="1"))
        store.delete(PODS, "default", "a")
        first = await _collect(watch, 3)
        rv = store.resource_version
        store.create(PODS, _pod("b", app="web"))
        resumed = await _collect(store.watch(PODS, "default", rv, parse_label_selector("app=web")), 1)
        return first, resumed

    first, resumed = asyncio.run(scenario())
    assert first == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
    assert resumed == [("ADDED", "b")]


def test_watch_from_compacted_version_is_gone() -> None:
    async def scenario() -> None:
        store = Store(history=2)
        for name in "abcde":
            store.create(PODS, _pod(name))
        store.watch(PODS, "default", 1)

    with pytest.raises(ApiError) as gone:
        asyncio.run(scenario())
    assert gone.value.code == 410


def test_event_recorder_shapes_and_trims_events() -> None:
    store = Store()
    pod = store.create(PODS, _pod("p"))
    recorder = EventRecorder(store, "localkube", keep=3)
    for i in range(5):
        recorder.record(pod, WARNING, "FailedScheduling", f"try {i}", component="default-scheduler")
    events = store.list(EVENTS, "default", fields=parse_field_selector("involvedObject.name=p"))
    assert [e["message"] for e in events] == ["try 2", "try 3", "try 4"]
    event = events[-1]
    assert event["involvedObject"]["uid"] == pod["metadata"]["uid"]
    assert event["type"] == "Warning" and event["source"]["component"] == "default-scheduler"
    assert event["count"] == 1 and event["firstTimestamp"].endswith("Z")
