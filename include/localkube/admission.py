"""Defaulting and validation of non-pod objects on create and update, as kube-apiserver does it.

* Objects with a ``status`` subresource never take ``status`` from a client write to the main
  resource: a create starts with an empty status, an update keeps the stored one.
* Deployments, ReplicaSets, StatefulSets and Jobs get the API defaults (replicas, strategy,
  revisionHistoryLimit, progressDeadlineSeconds, backoffLimit…) and their pod template the pod
  defaults; the selector must match the template's labels and is immutable. A Job gets the
  generated ``controller-uid`` selector and labels, and its template is immutable.
* Services get a ClusterIP (see :class:`localkube.controllers.services.ServiceController`), port
  defaults, NodePorts for NodePort/LoadBalancer types and the ``localkube.io/url`` annotation.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any, Protocol

from localkube.errors import invalid
from localkube.hostpaths import HostPathPolicy
from localkube.resources import (
    DEPLOYMENTS,
    JOBS,
    PVCS,
    REPLICASETS,
    SERVICES,
    STATEFULSETS,
    served,
)
from localkube.selectors import SelectorError, selector_from_spec
from localkube.store import CONFIGMAPS, NAMESPACES, SECRETS, ResourceType
from localkube.validation import _default_container, prepare_data_object

URL_ANNOTATION = "localkube.io/url"
JOB_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
Obj = dict[str, Any]


class ServiceNetwork(Protocol):
    """What admission needs from the service controller (address allocation, reachable URL)."""

    def allocate_ip(self, requested: str | None, kind: str, name: str) -> str:
        """Reserve ``requested`` (or any free address); raises ApiError 422 if unusable."""

    def allocate_node_port(self, requested: int | None) -> int:
        """Reserve a NodePort."""

    def url(self, namespace: str, name: str, ip: str, port: int) -> str:
        """``http://ip:port`` where the Service's first port is reachable."""


def default_pod_template(template: Obj, restart_policy: str | None = "Always") -> Obj:
    """Fill a pod template's spec with the defaults kube-apiserver adds."""
    template = template or {}
    template.setdefault("metadata", {})
    spec = template.setdefault("spec", {})
    if restart_policy:
        spec.setdefault("restartPolicy", restart_policy)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    for kind in ("initContainers", "containers"):
        for container in spec.get(kind) or []:
            _default_container(container)
            for port in container.get("ports") or []:
                port.setdefault("protocol", "TCP")
    return template


def _template_problems(kind: str, spec: Obj, policies: tuple[str, ...]) -> list[str]:
    problems = []
    template = spec.get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    if not containers:
        problems.append("spec.template.spec.containers: Required value")
    for i, container in enumerate(containers):
        if not container.get("name"):
            problems.append(f"spec.template.spec.containers[{i}].name: Required value")
        if not container.get("image"):
            problems.append(f"spec.template.spec.containers[{i}].image: Required value")
    policy = (template.get("spec") or {}).get("restartPolicy")
    if policy not in policies:
        problems.append(f"spec.template.spec.restartPolicy: Unsupported value: {policy!r}: supported values: "
                        + ", ".join(f'"{p}"' for p in policies))
    selector = spec.get("selector")
    if not selector or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        problems.append("spec.selector: Required value")
    else:
        try:
            matches = selector_from_spec(selector).matches((template.get("metadata") or {}).get("labels"))
        except SelectorError as exc:
            problems.append(f"spec.selector: Invalid value: {exc}")
        else:
            if not matches:
                problems.append("spec.template.metadata.labels: Invalid value: `selector` does not match "
                                "template `labels`")
    if kind != "Job" and int(spec.get("replicas", 1)) < 0:
        problems.append("spec.replicas: Invalid value: must be greater than or equal to 0")
    return problems


def _intstr_zero(value: Any) -> bool:
    return str(value).rstrip("%") in ("0", "")


def _deployment(obj: Obj) -> list[str]:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    problems = []
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
        if _intstr_zero(rolling["maxSurge"]) and _intstr_zero(rolling["maxUnavailable"]):
            problems.append("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when "
                            "`maxSurge` is 0")
    elif strategy["type"] == "Recreate":
        if strategy.get("rollingUpdate"):
            problems.append("spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` "
                            "is 'Recreate'")
    else:
        problems.append(f"spec.strategy.type: Unsupported value: {strategy['type']!r}")
    if int(spec["progressDeadlineSeconds"]) <= int(spec.get("minReadySeconds", 0)):
        problems.append("spec.progressDeadlineSeconds: Invalid value: must be greater than minReadySeconds")
    default_pod_template(spec.setdefault("template", {}))
    return problems + _template_problems("Deployment", spec, ("Always",))


def _replicaset(obj: Obj) -> list[str]:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    default_pod_template(spec.setdefault("template", {}))
    return _template_problems("ReplicaSet", spec, ("Always",))


def _statefulset(obj: Obj) -> list[str]:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    spec.setdefault("revisionHistoryLimit", 10)
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {"partition": 0})
    default_pod_template(spec.setdefault("template", {}))
    return _template_problems("StatefulSet", spec, ("Always",))


def _job(obj: Obj) -> list[str]:
    meta, spec = obj["metadata"], obj.setdefault("spec", {})
    spec.setdefault("parallelism", 1)
    spec.setdefault("completions", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    template = default_pod_template(spec.setdefault("template", {}), restart_policy=None)
    if not spec.get("manualSelector"):
        uid = meta.setdefault("uid", str(uuid.uuid4()))
        labels = template["metadata"].setdefault("labels", {})
        labels.update({JOB_UID_LABEL: uid, JOB_NAME_LABEL: meta["name"], "controller-uid": uid,
                       "job-name": meta["name"]})
        spec["selector"] = {"matchLabels": {JOB_UID_LABEL: uid}}
    return _template_problems("Job", spec, ("OnFailure", "Never"))


def _immutable(old: Obj, new: Obj, paths: tuple[str, ...]) -> list[str]:
    problems = []
    for path in paths:
        before, after = old, new
        for part in path.split("."):
            before = (before or {}).get(part)
            after = (after or {}).get(part)
        if before != after:
            problems.append(f"{path}: Invalid value: field is immutable")
    return problems


class Admission:
    """Prepares objects for the store; ``network`` allocates Service addresses."""

    def __init__(self, network: ServiceNetwork | None = None, host_paths: HostPathPolicy | None = None) -> None:
        self.network = network
        self.host_paths = host_paths or HostPathPolicy()

    def _check_template(self, rtype: ResourceType, obj: Obj) -> None:
        if rtype in (DEPLOYMENTS, REPLICASETS, STATEFULSETS, JOBS):
            template = ((obj.get("spec") or {}).get("template") or {}).get("spec")
            self.host_paths.check(rtype.plural, obj["metadata"]["name"], template)

    def create(self, rtype: ResourceType, obj: Obj) -> Obj:
        """Default and validate a new object (metadata already prepared)."""
        name = obj["metadata"]["name"]
        if served(rtype).status and rtype != NAMESPACES:
            obj["status"] = {}
        if rtype in (CONFIGMAPS, SECRETS):
            return prepare_data_object(rtype, obj)
        if rtype == NAMESPACES:
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        elif rtype == PVCS:
            obj["status"] = {"phase": "Bound", "accessModes": (obj.get("spec") or {}).get("accessModes", []),
                             "capacity": ((obj.get("spec") or {}).get("resources") or {}).get("requests", {})}
        elif rtype == SERVICES:
            self._service(obj, None)
        checker = {DEPLOYMENTS: _deployment, REPLICASETS: _replicaset, STATEFULSETS: _statefulset,
                   JOBS: _job}.get(rtype)
        if checker is not None:
            problems = checker(obj)
            if problems:
                raise invalid(rtype.kind, name, problems)
        self._check_template(rtype, obj)
        return obj

    def update(self, rtype: ResourceType, old: Obj, new: Obj) -> Obj:
        """Default and validate a replacement of ``old`` (a write to the main resource)."""
        name = old["metadata"]["name"]
        if served(rtype).status:
            new["status"] = copy.deepcopy(old.get("status") or {})
        if rtype in (CONFIGMAPS, SECRETS):
            return prepare_data_object(rtype, new)
        if rtype == NAMESPACES:
            new["spec"] = old.get("spec")
            return new
        if rtype == SERVICES:
            self._service(new, old)
            return new
        problems: list[str] = []
        if rtype == JOBS:
            new.setdefault("spec", {})
            for key in ("selector", "manualSelector"):
                if key in (old.get("spec") or {}) and key not in new["spec"]:
                    new["spec"][key] = copy.deepcopy(old["spec"][key])
            new["metadata"]["uid"] = old["metadata"]["uid"]
            template = new["spec"].setdefault("template", {})
            labels = template.setdefault("metadata", {}).setdefault("labels", {})
            for key, value in (((old["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}).items():
                if key in (JOB_UID_LABEL, JOB_NAME_LABEL, "controller-uid", "job-name"):
                    labels.setdefault(key, value)
            problems += _job(new)
            problems += _immutable(old, new, ("spec.selector", "spec.template", "spec.completions"))
        checker = {DEPLOYMENTS: _deployment, REPLICASETS: _replicaset, STATEFULSETS: _statefulset}.get(rtype)
        if checker is not None:
            problems += checker(new)
            problems += _immutable(old, new, ("spec.selector",))
            if rtype == STATEFULSETS:
                problems += _immutable(old, new, ("spec.serviceName", "spec.volumeClaimTemplates",
                                                  "spec.podManagementPolicy"))
        if problems:
            raise invalid(rtype.kind, name, problems)
        self._check_template(rtype, new)
        return new

    # ----------------------------------------------------------------------------- services
    def _service(self, obj: Obj, old: Obj | None) -> None:
        meta, spec = obj["metadata"], obj.setdefault("spec", {})
        name = meta["name"]
        old_spec = (old or {}).get("spec") or {}
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        ports = spec.get("ports") or []
        problems = _service_problems(spec, ports)
        if problems:
            raise invalid("Service", name, problems)
        if spec["type"] == "ExternalName":
            return
        spec.setdefault("internalTrafficPolicy", "Cluster")
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        ip = self._cluster_ip(name, spec, old, old_spec)
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
        if spec["type"] in ("NodePort", "LoadBalancer") and self.network is not None:
            old_ports = {p.get("port"): p.get("nodePort") for p in old_spec.get("ports") or []}
            for port in ports:
                if not port.get("nodePort"):
                    port["nodePort"] = old_ports.get(port["port"]) or self.network.allocate_node_port(None)
        if spec["type"] == "LoadBalancer" and ip != "None":
            obj["status"] = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
        elif "status" not in obj or old is None:
            obj["status"] = {"loadBalancer": {}}
        annotations = meta.setdefault("annotations", {}) or {}
        meta["annotations"] = annotations
        if ip != "None" and ports and self.network is not None:
            annotations[URL_ANNOTATION] = self.network.url(meta.get("namespace") or "", name, ip, int(ports[0]["port"]))
        else:
            annotations.pop(URL_ANNOTATION, None)

    def _cluster_ip(self, name: str, spec: Obj, old: Obj | None, old_spec: Obj) -> str:
        """The Service's cluster IP: kept on update (it may not change), else allocated (or ``None``)."""
        requested = spec.get("clusterIP") or None
        if old is not None:
            previous = old_spec.get("clusterIP")
            if requested in (None, "") and previous:
                requested = previous
            elif requested != previous:
                message = f"spec.clusterIPs[0]: Invalid value: {requested!r}: may not change once set ({previous})"
                raise invalid("Service", name, [message])
        if requested == "None":
            return "None"
        if old is not None and requested == old_spec.get("clusterIP"):
            return requested
        if self.network is not None:
            return self.network.allocate_ip(requested, "Service", name)
        return requested or "None"


def _service_problems(spec: Obj, ports: list[Obj]) -> list[str]:
    """A Service's type and ports (``protocol`` and ``targetPort`` defaulted on the way)."""
    problems = []
    if spec["type"] not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        problems.append(f"spec.type: Unsupported value: {spec['type']!r}")
    if spec["type"] != "ExternalName" and not ports:
        problems.append("spec.ports: Required value")
    for i, port in enumerate(ports):
        port.setdefault("protocol", "TCP")
        if "port" not in port:
            problems.append(f"spec.ports[{i}].port: Required value")
            continue
        port.setdefault("targetPort", port["port"])
        if len(ports) > 1 and not port.get("name"):
            problems.append(f"spec.ports[{i}].name: Required value")
    return problems
