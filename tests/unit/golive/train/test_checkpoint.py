"""Checkpoints and the rollback plan: restore what moved, remove what was not there, keep the rest."""

from __future__ import annotations

from typing import Any

from golive.deploy.cluster import DeploymentInfo
from golive.kube.workloads import Revision
from golive.train.checkpoint import RollbackStep, capture, execute, rollback_plan


def _live(revision: int, version: str) -> dict[str, Any]:
    return {"deployment": "x-stable-api", "revision": revision, "version": version}


def test_the_plan_restores_moved_removes_new_and_keeps_unchanged():
    checkpoint = {"a": _live(3, "1.0.0"), "b": None, "c": _live(1, "1.0.0"), "d": None, "e": _live(2, "1.0.0")}
    current = {"a": _live(4, "1.1.0"), "b": _live(1, "1.1.0"), "c": _live(1, "1.0.0"), "d": None,
               "e": _live(5, "1.0.0")}
    steps = {s.application: s for s in rollback_plan(checkpoint, current, ["a", "b", "c", "d", "e"])}
    assert (steps["a"].action, steps["a"].to_revision, steps["a"].to_version, steps["a"].from_version) == \
        ("restore", 3, "1.0.0", "1.1.0")
    assert steps["b"].action == "remove" and steps["b"].from_version == "1.1.0"
    assert steps["c"].action == "keep"
    assert steps["d"].action == "keep"
    # a go-live's own rollback undid e already: the old template came back under a new revision number
    assert steps["e"].action == "keep" and "1.0.0" in steps["e"].reason


def test_the_plan_covers_only_the_applications_it_is_given():
    steps = rollback_plan({"a": None, "b": None}, {"a": _live(1, "1"), "b": _live(1, "1")}, ["b"])
    assert [s.application for s in steps] == ["b"]


class FakeCluster:
    """The deploy layer's Cluster protocol over a dict of Deployments with their revision history."""

    namespace = "apps"

    def __init__(self, history: dict[str, list[tuple[int, str]]]) -> None:
        self.history = history
        self.deleted: list[str] = []

    def deployments(self, selector):
        app = selector["app.kubernetes.io/instance"].removesuffix("-stable")
        name = f"{app}-stable-api"
        return [self.deployment(name)] if name in self.history else []

    def deployment(self, name: str) -> DeploymentInfo | None:
        if name not in self.history:
            return None
        revision, version = self.history[name][-1]
        return DeploymentInfo(name=name, revision=revision, version=version, image=f"img:{version}", replicas=1,
                              ready_replicas=1, labels={})

    def revisions(self, name: str) -> list[Revision]:
        return [Revision(revision=r, version=v) for r, v in self.history[name]]

    def undo(self, name: str, to_revision: int | None) -> None:
        version = next(v for r, v in self.history[name] if r == to_revision)
        self.history[name] = [(r, v) for r, v in self.history[name] if r != to_revision]
        self.history[name].append((max(r for r, _ in self.history[name]) + 1, version))

    def rollout(self, name: str, timeout: float):
        from golive.deploy.cluster import Rollout

        return Rollout(done=True, message="complete")

    def service_url(self, name: str) -> str | None:
        return None

    def delete(self, kind: str, name: str) -> bool:
        if kind == "Deployment" and name in self.history:
            del self.history[name]
            self.deleted.append(name)
            return True
        return False


def test_capture_records_revision_and_version_or_none():
    cluster = FakeCluster({"a-stable-api": [(1, "1.0.0"), (2, "1.1.0")]})
    assert capture(cluster, ["a", "b"]) == {"a": {"deployment": "a-stable-api", "revision": 2, "version": "1.1.0"},
                                           "b": None}


def test_execute_restores_the_checkpoints_revision_and_removes_a_new_application(monkeypatch):
    from golive.deploy.strategies import rolling

    monkeypatch.setattr(rolling, "verify_live", lambda *a, **k: (True, [{"name": "rollout", "ok": True}]))
    cluster = FakeCluster({"a-stable-api": [(1, "1.0.0"), (2, "1.1.0")], "b-stable-api": [(1, "1.1.0")]})
    restored = execute(cluster, RollbackStep("a", "restore", "r", to_revision=1, to_version="1.0.0",
                                             from_revision=2, from_version="1.1.0"), namespace="apps", reason="phase 2")
    assert restored["ok"], restored
    assert cluster.deployment("a-stable-api").version == "1.0.0"
    removed = execute(cluster, RollbackStep("b", "remove", "new"), namespace="apps", reason="phase 2")
    assert removed["ok"] and cluster.deleted == ["b-stable-api"]
    kept = execute(cluster, RollbackStep("c", "keep", "unchanged"), namespace="apps", reason="phase 2")
    assert kept["ok"] and kept["action"] == "keep"


def test_execute_reports_a_restore_that_did_not_reach_the_checkpoint(monkeypatch):
    from golive.deploy.strategies import rolling

    monkeypatch.setattr(rolling, "verify_live", lambda *a, **k: (True, []))
    cluster = FakeCluster({"a-stable-api": [(5, "1.0.0"), (6, "1.1.0")]})  # revision 3 is gone from the history
    outcome = execute(cluster, RollbackStep("a", "restore", "r", to_revision=3, to_version="1.0.0",
                                            from_revision=6, from_version="1.1.0"), namespace="apps", reason="x")
    assert not outcome["ok"] and "not the checkpoint's 3" in outcome["error"]
