"""Cascading deletion and garbage collection by ``ownerReferences``.

* ``Background`` (the default, except for Jobs): the owner goes at once; the collector then deletes
  every object whose owners are all gone (recursively: Deployment → ReplicaSets → pods).
* ``Foreground``: the owner gets ``deletionTimestamp`` and the ``foregroundDeletion`` finalizer and
  stays visible until its dependents are gone, then it is removed.
* ``Orphan`` (the API default for Jobs, as in Kubernetes): dependents lose their ownerReference to
  the owner and stay.

Pods are deleted through the kubelet (graceful stop); everything else leaves the store at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from localkube.errors import bad_request
from localkube.resources import ALL_TYPES, JOBS
from localkube.store import EVENTS, PODS, ResourceType, Store
from localkube.timeutil import rfc3339

log = logging.getLogger(__name__)
Obj = dict[str, Any]
POLICIES = ("Background", "Foreground", "Orphan")
_BY_KEY = {t.key: t for t in ALL_TYPES}


def default_policy(rtype: ResourceType) -> str:
    """The propagation policy kube-apiserver applies when the client names none."""
    return "Orphan" if rtype == JOBS else "Background"


class GarbageCollector:
    """Deletes dependents of deleted owners; implements the three propagation policies."""

    def __init__(self, store: Store, delete_pod: Callable[[str, str], Awaitable[Any]]) -> None:
        self.store = store
        self._delete_pod = delete_pod
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._foreground: set[asyncio.Task[Any]] = set()
        for rtype in ALL_TYPES:
            if rtype != EVENTS:
                store.subscribe(rtype, self._changed)

    def _changed(self, change: Any) -> None:
        if change.type == "DELETED":
            self._queue.put_nowait(change.obj["metadata"].get("uid", ""))

    def start(self) -> None:
        """Start collecting."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name="localkube-gc")

    async def stop(self) -> None:
        """Stop collecting."""
        for task in [self._task, *self._foreground]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _run(self) -> None:
        while True:
            uid = await self._queue.get()
            try:
                await self._collect(uid)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("localkube garbage collector failed on dependents of %s", uid)

    async def _collect(self, uid: str) -> None:
        for type_key, obj in self.store.dependents(uid):
            rtype = _BY_KEY.get(type_key)
            if rtype is None:
                continue
            meta = obj["metadata"]
            refs = meta.get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") != uid and self.store.uid_exists(r.get("uid", ""))]
            if alive:
                def strip(o: Obj, gone: str = uid) -> None:
                    o["metadata"]["ownerReferences"] = [r for r in o["metadata"].get("ownerReferences") or []
                                                        if r.get("uid") != gone]

                self.store.update(rtype, meta.get("namespace"), meta["name"], strip)
            else:
                await self._remove(rtype, meta.get("namespace"), meta["name"])

    async def _remove(self, rtype: ResourceType, namespace: str | None, name: str) -> None:
        if rtype == PODS:
            if self.store.find(PODS, namespace, name) is not None:
                await self._delete_pod(namespace or "default", name)
        elif self.store.find(rtype, namespace, name) is not None:
            self.store.delete(rtype, namespace, name)

    # ----------------------------------------------------------------------------- API deletes
    async def delete(self, rtype: ResourceType, namespace: str | None, name: str, policy: str | None) -> Obj:
        """Delete a non-pod object with a propagation policy; returns its last (or marked) state."""
        policy = policy or default_policy(rtype)
        if policy not in POLICIES:
            raise bad_request(f'propagationPolicy "{policy}" is not supported: use one of {", ".join(POLICIES)}')
        obj = self.store.get(rtype, namespace, name)
        uid = obj["metadata"]["uid"]
        if policy == "Orphan":
            for type_key, dependent in self.store.dependents(uid):
                dep_type = _BY_KEY.get(type_key)
                if dep_type is None:
                    continue

                def strip(o: Obj) -> None:
                    o["metadata"]["ownerReferences"] = [r for r in o["metadata"].get("ownerReferences") or []
                                                        if r.get("uid") != uid]

                dmeta = dependent["metadata"]
                self.store.update(dep_type, dmeta.get("namespace"), dmeta["name"], strip)
            return self.store.delete(rtype, namespace, name)
        if policy == "Background" or not self.store.dependents(uid):
            return self.store.delete(rtype, namespace, name)
        if obj["metadata"].get("deletionTimestamp"):
            return obj

        def mark(o: Obj) -> None:
            o["metadata"]["deletionTimestamp"] = rfc3339()
            o["metadata"]["deletionGracePeriodSeconds"] = 0
            finalizers = o["metadata"].setdefault("finalizers", [])
            if "foregroundDeletion" not in finalizers:
                finalizers.append("foregroundDeletion")

        marked = self.store.update(rtype, namespace, name, mark)
        task = asyncio.get_running_loop().create_task(self._foreground_delete(rtype, namespace, name, uid))
        self._foreground.add(task)
        task.add_done_callback(self._foreground.discard)
        return marked

    async def _foreground_delete(self, rtype: ResourceType, namespace: str | None, name: str, uid: str,
                                 timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for type_key, dependent in self.store.dependents(uid):
            dep_type = _BY_KEY.get(type_key)
            if dep_type is None:
                continue
            dmeta = dependent["metadata"]
            if dep_type == PODS:
                await self._remove(PODS, dmeta.get("namespace"), dmeta["name"])
            elif not dmeta.get("deletionTimestamp"):
                await self.delete(dep_type, dmeta.get("namespace"), dmeta["name"], "Foreground")
        while self.store.dependents(uid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        current = self.store.find(rtype, namespace, name)
        if current is not None and current["metadata"]["uid"] == uid:
            self.store.delete(rtype, namespace, name)
