"""Deployment strategies of an application's chart: rolling, blue-green and canary.

=======================================  ===================================================================
module                                   what it holds
=======================================  ===================================================================
:mod:`golive.deploy.naming`              release and object names (``service_name`` …), the labels a
                                         release's Deployment is found by (``workload_selector``),
                                         ``COMPONENT``, ``MAX_APP_LENGTH``, application / version checks
:mod:`golive.deploy.release`             ``ReleaseSpec``, values (``build_values``, ``--set`` parsing,
                                         ``MANAGED_KEYS``), ``render_release``, ``workload_of``, the
                                         shipped charts (``generic_chart_dir``, ``default_chart_dir``), ``find``
:mod:`golive.deploy.target`              what the profile says to deploy (``resolve_target``: chart,
                                         values files, image, health / version paths)
:mod:`golive.deploy.replicas`            canary replica math (``canary_replicas``, ``effective_weight``)
:mod:`golive.deploy.verify`              the HTTP checks (``Check``, ``verify_service``)
:mod:`golive.deploy.actions`             an action's input and outcome (``Request``, ``Result``)
:mod:`golive.deploy.errors`              ``DeployError``, ``DeployInputError``
:mod:`golive.deploy.cluster`             the Kubernetes view the strategies act through (``Cluster``,
                                         ``KubeCluster`` on :mod:`golive.kube`, ``DeploymentInfo``, ``Rollout``)
:mod:`golive.deploy.ops`                 cluster steps every strategy takes (render, apply and wait, delete
                                         a release, verify a rollback)
:mod:`golive.deploy.status`              the ``status`` action: what is deployed
:mod:`golive.deploy.strategies`          ``rolling`` / ``bluegreen`` / ``canary``: the actions (deploy,
                                         promote, rollback, canary step)
=======================================  ===================================================================

``ACTIONS`` maps (strategy, action) to them and :func:`run` dispatches; the deployment agent
(``python -m golive.agents.deployment``) is their command line. A revision of a Deployment is
:class:`golive.kube.workloads.Revision`, a pod's readiness :func:`golive.kube.pods.pod_ready`.
"""

from __future__ import annotations

from collections.abc import Callable

from golive.deploy.actions import Request, Result
from golive.deploy.cluster import Cluster
from golive.deploy.errors import DeployError, DeployInputError
from golive.deploy.status import status
from golive.deploy.strategies import bluegreen, canary, rolling

__all__ = ["ACTIONS", "STRATEGIES", "Cluster", "DeployError", "DeployInputError", "Request", "Result", "run"]

STRATEGIES = ("rolling", "blue-green", "canary")

Action = Callable[[Cluster, Request], Result]

ACTIONS: dict[tuple[str, str], Action] = {
    ("rolling", "deploy"): rolling.deploy,
    ("rolling", "promote"): rolling.promote,
    ("rolling", "rollback"): rolling.rollback,
    ("blue-green", "deploy"): bluegreen.deploy,
    ("blue-green", "promote"): bluegreen.promote,
    ("blue-green", "rollback"): bluegreen.rollback,
    ("canary", "deploy"): canary.deploy,
    ("canary", "canary-step"): canary.step,
    ("canary", "promote"): canary.promote,
    ("canary", "rollback"): canary.rollback,
}


def run(cluster: Cluster, action: str, req: Request) -> Result:
    """Run ``action`` (deploy, canary-step, promote, rollback, status) of ``req.strategy``.

    :raises DeployInputError: the strategy has no such action (canary-step outside canary).
    """
    if action == "status":
        return status(cluster, req)
    fn = ACTIONS.get((req.strategy, action))
    if fn is None:
        raise DeployInputError(f"the {req.strategy} strategy has no {action!r} action"
                               + (" (canary-step needs --strategy canary)" if action == "canary-step" else ""))
    return fn(cluster, req)
