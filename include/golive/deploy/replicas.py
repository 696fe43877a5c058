"""Replica math of a canary: replicas for a traffic weight, and the weight replica counts give."""

from __future__ import annotations

import math

from golive.deploy.errors import DeployInputError

__all__ = ["canary_replicas", "effective_weight"]


def canary_replicas(weight: float, stable_replicas: int) -> int:
    """Canary replicas that give it about ``weight`` percent of the traffic next to ``stable_replicas``.

    Traffic splits by replica ratio (the Service selects both tracks), so for a fraction
    ``w = weight/100`` below 1 the canary gets ``max(1, round(w·s/(1−w)))`` replicas (halves round
    up); at 100 % it gets as many as stable.

    :raises DeployInputError: a weight outside (0, 100] or a stable count below 1.
    """
    if not 0 < weight <= 100 or math.isnan(weight):
        raise DeployInputError(f"canary weight must be in (0, 100] percent, got {weight:g}")
    if stable_replicas < 1:
        raise DeployInputError(f"the stable track has {stable_replicas} replicas; a canary needs a running "
                               "stable track (scale it up or deploy it first)")
    if weight >= 100:
        return stable_replicas
    # w·s/(1−w) with w = weight/100, computed as weight·s/(100−weight) so that exact halves stay exact
    exact = weight * stable_replicas / (100.0 - weight)
    return max(1, math.floor(exact + 0.5 + 1e-9))


def effective_weight(canary: int, stable: int) -> float:
    """The canary's share of the traffic in percent, ``100·c/(c+s)`` (0 without replicas)."""
    total = canary + stable
    return round(100.0 * canary / total, 2) if total > 0 else 0.0
