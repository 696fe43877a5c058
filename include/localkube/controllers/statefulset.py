"""The StatefulSet controller: pods with stable names ``<name>-0 … <name>-N-1``.

``OrderedReady`` (the default) creates pod *i* only once pods 0…i-1 run and are ready and scales
down from the highest ordinal, one at a time; ``Parallel`` does both at once. A changed template is
rolled out from the highest ordinal down to ``updateStrategy.rollingUpdate.partition``, one pod at a
time, each replaced once the others are ready (``OnDelete`` leaves it to the user). Pods carry
``controller-revision-hash``, ``statefulset.kubernetes.io/pod-name`` and ``apps.kubernetes.io/pod-index``,
``hostname``/``subdomain``, and one PersistentVolumeClaim per ``volumeClaimTemplates`` entry
(``<template>-<name>-<i>``, created when missing, kept after the pod).
"""

from __future__ import annotations

import copy

from localkube.controllers.base import (
    Context,
    Controller,
    Key,
    Obj,
    is_active,
    is_available,
    is_ready,
    is_terminating,
    pod_from_template,
    pod_owned,
    pod_phase,
)
from localkube.controllers.rollout import pod_template_hash
from localkube.errors import ApiError
from localkube.events import NORMAL, WARNING
from localkube.resources import PVCS, STATEFULSETS
from localkube.store import PODS

REVISION_LABEL = "controller-revision-hash"
_COMPONENT = "statefulset-controller"


def _ordinal(pod: Obj, name: str) -> int | None:
    suffix = pod["metadata"]["name"][len(name) + 1:]
    return int(suffix) if pod["metadata"]["name"].startswith(name + "-") and suffix.isdigit() else None


class StatefulSetController(Controller):
    """Reconciles StatefulSets."""

    name = _COMPONENT
    primary = STATEFULSETS

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        ctx.store.subscribe(STATEFULSETS, lambda change: self.enqueue_obj(change.obj))
        ctx.store.subscribe(PODS, lambda change: self.enqueue_owner(change.obj, "StatefulSet"))

    def _revision(self, sts: Obj) -> str:
        return f"{sts['metadata']['name']}-{pod_template_hash((sts.get('spec') or {}).get('template') or {})}"

    def _pod(self, sts: Obj, ordinal: int, revision: str) -> Obj:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        name = f"{meta['name']}-{ordinal}"
        pod = pod_from_template(sts, spec.get("template") or {}, name=name)
        pod["metadata"]["labels"].update({REVISION_LABEL: revision, "statefulset.kubernetes.io/pod-name": name,
                                          "apps.kubernetes.io/pod-index": str(ordinal)})
        pod["spec"]["hostname"] = name
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod["spec"].get("volumes") or []]
        for claim in spec.get("volumeClaimTemplates") or []:
            claim_name = f"{claim['metadata']['name']}-{name}"
            if self.store.find(PVCS, meta["namespace"], claim_name) is None:
                pvc = copy.deepcopy(claim)
                pvc["metadata"] = {"name": claim_name, "namespace": meta["namespace"],
                                   "labels": dict((spec.get("selector") or {}).get("matchLabels") or {})}
                pvc["status"] = {"phase": "Bound", "accessModes": (claim.get("spec") or {}).get("accessModes", []),
                                 "capacity": ((claim.get("spec") or {}).get("resources") or {}).get("requests", {})}
                self.store.create(PVCS, pvc)
            volumes = [v for v in volumes if v.get("name") != claim["metadata"]["name"]]
            volumes.append({"name": claim["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name}})
        pod["spec"]["volumes"] = volumes
        return pod

    async def sync(self, key: Key) -> None:
        namespace, name = key
        sts = self.store.find(STATEFULSETS, namespace, name)
        if sts is None or is_terminating(sts):
            return
        spec = sts.get("spec") or {}
        revision = self._revision(sts)
        replicas = int(spec.get("replicas", 1))
        ordered = spec.get("podManagementPolicy", "OrderedReady") != "Parallel"
        pods = {}
        for pod in pod_owned(self.store, sts):
            ordinal = _ordinal(pod, name)
            if ordinal is None:
                continue
            if not is_terminating(pod) and pod_phase(pod) in ("Succeeded", "Failed"):
                await self.ctx.delete_pod(namespace, pod["metadata"]["name"])
                continue
            pods[ordinal] = pod
        healthy = {i for i, p in pods.items() if is_active(p) and pod_phase(p) == "Running" and is_ready(p)}
        for ordinal in range(replicas):
            if ordinal in pods:
                if ordered and ordinal not in healthy:
                    break
                continue
            if not self.may_create(key):
                break
            try:
                pods[ordinal] = self.ctx.create_pod(self._pod(sts, ordinal, revision))
            except ApiError as exc:
                self.create_refused(key)
                self.ctx.events.record(sts, WARNING, "FailedCreate", f"create Pod {name}-{ordinal} in StatefulSet "
                                       f"{name} failed error: {exc.message}", component=_COMPONENT)
                break
            self.create_succeeded(key)
            self.ctx.events.record(sts, NORMAL, "SuccessfulCreate", f"create Pod {name}-{ordinal} in StatefulSet "
                                   f"{name} successful", component=_COMPONENT)
            if ordered:
                break
        surplus = sorted((i for i in pods if i >= replicas and is_active(pods[i])), reverse=True)
        for ordinal in surplus[:1] if ordered else surplus:
            await self.ctx.delete_pod(namespace, pods[ordinal]["metadata"]["name"])
        strategy = spec.get("updateStrategy") or {}
        all_ready = all(i in healthy for i in range(replicas)) and not surplus
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and all_ready:
            partition = int((strategy.get("rollingUpdate") or {}).get("partition", 0))
            for ordinal in range(replicas - 1, partition - 1, -1):
                pod = pods.get(ordinal)
                if pod is not None and pod["metadata"].get("labels", {}).get(REVISION_LABEL) != revision:
                    await self.ctx.delete_pod(namespace, pod["metadata"]["name"])
                    break
        self._write_status(sts, revision)

    def _write_status(self, sts: Obj, revision: str) -> None:
        meta, spec = sts["metadata"], sts.get("spec") or {}
        pods = [p for p in pod_owned(self.store, sts) if is_active(p)]
        updated = sum(1 for p in pods if p["metadata"].get("labels", {}).get(REVISION_LABEL) == revision)
        old = sts.get("status") or {}
        current_revision = old.get("currentRevision") or revision
        if updated == len(pods) == int(spec.get("replicas", 1)):
            current_revision = revision
        status = {
            "observedGeneration": int(meta.get("generation", 1)),
            "replicas": len(pods),
            "readyReplicas": sum(1 for p in pods if is_ready(p)),
            "availableReplicas": sum(1 for p in pods if is_available(p, int(spec.get("minReadySeconds", 0)))),
            "currentReplicas": sum(1 for p in pods
                                   if p["metadata"].get("labels", {}).get(REVISION_LABEL) == current_revision),
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": revision,
            "collisionCount": 0,
        }

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.update(STATEFULSETS, meta["namespace"], meta["name"], write)

