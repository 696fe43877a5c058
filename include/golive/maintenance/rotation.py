"""Secret rotation of a live application: new values in its Kubernetes Secret, a rolling restart
through the Kubernetes API, health verified — the old values kept until then, restored if not.

Steps (:func:`rotate`):

1. check the application is healthy (else nothing is changed: a retry never rotates a sick app), read
   the Secret (``<app>-secrets``) and copy its current data into ``<app>-secrets-previous`` (the old
   values stay in the secrets backend, never in a log, a file or the ledger; when that copy exists
   already, a rotation did not finish and the copy is the values to fall back to);
2. write a new value (:func:`golive.infrastructure.generate_value`) for each key to rotate, at the
   Secret's ``resourceVersion`` (a concurrent writer makes it fail, nothing half-written);
3. restart every Deployment of the namespace whose pods read the Secret (:func:`consumers`) the way
   ``kubectl rollout restart`` does (the pod template's ``kubectl.kubernetes.io/restartedAt``
   annotation), wait for each rollout;
4. verify: each rollout complete and ``GET <health path>`` healthy (:func:`golive.http.is_healthy`)
   ``probes`` times in a row;
5. healthy: delete the copy. Not healthy: write the old values back, restart again, verify again, and
   report ``restored`` (or ``restore-unhealthy``), with why.

Only key names and statuses leave this module.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from golive.infrastructure import generate_value

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
ROTATED_AT = "golive.io/rotated-at"
ROTATED_KEYS = "golive.io/rotated-keys"


class RotationError(Exception):
    """The rotation could not start (the Secret or a key is missing): nothing was changed."""


@dataclass
class Rotation:
    """What a rotation did: ``rotated`` (healthy with the new values), ``restored`` (old values back,
    healthy), ``restore-unhealthy`` or ``failed``; key names only."""

    status: str
    keys: list[str]
    secret: str
    deployments: list[str]
    checks: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields (no value)."""
        return {"status": self.status, "keys": self.keys, "secret": self.secret, "deployments": self.deployments,
                "checks": self.checks, "error": self.error}


def _core(client: Any) -> Any:
    from kubernetes import client as k8s

    return k8s.CoreV1Api(client)


def _apps(client: Any) -> Any:
    from kubernetes import client as k8s

    return k8s.AppsV1Api(client)


def _decode(data: dict[str, str] | None) -> dict[str, str]:
    return {k: base64.b64decode(v).decode() for k, v in (data or {}).items()}


def _encode(values: dict[str, str]) -> dict[str, str]:
    return {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}


def _write(client: Any, namespace: str, name: str, values: dict[str, str], *, annotations: dict[str, str],
           version: str | None) -> None:
    """Create (``version`` None) or replace the Secret at ``version``."""
    from kubernetes.client import V1ObjectMeta, V1Secret

    from golive.kube.client import call

    body = V1Secret(metadata=V1ObjectMeta(name=name, namespace=namespace, annotations=annotations,
                                          labels={"app.kubernetes.io/managed-by": "golive"},
                                          resource_version=version), type="Opaque", data=_encode(values))
    core = _core(client)
    if version is None:
        call(f"create Secret {namespace}/{name}", lambda: core.create_namespaced_secret(namespace, body))
    else:
        call(f"replace Secret {namespace}/{name}", lambda: core.replace_namespaced_secret(name, namespace, body))


def _read(client: Any, namespace: str, name: str) -> Any | None:
    from golive.kube.client import KubeError, call

    core = _core(client)
    try:
        return call(f"read Secret {namespace}/{name}", lambda: core.read_namespaced_secret(name, namespace))
    except KubeError as exc:
        if exc.status == 404:
            return None
        raise


def _keep_previous(client: Any, namespace: str, name: str, values: dict[str, str]) -> dict[str, str]:
    """Keep ``values`` in ``<name>-previous`` and return them — unless that Secret exists already: then
    an earlier rotation did not finish, and the values it kept (from before that rotation) are returned
    and stay."""
    previous = _read(client, namespace, f"{name}-previous")
    if previous is not None:
        return _decode(previous.data)
    _write(client, namespace, f"{name}-previous", values, annotations={"golive.io/previous-of": name},
           version=None)
    return values


def restart(deployments: Sequence[str], namespace: str, client: Any, at: str) -> None:
    """``kubectl rollout restart``: stamp each Deployment's pod template with ``restartedAt``."""
    from golive.kube.client import call

    apps = _apps(client)
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: at}}}}}
    for name in deployments:
        call(f"restart deployment {namespace}/{name}",
             partial(apps.patch_namespaced_deployment, name, namespace, patch))


def _references(spec: Mapping[str, Any], secret: str) -> bool:
    """Whether a pod spec reads the Secret ``secret`` (``envFrom``, ``env`` ``secretKeyRef``, a volume)."""
    for volume in spec.get("volumes") or []:
        if (volume.get("secret") or {}).get("secretName") == secret:
            return True
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        if any((s.get("secretRef") or {}).get("name") == secret for s in container.get("envFrom") or []):
            return True
        if any(((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name") == secret
               for e in container.get("env") or []):
            return True
    return False


def consumers(namespace: str, secret: str, client: Any) -> list[str]:
    """The Deployments of ``namespace`` whose pods read the Secret ``secret`` (what a rotation restarts)."""
    from golive.kube.client import call_json

    listed = call_json(f"list deployments in {namespace}", _apps(client).list_namespaced_deployment, namespace)
    return sorted(str(d["metadata"]["name"]) for d in listed.get("items") or []
                  if _references(((d.get("spec") or {}).get("template") or {}).get("spec") or {}, secret))


def verify(deployments: Sequence[str], namespace: str, client: Any, health_url: str, *, timeout: float,
           probes: int = 3, sleep: Callable[[float], None] = time.sleep) -> tuple[bool, list[str]]:
    """Each rollout complete within ``timeout``, then ``probes`` healthy answers of ``health_url`` in a row
    (retried until the deadline). Returns (healthy, what was checked)."""
    import httpx

    from golive import http as app_http
    from golive.kube.workloads import rollout_status

    deadline = time.monotonic() + timeout
    checks: list[str] = []
    for name in deployments:
        status = rollout_status(name, namespace, client, timeout=max(deadline - time.monotonic(), 0.0))
        if not status.done:
            checks.append(f"rollout of {name} not complete: {status.message}")
            return False, checks
        checks.append(f"rollout of {name} complete")
    streak, last = 0, "no answer"
    with app_http.client(timeout=5.0) as http:
        while time.monotonic() < deadline:
            try:
                response = http.get(health_url)
                ok = app_http.is_healthy(response)
                last = f"HTTP {response.status_code} status {app_http.health_status(response)!r}"
            except httpx.HTTPError as exc:
                ok, last = False, f"{type(exc).__name__}"
            streak = streak + 1 if ok else 0
            if streak >= probes:
                checks.append(f"{health_url}: {probes} healthy answers in a row")
                return True, checks
            sleep(0.2)
    checks.append(f"{health_url} not healthy within {timeout:g} s (last: {last})")
    return False, checks


def rotate(*, client: Any, namespace: str, secret: str, keys: Sequence[str], health_url: str,
           timeout: float = 120.0, now: datetime | None = None) -> Rotation:
    """Rotate ``keys`` of the Secret ``namespace/secret`` and restart its :func:`consumers` (see the
    module docstring).

    :raises RotationError: the Secret, one of the keys or any Deployment that reads it does not exist, or
        the application is not healthy before the rotation (nothing changed).
    """
    current = _read(client, namespace, secret)
    if current is None:
        raise RotationError(f"Secret {namespace}/{secret} does not exist: nothing to rotate")
    old = _decode(current.data)
    missing = [k for k in keys if k not in old]
    if missing:
        raise RotationError(f"Secret {namespace}/{secret} has no key {', '.join(missing)}: nothing rotated")
    deployments = consumers(namespace, secret, client)
    if not deployments:
        raise RotationError(f"no Deployment of {namespace} reads the Secret {secret}: nothing rotated")
    healthy, checks = verify(deployments, namespace, client, health_url, timeout=min(timeout, 30.0))
    if not healthy:
        raise RotationError(f"{namespace} is not healthy before the rotation ({checks[-1]}): nothing rotated")
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    names = sorted(keys)
    result = Rotation(status="failed", keys=names, secret=f"{namespace}/{secret}", deployments=list(deployments),
                      checks=[f"before: {c}" for c in checks])
    old = _keep_previous(client, namespace, secret, old)
    annotations = {**(current.metadata.annotations or {}), ROTATED_AT: stamp, ROTATED_KEYS: ",".join(names)}
    _write(client, namespace, secret, {**old, **{k: generate_value() for k in names}}, annotations=annotations,
           version=current.metadata.resource_version)
    restart(deployments, namespace, client, stamp)
    healthy, after = verify(deployments, namespace, client, health_url, timeout=timeout)
    result.checks += after
    if healthy:
        result.status = "rotated"
    else:
        fresh = _read(client, namespace, secret)
        restored = {**(current.metadata.annotations or {})}
        _write(client, namespace, secret, old, annotations=restored,
               version=fresh.metadata.resource_version if fresh else None)
        restart(deployments, namespace, client, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        back, checks = verify(deployments, namespace, client, health_url, timeout=timeout)
        result.checks += ["old values restored", *checks]
        result.status = "restored" if back else "restore-unhealthy"
        result.error = "the application was not healthy with the new values"
    if result.status != "restore-unhealthy":
        from golive.kube.client import call

        core = _core(client)
        call(f"delete Secret {namespace}/{secret}-previous",
             lambda: core.delete_namespaced_secret(f"{secret}-previous", namespace))
    return result
