"""Secret-store hooks: where ``SecretsProvisionOperator`` keeps an environment's secret values.

Each backend goes through its provider's hook, which owns the Airflow connection:

* ``kubernetes`` (default; localkube and any cluster) — ``KubernetesSecretStoreHook``: a
  ``<application>-secrets`` Secret in the application's namespace, via ``KubernetesHook``; the chart
  mounts it with ``secrets.existingSecret``;
* ``gcp-secret-manager`` (production on GCP) — ``GcpSecretManagerStoreHook``: one Secret Manager
  secret per key, named ``<prefix>-<application>-<environment>-<key>``, via ``GoogleCloudSecretManagerHook``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseHook

from golive_airflow.exceptions import SecretWriteConflict

if TYPE_CHECKING:
    from airflow.providers.google.cloud.hooks.secret_manager import GoogleCloudSecretManagerHook
    from kubernetes.client import CoreV1Api


class SecretStoreHook(BaseHook):
    """A secrets backend: read the values it holds, write them back; ``location`` says where they are."""

    backend: str
    location: str

    def ensure_namespace(self) -> None:
        """Prepare the store before the first read (nothing to prepare unless a backend says so)."""

    def read(self) -> dict[str, str]:
        """The values the store holds now (empty when it holds none)."""
        return self.read_versioned()[0]

    def read_versioned(self) -> tuple[dict[str, str], str | None]:
        """The values and the version they were read at (None: the store keeps no version, or holds
        nothing yet), for :meth:`write`'s optimistic concurrency."""
        raise NotImplementedError

    def write(self, values: Mapping[str, str], labels: Mapping[str, str], version: str | None = None) -> None:
        """Store ``values``, labelled with ``labels``, only if the store is still at ``version``.

        :raises SecretWriteConflict: another writer changed the store since it was read.
        """
        raise NotImplementedError


class KubernetesSecretStoreHook(SecretStoreHook):
    """A Kubernetes Secret as the backend (``KubernetesHook`` owns the connection).

    :param kubernetes_conn_id: the Kubernetes connection.
    :param namespace: the application's namespace (created when missing).
    :param name: the Secret's name.
    """

    conn_name_attr = "kubernetes_conn_id"
    default_conn_name = "kubernetes_default"
    hook_name = "golive secrets in a Kubernetes Secret"
    backend = "kubernetes"

    def __init__(self, kubernetes_conn_id: str = default_conn_name, *, namespace: str, name: str,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kubernetes_conn_id = kubernetes_conn_id
        self.namespace, self.name = namespace, name
        self.location = f"{namespace}/{name}"

    @cached_property
    def core(self) -> CoreV1Api:
        """The core API client of the connection."""
        from airflow.providers.cncf.kubernetes.hooks.kubernetes import KubernetesHook

        return KubernetesHook(conn_id=self.kubernetes_conn_id).core_v1_client

    def get_conn(self) -> CoreV1Api:
        """The core API client of the connection."""
        return self.core

    def ensure_namespace(self) -> None:
        """Create the namespace when it does not exist."""
        from golive.kube.namespaces import ensure_namespace

        ensure_namespace(self.core, self.namespace)

    def read_versioned(self) -> tuple[dict[str, str], str | None]:
        """The Secret's current values and its ``resourceVersion`` (``({}, None)`` when it does not exist)."""
        from kubernetes.client.exceptions import ApiException

        try:
            secret = self.core.read_namespaced_secret(self.name, self.namespace)
        except ApiException as exc:
            if exc.status == 404:
                return {}, None
            raise
        values = {k: base64.b64decode(v).decode() for k, v in (secret.data or {}).items()}
        return values, secret.metadata.resource_version

    def write(self, values: Mapping[str, str], labels: Mapping[str, str], version: str | None = None) -> None:
        """Create the Secret (``version`` None) or replace it at ``resourceVersion`` ``version``; the API
        server answers 409 when another writer got there first."""
        from kubernetes.client import V1ObjectMeta, V1Secret
        from kubernetes.client.exceptions import ApiException

        body = V1Secret(metadata=V1ObjectMeta(name=self.name, namespace=self.namespace, labels=dict(labels),
                                              annotations={"golive.io/managed-keys": ",".join(sorted(values))},
                                              resource_version=version),
                        type="Opaque",
                        data={k: base64.b64encode(v.encode()).decode() for k, v in values.items()})
        try:
            if version is None:
                self.core.create_namespaced_secret(self.namespace, body)
            else:
                self.core.replace_namespaced_secret(self.name, self.namespace, body)
        except ApiException as exc:
            if exc.status in (404, 409):
                raise SecretWriteConflict(f"Secret {self.location} changed while golive wrote it "
                                          f"(HTTP {exc.status}); read it again") from None
            raise


class GcpSecretManagerStoreHook(SecretStoreHook):
    """GCP Secret Manager as the backend (``GoogleCloudSecretManagerHook`` owns the connection).

    :param gcp_conn_id: the Google Cloud connection.
    :param project_id: project of the secrets (default: the connection's project).
    :param prefix: prefix of the secret ids (``<prefix>-<key>``).
    :param keys: the keys this store holds.
    """

    conn_name_attr = "gcp_conn_id"
    default_conn_name = "google_cloud_default"
    hook_name = "golive secrets in GCP Secret Manager"
    backend = "gcp-secret-manager"

    def __init__(self, gcp_conn_id: str = default_conn_name, *, project_id: str | None, prefix: str,
                 keys: Sequence[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from airflow.providers.google.cloud.hooks.secret_manager import GoogleCloudSecretManagerHook

        self.gcp_conn_id = gcp_conn_id
        self.hook: GoogleCloudSecretManagerHook = GoogleCloudSecretManagerHook(gcp_conn_id=gcp_conn_id)
        self.project_id = project_id or self.hook.project_id
        self.prefix, self.keys = prefix, list(keys)
        self.location = f"projects/{self.project_id}/secrets/{prefix}-*"

    def get_conn(self) -> GoogleCloudSecretManagerHook:
        """The provider's hook, which holds the connection."""
        return self.hook

    def secret_id(self, key: str) -> str:
        """Secret Manager ids allow letters, digits, '-' and '_'."""
        return re.sub(r"[^A-Za-z0-9_-]", "-", f"{self.prefix}-{key}".lower())

    def read_versioned(self) -> tuple[dict[str, str], str | None]:
        """The latest version of each key's secret that exists (Secret Manager versions are appended,
        never replaced: no version to compare)."""
        values = {}
        for key in self.keys:
            if self.hook.secret_exists(project_id=self.project_id, secret_id=self.secret_id(key)):
                response = self.hook.access_secret(project_id=self.project_id, secret_id=self.secret_id(key))
                values[key] = response.payload.data.decode()
        return values, None

    def write(self, values: Mapping[str, str], labels: Mapping[str, str], version: str | None = None) -> None:
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
