"""``LocalKube``: the API server, scheduler and kubelet in a background thread with its own loop."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from localkube.auth import load_or_create_token
from localkube.errors import LocalKubeError
from localkube.kubeconfig import connection_uri, write_kubeconfig
from localkube.kubelet import ENV_PASSTHROUGH

T = TypeVar("T")
_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _add_labels(labels: Mapping[str, str], obj: dict[str, Any]) -> None:
    obj["metadata"]["labels"] = {**(obj["metadata"].get("labels") or {}), **labels}


class LocalKube:
    """A local Kubernetes API whose pods are local processes.

    :param host: address to listen on (loopback by default). Every request but the health probes
        needs the bearer token of ``<state dir>/token`` (:mod:`localkube.auth`), which the kubeconfigs
        it writes and :meth:`api_client` carry.
    :param port: TCP port, 0 picks a free one (see :attr:`url` after :meth:`start`).
    :param gpus: ``nvidia.com/gpu`` capacity the node advertises.
    :param state_dir: where the token, the saved objects (``objects.json``, restored by the next
        start), pod directories, volumes and logs live (made mode 0700); a temporary directory
        (removed by :meth:`stop`) when None.
    :param node_name: name of the single node.
    :param max_grace_seconds: cap on a deleted pod's termination grace period.
    :param restart_backoff_seconds: first restart back-off for ``restartPolicy`` Always/OnFailure.
    :param extended_resources: more extended resources the node advertises, e.g. ``{"example.com/fpga": 1}``.
    :param node_labels: extra node labels (for ``nodeSelector``).
    :param namespaces: namespaces to create besides default, kube-system, kube-public, kube-node-lease.
    :param namespace_labels: labels of those namespaces, by name (set at every start, restored ones
        included), e.g. ``{"golive": {"pod-security.kubernetes.io/enforce": "restricted"}}`` for Pod
        Security admission (:mod:`localkube.podsecurity`).
    :param env: extra environment every container gets (below the pod's own ``env``).
    :param env_passthrough: host variables copied into containers (HOME, LANG…).
    :param access_log: log every request (logger ``aiohttp.access``).
    :param images: the image catalog (:mod:`localkube.images`): a YAML/JSON file path, a mapping, or
        None for the bundled ``include/localkube/images.yaml`` (``$LOCALKUBE_IMAGES`` overrides it).
    :param host_path_prefixes: absolute host directories pods may mount as ``hostPath`` besides the
        state directory (:mod:`localkube.hostpaths`; others are refused with 403).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, gpus: int = 0,
                 state_dir: str | os.PathLike[str] | None = None, *, node_name: str = "localkube",
                 max_grace_seconds: float = 2.0, restart_backoff_seconds: float = 10.0,
                 extended_resources: dict[str, int] | None = None, node_labels: dict[str, str] | None = None,
                 env: dict[str, str] | None = None, env_passthrough: tuple[str, ...] = ENV_PASSTHROUGH,
                 access_log: bool = False, namespaces: tuple[str, ...] = (),
                 namespace_labels: Mapping[str, Mapping[str, str]] | None = None,
                 images: str | os.PathLike[str] | dict[str, Any] | None = None,
                 host_path_prefixes: tuple[str | os.PathLike[str], ...] = ()) -> None:
        self.host = host
        self._requested_port = port
        self.gpus = gpus
        self._own_state_dir = state_dir is None
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.node_name = node_name
        self.max_grace_seconds = max_grace_seconds
        self.restart_backoff_seconds = restart_backoff_seconds
        self.extended_resources = dict(extended_resources or {})
        self.node_labels = dict(node_labels or {})
        self.env = dict(env or {})
        self.env_passthrough = env_passthrough
        self.access_log = access_log
        self.namespace_labels = {name: dict(labels) for name, labels in (namespace_labels or {}).items()}
        self.namespaces = tuple(dict.fromkeys((*_NAMESPACES, *namespaces, *self.namespace_labels)))
        self.images = images
        self.host_path_prefixes = tuple(host_path_prefixes)
        self.controllers: Any = None
        self.kubeconfig: Path | None = None
        self.token = ""
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.store: Any = None
        self._persister: Any = None
        self.kubelet: Any = None
        self.api: Any = None

    # ----------------------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        """``http://host:port`` of the API server (after :meth:`start`)."""
        if not self.port:
            raise LocalKubeError("localkube is not started: call LocalKube.start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 15.0) -> LocalKube:
        """Start serving in a background thread; returns self once the port is bound."""
        if self._thread is not None:
            return self
        if self.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="localkube-"))
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        self.token = load_or_create_token(self.state_dir)
        shutil.rmtree(self.state_dir / "kubeconfigs", ignore_errors=True)  # they name the previous port
        self._thread = threading.Thread(target=self._thread_main, name="localkube", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise LocalKubeError(f"localkube did not start within {timeout}s")
        if self._error is not None:
            self._thread.join(timeout)
            self._thread = self._loop = None
            if self._own_state_dir:
                shutil.rmtree(self.state_dir, ignore_errors=True)
                self.state_dir = None
            raise LocalKubeError(f"localkube could not start on {self.host}:{self._requested_port}: "
                                 f"{self._error}") from self._error
        atexit.register(self.stop)
        return self

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._setup())
        except BaseException as exc:  # reported to start()
            self._error = exc
            if self._runner is not None:
                loop.run_until_complete(self._runner.cleanup())
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    async def _setup(self) -> None:
        from aiohttp import web

        from localkube.admission import Admission
        from localkube.controllers import ControllerManager
        from localkube.events import EventRecorder
        from localkube.hostpaths import HostPathPolicy
        from localkube.images import load_catalog
        from localkube.kubelet import Kubelet
        from localkube.persist import OBJECTS_FILE, StatePersister
        from localkube.podsecurity import policy_from_labels
        from localkube.scheduler import Node, Scheduler
        from localkube.server import ApiServer
        from localkube.store import NAMESPACES, Store

        if self.state_dir is None:  # start() sets it; guards direct calls
            raise LocalKubeError("localkube has no state directory")
        self.store = Store()
        self._persister = StatePersister(self.store, self.state_dir / OBJECTS_FILE)
        restored = self._persister.load()
        for name in self.namespaces:
            labels = self.namespace_labels.get(name, {})
            problems = policy_from_labels(labels)[1]
            if problems:
                raise LocalKubeError(f"namespace {name}: " + "; ".join(problems))
            if self.store.find(NAMESPACES, None, name) is None:
                self.store.create(NAMESPACES, {"metadata": {"name": name, "labels": dict(labels)},
                                               "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
            elif labels:
                self.store.update(NAMESPACES, None, name, partial(_add_labels, labels))
        host_paths = HostPathPolicy((self.state_dir, *self.host_path_prefixes))
        node = Node(name=self.node_name, gpus=self.gpus, extended=self.extended_resources,
                    labels=self.node_labels)
        events = EventRecorder(self.store, node.name)
        self.kubelet = Kubelet(self.store, Scheduler(node), events, self.state_dir,
                               api_port_fn=lambda: self.port, max_grace_seconds=self.max_grace_seconds,
                               restart_backoff_seconds=self.restart_backoff_seconds,
                               env_passthrough=self.env_passthrough, extra_env=self.env,
                               images=load_catalog(self.images), kubeconfig_fn=self._pod_kubeconfig,
                               host_paths=host_paths)
        self.controllers = ControllerManager(self.store, self.kubelet, events,
                                             restart_backoff_seconds=self.restart_backoff_seconds)
        self.api = ApiServer(self.store, self.kubelet, node,
                             admission=Admission(self.controllers.services, host_paths),
                             gc=self.controllers.gc, services=self.controllers.services, token=self.token)
        access: dict[str, Any] = {} if self.access_log else {"access_log": None}
        self._runner = web.AppRunner(self.api.app(), shutdown_timeout=1.0, **access)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self.api.server_address = f"{self.host}:{self.port}"
        if restored:
            self.kubelet.recover()
            await self.controllers.sync_all()
        self._persister.start()
        self.controllers.start()

    def stop(self) -> None:
        """Save the objects, kill every pod, stop the server and the thread; remove a temporary state dir.

        A later ``LocalKube`` on the same state dir restores the objects (:mod:`localkube.persist`).
        """
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        atexit.unregister(self.stop)
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=30)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            self._thread = self._loop = None
            self.port = 0
            if self._own_state_dir and self.state_dir is not None:
                shutil.rmtree(self.state_dir, ignore_errors=True)

    async def _shutdown(self) -> None:
        await self.controllers.stop()
        if self._persister is not None:  # what ran, before the kubelet stops it
            await self._persister.close()
        await self.kubelet.shutdown()
        self.store.close_watches()
        await self._runner.cleanup()

    def __enter__(self) -> LocalKube:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----------------------------------------------------------------------------- helpers
    def write_kubeconfig(self, path: str | os.PathLike[str] | None = None, namespace: str = "default") -> Path:
        """Write a kubeconfig for this server (default ``<state dir>/kubeconfig``); returns its path."""
        if path is None:
            if self.state_dir is None:
                raise LocalKubeError("localkube is not started: call LocalKube.start() first")
            path = self.state_dir / "kubeconfig"
        self.kubeconfig = write_kubeconfig(path, self.url, self.token, namespace)
        return self.kubeconfig

    def _pod_kubeconfig(self, namespace: str) -> Path:
        """The kubeconfig pods of ``namespace`` get as ``$KUBECONFIG`` (written once per namespace)."""
        if self.state_dir is None:
            raise LocalKubeError("localkube has no state directory")
        path = self.state_dir / "kubeconfigs" / f"{namespace}.yaml"
        if not path.exists():
            write_kubeconfig(path, self.url, self.token, namespace)
        return path

    def service_url(self, name: str, namespace: str = "default") -> str:
        """``http://<clusterIP>:<port>`` of a Service's first port (its ``localkube.io/url`` annotation)."""
        from localkube.admission import URL_ANNOTATION
        from localkube.resources import SERVICES

        service = self.call(self.store.get, SERVICES, namespace, name)
        url = (service["metadata"].get("annotations") or {}).get(URL_ANNOTATION)
        if not url:
            raise LocalKubeError(f"Service {namespace}/{name} has no ClusterIP (headless or ExternalName)")
        return str(url)

    def api_client(self) -> Any:
        """A ``kubernetes.client.ApiClient`` talking to this server."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.url
        bearer = f"Bearer {self.token}"  # the client's key was "authorization" before v36, "BearerToken" since
        configuration.api_key = {"authorization": bearer, "BearerToken": bearer}
        return client.ApiClient(configuration)

    def connection_uri(self, namespace: str = "default") -> str:
        """``AIRFLOW_CONN_KUBERNETES_DEFAULT`` value for this server (writes a kubeconfig if needed)."""
        return connection_uri(self.kubeconfig or self.write_kubeconfig(namespace=namespace), namespace)

    def call(self, fn: Callable[..., T], *args: Any, timeout: float = 30.0) -> T:
        """Run ``fn(*args)`` on localkube's loop thread (awaiting it if it is a coroutine)."""
        if self._loop is None:
            raise LocalKubeError("localkube is not started: call LocalKube.start() first")

        async def run() -> Any:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout)

    def pod(self, name: str, namespace: str = "default") -> dict[str, Any] | None:
        """The stored pod object (a copy), or None."""
        from localkube.store import PODS

        return self.call(self.store.find, PODS, namespace, name)

    def events(self, name: str, namespace: str = "default") -> list[dict[str, Any]]:
        """Events whose involvedObject is ``name``, oldest first."""
        from localkube.selectors import parse_field_selector
        from localkube.store import EVENTS

        selector = parse_field_selector(f"involvedObject.name={name}")
        return self.call(self.store.list, EVENTS, namespace, None, selector)

    @property
    def calls(self) -> list[Any]:
        """Every API call received so far (:class:`localkube.server.Call`)."""
        return list(self.api.calls) if self.api is not None else []

    def reset_calls(self) -> None:
        """Forget the recorded calls."""
        if self.api is not None:
            self.call(self.api.calls.clear)

    def core_v1(self) -> Any:
        """A ``kubernetes.client.CoreV1Api`` talking to this server."""
        from kubernetes import client

        return client.CoreV1Api(self.api_client())
