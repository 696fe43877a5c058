"""golive creates the namespaces it needs, or says which permission it lacks."""

from __future__ import annotations

import pytest
from kubernetes.client import CoreV1Api
from kubernetes.client.exceptions import ApiException

from golive.kube.client import KubeError
from golive.kube.namespaces import ensure_namespace


class Refusing:
    """A CoreV1Api whose identity may read but not create namespaces (or may not even read)."""

    def __init__(self, read_status: int, create_status: int) -> None:
        self.read_status, self.create_status = read_status, create_status

    def read_namespace(self, name):
        raise ApiException(status=self.read_status, reason="Forbidden" if self.read_status == 403 else "Not Found")

    def create_namespace(self, body):
        raise ApiException(status=self.create_status, reason="Forbidden")


@pytest.mark.localkube
def test_a_missing_namespace_is_created_once(localkube):
    core = CoreV1Api(localkube.api_client())
    assert ensure_namespace(core, "fresh-agents") is True
    labels = core.read_namespace("fresh-agents").metadata.labels
    assert labels["app.kubernetes.io/part-of"] == "golive"
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"  # as charts/golive's workload namespace
    assert ensure_namespace(core, "fresh-agents") is False


def test_no_create_permission_names_the_namespace_and_the_permission():
    with pytest.raises(KubeError, match=r"namespace 'golive' does not exist.*'create' on resource 'namespaces'"):
        ensure_namespace(Refusing(404, 403), "golive")


def test_no_read_permission_goes_on_and_a_concurrent_create_is_fine():
    assert ensure_namespace(Refusing(403, 403), "golive") is False
    assert ensure_namespace(Refusing(404, 409), "golive") is False
