"""Contract test: the API calls KubernetesPodOperator makes are exactly the ones localkube serves.

Runs KPO (sync with XCom, sync failing, deferrable with XCom, deferrable unschedulable) against a
dedicated localkube, then checks every recorded call against include/localkube/kpo_contract.json.
A provider upgrade that adds an endpoint or a query parameter — or a call localkube answers with
404/405/501 — fails here with the call named.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import pytest

from localkube import LocalKube
from localkube.contract import load_contract, observed, unused, violations
from localkube.kpo import run_operator
from localkube.server import Call

pytestmark = [pytest.mark.localkube, pytest.mark.airflow]


def _scenarios() -> list:
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import models as k8s

    fast = {"image": "golive-agents:test", "startup_check_interval_seconds": 1, "poll_interval": 0.2}
    xcom = "from golive.runtime import write_xcom; print('ok'); write_xcom({'ok': True})"
    gpu = k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"})
    return [
        KubernetesPodOperator(task_id="sync-xcom", cmds=["python", "-c", xcom], do_xcom_push=True, **fast),
        KubernetesPodOperator(task_id="sync-fail", cmds=["python", "-c", "raise SystemExit(3)"],
                              log_events_on_failure=True, **fast),
        KubernetesPodOperator(task_id="deferred-xcom", cmds=["python", "-c", xcom], do_xcom_push=True,
                              deferrable=True, **fast),
        KubernetesPodOperator(task_id="deferred-gpu", cmds=["python", "-c", "print(1)"], container_resources=gpu,
                              startup_timeout_seconds=1, deferrable=True, **fast),
    ]


def test_kpo_calls_match_the_contract(localkube_factory: Callable[..., LocalKube],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    kube = localkube_factory()
    monkeypatch.setenv("AIRFLOW_CONN_KUBERNETES_DEFAULT", kube.connection_uri())
    for operator in _scenarios():
        try:
            run_operator(operator)
        except Exception as exc:  # the failing scenarios are meant to fail
            if operator.task_id not in ("sync-fail", "deferred-gpu"):
                raise
            assert "returned a failure" in str(exc)
    calls = kube.calls
    contract = load_contract()
    installed = version("apache-airflow-providers-cncf-kubernetes")
    problems = violations(calls, contract)
    assert not problems, (
        f"KPO {installed} (contract recorded for {contract['version']}) made calls localkube's contract does "
        f"not allow:\n  " + "\n  ".join(problems) + f"\nobserved: {observed(calls)}")
    assert not unused(calls, contract), f"contract entries no scenario exercised: {unused(calls, contract)}"


def test_checker_flags_unknown_and_unserved_calls() -> None:
    contract = load_contract()
    calls = [Call("GET", "/api/v1/namespaces/{namespace}/pods/{name}", (), 200),
             Call("GET", "/api/v1/namespaces/{namespace}/pods/{name}/log", ("container", "sinceTime"), 200),
             Call("POST", "/api/v1/namespaces/{namespace}/pods/{name}/eviction", (), 501),
             Call("GET", "/api/v1/namespaces/{namespace}/pods/{name}", (), 404)]
    problems = violations(calls, contract)
    assert any("['sinceTime']" in p for p in problems)
    assert any("eviction is not in the contract" in p for p in problems)
    assert any("eviction was answered 501" in p for p in problems)
    assert any("pods/{name} was answered 404" in p for p in problems)
    assert "POST /api/v1/namespaces/{namespace}/pods" in unused(calls, contract)
