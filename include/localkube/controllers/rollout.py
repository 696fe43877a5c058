"""Pure functions of the Deployment controller, as kube-controller-manager computes them.

* :func:`pod_template_hash` — the ``pod-template-hash`` label (FNV-1a 32 of the template, plus the
  collision count, encoded with Kubernetes' ``SafeEncodeString`` alphabet);
* :func:`resolve_fenceposts` — ``maxSurge`` (rounded up) and ``maxUnavailable`` (rounded down)
  from ints or percentages, with unavailable forced to 1 when both are 0;
* :func:`new_rs_replicas` and :func:`max_scale_down` — how far one RollingUpdate step may scale
  the new ReplicaSet up and the old ones down;
* :func:`equal_ignore_hash` — whether a ReplicaSet's template is the Deployment's.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"


def fnv1a_32(data: bytes) -> int:
    """FNV-1a, 32 bits."""
    value = 0x811C9DC5
    for byte in data:
        value ^= byte
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def safe_encode(text: str) -> str:
    """Kubernetes' ``rand.SafeEncodeString``: no vowels, no confusable characters."""
    return "".join(_ALPHANUMS[ord(ch) % len(_ALPHANUMS)] for ch in text)


def strip_hash(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pod template without the ``pod-template-hash`` label."""
    clean = copy.deepcopy(template or {})
    labels = (clean.get("metadata") or {}).get("labels")
    if labels is not None:
        labels.pop(HASH_LABEL, None)
    return clean


def pod_template_hash(template: dict[str, Any], collision_count: int | None = None) -> str:
    """The ``pod-template-hash`` of a template (stable for equal templates)."""
    data = json.dumps(strip_hash(template), sort_keys=True, separators=(",", ":")).encode()
    if collision_count:
        data += str(collision_count).encode()
    return safe_encode(str(fnv1a_32(data)))


def equal_ignore_hash(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two pod templates are equal once their hash labels are removed."""
    return strip_hash(a) == strip_hash(b)


def scaled_value(value: int | str | None, total: int, round_up: bool) -> int:
    """An int-or-percent against ``total`` (``"25%"`` of 10 is 3 rounded up, 2 rounded down)."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.endswith("%"):
        exact = int(text[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(text)


def resolve_fenceposts(max_surge: int | str | None, max_unavailable: int | str | None,
                       desired: int) -> tuple[int, int]:
    """``(maxSurge, maxUnavailable)`` as pod counts; unavailable is 1 when both would be 0."""
    surge = scaled_value(max_surge, desired, round_up=True)
    unavailable = scaled_value(max_unavailable, desired, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def new_rs_replicas(desired: int, max_surge: int, total_current: int, new_current: int) -> int:
    """The new ReplicaSet's next size in a RollingUpdate (never beyond ``desired``).

    ``total_current`` is the sum of ``spec.replicas`` over every ReplicaSet of the Deployment.
    """
    if new_current >= desired:
        return desired
    max_total = desired + max_surge
    if total_current >= max_total:
        return new_current
    scale_up = min(max_total - total_current, desired - new_current)
    return new_current + scale_up


def max_scale_down(desired: int, max_unavailable: int, all_pods: int, new_spec: int, new_available: int) -> int:
    """How many old pods may go now: total minus the minimum available minus unavailable new pods."""
    min_available = desired - max_unavailable
    new_unavailable = new_spec - new_available
    return max(all_pods - min_available - new_unavailable, 0)


def revision_of(obj: dict[str, Any]) -> int:
    """The ``deployment.kubernetes.io/revision`` annotation as an int (0 when absent)."""
    raw = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION, "0")
    try:
        return int(raw)
    except ValueError:
        return 0
