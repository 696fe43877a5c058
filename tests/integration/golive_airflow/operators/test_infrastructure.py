"""SecretsProvisionOperator against localkube (Kubernetes Secret) and a Secret Manager stand-in:
values stored, kept on re-run, only key names recorded and returned."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import ClassVar

import pytest

from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.operators.infrastructure import SecretsProvisionOperator

pytestmark = pytest.mark.localkube


KEYS = ["APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"]
#: The plan's profile: the application's secret keys (its golive.yaml).
PLAN = {"routing": {"profile": "cpu"},
        "application_profile": {"profile": {"secret_keys": {"dev": KEYS[:1], "staging": KEYS, "prod": KEYS}}}}


class FakeTI:
    def __init__(self, request, plan):
        self.run_id, self.task_id, self.try_number, self.dag_id = "run-infra", "infrastructure.secrets", 1, "golive"
        self.pulled = {"start.validate_request": request, "start.plan": plan}

    def xcom_pull(self, task_ids):
        return self.pulled.get(task_ids)


def run(op, request, plan=PLAN):
    return op.execute({"ti": FakeTI(request, plan)})


def test_kubernetes_secret_is_created_kept_and_never_returned(kpo_env, golive_home):
    request = {"application": "shop", "environment": "staging", "namespace": "infra-test"}
    op = SecretsProvisionOperator(task_id="secrets", request_task_id="start.validate_request")
    first = run(op, request)
    assert first["location"] == "infra-test/shop-secrets"
    assert first["generated"] == ["APP_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"]
    core = kpo_env.core_v1()
    secret = core.read_namespaced_secret("shop-secrets", "infra-test")
    stored = {k: base64.b64decode(v).decode() for k, v in secret.data.items()}
    assert all(len(v) >= 32 for v in stored.values())
    assert not any(v in json.dumps(first) for v in stored.values())
    second = run(op, request)
    assert second["generated"] == []
    again = core.read_namespaced_secret("shop-secrets", "infra-test")
    assert again.data == secret.data  # a retry never rotates
    keys = LedgerHook().get_conn().secret_keys("shop", "staging")
    assert [k["key"] for k in keys] == ["APP_SECRET_KEY", "POSTGRES_PASSWORD", "REDIS_PASSWORD"]
    assert not any(v in json.dumps(keys, default=str) for v in stored.values())


class FakeSecretManagerHook:
    """In-memory stand-in with GoogleCloudSecretManagerHook's method signatures (no GCP here)."""

    store: ClassVar[dict[str, list[bytes]]] = {}

    def __init__(self, gcp_conn_id):
        self.project_id = "demo-project"

    def secret_exists(self, project_id, secret_id, location=None):
        return secret_id in self.store

    def access_secret(self, project_id, secret_id, secret_version="latest", **_):
        return SimpleNamespace(payload=SimpleNamespace(data=self.store[secret_id][-1]))

    def create_secret(self, project_id, secret_id, secret=None, **_):
        assert secret["replication"] == {"automatic": {}}
        self.store[secret_id] = []

    def add_secret_version(self, project_id, secret_id, secret_payload=None, **_):
        self.store[secret_id].append(secret_payload["data"])


def test_gcp_secret_manager_backend(monkeypatch, golive_home):
    import airflow.providers.google.cloud.hooks.secret_manager as sm

    monkeypatch.setattr(sm, "GoogleCloudSecretManagerHook", FakeSecretManagerHook)
    FakeSecretManagerHook.store = {}
    op = SecretsProvisionOperator(task_id="secrets", request_task_id="start.validate_request",
                                  backend="gcp-secret-manager")
    request = {"application": "shop", "environment": "prod", "namespace": "apps"}
    out = run(op, request)
    assert out["location"] == "projects/demo-project/secrets/golive-shop-prod-*"
    assert sorted(FakeSecretManagerHook.store) == ["golive-shop-prod-app_secret_key",
                                                    "golive-shop-prod-postgres_password",
                                                    "golive-shop-prod-redis_password"]
    assert run(op, request)["generated"] == []
    assert all(len(v) == 1 for v in FakeSecretManagerHook.store.values())  # no new version on re-run


def test_an_application_without_secret_keys_gets_no_secret(kpo_env, golive_home):
    request = {"application": "lib", "environment": "prod", "namespace": "infra-none"}
    op = SecretsProvisionOperator(task_id="secrets", request_task_id="start.validate_request")
    out = run(op, request, plan={"routing": {"profile": "cpu"}, "application_profile": {"profile": {}}})
    assert out["keys"] == [] and out["generated"] == []
    assert "infra-none" not in [n.metadata.name for n in kpo_env.core_v1().list_namespace().items]


def test_unknown_backend_is_a_clear_error(golive_home):
    op = SecretsProvisionOperator(task_id="secrets", request_task_id="x", backend="vault")
    with pytest.raises(ValueError, match="unknown secrets backend 'vault'"):
        op.store_for({"application": "a", "environment": "dev", "namespace": "n"})
