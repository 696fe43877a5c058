"""SecretsProvisionOperator's decisions against a store that races and holds weak values: an existing
value is never regenerated, every write names the version it read, a lost race re-reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from golive_airflow.exceptions import SecretWriteConflict, WeakSecretValues
from golive_airflow.hooks.secrets import SecretStoreHook
from golive_airflow.operators.infrastructure import WRITE_ATTEMPTS, SecretsProvisionOperator

KEYS = ["APP_SECRET_KEY", "POSTGRES_PASSWORD"]
PLAN = {"routing": {"profile": "cpu"}, "application_profile": {"profile": {"secret_keys": KEYS}}}
WEAK = "postgres"  # the password a database was initialised with


class VersionedStore(SecretStoreHook):
    """A store with a version counter; ``rival`` writes (another run) land between a read and a write."""

    backend, location = "memory", "memory/shop-secrets"

    def __init__(self, values: dict[str, str] | None = None, rivals: list[dict[str, str]] | None = None) -> None:
        super().__init__()
        self.values, self.version = dict(values or {}), 1 if values else None
        self.rivals = list(rivals or [])
        self.writes: list[tuple[str | None, dict[str, str]]] = []

    def read_versioned(self) -> tuple[dict[str, str], str | None]:
        snapshot = (dict(self.values), None if self.version is None else str(self.version))
        if self.rivals:  # another writer gets in after this read
            self.values.update(self.rivals.pop(0))
            self.version = (self.version or 0) + 1
        return snapshot

    def write(self, values: Mapping[str, str], labels: Mapping[str, str], version: str | None = None) -> None:
        self.writes.append((version, dict(values)))
        if (None if self.version is None else str(self.version)) != version:
            raise SecretWriteConflict(f"{self.location} changed")
        self.values, self.version = dict(values), (self.version or 0) + 1


class FakeTI:
    run_id, task_id, try_number, dag_id = "run-infra", "infrastructure.secrets", 1, "golive"

    def __init__(self, environment: str) -> None:
        self.pulled = {"start.validate_request": {"application": "shop", "environment": environment,
                                                  "namespace": "apps"}, "start.plan": PLAN}

    def xcom_pull(self, task_ids: str) -> Any:
        return self.pulled.get(task_ids)


def run(store: VersionedStore, environment: str = "dev") -> dict[str, Any]:
    op = SecretsProvisionOperator(task_id="secrets", request_task_id="start.validate_request")
    op.store_for = lambda request, keys=(): store  # type: ignore[method-assign]
    result: dict[str, Any] = op.execute({"ti": FakeTI(environment)})
    return result


def test_a_weak_existing_value_is_kept_and_reported_outside_prod(golive_home):
    store = VersionedStore({"POSTGRES_PASSWORD": WEAK})
    summary = run(store, "staging")
    assert store.values["POSTGRES_PASSWORD"] == WEAK
    assert summary["weak"] == ["POSTGRES_PASSWORD"] and summary["generated"] == ["APP_SECRET_KEY"]
    assert WEAK not in str(summary)


def test_a_weak_existing_value_fails_prod_naming_the_key_never_the_value(golive_home):
    store = VersionedStore({"POSTGRES_PASSWORD": WEAK})
    with pytest.raises(WeakSecretValues, match="POSTGRES_PASSWORD must be at least 32") as info:
        run(store, "prod")
    assert WEAK not in str(info.value)
    assert store.values["POSTGRES_PASSWORD"] == WEAK


def test_every_write_names_the_version_it_read_and_a_lost_race_keeps_the_rivals_values(golive_home):
    rival = {"APP_SECRET_KEY": "R" * 8 + "ivalStrongValue0123456789abcdefXYZ"}
    store = VersionedStore(rivals=[rival])
    summary = run(store)
    assert [v for v, _ in store.writes] == [None, "1"]  # create lost to the rival, then replace at its version
    assert store.values["APP_SECRET_KEY"] == rival["APP_SECRET_KEY"]  # the rival's value is not overwritten
    assert summary["generated"] == ["POSTGRES_PASSWORD"]


def test_a_store_that_keeps_changing_fails_without_overwriting(golive_home):
    store = VersionedStore(rivals=[{"OTHER": str(i)} for i in range(WRITE_ATTEMPTS)])
    with pytest.raises(SecretWriteConflict, match=f"{WRITE_ATTEMPTS} attempts"):
        run(store)
    assert len(store.writes) == WRITE_ATTEMPTS and "APP_SECRET_KEY" not in store.values
