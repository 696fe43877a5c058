"""Infrastructure phase: the environment's namespace and secret values, stored in a secrets backend.

``SecretsProvisionOperator`` reads what the backend already holds, keeps every existing value,
generates the missing ones (``golive.infrastructure``), writes them back at the version it read
(optimistic concurrency: a conflict re-reads and decides again) and records only the key names in the
ledger. An existing weak value is kept and reported by key — a failure in the environments of
``fail_on_weak`` (default prod), a warning elsewhere — never silently regenerated. Values never reach
XCom or a log line. The backends are hooks in ``golive_airflow.hooks.secrets``
(``kubernetes``: a Kubernetes Secret; ``gcp-secret-manager``: GCP Secret Manager).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow.sdk import BaseOperator

from golive.infrastructure import EnsuredValues, ensure_values
from golive.settings import get_settings
from golive_airflow.context import pull_application_profile, pull_request
from golive_airflow.exceptions import SecretWriteConflict, WeakSecretValues
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.hooks.secrets import GcpSecretManagerStoreHook, KubernetesSecretStoreHook, SecretStoreHook

BACKENDS = (KubernetesSecretStoreHook.backend, GcpSecretManagerStoreHook.backend)
#: How often a write that lost a race re-reads the store and decides again.
WRITE_ATTEMPTS = 3


class SecretsProvisionOperator(BaseOperator):
    """Generate and store the environment's secret values; record which keys exist (never values).

    :param request_task_id: task that pushed the validated request (application, environment, namespace).
    :param backend: ``kubernetes`` (default) or ``gcp-secret-manager``.
    :param kubernetes_conn_id: Kubernetes connection for the ``kubernetes`` backend.
    :param gcp_conn_id: Google Cloud connection for ``gcp-secret-manager``.
    :param gcp_project_id: project of the secrets (default: the connection's project).
    :param secret_prefix: prefix of Secret Manager ids.
    :param ledger_conn_id: ledger connection id.
    :param fail_on_weak: environments where an existing weak value fails the task (elsewhere: a warning).
    """

    template_fields: Sequence[str] = ("backend", "gcp_project_id", "secret_prefix")
    ui_color = "#ede7f6"

    def __init__(self, *, request_task_id: str, backend: str = "kubernetes", kubernetes_conn_id: str | None = None,
                 gcp_conn_id: str = "google_cloud_default", gcp_project_id: str | None = None,
                 secret_prefix: str = "golive", ledger_conn_id: str | None = None,
                 fail_on_weak: Sequence[str] = ("prod",), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        settings = get_settings()
        self.request_task_id = request_task_id
        self.backend = backend
        self.kubernetes_conn_id = kubernetes_conn_id or settings.kubernetes_conn_id
        self.gcp_conn_id, self.gcp_project_id, self.secret_prefix = gcp_conn_id, gcp_project_id, secret_prefix
        self.ledger_conn_id = ledger_conn_id or settings.ledger_conn_id
        self.fail_on_weak = tuple(fail_on_weak)

    def store_for(self, request: Mapping[str, Any], keys: Sequence[str] = ()) -> SecretStoreHook:
        """The backend named by ``backend`` (``keys``: the ids a store without a listing reads)."""
        if self.backend == KubernetesSecretStoreHook.backend:
            return KubernetesSecretStoreHook(self.kubernetes_conn_id, namespace=request["namespace"],
                                             name=f"{request['application']}-secrets")
        if self.backend == GcpSecretManagerStoreHook.backend:
            return GcpSecretManagerStoreHook(
                self.gcp_conn_id, project_id=self.gcp_project_id,
                prefix=f"{self.secret_prefix}-{request['application']}-{request['environment']}", keys=keys)
        raise ValueError(f"unknown secrets backend {self.backend!r}: use one of {', '.join(BACKENDS)}")

    def execute(self, context: Any) -> dict[str, Any]:
        """Ensure the values exist and are strong; return and record the key names only."""
        request = pull_request(context, self.request_task_id)
        profile = pull_application_profile(context)
        keys = profile.secret_keys_for(request["environment"]) if profile is not None else []
        store = self.store_for(request, keys)
        if not keys:
            self.log.info("the application declares no secret keys for %s (golive.yaml secret_keys)",
                          request["environment"])
            return {"backend": store.backend, "location": store.location, "keys": [], "generated": [], "weak": []}
        store.ensure_namespace()
        ensured = self._ensure(store, keys, request)
        values, created = ensured.values, ensured.created
        if ensured.weak:
            message = (f"existing secret values at {store.location} are weak and were kept (rotate them "
                       f"yourself; regenerating would break what was initialised with them): "
                       f"{ensured.weak_message()}")
            if request["environment"] in self.fail_on_weak:
                raise WeakSecretValues(message)
            self.log.warning("%s", message)
        LedgerHook(self.ledger_conn_id).get_conn().record_secret_keys(
            run_id=context["ti"].run_id, application=request["application"], environment=request["environment"],
            backend=store.backend, location=store.location, created=created)
        summary = {"backend": store.backend, "location": store.location, "keys": sorted(values),
                   "generated": sorted(k for k, c in created.items() if c), "weak": sorted(ensured.weak)}
        self.log.info("secrets at %s: keys %s (generated now: %s)", store.location, summary["keys"],
                      summary["generated"] or "none")
        return summary

    def _ensure(self, store: SecretStoreHook, keys: Sequence[str], request: Mapping[str, Any]) -> EnsuredValues:
        """Read, decide and write the generated values at the version read; a lost race starts over."""
        labels = {"app.kubernetes.io/name": request["application"], "app.kubernetes.io/part-of": "golive"}
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            current, version = store.read_versioned()
            ensured = ensure_values(keys, current)
            if not any(ensured.created.values()):
                return ensured
            try:
                store.write(ensured.values, labels, version)
            except SecretWriteConflict as exc:
                self.log.warning("attempt %d/%d: %s", attempt, WRITE_ATTEMPTS, exc)
                continue
            return ensured
        raise SecretWriteConflict(f"the secrets at {store.location} kept changing under golive's writes "
                                  f"({WRITE_ATTEMPTS} attempts); nothing was overwritten")
