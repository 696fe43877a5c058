"""Controllers: what kube-controller-manager (and kube-proxy) do, for localkube.

:class:`ControllerManager` owns the ReplicaSet, Deployment, StatefulSet, Job and Service
controllers and the garbage collector; the API server and :class:`localkube.cluster.LocalKube`
start and stop it. Pods created by controllers go through the same validation and Pod Security
admission as API-created ones (a refusal is the controller's ``FailedCreate`` event) and are handed
to the kubelet.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from localkube.controllers.base import Context, Obj
from localkube.controllers.deployment import DeploymentController
from localkube.controllers.job import JobController
from localkube.controllers.replicaset import ReplicaSetController
from localkube.controllers.services import ServiceController
from localkube.controllers.statefulset import StatefulSetController
from localkube.events import EventRecorder
from localkube.gc import GarbageCollector
from localkube.podsecurity import PodSecurity
from localkube.store import PODS, Store
from localkube.validation import prepare_pod

__all__ = ["ControllerManager"]


class ControllerManager:
    """Runs every controller on localkube's event loop."""

    def __init__(self, store: Store, kubelet: Any, events: EventRecorder, *,
                 restart_backoff_seconds: float = 10.0) -> None:
        self.store = store
        self.kubelet = kubelet
        self.pod_security = PodSecurity(store)
        self._pod_tasks: set[asyncio.Task[Any]] = set()
        ctx = Context(store=store, events=events, create_pod=self._create_pod, delete_pod=self._delete_pod,
                      restart_backoff_seconds=restart_backoff_seconds)
        self.gc = GarbageCollector(store, self._delete_pod)
        self.services = ServiceController(ctx)
        self.controllers = [
            ReplicaSetController(ctx),
            DeploymentController(ctx),
            StatefulSetController(ctx),
            JobController(ctx, delete_object=lambda rtype, ns, name: self.gc.delete(rtype, ns, name, "Background")),
            self.services,
        ]

    def _create_pod(self, pod: Obj) -> Obj:
        namespace = pod["metadata"].get("namespace") or "default"
        prepared = prepare_pod(pod, namespace)
        self.pod_security.admit_pod(prepared)
        stored = self.store.create(PODS, prepared)
        task = asyncio.get_running_loop().create_task(self.kubelet.pod_created(stored))
        self._pod_tasks.add(task)
        task.add_done_callback(self._pod_tasks.discard)
        return stored

    async def _delete_pod(self, namespace: str, name: str) -> None:
        if self.store.find(PODS, namespace, name) is not None:
            await self.kubelet.delete_pod(namespace, name, None)

    async def sync_all(self) -> None:
        """Sync every stored object once, controller by controller (after a restart, before serving).

        Restored status (a Deployment's available replicas, say) describes pods that are gone; this
        brings it in line with what runs now, so the first reader does not see the old state.
        """
        for controller in self.controllers:
            for obj in self.store.list(controller.primary):
                meta = obj["metadata"]
                await controller.sync((meta.get("namespace") or "", meta["name"]))

    def start(self) -> None:
        """Start every controller and the garbage collector."""
        self.gc.start()
        for controller in self.controllers:
            controller.start()

    async def stop(self) -> None:
        """Stop them (pods are left to the kubelet's shutdown)."""
        for controller in self.controllers:
            await controller.stop()
        await self.gc.stop()
        for task in list(self._pod_tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
