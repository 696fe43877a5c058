"""The ReplicaSet controller: keeps ``spec.replicas`` active pods from the template, and reports them.

A pod that is deleted (or ends Succeeded/Failed) is replaced; surplus pods go in the order
kube-controller-manager picks them (unscheduled, pending, not ready, most restarts, newest first).
Status: ``replicas``, ``fullyLabeledReplicas``, ``readyReplicas``, ``availableReplicas`` (ready for
``minReadySeconds``), ``observedGeneration`` and a ``ReplicaFailure`` condition when pods cannot be
created.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from localkube.controllers.base import (
    Context,
    Controller,
    Key,
    Obj,
    condition,
    is_active,
    is_available,
    is_ready,
    is_terminating,
    pod_from_template,
    pod_owned,
    pod_phase,
    set_condition,
)
from localkube.errors import ApiError
from localkube.events import NORMAL, WARNING
from localkube.resources import REPLICASETS
from localkube.selectors import selector_from_spec
from localkube.store import PODS, Change
from localkube.timeutil import parse_rfc3339, rfc3339

log = logging.getLogger(__name__)
_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_rank(pod: Obj) -> tuple[Any, ...]:
    """Sort key: pods that sort first are deleted first when scaling down."""
    status = pod.get("status") or {}
    restarts = sum(int(c.get("restartCount", 0)) for c in status.get("containerStatuses") or [])
    created = parse_rfc3339(pod["metadata"].get("creationTimestamp") or rfc3339(0))
    return (bool((pod.get("spec") or {}).get("nodeName")), _PHASE_RANK.get(pod_phase(pod), 1), is_ready(pod),
            -restarts, -created)


class ReplicaSetController(Controller):
    """Reconciles ReplicaSets (and so the pods of Deployments)."""

    name = "replicaset-controller"
    primary = REPLICASETS

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        ctx.store.subscribe(REPLICASETS, lambda change: self.enqueue_obj(change.obj))
        ctx.store.subscribe(PODS, self._pod_changed)

    def _pod_changed(self, change: Change) -> None:
        self.enqueue_owner(change.obj, "ReplicaSet")

    async def sync(self, key: Key) -> None:
        namespace, name = key
        rs = self.store.find(REPLICASETS, namespace, name)
        if rs is None or is_terminating(rs):
            return
        spec = rs.get("spec") or {}
        pods = pod_owned(self.store, rs)
        for pod in pods:  # a dead pod of a ReplicaSet is replaced, not kept
            if not is_terminating(pod) and pod_phase(pod) in ("Succeeded", "Failed"):
                await self.ctx.delete_pod(namespace, pod["metadata"]["name"])
        active = [p for p in pods if is_active(p)]
        desired = int(spec.get("replicas", 1))
        failure: str | None = None
        if len(active) < desired and not self.may_create(key):
            failure = (condition((rs.get("status") or {}).get("conditions") or [], "ReplicaFailure") or {}).get(
                "message") or "backing off after a refused pod create"
        elif len(active) < desired:
            for _ in range(desired - len(active)):
                try:
                    pod = self.ctx.create_pod(pod_from_template(rs, spec.get("template") or {}))
                except ApiError as exc:
                    failure = exc.message
                    self.create_refused(key)
                    self.ctx.events.record(rs, WARNING, "FailedCreate", f"Error creating: {exc.message}",
                                           component="replicaset-controller")
                    break
                self.create_succeeded(key)
                active.append(pod)
                self.ctx.events.record(rs, NORMAL, "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}",
                                       component="replicaset-controller")
        elif len(active) > desired:
            victims = sorted(active, key=deletion_rank)[: len(active) - desired]
            for pod in victims:
                await self.ctx.delete_pod(namespace, pod["metadata"]["name"])
                self.ctx.events.record(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}",
                                       component="replicaset-controller")
            gone = {p["metadata"]["name"] for p in victims}
            active = [p for p in active if p["metadata"]["name"] not in gone]
        self._write_status(rs, failure)

    def _write_status(self, rs: Obj, failure: str | None) -> None:
        meta, spec = rs["metadata"], rs.get("spec") or {}
        active = [p for p in pod_owned(self.store, rs) if is_active(p)]
        labels = selector_from_spec({"matchLabels": ((spec.get("template") or {}).get("metadata") or {})
                                     .get("labels") or {}})
        min_ready = int(spec.get("minReadySeconds", 0))
        now = time.time()
        status: Obj = {
            "replicas": len(active),
            "fullyLabeledReplicas": sum(1 for p in active if labels.matches(p["metadata"].get("labels"))),
            "readyReplicas": sum(1 for p in active if is_ready(p)),
            "availableReplicas": sum(1 for p in active if is_available(p, min_ready, now)),
            "observedGeneration": int(meta.get("generation", 1)),
        }
        conditions = list((rs.get("status") or {}).get("conditions") or [])
        if failure and condition(conditions, "ReplicaFailure") is None:  # the first failure stays, as upstream
            conditions = set_condition(conditions, {"type": "ReplicaFailure", "status": "True",
                                                    "reason": "FailedCreate", "message": failure}, rfc3339())
        elif not failure and conditions:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        if conditions:
            status["conditions"] = conditions

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.update(REPLICASETS, meta["namespace"], meta["name"], write)
