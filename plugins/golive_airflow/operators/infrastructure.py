"""Infrastructure phase: the environment's namespace and secret values, stored in a secrets backend.

``SecretsProvisionOperator`` reads what the backend already holds, keeps valid values, generates the
missing ones (``golive.infrastructure``), writes them back and records only the key names in the
ledger. Values never reach XCom or a log line.

Backends (each through its provider's hook):

* ``kubernetes`` (default; localkube and any cluster) — a ``<application>-secrets`` Secret in the
  application's namespace, via ``KubernetesHook``; the chart mounts it with ``secrets.existingSecret``;
* ``gcp-secret-manager`` (production on GCP) — one Secret Manager secret per key, named
  ``<prefix>-<application>-<environment>-<key>``, via ``GoogleCloudSecretManagerHook``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator

from golive.infrastructure import ensure_values
from golive.models import Environment
from golive.settings import get_settings
from golive_airflow.context import pull_request
from golive_airflow.hooks.ledger import LedgerHook

BACKENDS = ("kubernetes", "gcp-secret-manager")


class KubernetesSecretStore:
    """A Kubernetes Secret as the backend (``KubernetesHook`` owns the connection)."""

    backend = "kubernetes"

    def __init__(self, conn_id: str, namespace: str, name: str) -> None:
        from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

        self.core = KubernetesHook(conn_id=conn_id).core_v1_client
        self.namespace, self.name = namespace, name
        self.location = f"{namespace}/{name}"

    def ensure_namespace(self) -> None:
        """Create the namespace when it does not exist."""
        from golive.kube.namespaces import ensure_namespace

        ensure_namespace(self.core, self.namespace)

    def read(self) -> dict[str, str]:
        """The Secret's current values (empty when it does not exist)."""
        from kubernetes.client.exceptions import ApiException

        try:
            secret = self.core.read_namespaced_secret(self.name, self.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return {}
            raise
        return {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}

    def write(self, values: Mapping[str, str], labels: Mapping[str, str]) -> None:
        """Create or replace the Secret."""
        from kubernetes.client import V1ObjectMeta, V1Secret
        from kubernetes.client.exceptions import ApiException

        body = V1Secret(metadata=V1ObjectMeta(name=self.name, namespace=self.namespace, labels=dict(labels),
                                              annotations={"golive.io/managed-keys": ",".join(sorted(values))}),
                        type="Opaque",
                        data={k: base64.b64encode(v.encode()).decode() for k, v in values.items()})
        try:
            self.core.replace_namespaced_secret(self.name, self.namespace, body)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.core.create_namespaced_secret(self.namespace, body)


class GcpSecretManagerStore:
    """GCP Secret Manager as the backend (``GoogleCloudSecretManagerHook`` owns the connection)."""

    backend = "gcp-secret-manager"

    def __init__(self, conn_id: str, project_id: str | None, prefix: str, keys: Sequence[str]) -> None:
        from airflow.providers.google.cloud.hooks.secret_manager import GoogleCloudSecretManagerHook

        self.hook = GoogleCloudSecretManagerHook(gcp_conn_id=conn_id)
        self.project_id = project_id or self.hook.project_id
        self.prefix, self.keys = prefix, list(keys)
        self.location = f"projects/{self.project_id}/secrets/{prefix}-*"

    def secret_id(self, key: str) -> str:
        """Secret Manager ids allow letters, digits, '-' and '_'."""
        return re.sub(r"[^A-Za-z0-9_-]", "-", f"{self.prefix}-{key}".lower())

    def ensure_namespace(self) -> None:
        """Nothing to prepare in Secret Manager."""

    def read(self) -> dict[str, str]:
        """The latest version of each key's secret that exists."""
        values = {}
        for key in self.keys:
            if self.hook.secret_exists(project_id=self.project_id, secret_id=self.secret_id(key)):
                response = self.hook.access_secret(project_id=self.project_id, secret_id=self.secret_id(key))
                values[key] = response.payload.data.decode()
        return values

    def write(self, values: Mapping[str, str], labels: Mapping[str, str]) -> None:
        """Create missing secrets and add a version where the value changed."""
        current = self.read()
        for key, value in values.items():
            sid = self.secret_id(key)
            if key not in current:
                self.hook.create_secret(project_id=self.project_id, secret_id=sid, secret={
                    "replication": {"automatic": {}}, "labels": dict(labels)})
            if current.get(key) != value:
                self.hook.add_secret_version(project_id=self.project_id, secret_id=sid,
                                             secret_payload={"data": value.encode()})


class SecretsProvisionOperator(BaseOperator):
    """Generate and store the environment's secret values; record which keys exist (never values).

    :param request_task_id: task that pushed the validated request (application, environment, namespace).
    :param backend: ``kubernetes`` (default) or ``gcp-secret-manager``.
    :param kubernetes_conn_id: Kubernetes connection for the ``kubernetes`` backend.
    :param gcp_conn_id: Google Cloud connection for ``gcp-secret-manager``.
    :param gcp_project_id: project of the secrets (default: the connection's project).
    :param secret_prefix: prefix of Secret Manager ids.
    :param ledger_conn_id: ledger connection id.
    """

    template_fields: Sequence[str] = ("backend", "gcp_project_id", "secret_prefix")
    ui_color = "#ede7f6"

    def __init__(self, *, request_task_id: str, backend: str = "kubernetes", kubernetes_conn_id: str | None = None,
                 gcp_conn_id: str = "google_cloud_default", gcp_project_id: str | None = None,
                 secret_prefix: str = "golive", ledger_conn_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        settings = get_settings()
        self.request_task_id = request_task_id
        self.backend = backend
        self.kubernetes_conn_id = kubernetes_conn_id or settings.kubernetes_conn_id
        self.gcp_conn_id, self.gcp_project_id, self.secret_prefix = gcp_conn_id, gcp_project_id, secret_prefix
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id

    def store_for(self, request: Mapping[str, Any]) -> KubernetesSecretStore | GcpSecretManagerStore:
        """The backend named by ``backend``."""
        if self.backend == "kubernetes":
            return KubernetesSecretStore(self.kubernetes_conn_id, request["namespace"],
                                         f"{request['application']}-secrets")
        if self.backend == "gcp-secret-manager":
            from golive.infrastructure import KEYS_BY_ENVIRONMENT

            keys = KEYS_BY_ENVIRONMENT[Environment(request["environment"])]
            return GcpSecretManagerStore(self.gcp_conn_id, self.gcp_project_id,
                                         f"{self.secret_prefix}-{request['application']}-{request['environment']}",
                                         keys)
        raise ValueError(f"unknown secrets backend {self.backend!r}: use one of {', '.join(BACKENDS)}")

    def execute(self, context: Any) -> dict[str, Any]:
        """Ensure the values exist and are strong; return and record the key names only."""
        request = pull_request(context, self.request_task_id)
        store = self.store_for(request)
        store.ensure_namespace()
        values, created = ensure_values(Environment(request["environment"]), store.read())
        if any(created.values()):
            store.write(values, {"app.kubernetes.io/name": request["application"],
                                 "app.kubernetes.io/part-of": "golive"})
        LedgerHook(self.ledger_conn_id).get_conn().record_secret_keys(
            run_id=context["ti"].run_id, application=request["application"], environment=request["environment"],
            backend=store.backend, location=store.location, created=created)
        summary = {"backend": store.backend, "location": store.location, "keys": sorted(values),
                   "generated": sorted(k for k, c in created.items() if c)}
        self.log.info("secrets at %s: keys %s (generated now: %s)", store.location, summary["keys"],
                      summary["generated"] or "none")
        return summary
