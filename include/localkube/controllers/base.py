"""What every controller shares: a work queue of object keys, owner references, pod helpers.

A controller subscribes to store changes (:meth:`localkube.store.Store.subscribe`), turns each into
the key of the object it reconciles (``(namespace, name)``) and a single worker task calls
:meth:`Controller.sync` for each dirty key — the same level-triggered design as
kube-controller-manager's work queues. A periodic resync re-queues every object so that
time-based conditions (progress deadlines, ``minReadySeconds``, back-offs) are noticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localkube.events import EventRecorder
from localkube.store import PODS, ResourceType, Store
from localkube.timeutil import parse_rfc3339

log = logging.getLogger(__name__)
Obj = dict[str, Any]
Key = tuple[str, str]


@dataclass
class Context:
    """What controllers are given: the store, the event recorder and pod operations."""

    store: Store
    events: EventRecorder
    create_pod: Callable[[Obj], Obj]
    delete_pod: Callable[[str, str], Any]  # coroutine function (namespace, name)
    restart_backoff_seconds: float = 10.0


class Controller:
    """A work queue of keys plus one worker; subclasses implement :meth:`sync` and :meth:`keys`."""

    name = "controller"
    primary: ResourceType
    resync_seconds = 1.0

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self._dirty: dict[Key, None] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._refused: dict[Key, tuple[float, float]] = {}  # key → (no create before, last delay)

    # ----------------------------------------------------------------------------- create back-off
    def may_create(self, key: Key) -> bool:
        """Whether ``key`` may try a pod create now (not while backing off after a refusal)."""
        until = self._refused.get(key)
        return until is None or time.monotonic() >= until[0]

    def create_refused(self, key: Key) -> None:
        """Back off before ``key``'s next pod create: 1 s, doubling to 5 min (a rate-limited work queue's
        per-item back-off), so a pod the API keeps refusing is not retried at every resync."""
        delay = min(self._refused.get(key, (0.0, 0.5))[1] * 2, 300.0)
        self._refused[key] = (time.monotonic() + delay, delay)
        asyncio.get_running_loop().call_later(delay, self.enqueue, key)

    def create_succeeded(self, key: Key) -> None:
        """A pod create went through: no more back-off."""
        self._refused.pop(key, None)

    # ----------------------------------------------------------------------------- queue
    def enqueue(self, key: Key) -> None:
        """Mark ``key`` for a sync."""
        self._dirty[key] = None
        self._wake.set()

    def enqueue_obj(self, obj: Obj) -> None:
        """Mark the object itself."""
        meta = obj.get("metadata") or {}
        self.enqueue((meta.get("namespace") or "", meta["name"]))

    def enqueue_owner(self, obj: Obj, kind: str) -> None:
        """Mark the controller owner of ``obj`` if it is of ``kind``."""
        owner = controller_ref(obj)
        if owner is not None and owner.get("kind") == kind:
            self.enqueue((obj["metadata"].get("namespace") or "", owner["name"]))

    def resync(self) -> None:
        """Re-queue every object of the primary type."""
        for obj in self.store.list(self.primary):
            self.enqueue_obj(obj)

    def start(self) -> None:
        """Start the worker and the periodic resync (objects already stored, e.g. restored, are queued now)."""
        self.resync()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"localkube-{self.name}")
        self._schedule_resync()

    def _schedule_resync(self) -> None:
        def tick() -> None:
            self.resync()
            self._schedule_resync()

        self._timer = asyncio.get_running_loop().call_later(self.resync_seconds, tick)

    async def stop(self) -> None:
        """Stop the worker."""
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            if not self._dirty:
                self._wake.clear()
                await self._wake.wait()
                continue
            key = next(iter(self._dirty))
            del self._dirty[key]
            try:
                await self.sync(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("localkube %s failed to sync %s/%s; retrying", self.name, *key)
                asyncio.get_running_loop().call_later(1.0, self.enqueue, key)

    async def sync(self, key: Key) -> None:
        """Reconcile one object (absent objects included)."""
        raise NotImplementedError


# --------------------------------------------------------------------------------- helpers
def controller_ref(obj: Obj) -> Obj | None:
    """The ownerReference with ``controller: true``, or None."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Obj, *, block: bool = True) -> Obj:
    """An ownerReference to ``owner`` marking it as the controller."""
    meta = owner["metadata"]
    return {"apiVersion": owner["apiVersion"], "kind": owner["kind"], "name": meta["name"], "uid": meta["uid"],
            "controller": True, "blockOwnerDeletion": block}


def owned_by(obj: Obj, owner: Obj) -> bool:
    """Whether ``owner`` is the controller of ``obj``."""
    ref = controller_ref(obj)
    return ref is not None and ref.get("uid") == owner["metadata"]["uid"]


def owned(store: Store, rtype: ResourceType, owner: Obj) -> list[Obj]:
    """Objects of ``rtype`` in the owner's namespace controlled by ``owner``."""
    return [o for o in store.list(rtype, owner["metadata"].get("namespace")) if owned_by(o, owner)]


def pod_owned(store: Store, owner: Obj) -> list[Obj]:
    """Pods controlled by ``owner``."""
    return owned(store, PODS, owner)


def is_terminating(obj: Obj) -> bool:
    """Whether the object is being deleted."""
    return bool((obj.get("metadata") or {}).get("deletionTimestamp"))


def pod_phase(pod: Obj) -> str:
    """The pod's phase (Pending when unset)."""
    return str((pod.get("status") or {}).get("phase") or "Pending")


def is_active(pod: Obj) -> bool:
    """Neither terminal (Succeeded/Failed) nor being deleted — what controllers count."""
    return pod_phase(pod) not in ("Succeeded", "Failed") and not is_terminating(pod)


def _ready_condition(pod: Obj) -> Obj | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond
    return None


def is_ready(pod: Obj) -> bool:
    """Whether the pod's Ready condition is True."""
    cond = _ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def is_available(pod: Obj, min_ready_seconds: int, now: float | None = None) -> bool:
    """Ready for at least ``min_ready_seconds`` (the Deployment/ReplicaSet notion of available)."""
    cond = _ready_condition(pod)
    if cond is None or cond.get("status") != "True":
        return False
    if min_ready_seconds <= 0:
        return True
    since = cond.get("lastTransitionTime")
    if not since:
        return False
    return (now or time.time()) - parse_rfc3339(since) >= min_ready_seconds


def pod_from_template(owner: Obj, template: Obj, name: str | None = None,
                      generate_name: str | None = None) -> Obj:
    """A pod for ``owner`` from its pod template (labels, annotations, ownerReference)."""
    import copy

    meta = copy.deepcopy(template.get("metadata") or {})
    pod_meta: Obj = {"labels": meta.get("labels") or {}, "annotations": meta.get("annotations") or {},
                     "namespace": owner["metadata"]["namespace"],
                     "ownerReferences": [owner_reference(owner)]}
    if name:
        pod_meta["name"] = name
    else:
        pod_meta["generateName"] = generate_name or f"{owner['metadata']['name']}-"
    if not pod_meta["annotations"]:
        del pod_meta["annotations"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": copy.deepcopy(template.get("spec") or {})}


def condition(conditions: list[Obj], type_: str) -> Obj | None:
    """The condition of ``type_`` in a list, or None."""
    return next((c for c in conditions if c.get("type") == type_), None)


def set_condition(conditions: list[Obj], new: Obj, now: str) -> list[Obj]:
    """Insert or update a condition; transition time changes only when status changes.

    ``lastUpdateTime`` (when the caller includes it) changes only when reason or message change,
    unless the caller passes ``lastUpdateTime`` explicitly as a new value.
    """
    result = [dict(c) for c in conditions if c.get("type") != new["type"]]
    old = condition(conditions, new["type"])
    merged = dict(new)
    if old is not None and old.get("status") == new.get("status"):
        merged["lastTransitionTime"] = old.get("lastTransitionTime", now)
    else:
        merged["lastTransitionTime"] = now
    if "lastUpdateTime" in new:
        same = old is not None and all(old.get(k) == new.get(k) for k in ("status", "reason", "message"))
        if new["lastUpdateTime"] is None:
            merged["lastUpdateTime"] = old.get("lastUpdateTime", now) if same and old else now
    result.append(merged)
    return result
