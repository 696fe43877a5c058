"""KubernetesSecretStoreHook against localkube: writes carry the resourceVersion they read, so a
concurrent writer's Secret is never overwritten (409 → SecretWriteConflict)."""

from __future__ import annotations

import base64

import pytest

from golive_airflow.exceptions import SecretWriteConflict
from golive_airflow.hooks.secrets import KubernetesSecretStoreHook

pytestmark = pytest.mark.localkube

LABELS = {"app.kubernetes.io/part-of": "golive"}


def test_a_stale_resource_version_is_refused_and_the_newer_secret_kept(kpo_env):
    hook = KubernetesSecretStoreHook(namespace="rv-test", name="shop-secrets")
    hook.ensure_namespace()
    assert hook.read_versioned() == ({}, None)
    hook.write({"A": "first"}, LABELS, None)
    with pytest.raises(SecretWriteConflict, match="rv-test/shop-secrets changed"):
        hook.write({"A": "second create"}, LABELS, None)  # another run created it meanwhile
    values, version = hook.read_versioned()
    assert values == {"A": "first"} and version
    core = kpo_env.core_v1()
    rival = core.read_namespaced_secret("shop-secrets", "rv-test")
    rival.data = {"A": base64.b64encode(b"rival").decode()}
    core.replace_namespaced_secret("shop-secrets", "rv-test", rival)
    with pytest.raises(SecretWriteConflict):
        hook.write({"A": "stale"}, LABELS, version)
    assert hook.read() == {"A": "rival"}
    _, newer = hook.read_versioned()
    hook.write({"A": "rival", "B": "added"}, LABELS, newer)
    assert hook.read() == {"A": "rival", "B": "added"}
