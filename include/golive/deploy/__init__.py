"""Deployment strategies of the sample-app chart: rolling, blue-green and canary.

``common`` holds the pure parts (names, values, replica math, rendering, HTTP checks), ``cluster``
the Kubernetes view the strategies act through, and ``rolling`` / ``bluegreen`` / ``canary`` the
actions (deploy, promote, rollback, canary step). ``ACTIONS`` maps (strategy, action) to them; the
deployment agent (``python -m golive.agents.deployment``) is their command line.
"""

from __future__ import annotations

from collections.abc import Callable

from golive.deploy import bluegreen, canary, rolling
from golive.deploy.cluster import Cluster
from golive.deploy.common import DeployError, DeployInputError, Request, Result
from golive.deploy.status import status

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
