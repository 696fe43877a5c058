"""The Deployment controller, reporting the way kube-controller-manager does.

* ReplicaSets are named ``<deployment>-<pod-template-hash>`` and carry the hash in their labels,
  selector and template; ``deployment.kubernetes.io/revision`` numbers them. A changed template
  makes a new ReplicaSet with the next revision; a template equal to an old ReplicaSet's (a
  rollback) reuses that ReplicaSet and gives it the next revision (``revision-history`` keeps the
  old numbers). ``revisionHistoryLimit`` old, scaled-down ReplicaSets are kept.
* RollingUpdate scales the new ReplicaSet up within ``maxSurge`` and the old ones down within
  ``maxUnavailable`` (ints or percentages), driven by the pods' availability; Recreate scales the
  old ones to zero and waits for their pods to be gone first; ``spec.paused`` stops rollouts.
* Status: ``observedGeneration``, ``replicas``, ``updatedReplicas``, ``readyReplicas``,
  ``availableReplicas``, ``unavailableReplicas`` and the ``Available`` and ``Progressing``
  conditions (NewReplicaSetCreated, FoundNewReplicaSet, ReplicaSetUpdated, NewReplicaSetAvailable,
  ProgressDeadlineExceeded after ``progressDeadlineSeconds`` without progress, DeploymentPaused).
"""

from __future__ import annotations

import copy
import time
from typing import Any

from localkube.controllers.base import (
    Context,
    Controller,
    Key,
    Obj,
    condition,
    controller_ref,
    is_terminating,
    owner_reference,
    pod_owned,
    set_condition,
)
from localkube.controllers.rollout import (
    DESIRED_REPLICAS,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    REVISION_HISTORY,
    equal_ignore_hash,
    max_scale_down,
    new_rs_replicas,
    pod_template_hash,
    resolve_fenceposts,
    revision_of,
)
from localkube.errors import ApiError
from localkube.events import NORMAL
from localkube.resources import DEPLOYMENTS, REPLICASETS
from localkube.selectors import selector_from_spec
from localkube.store import PODS, Change
from localkube.timeutil import parse_rfc3339, rfc3339

_COMPONENT = "deployment-controller"


def _replicas(rs: Obj | None) -> int:
    return int((rs or {}).get("spec", {}).get("replicas", 0)) if rs else 0


def _status(rs: Obj | None, field: str) -> int:
    return int(((rs or {}).get("status") or {}).get(field, 0) or 0) if rs else 0


def _created(obj: Obj) -> tuple[str, str]:
    return (obj["metadata"].get("creationTimestamp", ""), obj["metadata"]["name"])


class DeploymentController(Controller):
    """Reconciles Deployments through their ReplicaSets."""

    name = _COMPONENT
    primary = DEPLOYMENTS

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        ctx.store.subscribe(DEPLOYMENTS, lambda change: self.enqueue_obj(change.obj))
        ctx.store.subscribe(REPLICASETS, lambda change: self.enqueue_owner(change.obj, "Deployment"))
        ctx.store.subscribe(PODS, self._pod_changed)

    def _pod_changed(self, change: Change) -> None:
        ref = controller_ref(change.obj)
        if change.type == "DELETED" and ref is not None and ref.get("kind") == "ReplicaSet":
            rs = self.store.find(REPLICASETS, change.obj["metadata"].get("namespace"), ref["name"])
            if rs is not None:  # Recreate waits for old pods to be gone
                self.enqueue_owner(rs, "Deployment")

    # ----------------------------------------------------------------------------- sync
    async def sync(self, key: Key) -> None:
        namespace, name = key
        d = self.store.find(DEPLOYMENTS, namespace, name)
        if d is None or is_terminating(d):
            return
        rses = self._adopt(d)
        spec = d.get("spec") or {}
        paused = bool(spec.get("paused"))
        new_rs, created = self._new_replicaset(d, rses, create=not paused)
        olds = sorted((rs for rs in rses if new_rs is None or rs["metadata"]["uid"] != new_rs["metadata"]["uid"]),
                      key=_created)
        desired = int(spec.get("replicas", 1))
        if paused:
            active = new_rs or max(olds, key=lambda rs: (_replicas(rs), _created(rs)), default=None)
            if active is not None and not any(_replicas(rs) for rs in rses if rs is not active):
                self._scale(d, active, desired)
        elif (spec.get("strategy") or {}).get("type") == "Recreate":
            new_rs = await self._recreate(d, new_rs, olds, desired)
        else:
            new_rs, olds = self._rolling(d, new_rs, olds, desired)
        self._write_status(d, new_rs, olds, created)

    def _adopt(self, d: Obj) -> list[Obj]:
        selector = selector_from_spec((d.get("spec") or {}).get("selector"))
        rses = []
        for rs in self.store.list(REPLICASETS, d["metadata"]["namespace"]):
            current = rs
            ref = controller_ref(current)
            if ref is None and not is_terminating(current) and selector.matches(current["metadata"].get("labels")):
                def adopt(obj: Obj) -> None:
                    obj["metadata"].setdefault("ownerReferences", []).append(owner_reference(d))

                current = self.store.update(REPLICASETS, d["metadata"]["namespace"], current["metadata"]["name"],
                                            adopt)
                ref = controller_ref(current)
            if ref is not None and ref.get("uid") == d["metadata"]["uid"]:
                rses.append(current)
        return rses

    def _new_replicaset(self, d: Obj, rses: list[Obj], create: bool) -> tuple[Obj | None, str | None]:
        """The ReplicaSet of the current template (created when missing); and how it was found."""
        meta, spec = d["metadata"], d.get("spec") or {}
        template = spec.get("template") or {}
        max_revision = max((revision_of(rs) for rs in rses), default=0)
        existing = next((rs for rs in sorted(rses, key=_created)
                         if equal_ignore_hash((rs.get("spec") or {}).get("template") or {}, template)), None)
        if existing is not None:
            found = None
            min_ready = int(spec.get("minReadySeconds", 0))
            if int((existing.get("spec") or {}).get("minReadySeconds", 0)) != min_ready:
                def ready_seconds(obj: Obj) -> None:
                    obj["spec"]["minReadySeconds"] = min_ready

                existing = self.store.update(REPLICASETS, meta["namespace"], existing["metadata"]["name"],
                                             ready_seconds)
            if revision_of(existing) < max_revision or revision_of(existing) == 0:
                old_revision = revision_of(existing)
                found = "FoundNewReplicaSet"

                def bump(obj: Obj) -> None:
                    annotations = obj["metadata"].setdefault("annotations", {})
                    annotations[REVISION] = str(max_revision + 1)
                    if old_revision:
                        history = [h for h in annotations.get(REVISION_HISTORY, "").split(",") if h]
                        annotations[REVISION_HISTORY] = ",".join([*history, str(old_revision)])

                existing = self.store.update(REPLICASETS, meta["namespace"], existing["metadata"]["name"], bump)
            self._set_revision(d, revision_of(existing))
            return existing, found
        if not create:
            return None, None
        collisions = int((d.get("status") or {}).get("collisionCount", 0))
        while True:
            hash_ = pod_template_hash(template, collisions)
            rs_template = copy.deepcopy(template)
            rs_template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = hash_
            selector = copy.deepcopy(spec.get("selector") or {})
            selector.setdefault("matchLabels", {})[HASH_LABEL] = hash_
            labels = dict(rs_template["metadata"]["labels"])
            desired = int(spec.get("replicas", 1))
            surge, _ = self._fenceposts(d)
            rs = {"metadata": {"name": f"{meta['name']}-{hash_}", "namespace": meta["namespace"], "labels": labels,
                               "annotations": {REVISION: str(max_revision + 1), DESIRED_REPLICAS: str(desired),
                                               MAX_REPLICAS: str(desired + surge)},
                               "ownerReferences": [owner_reference(d)]},
                  "spec": {"replicas": 0, "minReadySeconds": int(spec.get("minReadySeconds", 0)),
                           "selector": selector, "template": rs_template},
                  "status": {"replicas": 0}}
            try:
                stored = self.store.create(REPLICASETS, rs)
            except ApiError as exc:
                if exc.code != 409:
                    raise
                collisions += 1

                def count(obj: Obj, value: int = collisions) -> None:
                    obj.setdefault("status", {})["collisionCount"] = value

                d = self.store.update(DEPLOYMENTS, meta["namespace"], meta["name"], count)
                continue
            self._set_revision(d, max_revision + 1)
            return stored, "NewReplicaSetCreated"

    def _set_revision(self, d: Obj, revision: int) -> None:
        def write(obj: Obj) -> None:
            obj["metadata"].setdefault("annotations", {})[REVISION] = str(revision)

        if (d["metadata"].get("annotations") or {}).get(REVISION) != str(revision):
            self.store.update(DEPLOYMENTS, d["metadata"]["namespace"], d["metadata"]["name"], write)

    @staticmethod
    def _fenceposts(d: Obj) -> tuple[int, int]:
        spec = d.get("spec") or {}
        strategy = spec.get("strategy") or {}
        desired = int(spec.get("replicas", 1))
        if strategy.get("type") == "Recreate":
            return 0, desired
        rolling = strategy.get("rollingUpdate") or {}
        return resolve_fenceposts(rolling.get("maxSurge", "25%"), rolling.get("maxUnavailable", "25%"), desired)

    def _scale(self, d: Obj, rs: Obj, replicas: int) -> Obj:
        current = _replicas(rs)
        surge, _ = self._fenceposts(d)
        desired = int((d.get("spec") or {}).get("replicas", 1))

        def write(obj: Obj) -> None:
            obj["spec"]["replicas"] = replicas
            annotations = obj["metadata"].setdefault("annotations", {})
            annotations[DESIRED_REPLICAS] = str(desired)
            annotations[MAX_REPLICAS] = str(desired + surge)

        updated = self.store.update(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"], write)
        if replicas != current:
            direction = "up" if replicas > current else "down"
            self.ctx.events.record(d, NORMAL, "ScalingReplicaSet",
                                   f"Scaled {direction} replica set {rs['metadata']['name']} from {current} to "
                                   f"{replicas}", component=_COMPONENT)
        return updated

    # ----------------------------------------------------------------------------- strategies
    def _rolling(self, d: Obj, new_rs: Obj | None, olds: list[Obj], desired: int) -> tuple[Obj | None, list[Obj]]:
        if new_rs is None:
            return new_rs, olds
        surge, unavailable = self._fenceposts(d)
        total = _replicas(new_rs) + sum(_replicas(rs) for rs in olds)
        target = new_rs_replicas(desired, surge, total, _replicas(new_rs))
        if target != _replicas(new_rs):
            new_rs = self._scale(d, new_rs, target)
        if not any(_replicas(rs) for rs in olds):
            return new_rs, olds
        all_pods = _replicas(new_rs) + sum(_replicas(rs) for rs in olds)
        budget = max_scale_down(desired, unavailable, all_pods, _replicas(new_rs), _status(new_rs, "availableReplicas"))
        if budget <= 0:
            return new_rs, olds
        result = []
        cleaned = 0
        for old in olds:  # first the old pods that are not available anyway (oldest ReplicaSet first)
            unhealthy = _replicas(old) - _status(old, "availableReplicas")
            if cleaned < budget and _replicas(old) and unhealthy > 0:
                down = min(budget - cleaned, unhealthy)
                old = self._scale(d, old, _replicas(old) - down)  # noqa: PLW2901
                cleaned += down
            result.append(old)
        olds = result
        min_available = desired - unavailable
        available = _status(new_rs, "availableReplicas") + sum(_status(rs, "availableReplicas") for rs in olds)
        if available > min_available:
            remaining = available - min_available
            result = []
            for old in olds:
                if remaining > 0 and _replicas(old):
                    down = min(_replicas(old), remaining)
                    old = self._scale(d, old, _replicas(old) - down)  # noqa: PLW2901
                    remaining -= down
                result.append(old)
            olds = result
        return new_rs, olds

    async def _recreate(self, d: Obj, new_rs: Obj | None, olds: list[Obj], desired: int) -> Obj | None:
        scaled = False
        for rs in olds:
            if _replicas(rs):
                self._scale(d, rs, 0)
                scaled = True
        if scaled or any(pod_owned(self.store, rs) for rs in olds):
            return new_rs
        if new_rs is not None and _replicas(new_rs) != desired:
            new_rs = self._scale(d, new_rs, desired)
        return new_rs

    # ----------------------------------------------------------------------------- status
    def _cleanup(self, d: Obj, olds: list[Obj]) -> None:
        limit = int((d.get("spec") or {}).get("revisionHistoryLimit", 10))
        idle = [rs for rs in olds if not _replicas(rs) and not _status(rs, "replicas")
                and not pod_owned(self.store, rs)]
        idle.sort(key=revision_of)
        for rs in idle[: max(len(idle) - limit, 0)]:
            if self.store.find(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"]) is not None:
                self.store.delete(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])

    def _write_status(self, d: Obj, new_rs: Obj | None, olds: list[Obj], created: str | None) -> None:
        meta, spec = d["metadata"], d.get("spec") or {}
        d = self.store.find(DEPLOYMENTS, meta["namespace"], meta["name"]) or d
        old_status = d.get("status") or {}
        new_rs = self.store.find(REPLICASETS, meta["namespace"], new_rs["metadata"]["name"]) if new_rs else None
        olds = [o for o in (self.store.find(REPLICASETS, rs["metadata"]["namespace"], rs["metadata"]["name"])
                            for rs in olds) if o is not None]
        everything = ([new_rs] if new_rs else []) + olds
        desired = int(spec.get("replicas", 1))
        _, unavailable = self._fenceposts(d)
        status: dict[str, Any] = {
            "observedGeneration": int(meta.get("generation", 1)),
            "replicas": sum(_status(rs, "replicas") for rs in everything),
            "updatedReplicas": _status(new_rs, "replicas"),
            "readyReplicas": sum(_status(rs, "readyReplicas") for rs in everything),
            "availableReplicas": sum(_status(rs, "availableReplicas") for rs in everything),
        }
        status["unavailableReplicas"] = max(desired - status["availableReplicas"], 0)
        if old_status.get("collisionCount"):
            status["collisionCount"] = old_status["collisionCount"]
        now = rfc3339()
        conditions = list(old_status.get("conditions") or [])
        if status["availableReplicas"] >= desired - unavailable:
            available = {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                         "message": "Deployment has minimum availability.", "lastUpdateTime": None}
        else:
            available = {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                         "message": "Deployment does not have minimum availability.", "lastUpdateTime": None}
        conditions = set_condition(conditions, available, now)
        progressing = self._progressing(d, spec, status, old_status, new_rs=new_rs, created=created,
                                        conditions=conditions, now=now)
        if progressing is not None:
            conditions = set_condition(conditions, progressing, now)
        order = {"Available": 0, "Progressing": 1}
        status["conditions"] = sorted(conditions, key=lambda c: order.get(c["type"], 2))
        complete = (status["updatedReplicas"] == desired and status["availableReplicas"] == desired
                    and status["replicas"] == desired)
        if complete and not spec.get("paused"):
            self._cleanup(d, olds)

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.update(DEPLOYMENTS, meta["namespace"], meta["name"], write)

    @staticmethod
    def _progressing(d: Obj, spec: Obj, status: Obj, old: Obj, *, new_rs: Obj | None, created: str | None,
                     conditions: list[Obj], now: str) -> Obj | None:
        rs_name = new_rs["metadata"]["name"] if new_rs else d["metadata"]["name"]
        current = condition(conditions, "Progressing")
        desired = int(spec.get("replicas", 1))
        if spec.get("paused"):
            return {"type": "Progressing", "status": "Unknown", "reason": "DeploymentPaused",
                    "message": "Deployment is paused", "lastUpdateTime": None}
        if current is not None and current.get("reason") == "DeploymentPaused":
            return {"type": "Progressing", "status": "Unknown", "reason": "DeploymentResumed",
                    "message": "Deployment is resumed", "lastUpdateTime": now}
        complete = (status["updatedReplicas"] == desired and status["availableReplicas"] == desired
                    and status["replicas"] == desired)
        if complete:
            return {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                    "message": f'ReplicaSet "{rs_name}" has successfully progressed.', "lastUpdateTime": None}
        if created == "NewReplicaSetCreated":
            return {"type": "Progressing", "status": "True", "reason": "NewReplicaSetCreated",
                    "message": f'Created new replica set "{rs_name}"', "lastUpdateTime": now}
        if created == "FoundNewReplicaSet":
            return {"type": "Progressing", "status": "True", "reason": "FoundNewReplicaSet",
                    "message": f'Found new replica set "{rs_name}"', "lastUpdateTime": now}
        old_olds = int(old.get("replicas", 0)) - int(old.get("updatedReplicas", 0))
        new_olds = status["replicas"] - status["updatedReplicas"]
        advanced = (status["updatedReplicas"] > int(old.get("updatedReplicas", 0)) or new_olds < old_olds
                    or status["readyReplicas"] > int(old.get("readyReplicas", 0))
                    or status["availableReplicas"] > int(old.get("availableReplicas", 0)))
        if advanced or current is None:
            return {"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
                    "message": f'ReplicaSet "{rs_name}" is progressing.', "lastUpdateTime": now}
        if current.get("reason") in ("ProgressDeadlineExceeded", "NewReplicaSetAvailable"):
            return None  # a finished rollout is not timed out again; a timed-out one stays so
        deadline = spec.get("progressDeadlineSeconds")
        since = current.get("lastUpdateTime") or current.get("lastTransitionTime")
        if deadline is not None and since and time.time() - parse_rfc3339(since) > int(deadline):
            return {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                    "message": f'ReplicaSet "{rs_name}" has timed out progressing.', "lastUpdateTime": now}
        return None
