"""Defaulting and validation of objects on create and update, as kube-apiserver does it."""

from __future__ import annotations

import base64
import binascii
import copy
import re
import secrets
import string
from decimal import Decimal
from typing import Any

from localkube.errors import ApiError, bad_request, invalid
from localkube.quantity import QuantityError, parse_quantity
from localkube.scheduler import is_extended
from localkube.selectors import SelectorError, parse_label_selector
from localkube.store import CONFIGMAPS, NAMESPACES, PODS, SECRETS, ResourceType

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_SERVER_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "selfLink", "managedFields")
_FORBIDDEN_POD_UPDATE = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, "
    "`spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only "
    "additions to existing tolerations) or `spec.terminationGracePeriodSeconds`"
)
_MUTABLE_POD_SPEC = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


def _suffix() -> str:
    return "".join(secrets.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))


def prepare_metadata(rtype: ResourceType, body: Any, namespace: str | None) -> dict[str, Any]:
    """Check kind/apiVersion/namespace, apply ``generateName``, drop server-owned fields."""
    if not isinstance(body, dict):
        raise bad_request("the request body must be a JSON object")
    obj = copy.deepcopy(body)
    if obj.get("kind") not in (None, rtype.kind):
        raise bad_request(f"the object kind {obj.get('kind')!r} does not match the resource {rtype.plural}")
    if obj.get("apiVersion") not in (None, rtype.api_version):
        raise bad_request(f"the API version {obj.get('apiVersion')!r} does not serve {rtype.plural}")
    meta = obj.setdefault("metadata", {}) or {}
    obj["metadata"] = meta
    if rtype.namespaced:
        if meta.get("namespace") not in (None, "", namespace):
            raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = namespace
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = f"{meta['generateName']}{_suffix()}"
    for field in _SERVER_FIELDS:
        meta.pop(field, None)
    name = meta.get("name") or ""
    pattern = DNS1123_LABEL if rtype == NAMESPACES else DNS1123_SUBDOMAIN
    problems = []
    if not name:
        problems.append("metadata.name: Required value: name or generateName is required")
    elif len(name) > 253 or not pattern.match(name):
        problems.append(f"metadata.name: Invalid value: {name!r}: a lowercase RFC 1123 name must consist "
                        "of lower case alphanumeric characters, '-' or '.'")
    for key, value in (meta.get("labels") or {}).items():
        try:
            parse_label_selector(f"{key}={value}")
        except SelectorError:
            problems.append(f"metadata.labels: Invalid value: {key}={value!r}")
    if problems:
        raise invalid(rtype.kind, name, problems)
    return obj


def _container_problems(kind: str, index: int, container: dict[str, Any], volumes: set[str]) -> list[str]:
    where = f"spec.{kind}[{index}]"
    problems = []
    name = container.get("name") or ""
    if not DNS1123_LABEL.match(name) or len(name) > 63:
        problems.append(f"{where}.name: Invalid value: {name!r}")
    if not container.get("image"):
        problems.append(f"{where}.image: Required value")
    resources = container.get("resources") or {}
    parsed: dict[str, dict[str, Decimal]] = {}
    for section in ("requests", "limits"):
        parsed[section] = {}
        for res, value in (resources.get(section) or {}).items():
            try:
                parsed[section][res] = parse_quantity(value)
            except QuantityError:
                problems.append(f"{where}.resources.{section}[{res}]: Invalid value: {value!r}")
    for res, value in parsed["requests"].items():
        if is_extended(res):
            if res not in parsed["limits"]:
                problems.append(f"{where}.resources.limits: Required value: Limit must be set for "
                                f"non overcommitable resources ({res})")
            elif parsed["limits"][res] != value:
                problems.append(f"{where}.resources.requests[{res}]: Invalid value: must be equal to "
                                f"{res} limit")
        elif res in parsed["limits"] and value > parsed["limits"][res]:
            problems.append(f"{where}.resources.requests[{res}]: Invalid value: must be less than or "
                            f"equal to {res} limit")
    for mount in container.get("volumeMounts") or []:
        if mount.get("name") not in volumes:
            problems.append(f"{where}.volumeMounts.name: Not found: {mount.get('name')!r}")
        if not str(mount.get("mountPath") or "").startswith("/"):
            problems.append(f"{where}.volumeMounts.mountPath: Invalid value: must be an absolute path")
    return problems


def _default_container(container: dict[str, Any]) -> None:
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    image = str(container.get("image") or "")
    tag = image.rsplit("/", 1)[-1]
    container.setdefault("imagePullPolicy",
                         "Always" if ":" not in tag or tag.endswith(":latest") else "IfNotPresent")
    container.setdefault("resources", {})
    if not container.get("resources", {}).get("requests") and container["resources"].get("limits"):
        container["resources"]["requests"] = dict(container["resources"]["limits"])


def qos_class(spec: dict[str, Any]) -> str:
    """The pod's QoS class (Guaranteed, Burstable or BestEffort)."""
    containers = (spec.get("containers") or []) + (spec.get("initContainers") or [])
    any_set, guaranteed = False, True
    for container in containers:
        res = container.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in lim or parse_quantity(req.get(name, lim[name])) != parse_quantity(lim[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def prepare_pod(body: Any, namespace: str) -> dict[str, Any]:
    """Validate a pod create request and fill in the defaults kube-apiserver adds."""
    pod = prepare_metadata(PODS, body, namespace)
    name = pod["metadata"]["name"]
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        raise invalid("Pod", name, ["spec: Required value"])
    problems = []
    volumes = {v.get("name") for v in spec.get("volumes") or []}
    containers = spec.get("containers") or []
    if not containers:
        problems.append("spec.containers: Required value")
    seen: set[str] = set()
    for kind in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(kind) or []):
            problems += _container_problems(kind, i, container, volumes)
            if container.get("name") in seen:
                problems.append(f"spec.{kind}[{i}].name: Duplicate value: {container.get('name')!r}")
            seen.add(container.get("name"))
    policy = spec.setdefault("restartPolicy", "Always")
    if policy not in ("Always", "OnFailure", "Never"):
        problems.append(f"spec.restartPolicy: Unsupported value: {policy!r}")
    deadline = spec.get("activeDeadlineSeconds")
    if deadline is not None and (not isinstance(deadline, int) or deadline <= 0):
        problems.append("spec.activeDeadlineSeconds: Invalid value: must be a positive integer")
    if problems:
        raise invalid("Pod", name, problems)
    for kind in ("initContainers", "containers"):
        for container in spec.get(kind) or []:
            _default_container(container)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    for key in [k for k, v in spec.items() if v is None]:
        del spec[key]
    pod["status"] = {"phase": "Pending", "qosClass": qos_class(spec)}
    return pod


def check_pod_update(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Reject spec changes a real API server forbids; status is kept from ``old``."""
    def frozen(spec: dict[str, Any]) -> dict[str, Any]:
        copy_ = copy.deepcopy(spec or {})
        for key in _MUTABLE_POD_SPEC:
            copy_.pop(key, None)
        for kind in ("containers", "initContainers"):
            for container in copy_.get(kind) or []:
                container.pop("image", None)
        return copy_

    if frozen(old.get("spec") or {}) != frozen(new.get("spec") or {}):
        raise invalid("Pod", old["metadata"]["name"], [_FORBIDDEN_POD_UPDATE])
    new["status"] = copy.deepcopy(old.get("status") or {})
    return new


def prepare_data_object(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """ConfigMap/Secret checks: keys valid, Secret ``data`` base64, ``stringData`` folded in."""
    name = obj["metadata"]["name"]
    problems = []
    if rtype == SECRETS:
        data = dict(obj.get("data") or {})
        for key, value in data.items():
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError, TypeError):
                problems.append(f"data[{key}]: Invalid value: must be base64")
        for key, value in (obj.pop("stringData", None) or {}).items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data
        obj.setdefault("type", "Opaque")
    allowed = set(string.ascii_letters + string.digits + "-_.")
    for key in list(obj.get("data") or {}) + list(obj.get("binaryData") or {}):
        if not key or set(key) - allowed:
            problems.append(f"data[{key}]: Invalid value: a valid config key must consist of "
                            "alphanumeric characters, '-', '_' or '.'")
    if problems:
        raise invalid(rtype.kind, name, problems)
    if rtype == CONFIGMAPS:
        obj["data"] = {k: str(v) for k, v in (obj.get("data") or {}).items()}
    return obj


def ensure(condition: bool, error: ApiError) -> None:
    """Raise ``error`` unless ``condition``."""
    if not condition:
        raise error
