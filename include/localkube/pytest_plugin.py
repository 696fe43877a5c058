"""pytest fixtures for tests that need Kubernetes: ``localkube``, ``localkube_factory``, ``kpo_env``.

Registered for the whole suite by ``tests/conftest.py`` (``pytest_plugins = ["localkube.pytest_plugin"]``).
Importing this module is cheap; the server starts only when a test asks for a fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from localkube.kubeconfig import connection_uri

if TYPE_CHECKING:
    from localkube.cluster import LocalKube


@pytest.fixture(scope="session")
def localkube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKube]:
    """A started LocalKube shared by the session, with ``.url`` and ``.kubeconfig`` (a written file).

    Besides ``default`` it has the ``golive`` namespace, where golive's AgentPodOperator runs pods,
    enforcing Pod Security "restricted" as golive's namespaces do on a cluster.
    """
    from localkube.cluster import LocalKube
    from localkube.podsecurity import ENFORCE_LABEL

    base = tmp_path_factory.mktemp("localkube")
    cluster = LocalKube(state_dir=base / "state", restart_backoff_seconds=0.5,
                        namespace_labels={"golive": {ENFORCE_LABEL: "restricted"}})
    cluster.start()
    cluster.write_kubeconfig(base / "kubeconfig")
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def localkube_factory(tmp_path: Any) -> Iterator[Callable[..., LocalKube]]:
    """Start extra LocalKube instances (e.g. ``localkube_factory(gpus=1)``); stopped after the test."""
    from localkube.cluster import LocalKube

    started: list[LocalKube] = []

    def make(**kwargs: Any) -> LocalKube:
        index = len(started)
        kwargs.setdefault("state_dir", tmp_path / f"localkube-{index}")
        kwargs.setdefault("restart_backoff_seconds", 0.5)
        cluster = LocalKube(**kwargs).start()
        cluster.write_kubeconfig(tmp_path / f"kubeconfig-{index}")
        started.append(cluster)
        return cluster

    try:
        yield make
    finally:
        for cluster in started:
            cluster.stop()


@pytest.fixture
def kpo_env(localkube: LocalKube, monkeypatch: pytest.MonkeyPatch) -> LocalKube:
    """Point Airflow's ``kubernetes_default`` connection at the session's localkube."""
    kubeconfig = localkube.kubeconfig or localkube.write_kubeconfig()
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", connection_uri(kubeconfig))
    return localkube
