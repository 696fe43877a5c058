"""The object store: every API object by (resource type, namespace, name), with resourceVersions
and watches.

All methods run on localkube's event-loop thread; objects are plain JSON dicts and the store
hands out deep copies, so callers can never mutate stored state behind its back. The store is
generic on purpose: Deployments, Services, ConfigMaps… are new :class:`ResourceType` values, and
controllers subscribe to changes with :meth:`Store.subscribe`.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localkube.errors import already_exists, gone, not_found
from localkube.selectors import FieldSelector, LabelSelector
from localkube.timeutil import rfc3339

Obj = dict[str, Any]


@dataclass(frozen=True)
class ResourceType:
    """One kind of API object and how it is addressed."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """Unique key, e.g. ``v1/Pod`` or ``apps/v1/Deployment``."""
        return f"{self.api_version}/{self.kind}"


PODS = ResourceType("", "v1", "Pod", "pods", True)
EVENTS = ResourceType("", "v1", "Event", "events", True)
NAMESPACES = ResourceType("", "v1", "Namespace", "namespaces", False)
NODES = ResourceType("", "v1", "Node", "nodes", False)
CONFIGMAPS = ResourceType("", "v1", "ConfigMap", "configmaps", True)
SECRETS = ResourceType("", "v1", "Secret", "secrets", True)
CORE_TYPES = (PODS, EVENTS, NAMESPACES, NODES, CONFIGMAPS, SECRETS)


@dataclass
class Change:
    """A change to one object, as delivered to watches (``ADDED``, ``MODIFIED``, ``DELETED``)."""

    type: str
    rtype: ResourceType
    obj: Obj
    rv: int


class Watch:
    """A live subscription to changes; iterate with ``async for``, stop with :meth:`close`."""

    def __init__(self, store: Store, rtype: ResourceType, namespace: str | None,
                 labels: LabelSelector, fields: FieldSelector) -> None:
        self._store = store
        self.rtype = rtype
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self._queue: asyncio.Queue[Change | None] = asyncio.Queue()
        self.closed = False

    def wants(self, change: Change) -> bool:
        """Whether this watch receives ``change``."""
        if change.rtype != self.rtype:
            return False
        meta = change.obj.get("metadata", {})
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        return self.labels.matches(meta.get("labels")) and self.fields.matches(change.obj)

    def push(self, change: Change | None) -> None:
        """Queue a change (``None`` ends the watch)."""
        if not self.closed:
            self._queue.put_nowait(change)

    def close(self) -> None:
        """End the watch; a pending ``async for`` finishes."""
        if not self.closed:
            self._queue.put_nowait(None)
            self.closed = True
            self._store._watches.discard(self)

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> Change:
        item = await self._queue.get()
        if item is None:
            self.closed = True
            self._store._watches.discard(self)
            raise StopAsyncIteration
        return item


class Store:
    """In-memory object store with a global, monotonically increasing resourceVersion.

    :meth:`snapshot`, :meth:`restore` and :meth:`on_change` let :mod:`localkube.persist` keep a
    copy on disk; the watch history is not kept (an old resourceVersion gets 410 Gone after a restart).
    """

    def __init__(self, history: int = 5000) -> None:
        self._objects: dict[tuple[str, str, str], Obj] = {}
        self._rv = 1
        self._history: deque[Change] = deque(maxlen=history)
        self._watches: set[Watch] = set()
        self._subscribers: list[tuple[ResourceType, Callable[[Change], None]]] = []
        self._uids: dict[str, tuple[str, str, str]] = {}
        self._on_change: Callable[[], None] | None = None

    @property
    def resource_version(self) -> int:
        """The newest resourceVersion handed out."""
        return self._rv

    def _key(self, rtype: ResourceType, namespace: str | None, name: str) -> tuple[str, str, str]:
        return (rtype.key, (namespace or "") if rtype.namespaced else "", name)

    def _emit(self, kind: str, rtype: ResourceType, obj: Obj) -> None:
        if self._on_change is not None and rtype != EVENTS:
            self._on_change()
        change = Change(kind, rtype, obj, self._rv)
        self._history.append(change)
        for watch in list(self._watches):
            if watch.wants(change):
                watch.push(Change(kind, rtype, copy.deepcopy(obj), self._rv))
        for sub_type, callback in list(self._subscribers):
            if sub_type == rtype:
                callback(Change(kind, rtype, copy.deepcopy(obj), self._rv))

    def _bump(self, obj: Obj) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)

    def on_change(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback()`` after every change to an object other than an Event (persistence)."""
        self._on_change = callback

    def snapshot(self) -> dict[str, Any]:
        """Every object but Events, and the resourceVersion, as JSON-ready data (:meth:`restore`)."""
        return {"resourceVersion": self._rv,
                "objects": [{"type": type_key, "object": obj} for (type_key, _, _), obj in self._objects.items()
                            if type_key != EVENTS.key]}

    def restore(self, data: dict[str, Any], types: dict[str, ResourceType]) -> int:
        """Load a :meth:`snapshot` into an empty store, without emitting changes; returns the count.

        ``types`` maps type keys (``apps/v1/Deployment``) to resource types; objects of unknown
        types are skipped.
        """
        if self._objects:
            raise RuntimeError("Store.restore() needs an empty store")
        count = 0
        for entry in data.get("objects") or []:
            rtype = types.get(entry.get("type"))
            obj = entry.get("object")
            if rtype is None or not isinstance(obj, dict) or not (obj.get("metadata") or {}).get("name"):
                continue
            meta = obj["metadata"]
            key = self._key(rtype, meta.get("namespace"), meta["name"])
            self._objects[key] = copy.deepcopy(obj)
            if meta.get("uid"):
                self._uids[meta["uid"]] = key
            count += 1
        self._rv = max(self._rv, int(data.get("resourceVersion") or 0))
        return count

    def subscribe(self, rtype: ResourceType, callback: Callable[[Change], None]) -> None:
        """Call ``callback`` synchronously after every change to objects of ``rtype``."""
        self._subscribers.append((rtype, callback))

    def create(self, rtype: ResourceType, obj: Obj) -> Obj:
        """Store a new object (sets uid, creationTimestamp, resourceVersion); 409 if it exists."""
        meta = obj.setdefault("metadata", {})
        name = meta["name"]
        key = self._key(rtype, meta.get("namespace"), name)
        if key in self._objects:
            raise already_exists(rtype.plural, name)
        stored = copy.deepcopy(obj)
        stored["apiVersion"], stored["kind"] = rtype.api_version, rtype.kind
        smeta = stored["metadata"]
        if not rtype.namespaced:
            smeta.pop("namespace", None)
        smeta.setdefault("uid", str(uuid.uuid4()))
        smeta.setdefault("creationTimestamp", rfc3339())
        smeta.setdefault("generation", 1)
        self._bump(stored)
        self._objects[key] = stored
        self._uids[smeta["uid"]] = key
        self._emit("ADDED", rtype, stored)
        return copy.deepcopy(stored)

    def get(self, rtype: ResourceType, namespace: str | None, name: str) -> Obj:
        """A copy of the object; 404 ``ApiError`` if absent."""
        found = self._objects.get(self._key(rtype, namespace, name))
        if found is None:
            raise not_found(rtype.plural, name)
        return copy.deepcopy(found)

    def find(self, rtype: ResourceType, namespace: str | None, name: str) -> Obj | None:
        """A copy of the object, or None."""
        found = self._objects.get(self._key(rtype, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    def list(self, rtype: ResourceType, namespace: str | None = None,
             labels: LabelSelector | None = None, fields: FieldSelector | None = None) -> list[Obj]:
        """Copies of all matching objects, oldest first."""
        labels = labels or LabelSelector()
        fields = fields or FieldSelector()
        items = []
        for (type_key, ns, _), obj in self._objects.items():
            if type_key != rtype.key or (namespace and ns != namespace):
                continue
            if labels.matches(obj["metadata"].get("labels")) and fields.matches(obj):
                items.append(copy.deepcopy(obj))
        return items

    def update(self, rtype: ResourceType, namespace: str | None, name: str,
               mutate: Callable[[Obj], Obj | None]) -> Obj:
        """Apply ``mutate`` to a copy and store the result (a new resourceVersion) if it changed.

        ``mutate`` may edit its argument in place (return None) or return a replacement.
        """
        key = self._key(rtype, namespace, name)
        current = self._objects.get(key)
        if current is None:
            raise not_found(rtype.plural, name)
        draft = copy.deepcopy(current)
        replaced = mutate(draft)
        new = replaced if replaced is not None else draft
        new["apiVersion"], new["kind"] = rtype.api_version, rtype.kind
        # Identity fields are owned by the store.
        for field in ("name", "namespace", "uid", "creationTimestamp"):
            if field in current["metadata"]:
                new.setdefault("metadata", {})[field] = current["metadata"][field]
        new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if new == current:
            return copy.deepcopy(current)
        if new.get("spec") != current.get("spec"):
            new["metadata"]["generation"] = int(current["metadata"].get("generation", 1)) + 1
        self._bump(new)
        self._objects[key] = new
        self._emit("MODIFIED", rtype, new)
        return copy.deepcopy(new)

    def delete(self, rtype: ResourceType, namespace: str | None, name: str) -> Obj:
        """Remove the object and return its last state; 404 if absent."""
        key = self._key(rtype, namespace, name)
        removed = self._objects.pop(key, None)
        if removed is None:
            raise not_found(rtype.plural, name)
        self._uids.pop(removed["metadata"].get("uid", ""), None)
        current = copy.deepcopy(removed)
        self._bump(current)
        self._emit("DELETED", rtype, current)
        return copy.deepcopy(current)

    def uid_exists(self, uid: str) -> bool:
        """Whether an object with this uid is stored."""
        return uid in self._uids

    def dependents(self, uid: str) -> list[tuple[str, Obj]]:
        """``(type key, copy)`` of every object with an ownerReference to ``uid``."""
        found = []
        for (type_key, _, _), obj in self._objects.items():
            refs = obj["metadata"].get("ownerReferences")
            if refs and any(ref.get("uid") == uid for ref in refs):
                found.append((type_key, copy.deepcopy(obj)))
        return found

    def watch(self, rtype: ResourceType, namespace: str | None, since: int | None,
              labels: LabelSelector | None = None, fields: FieldSelector | None = None) -> Watch:
        """Start a watch.

        ``since=None`` replays every current object as ``ADDED`` first (Kubernetes' "get state and
        start at most recent"); an integer replays the changes after that resourceVersion, or
        raises 410 Gone when that history has been dropped.
        """
        watch = Watch(self, rtype, namespace, labels or LabelSelector(), fields or FieldSelector())
        if since is None:
            for obj in self.list(rtype, namespace, watch.labels, watch.fields):
                watch.push(Change("ADDED", rtype, obj, int(obj["metadata"]["resourceVersion"])))
        else:
            oldest = self._history[0].rv if self._history else self._rv + 1
            if since < oldest - 1 and since < self._rv:
                raise gone(f"too old resource version: {since} ({oldest - 1})")
            for change in self._history:
                if change.rv > since and watch.wants(change):
                    watch.push(Change(change.type, rtype, copy.deepcopy(change.obj), change.rv))
        self._watches.add(watch)
        return watch

    def close_watches(self) -> None:
        """End every open watch (server shutdown)."""
        for watch in list(self._watches):
            watch.close()
