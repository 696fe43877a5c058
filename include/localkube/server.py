"""The HTTP API (aiohttp): discovery, generic CRUD + watch for every served resource type
(:mod:`localkube.resources`), ``status`` and ``scale`` subresources, cascading deletes, and the pod
subresources KubernetesPodOperator uses (``log``, ``exec``, ``status``).

Every request but the health probes needs the bearer token and every write a JSON body
(:mod:`localkube.auth`: 401 and 415 otherwise). Errors are ``v1.Status`` objects. Query booleans
are accepted as ``True``/``true``/``1``. Every request is recorded as ``(method, route template,
query parameter names, status)`` in :attr:`ApiServer.calls` — the KPO contract test compares
these with ``kpo_contract.json``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from localkube.admission import Admission
from localkube.auth import authenticate, check_content_type
from localkube.discovery import api_group, api_group_list, resource_list
from localkube.errors import ApiError, bad_request, not_found, not_implemented, status_body
from localkube.exec_ws import handle_exec
from localkube.kubelet import Kubelet
from localkube.logs import format_line
from localkube.metrics import GROUP_VERSION as METRICS_GROUP_VERSION
from localkube.metrics import pod_metrics_list
from localkube.patch import PatchError, apply_patch
from localkube.podsecurity import PodSecurity, check_namespace_labels, warning_header
from localkube.resources import (
    ALL_TYPES,
    DEPLOYMENTS,
    GROUP_VERSIONS,
    JOBS,
    REPLICASETS,
    SERVICES,
    STATEFULSETS,
    base_path,
    served,
)
from localkube.scheduler import VERSION, Node
from localkube.selectors import SelectorError, parse_field_selector, parse_label_selector, selector_from_spec
from localkube.store import EVENTS, NAMESPACES, NODES, PODS, ResourceType, Store
from localkube.timeutil import parse_rfc3339
from localkube.validation import check_pod_update, prepare_metadata, prepare_pod

log = logging.getLogger(__name__)
_PROTECTED_NAMESPACES = ("default", "kube-system", "kube-public")
_SPECIAL = (NAMESPACES, NODES)  # routed by hand below


class _DryRun(Exception):
    """A dry-run create stops before the store (what admission reserved is given back)."""


@dataclass(frozen=True)
class Call:
    """One API request as the contract test sees it."""

    method: str
    path: str
    params: tuple[str, ...]
    status: int


def truthy(value: str | None) -> bool:
    """Kubernetes query booleans (the python client sends ``True``/``False``)."""
    return (value or "").strip().lower() in ("true", "1", "yes")


def _int(query: Any, name: str) -> int | None:
    raw = query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise bad_request(f"{name} must be an integer, got {raw!r}") from exc


def _json(obj: Any, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    response = web.Response(body=json.dumps(obj).encode(), status=status, content_type="application/json")
    for warning in warnings or []:
        response.headers.add("Warning", warning_header(warning))
    return response


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


class ApiServer:
    """Builds the aiohttp application over a store, a kubelet and a node."""

    def __init__(self, store: Store, kubelet: Kubelet, node: Node, *, admission: Admission | None = None,
                 gc: Any = None, services: Any = None, token: str) -> None:
        if not token:
            raise ValueError("ApiServer needs a bearer token (localkube.auth.load_or_create_token)")
        self.token = token
        self.store = store
        self.kubelet = kubelet
        self.node = node
        self.admission = admission or Admission()
        self.pod_security = PodSecurity(store)
        self.gc = gc
        self.services = services
        self.calls: list[Call] = []
        self.server_address = "127.0.0.1:0"

    # ----------------------------------------------------------------------------- app
    def app(self) -> web.Application:
        """The aiohttp application with every route registered."""
        app = web.Application(middlewares=[self._middleware], client_max_size=64 * 2**20)
        r = app.router
        r.add_get("/version", lambda _: _json(VERSION))
        for probe in ("/healthz", "/livez", "/readyz"):
            r.add_get(probe, lambda _: web.Response(text="ok"))
        r.add_get("/api", self._api_versions)
        r.add_get("/api/v1", lambda _: _json(resource_list("", "v1")))
        r.add_get("/apis", lambda _: _json(api_group_list()))
        for group, version in GROUP_VERSIONS:
            r.add_get(f"/apis/{group}", lambda _, g=group: _json(api_group(g)))
            r.add_get(f"/apis/{group}/{version}", lambda _, g=group, v=version: _json(resource_list(g, v)))
        for rtype in ALL_TYPES:
            if rtype not in _SPECIAL:
                self._add_type_routes(r, rtype)
        pod = "/api/v1/namespaces/{namespace}/pods/{name}"
        r.add_get(f"{pod}/status", partial(self._get, PODS))
        r.add_patch(f"{pod}/status", self._patch_status)
        r.add_get(f"{pod}/log", self._log)
        r.add_get(f"{pod}/exec", self._exec)
        r.add_post(f"{pod}/exec", self._exec)
        for sub in ("attach", "portforward", "proxy", "eviction", "binding", "ephemeralcontainers"):
            r.add_route("*", f"{pod}/{sub}", partial(self._unsupported, f"pods/{sub}"))
        r.add_get("/api/v1/namespaces", partial(self._list, NAMESPACES))
        r.add_post("/api/v1/namespaces", partial(self._create, NAMESPACES))
        r.add_get("/api/v1/namespaces/{name}", partial(self._get, NAMESPACES))
        r.add_put("/api/v1/namespaces/{name}", partial(self._replace, NAMESPACES))
        r.add_patch("/api/v1/namespaces/{name}", partial(self._patch, NAMESPACES))
        r.add_get("/api/v1/namespaces/{name}/status", partial(self._get, NAMESPACES))
        r.add_delete("/api/v1/namespaces/{name}", self._delete_namespace)
        r.add_get("/api/v1/nodes", partial(self._list, NODES))
        r.add_get("/api/v1/nodes/{name}", partial(self._get, NODES))
        r.add_get("/api/v1/nodes/{name}/status", partial(self._get, NODES))
        metrics = f"/apis/{METRICS_GROUP_VERSION}"
        r.add_get(f"{metrics}/pods", self._pod_metrics)
        r.add_get(f"{metrics}/namespaces/{{namespace}}/pods", self._pod_metrics)
        r.add_get(f"{metrics}/namespaces/{{namespace}}/pods/{{name}}", self._pod_metrics)
        return app

    def _add_type_routes(self, r: web.UrlDispatcher, rtype: ResourceType) -> None:
        base = base_path(rtype)
        collection = f"{base}/namespaces/{{namespace}}/{rtype.plural}" if rtype.namespaced else f"{base}/{rtype.plural}"
        r.add_get(collection, partial(self._list, rtype))
        r.add_post(collection, partial(self._create, rtype))
        if rtype.namespaced:
            r.add_get(f"{base}/{rtype.plural}", partial(self._list, rtype))
        item = f"{collection}/{{name}}"
        r.add_get(item, partial(self._get, rtype))
        r.add_put(item, partial(self._replace, rtype))
        r.add_patch(item, partial(self._patch, rtype))
        r.add_delete(item, partial(self._delete, rtype))
        info = served(rtype)
        if info.status and rtype != PODS:
            r.add_get(f"{item}/status", partial(self._get, rtype))
            r.add_put(f"{item}/status", partial(self._replace_status, rtype))
            r.add_patch(f"{item}/status", partial(self._patch_status_of, rtype))
        if info.scale:
            r.add_get(f"{item}/scale", partial(self._get_scale, rtype))
            r.add_put(f"{item}/scale", partial(self._replace_scale, rtype))
            r.add_patch(f"{item}/scale", partial(self._patch_scale, rtype))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            authenticate(request.path, request.headers.get("Authorization"), self.token)
            check_content_type(request.method, request.headers.get("Content-Type", ""))
            response = await handler(request)
        except ApiError as exc:
            response = _json(exc.status(), exc.code)
        except (SelectorError, PatchError) as exc:
            response = _json(bad_request(str(exc)).status(), 400)
        except json.JSONDecodeError as exc:
            response = _json(bad_request(f"the request body is not valid JSON: {exc}").status(), 400)
        except web.HTTPNotFound:
            response = _json(status_body(404, "NotFound", "the server could not find the requested resource"), 404)
        except web.HTTPMethodNotAllowed:
            response = _json(status_body(405, "MethodNotAllowed",
                                         f"the server does not allow this method on the requested resource "
                                         f"({request.method} {request.path})"), 405)
        except web.HTTPException:
            raise
        except Exception as exc:  # an internal error must still answer as a Status
            log.exception("localkube failed on %s %s", request.method, request.path)
            response = _json(status_body(500, "InternalError", f"localkube internal error: {exc!r}"), 500)
        self._record(request, response.status)
        return response

    def _record(self, request: web.Request, status: int) -> None:
        route = request.match_info.route
        resource = route.resource if route is not None else None
        template = resource.canonical if resource is not None else request.path
        if not template.startswith("/"):
            template = request.path
        self.calls.append(Call(request.method, template, tuple(sorted(set(request.query))), status))

    # ----------------------------------------------------------------------------- discovery
    async def _api_versions(self, _: web.Request) -> web.Response:
        return _json({"kind": "APIVersions", "versions": ["v1"],
                      "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                      "serverAddress": self.server_address}]})

    # ----------------------------------------------------------------------------- generic CRUD
    @staticmethod
    def _namespace(request: web.Request, rtype: ResourceType) -> str | None:
        return request.match_info.get("namespace") if rtype.namespaced else None

    def _check_namespace(self, namespace: str | None) -> None:
        if namespace is not None and self.store.find(NAMESPACES, None, namespace) is None:
            raise not_found("namespaces", namespace)

    async def _list(self, rtype: ResourceType, request: web.Request) -> web.StreamResponse:
        namespace = request.match_info.get("namespace")
        labels = parse_label_selector(request.query.get("labelSelector"))
        fields = parse_field_selector(request.query.get("fieldSelector"))
        if truthy(request.query.get("watch")):
            return await self._watch(rtype, namespace, labels, fields, request)
        if rtype == NODES:
            node = self.node.to_object()
            items = [node] if labels.matches(node["metadata"]["labels"]) and fields.matches(node) else []
        else:
            items = self.store.list(rtype, namespace, labels, fields)
        return _json({"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version,
                      "metadata": {"resourceVersion": str(self.store.resource_version)}, "items": items})

    async def _watch(self, rtype: ResourceType, namespace: str | None, labels: Any, fields: Any,
                     request: web.Request) -> web.StreamResponse:
        raw_rv = request.query.get("resourceVersion")
        since = None if raw_rv in (None, "", "0") else int(raw_rv)
        timeout = _int(request.query, "timeoutSeconds") or 1800
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            watch = self.store.watch(rtype, namespace, since, labels, fields)
        except ApiError as exc:
            await response.write(json.dumps({"type": "ERROR", "object": exc.status()}).encode() + b"\n")
            await response.write_eof()
            return response
        deadline = time.monotonic() + timeout
        try:
            while not _gone(request):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    change = await asyncio.wait_for(watch.__anext__(), timeout=min(remaining, 1.0))
                except TimeoutError:
                    continue
                except StopAsyncIteration:
                    break
                line = json.dumps({"type": change.type, "object": change.obj}).encode() + b"\n"
                await response.write(line)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            watch.close()
        return response

    async def _get(self, rtype: ResourceType, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if rtype == NODES:
            if name != self.node.name:
                raise not_found("nodes", name)
            return _json(self.node.to_object())
        return _json(self.store.get(rtype, self._namespace(request, rtype), name))

    async def _create(self, rtype: ResourceType, request: web.Request) -> web.Response:
        namespace = self._namespace(request, rtype)
        self._check_namespace(namespace)
        body = await request.json()
        dry_run = bool(request.query.get("dryRun"))
        if rtype == PODS:
            obj = prepare_pod(body, namespace or "default")
            self.admission.host_paths.check("pods", obj["metadata"]["name"], obj["spec"])
            warnings = self.pod_security.admit_pod(obj)
            if dry_run:
                return _json(obj, 201, warnings)
            stored = self.store.create(PODS, obj)
            await asyncio.shield(self.kubelet.pod_created(stored))
            return _json(stored, 201, warnings)
        obj = self.admission.create(rtype, prepare_metadata(rtype, body, namespace))
        if rtype == NAMESPACES:
            check_namespace_labels(obj)
        warnings = self._template_warnings(rtype, obj)
        try:
            if dry_run:
                raise _DryRun
            stored = self.store.create(rtype, obj)
        except (ApiError, _DryRun):
            if rtype == SERVICES and self.services is not None:
                self.services.release(obj)
            if dry_run:
                return _json(obj, 201, warnings)
            raise
        return _json(await self._after_write(rtype, stored), 201, warnings)

    def _template_warnings(self, rtype: ResourceType, obj: dict[str, Any]) -> list[str]:
        """PodSecurity's warn-level warning for a workload's pod template (kube-apiserver never refuses these)."""
        if rtype in (DEPLOYMENTS, REPLICASETS, STATEFULSETS, JOBS):
            return self.pod_security.template_warnings(obj)
        return []

    async def _after_write(self, rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """Bring a Service's proxies up before answering (the caller may connect right away)."""
        if rtype == SERVICES and self.services is not None:
            meta = obj["metadata"]
            await asyncio.shield(self.services.ensure(meta["namespace"], meta["name"]))
            return self.store.find(rtype, meta["namespace"], meta["name"]) or obj
        return obj

    def _check_rv(self, rtype: ResourceType, old: dict[str, Any], expected_rv: str | None) -> None:
        if expected_rv and expected_rv != old["metadata"].get("resourceVersion"):
            name = old["metadata"]["name"]
            raise ApiError(409, "Conflict", f'Operation cannot be fulfilled on {rtype.plural} "{name}": the object '
                           "has been modified; please apply your changes to the latest version and try again",
                           {"name": name, "kind": rtype.plural})

    def _write(self, rtype: ResourceType, namespace: str | None, name: str, new: dict[str, Any],
               expected_rv: str | None) -> tuple[dict[str, Any], list[str]]:
        """Store a replacement of the object; returns it and PodSecurity's warnings."""
        old = self.store.get(rtype, namespace, name)
        self._check_rv(rtype, old, expected_rv)
        if not isinstance(new.get("metadata") or {}, dict):
            raise bad_request("metadata must be an object")
        meta = new.setdefault("metadata", {}) or {}
        new["metadata"] = meta
        if meta.get("name", name) != name:
            raise bad_request("the name of the object does not match the name on the URL")
        if rtype == PODS:
            new = check_pod_update(old, new)
            warnings = self.pod_security.admit_pod(new, old)
        else:
            new = self.admission.update(rtype, old, new)
            if rtype == NAMESPACES:
                check_namespace_labels(new, old)
            warnings = self._template_warnings(rtype, new)
        for field in ("deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if field in old["metadata"]:
                new["metadata"][field] = old["metadata"][field]
            else:
                new["metadata"].pop(field, None)
        return self.store.update(rtype, namespace, name, lambda _: new), warnings

    async def _replace(self, rtype: ResourceType, request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        rv = (body.get("metadata") or {}).get("resourceVersion")
        stored, warnings = self._write(rtype, self._namespace(request, rtype), request.match_info["name"], body, rv)
        return _json(await self._after_write(rtype, stored), warnings=warnings)

    async def _patch(self, rtype: ResourceType, request: web.Request) -> web.Response:
        namespace, name = self._namespace(request, rtype), request.match_info["name"]
        body = await request.json()
        old = self.store.get(rtype, namespace, name)
        new = apply_patch(request.headers.get("Content-Type", ""), old, body)
        rv = (new.get("metadata") or {}).get("resourceVersion")
        expected = rv if rv != old["metadata"].get("resourceVersion") else None
        stored, warnings = self._write(rtype, namespace, name, new, expected)
        return _json(await self._after_write(rtype, stored), warnings=warnings)

    async def _patch_status(self, request: web.Request) -> web.Response:
        return await self._patch_status_of(PODS, request)

    # ----------------------------------------------------------------------------- status and scale
    def _write_status(self, rtype: ResourceType, namespace: str | None, name: str, status: Any,
                      expected_rv: str | None) -> dict[str, Any]:
        old = self.store.get(rtype, namespace, name)
        self._check_rv(rtype, old, expected_rv)

        def write(obj: dict[str, Any]) -> None:
            obj["status"] = status if isinstance(status, dict) else {}

        return self.store.update(rtype, namespace, name, write)

    async def _replace_status(self, rtype: ResourceType, request: web.Request) -> web.Response:
        body = await request.json()
        if not isinstance(body, dict):
            raise bad_request("the request body must be a JSON object")
        namespace, name = self._namespace(request, rtype), request.match_info["name"]
        rv = (body.get("metadata") or {}).get("resourceVersion")
        return _json(self._write_status(rtype, namespace, name, body.get("status"), rv))

    async def _patch_status_of(self, rtype: ResourceType, request: web.Request) -> web.Response:
        namespace, name = self._namespace(request, rtype), request.match_info["name"]
        old = self.store.get(rtype, namespace, name)
        patched = apply_patch(request.headers.get("Content-Type", ""), old, await request.json())
        return _json(self._write_status(rtype, namespace, name, patched.get("status") or {}, None))

    @staticmethod
    def _scale_of(obj: dict[str, Any]) -> dict[str, Any]:
        meta, spec = obj["metadata"], obj.get("spec") or {}
        return {"kind": "Scale", "apiVersion": "autoscaling/v1",
                "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                             if k in meta},
                "spec": {"replicas": int(spec.get("replicas", 1))},
                "status": {"replicas": int((obj.get("status") or {}).get("replicas", 0)),
                           "selector": str(selector_from_spec(spec.get("selector")))}}

    async def _get_scale(self, rtype: ResourceType, request: web.Request) -> web.Response:
        obj = self.store.get(rtype, self._namespace(request, rtype), request.match_info["name"])
        return _json(self._scale_of(obj))

    def _set_replicas(self, rtype: ResourceType, namespace: str | None, name: str, scale: Any,
                      expected_rv: str | None) -> web.Response:
        replicas = ((scale or {}).get("spec") or {}).get("replicas") if isinstance(scale, dict) else None
        if not isinstance(replicas, int) or replicas < 0:
            raise ApiError(422, "Invalid", f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: '
                           f"{replicas!r}: must be greater than or equal to 0")
        old = self.store.get(rtype, namespace, name)
        self._check_rv(rtype, old, expected_rv)

        def write(obj: dict[str, Any]) -> None:
            obj.setdefault("spec", {})["replicas"] = replicas

        return _json(self._scale_of(self.store.update(rtype, namespace, name, write)))

    async def _replace_scale(self, rtype: ResourceType, request: web.Request) -> web.Response:
        body = await request.json()
        rv = ((body or {}).get("metadata") or {}).get("resourceVersion") if isinstance(body, dict) else None
        return self._set_replicas(rtype, self._namespace(request, rtype), request.match_info["name"], body, rv)

    async def _patch_scale(self, rtype: ResourceType, request: web.Request) -> web.Response:
        namespace, name = self._namespace(request, rtype), request.match_info["name"]
        current = self._scale_of(self.store.get(rtype, namespace, name))
        patched = apply_patch(request.headers.get("Content-Type", ""), current, await request.json())
        return self._set_replicas(rtype, namespace, name, patched, None)

    # ----------------------------------------------------------------------------- delete
    @staticmethod
    async def _delete_options(request: web.Request) -> tuple[float | None, str | None]:
        """``(gracePeriodSeconds, propagationPolicy)`` from the query or a DeleteOptions body."""
        grace = _int(request.query, "gracePeriodSeconds")
        policy = request.query.get("propagationPolicy")
        if truthy(request.query.get("orphanDependents")):
            policy = policy or "Orphan"
        if request.can_read_body:
            raw = await request.read()
            body = json.loads(raw) if raw else None
            if isinstance(body, dict):
                if grace is None and body.get("gracePeriodSeconds") is not None:
                    grace = int(body["gracePeriodSeconds"])
                policy = policy or body.get("propagationPolicy")
                if body.get("orphanDependents"):
                    policy = policy or "Orphan"
        return (None if grace is None else float(max(grace, 0))), policy

    async def _delete(self, rtype: ResourceType, request: web.Request) -> web.Response:
        namespace, name = self._namespace(request, rtype), request.match_info["name"]
        grace, policy = await self._delete_options(request)
        if request.query.get("dryRun"):
            return _json(self.store.get(rtype, namespace, name))
        if rtype == PODS:
            return _json(await asyncio.shield(self.kubelet.delete_pod(namespace or "default", name, grace)))
        if self.gc is None:
            return _json(self.store.delete(rtype, namespace, name))
        result = await asyncio.shield(self.gc.delete(rtype, namespace, name, policy))
        if result["metadata"].get("deletionTimestamp"):
            return _json(result)
        details = {"name": name, "kind": rtype.plural, "uid": result["metadata"].get("uid")}
        if rtype.group:
            details["group"] = rtype.group
        return _json({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})

    async def _delete_namespace(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        namespace = self.store.get(NAMESPACES, None, name)
        if name in _PROTECTED_NAMESPACES:
            raise ApiError(403, "Forbidden", f'namespaces "{name}" is forbidden: this namespace may not be deleted')
        for rtype in ALL_TYPES:  # controllers first, so nothing recreates the pods
            if rtype.namespaced and rtype not in (PODS, EVENTS):
                for obj in self.store.list(rtype, name):
                    if self.store.find(rtype, name, obj["metadata"]["name"]) is not None:
                        self.store.delete(rtype, name, obj["metadata"]["name"])
        pods = self.store.list(PODS, name)
        for pod in pods:
            if self.store.find(PODS, name, pod["metadata"]["name"]) is not None:
                await self.kubelet.delete_pod(name, pod["metadata"]["name"], 0)
        for pod in pods:
            await self.kubelet.wait_removed(pod["metadata"]["uid"], 10.0)
        for obj in self.store.list(EVENTS, name):
            self.store.delete(EVENTS, name, obj["metadata"]["name"])
        self.store.delete(NAMESPACES, None, name)
        namespace["status"] = {"phase": "Terminating"}
        return _json(namespace)

    async def _unsupported(self, what: str, _: web.Request) -> web.Response:
        raise not_implemented(what)

    # ----------------------------------------------------------------------------- pod subresources
    async def _log(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        namespace, name = request.match_info["namespace"], request.match_info["name"]
        buffer = self.kubelet.log_buffer(namespace, name, query.get("container"), truthy(query.get("previous")))
        since: float | None = None
        since_seconds = _int(query, "sinceSeconds")
        if since_seconds is not None:
            since = time.time() - since_seconds
        elif query.get("sinceTime"):
            since = parse_rfc3339(query["sinceTime"])
        tail = _int(query, "tailLines")
        limit = _int(query, "limitBytes")
        follow, timestamps = truthy(query.get("follow")), truthy(query.get("timestamps"))
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        index = buffer.start_index(since, tail)
        budget = limit  # bytes left to send under limitBytes (None: no limit)
        try:
            while True:
                while index < len(buffer.entries) and budget != 0:
                    ts, line = buffer.entries[index]
                    index += 1
                    data = format_line(ts, line, timestamps)
                    if budget is not None:
                        data, budget = data[:budget], budget - len(data[:budget])
                    await response.write(data)
                drained = index >= len(buffer.entries) and (not follow or buffer.closed)
                if drained or budget == 0 or _gone(request):
                    break
                await buffer.wait_change(index, 1.0)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            pass
        return response

    async def _exec(self, request: web.Request) -> web.StreamResponse:
        return await handle_exec(request, self.kubelet)

    async def _pod_metrics(self, request: web.Request) -> web.StreamResponse:
        """``metrics.k8s.io`` PodMetrics of the running pods (:mod:`localkube.metrics`)."""
        namespace, name = request.match_info.get("namespace"), request.match_info.get("name")
        selector = parse_label_selector(request.query.get("labelSelector"))
        runtimes = []
        for runtime in list(self.kubelet.pods.values()):
            pod = self.store.find(PODS, runtime.namespace, runtime.name)
            if pod is not None:
                runtimes.append((runtime, pod["metadata"].get("labels") or {}))
        items = pod_metrics_list(runtimes, namespace, selector, name)
        if name is not None:
            if not items:
                raise not_found("pods.metrics.k8s.io", name)
            return _json(items[0])
        return _json({"kind": "PodMetricsList", "apiVersion": METRICS_GROUP_VERSION, "metadata": {}, "items": items})

