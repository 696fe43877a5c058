"""The API contract between KubernetesPodOperator and localkube (``kpo_contract.json``).

The contract lists every ``(method, route template)`` KPO of the pinned provider version calls,
with the query parameters each call may carry. :func:`violations` compares the calls a localkube
recorded (:attr:`LocalKube.calls`) with it: a call that is not listed, carries an unlisted
parameter, or that localkube answered with 404/405/501 is a violation — so a provider upgrade
that starts using a new endpoint or option fails the contract test instead of failing at runtime.
After checking that localkube serves a new call correctly, add it to the JSON file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CONTRACT_PATH = Path(__file__).with_name("kpo_contract.json")
UNSERVED = (404, 405, 501)


def load_contract(path: Path = CONTRACT_PATH) -> dict[str, Any]:
    """The contract document."""
    return json.loads(path.read_text(encoding="utf-8"))


def violations(calls: Iterable[Any], contract: dict[str, Any]) -> list[str]:
    """Human-readable problems with ``calls`` (objects with method, path, params, status)."""
    allowed = {(c["method"], c["path"]): set(c["params"]) for c in contract["calls"]}
    problems = []
    for call in calls:
        key = (call.method, call.path)
        if call.status in UNSERVED:
            problems.append(f"{call.method} {call.path} was answered {call.status}: localkube does not serve it")
        if key not in allowed:
            problems.append(f"{call.method} {call.path} is not in the contract (params {list(call.params)})")
        elif set(call.params) - allowed[key]:
            extra = sorted(set(call.params) - allowed[key])
            problems.append(f"{call.method} {call.path} uses parameters {extra} the contract does not list")
    return sorted(set(problems))


def unused(calls: Iterable[Any], contract: dict[str, Any]) -> list[str]:
    """Contract entries that ``calls`` never exercised (a call KPO may have stopped making)."""
    seen = {(c.method, c.path) for c in calls}
    return [f"{c['method']} {c['path']}" for c in contract["calls"] if (c["method"], c["path"]) not in seen]


def observed(calls: Iterable[Any]) -> list[dict[str, Any]]:
    """The calls as contract entries (to review and paste into the JSON file)."""
    merged: dict[tuple[str, str], set[str]] = {}
    for call in calls:
        merged.setdefault((call.method, call.path), set()).update(call.params)
    return [{"method": m, "path": p, "params": sorted(params)} for (m, p), params in sorted(merged.items())]
