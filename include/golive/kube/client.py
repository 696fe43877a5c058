"""The connection to the API server: configuration, the dynamic client, and error translation.

:func:`load_client` finds the configuration (kubeconfig, else the in-cluster service account);
:func:`call` runs one client call and turns API and connection failures into :class:`KubeError`
with the API server's own message; :func:`resource_for` looks a kind up through discovery. The
other ``golive.kube`` modules build on these.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable
from typing import Any

from golive.errors import GoliveError

__all__ = [
    "KubeError",
    "Obj",
    "call",
    "call_json",
    "dynamic_client",
    "load_client",
    "resolve_client",
    "resource_for",
]

#: A Kubernetes object as JSON (camelCase, as ``kubectl get -o json`` prints it).
Obj = dict[str, Any]


class KubeError(GoliveError):
    """A Kubernetes call failed; ``status``/``reason`` are the API's (0/"" for connection errors)."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def load_client(kubeconfig: str | os.PathLike[str] | None = None, context: str | None = None) -> Any:
    """A ``kubernetes.client.ApiClient``, with ``kubernetes.config.load_config()`` semantics.

    ``kubeconfig`` (else ``$KUBECONFIG``, else ``~/.kube/config``) when such a file exists, else the
    in-cluster service account. On localkube every pod gets ``$KUBECONFIG``.

    :raises KubeError: neither is usable.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    raw = os.fspath(kubeconfig) if kubeconfig is not None else os.environ.get("KUBECONFIG") or "~/.kube/config"
    paths = [os.path.expanduser(p) for p in raw.split(os.pathsep) if p]
    if any(os.path.exists(p) for p in paths):
        try:
            return config.new_client_from_config(config_file=os.pathsep.join(paths), context=context,
                                                 persist_config=False)
        except (ConfigException, OSError, ValueError) as exc:
            raise KubeError(f"the kubeconfig {raw} is not usable: {exc}") from exc
    try:
        configuration = client.Configuration()
        config.load_incluster_config(client_configuration=configuration)
    except ConfigException as exc:
        raise KubeError(f"no Kubernetes configuration: no kubeconfig at {raw} (set $KUBECONFIG) and not running "
                        f"in a pod with a service account ({exc})") from exc
    return client.ApiClient(configuration)


def resolve_client(client: Any) -> Any:
    """``client``, else a new :func:`load_client` one."""
    return client if client is not None else load_client()


_DYNAMIC: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_DYNAMIC_LOCK = threading.Lock()
_CACHE_DIR: str | None = None


def _discovery_cache(host: str) -> str:
    """A per-process discovery cache file (the client's default is shared by every process)."""
    global _CACHE_DIR
    if _CACHE_DIR is None:
        _CACHE_DIR = tempfile.mkdtemp(prefix="golive-kube-")
        atexit.register(shutil.rmtree, _CACHE_DIR, True)
    safe = "".join(ch if ch.isalnum() else "_" for ch in host)[-120:]
    return os.path.join(_CACHE_DIR, f"discovery-{safe}.json")


def dynamic_client(client: Any) -> Any:
    """The ``DynamicClient`` of ``client`` (one per client, discovered once)."""
    from kubernetes.dynamic import DynamicClient

    with _DYNAMIC_LOCK:
        found = _DYNAMIC.get(client)
        if found is None:
            found = call("discover the API", lambda: DynamicClient(
                client, cache_file=_discovery_cache(client.configuration.host)))
            _DYNAMIC[client] = found
        return found


def _message(exc: Any) -> tuple[int, str, str]:
    status = int(getattr(exc, "status", 0) or 0)
    reason = str(getattr(exc, "reason", "") or "")
    body = getattr(exc, "body", None)
    message = ""
    if body:
        try:
            doc = json.loads(body)
            message = str(doc.get("message") or "")
            reason = str(doc.get("reason") or reason)
        except (ValueError, AttributeError):
            message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return status, reason, message or str(exc)


def call(what: str, fn: Callable[[], Any]) -> Any:
    """Run one client call; API and connection errors become :class:`KubeError`."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    try:
        return fn()
    except ApiException as exc:
        status, reason, message = _message(exc)
        raise KubeError(f"Kubernetes API: {what}: {status} {reason}: {message}", status=status, reason=reason) from exc
    except HTTPError as exc:
        raise KubeError(f"Kubernetes API unreachable while trying to {what}: {exc}") from exc


def call_json(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A typed-API call returning the JSON document (not the client's models)."""
    response = call(what, lambda: fn(*args, _preload_content=False, **kwargs))
    data = response.data
    return json.loads(data) if data else None


def resource_for(client: Any, kind: str, api_version: str | None = None) -> Any:
    """The dynamic-client resource of ``kind`` (a plural or lower-case name is accepted too).

    :raises KubeError: the server does not serve the kind, or serves it in several groups.
    """
    from kubernetes.dynamic.exceptions import ResourceNotFoundError, ResourceNotUniqueError

    dyn = dynamic_client(client)
    query: dict[str, str] = {"kind": kind}
    if api_version:
        query["api_version"] = api_version
    try:
        return dyn.resources.get(**query)
    except ResourceNotUniqueError:
        preferred = {"Event": "v1"}.get(kind)
        if preferred and not api_version:
            return dyn.resources.get(kind=kind, api_version=preferred)
        raise KubeError(f"kind {kind} exists in several API groups: pass api_version") from None
    except ResourceNotFoundError:
        try:  # accept a plural or lower-case name ("deployments", "deployment")
            return dyn.resources.get(name=kind.lower() if kind.endswith("s") else f"{kind.lower()}s",
                                     **({"api_version": api_version} if api_version else {}))
        except (ResourceNotFoundError, ResourceNotUniqueError):
            raise KubeError(f"the API server does not serve kind {kind}"
                            + (f" in {api_version}" if api_version else "")) from None

