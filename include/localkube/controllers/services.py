"""Services: ClusterIPs, endpoints and the loopback proxies that make them reachable.

* ClusterIPs come from 127.255.0.0/16 (:func:`localkube.ipam.service_allocator`); a requested
  ``spec.clusterIP`` is honoured when it lies in that range and is free; ``None`` makes a headless
  Service (no address, no proxy). NodePort and LoadBalancer Services are ClusterIP Services with a
  recorded ``nodePort`` (and, for LoadBalancer, ``status.loadBalancer.ingress[0].ip``).
* Endpoints = the pods matching ``spec.selector`` that have an IP, are not terminating and are
  Ready (not-ready ones are listed under ``notReadyAddresses``), with ``targetPort`` resolved by
  number or container port name per pod. They are recomputed synchronously on every Service or
  pod change (so a selector patch routes the very next connection) and written to the
  ``Endpoints`` object of the same name. A Service without selector uses the Endpoints object its
  user wrote.
* Every TCP port of a Service with a ClusterIP gets a :class:`localkube.proxy.TcpProxy` on
  ``clusterIP:port`` picking endpoints round robin; the annotation ``localkube.io/url`` names
  ``http://<clusterIP>:<port>`` of the first port (the port actually bound, if it had to differ).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

from localkube.admission import URL_ANNOTATION
from localkube.controllers.base import Context, Controller, Key, Obj, is_active, is_ready
from localkube.errors import invalid
from localkube.ipam import SERVICE_CIDR, service_allocator
from localkube.proxy import Backend, TcpProxy
from localkube.resources import ENDPOINTS, SERVICES
from localkube.store import PODS, Change

log = logging.getLogger(__name__)
_NODE_PORTS = (30000, 32767)


def _target_port(pod: Obj, target: Any) -> int | None:
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target:
                return int(port["containerPort"])
    return None


def compute_endpoints(service: Obj, pods: list[Obj]) -> tuple[dict[int, list[Backend]], list[Obj]]:
    """``({service port: [(ip, port)…]}, subsets)`` for a Service with a selector."""
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
    backends: dict[int, list[Backend]] = {int(p["port"]): [] for p in spec.get("ports") or []}
    groups: dict[tuple[tuple[str, int, str], ...], dict[str, list[Obj]]] = {}
    for pod in pods:
        labels = pod["metadata"].get("labels") or {}
        ip = (pod.get("status") or {}).get("podIP")
        if not ip or not is_active(pod) or any(labels.get(k) != v for k, v in selector.items()):
            continue
        ready = is_ready(pod) or publish_not_ready
        resolved = []
        for port in spec.get("ports") or []:
            target = _target_port(pod, port.get("targetPort", port["port"]))
            if target is None:
                continue
            resolved.append((port.get("name") or "", target, port.get("protocol", "TCP")))
            if ready:
                backends[int(port["port"])].append((ip, target))
        if not resolved:
            continue
        group = groups.setdefault(tuple(resolved), {"addresses": [], "notReadyAddresses": []})
        meta = pod["metadata"]
        address = {"ip": ip, "nodeName": (pod.get("spec") or {}).get("nodeName"),
                   "targetRef": {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                                 "uid": meta["uid"]}}
        group["addresses" if ready else "notReadyAddresses"].append(address)
    subsets = []
    for ports, group in groups.items():
        subset: Obj = {"ports": [{"name": n, "port": p, "protocol": proto} if n else {"port": p, "protocol": proto}
                                 for n, p, proto in ports]}
        for field in ("addresses", "notReadyAddresses"):
            if group[field]:
                subset[field] = sorted(group[field], key=lambda a: a["ip"])
        subsets.append(subset)
    return backends, subsets


class ServiceController(Controller):
    """Allocates Service addresses, keeps endpoints and runs the proxies."""

    name = "endpoint-controller"
    primary = SERVICES

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._ips = service_allocator()
        self._node_ports: set[int] = set()
        self._backends: dict[Key, dict[int, list[Backend]]] = {}
        self._subsets: dict[Key, list[Obj]] = {}
        self._proxies: dict[Key, dict[tuple[str, int], TcpProxy]] = {}
        self._bound: dict[tuple[str, int], int] = {}
        self._counter = itertools.count()
        self._locks: dict[Key, asyncio.Lock] = {}
        ctx.store.subscribe(SERVICES, self._service_changed)
        ctx.store.subscribe(PODS, self._pod_changed)
        for service in ctx.store.list(SERVICES):  # restored from disk: their addresses are taken
            spec = service.get("spec") or {}
            if spec.get("clusterIP") and spec["clusterIP"] != "None":
                self._ips.reserve(spec["clusterIP"])
            self._node_ports.update(p["nodePort"] for p in spec.get("ports") or [] if p.get("nodePort"))

    # ----------------------------------------------------------------------------- admission hooks
    def allocate_ip(self, requested: str | None, kind: str, name: str) -> str:
        """Reserve ``requested`` or the next free ClusterIP."""
        if not requested:
            return self._ips.allocate()
        if not self._ips.reserve(requested):
            message = (f"spec.clusterIPs: Invalid value: {requested!r}: failed to allocate IP {requested}: provided "
                       f"IP is not in the valid range or already allocated; the range of valid IPs is {SERVICE_CIDR}")
            raise invalid(kind, name, [message])
        return requested

    def allocate_node_port(self, requested: int | None) -> int:
        """Reserve a NodePort (recorded only: localkube reaches Services on their ClusterIP)."""
        for port in ([requested] if requested else range(*_NODE_PORTS)):
            if port not in self._node_ports:
                self._node_ports.add(port)
                return port
        raise invalid("Service", "", ["spec.ports.nodePort: no free NodePort"])

    def release(self, service: Obj) -> None:
        """Give back what admission reserved for a Service that was not stored (dry run, name taken)."""
        spec = service.get("spec") or {}
        self._ips.release(spec.get("clusterIP"))
        for port in spec.get("ports") or []:
            self._node_ports.discard(port.get("nodePort"))

    def url(self, namespace: str, name: str, ip: str, port: int) -> str:
        """Where the Service port is reachable from this machine."""
        return f"http://{ip}:{self._bound.get((ip, port), port)}"

    # ----------------------------------------------------------------------------- routing
    def pick(self, key: Key, port: int, exclude: set[Backend]) -> Backend | None:
        """The next ready endpoint of a Service port (round robin), skipping ``exclude``."""
        candidates = [b for b in self._backends.get(key, {}).get(port, []) if b not in exclude]
        if not candidates:
            return None
        return candidates[next(self._counter) % len(candidates)]

    def backends(self, namespace: str, name: str) -> dict[int, list[Backend]]:
        """The current ready endpoints of a Service, by service port."""
        return {p: list(b) for p, b in self._backends.get((namespace, name), {}).items()}

    def _recompute(self, service: Obj, pods: list[Obj] | None = None) -> bool:
        meta, spec = service["metadata"], service.get("spec") or {}
        key = (meta["namespace"], meta["name"])
        if spec.get("selector"):
            if pods is None:
                pods = self.store.list(PODS, meta["namespace"])
            backends, subsets = compute_endpoints(service, pods)
        else:  # user-managed Endpoints
            endpoints = self.store.find(ENDPOINTS, meta["namespace"], meta["name"]) or {}
            subsets = None
            backends = {int(p["port"]): [] for p in spec.get("ports") or []}
            for subset in endpoints.get("subsets") or []:
                for sport in spec.get("ports") or []:
                    match = next((p for p in subset.get("ports") or []
                                  if (p.get("name") or "") == (sport.get("name") or "")), None)
                    if match is not None:
                        backends[int(sport["port"])] += [(a["ip"], int(match["port"]))
                                                         for a in subset.get("addresses") or []]
        changed = self._backends.get(key) != backends or (subsets is not None and self._subsets.get(key) != subsets)
        self._backends[key] = backends
        if subsets is not None:
            self._subsets[key] = subsets
        return changed

    def _service_changed(self, change: Change) -> None:
        meta = change.obj["metadata"]
        key = (meta["namespace"], meta["name"])
        if change.type == "DELETED":
            self._backends.pop(key, None)
            self._subsets.pop(key, None)
            self.release(change.obj)
        else:
            self._recompute(change.obj)
        self.enqueue(key)

    def _pod_changed(self, change: Change) -> None:
        namespace = change.obj["metadata"].get("namespace")
        services = [s for s in self.store.list(SERVICES, namespace) if (s.get("spec") or {}).get("selector")]
        if not services:
            return
        pods = self.store.list(PODS, namespace)
        for service in services:
            if self._recompute(service, pods):
                self.enqueue((namespace, service["metadata"]["name"]))

    # ----------------------------------------------------------------------------- sync
    async def sync(self, key: Key) -> None:
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # the worker and an API write may sync the same Service at once
            await self._sync(key)
        if self.store.find(SERVICES, *key) is None and not lock.locked():
            self._locks.pop(key, None)

    async def _sync(self, key: Key) -> None:
        namespace, name = key
        service = self.store.find(SERVICES, namespace, name)
        if service is None:
            for proxy in self._proxies.pop(key, {}).values():
                self._bound.pop((proxy.host, proxy.requested_port), None)
                await proxy.stop()
            if self._subsets.get(key) is None and self.store.find(ENDPOINTS, namespace, name) is not None:
                endpoints = self.store.find(ENDPOINTS, namespace, name) or {}
                if (endpoints.get("metadata") or {}).get("labels", {}).get("localkube.io/managed") == "true":
                    self.store.delete(ENDPOINTS, namespace, name)
            return
        self._recompute(service)
        await self._sync_proxies(key, service)
        self._write_endpoints(service)

    async def ensure(self, namespace: str, name: str) -> None:
        """Bring proxies and endpoints of one Service up to date now (after an API write)."""
        await self.sync((namespace, name))

    async def _sync_proxies(self, key: Key, service: Obj) -> None:
        spec = service.get("spec") or {}
        ip = spec.get("clusterIP")
        wanted: dict[tuple[str, int], int] = {}
        if ip and ip != "None" and spec.get("type") != "ExternalName":
            for port in spec.get("ports") or []:
                if port.get("protocol", "TCP") == "TCP":
                    wanted[(ip, int(port["port"]))] = int(port["port"])
        current = self._proxies.setdefault(key, {})
        for listen in [k for k in current if k not in wanted]:
            proxy = current.pop(listen)
            self._bound.pop(listen, None)
            await proxy.stop()
        for listen, service_port in wanted.items():
            if listen in current:
                continue
            proxy = TcpProxy(listen[0], listen[1], lambda exclude, p=service_port: self.pick(key, p, exclude))
            try:
                self._bound[listen] = await proxy.start()
            except OSError as exc:
                log.error("localkube: cannot proxy Service %s/%s on %s:%s: %s", *key, *listen, exc)
                continue
            current[listen] = proxy
        ports = spec.get("ports") or []
        if ip and ip != "None" and ports:
            url = self.url(*key, ip, int(ports[0]["port"]))
            if (service["metadata"].get("annotations") or {}).get(URL_ANNOTATION) != url:
                def annotate(obj: Obj) -> None:
                    obj["metadata"].setdefault("annotations", {})[URL_ANNOTATION] = url

                self.store.update(SERVICES, key[0], key[1], annotate)

    def _write_endpoints(self, service: Obj) -> None:
        meta = service["metadata"]
        key = (meta["namespace"], meta["name"])
        if not (service.get("spec") or {}).get("selector"):
            return
        labels = dict(meta.get("labels") or {})
        labels["localkube.io/managed"] = "true"
        body = {"metadata": {"name": meta["name"], "namespace": meta["namespace"], "labels": labels},
                "subsets": self._subsets.get(key, [])}
        existing = self.store.find(ENDPOINTS, *key)
        if existing is None:
            self.store.create(ENDPOINTS, body)
            return

        def write(obj: Obj) -> None:
            obj["metadata"]["labels"] = labels
            obj["subsets"] = body["subsets"]

        self.store.update(ENDPOINTS, *key, write)

    async def stop(self) -> None:
        """Stop the worker and close every proxy."""
        await super().stop()
        for proxies in self._proxies.values():
            for proxy in proxies.values():
                await proxy.stop()
        self._proxies.clear()
