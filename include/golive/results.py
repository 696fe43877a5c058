"""Agent results that always travel: validated against their schema, JSON-safe and bounded.

An agent pod hands its result to Airflow through KubernetesPodOperator's XCom sidecar; the task SDK
then sends it to the supervisor as msgpack, which refuses integers outside 64 bits (Hypothesis'
128-bit seeds), and the metadata database stores it as JSON, which has no NaN. ``travel_safe`` makes
any payload fit both: integers beyond 64 bits become strings, NaN and infinities become null, tuples
and sets become lists, other objects their text, and strings and lists are cut to bounded sizes
(halved until the whole document fits ``MAX_BYTES``). What was cut is listed, never hidden.

The schemas here are what each agent's pod returns (``golive.models.AnalyzerResult`` for one
analyzer); ``prepare`` (called by ``runtime.write_xcom``) validates a payload against its schema
before anything is written, so a malformed result fails in the pod that made it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from golive.models import Verdict
from golive.patterns import COMMIT_PATTERN

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_BYTES = 512 * 1024
MAX_STRING = 4000
MAX_ITEMS = 500
TRUNCATED_KEY = "xcom_truncated"


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class GateOutcome(BaseModel):
    """A gate agent's verdict (``verify`` / ``scan`` / ``gate``) and where the ledger keeps it."""

    model_config = ConfigDict(extra="allow")
    verdict: Verdict
    evaluation_id: int | None = None


class PlannedRouting(_Open):
    """``golive.routing.RoutingDecision`` as the plan result carries it."""

    ml_score: float
    profile: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    reason: str = ""


class PlanResult(_Open):
    """The orchestrator's go-live plan."""

    agent: str
    action: str
    commit: str = Field(pattern=rf"^(?:{COMMIT_PATTERN})$")
    routing: PlannedRouting


class DeploymentResult(_Open):
    """What a deploy, promote, canary step or rollback did (the fields later steps read)."""

    agent: str
    ok: bool
    action: str | None = None
    application: str | None = None
    strategy: str | None = None
    error: str | None = None


class MonitoringSummary(_Open):
    """What the monitoring agent rendered, validated and applied."""

    valid: bool
    applied: list[str] = Field(default_factory=list)



class FeedbackValidationResult(_Open):
    """What the feedback agent's ``validate`` found: each batch accepted or to quarantine, with why."""

    batches: list[dict[str, Any]]
    errors: list[dict[str, Any]] = Field(default_factory=list)


class FeedbackInsightsResult(_Open):
    """The insights reports the feedback agent's ``analyze`` wrote, one per application."""

    reports: list[dict[str, Any]]

def _bounded_text(text: str, limit: int, path: str, cut: list[str]) -> str:
    if len(text) <= limit:
        return text
    cut.append(f"{path}: {len(text)} characters, kept {limit}")
    return text[:limit] + f"… [{len(text) - limit} more characters]"


def _safe(value: Any, path: str, max_items: int, max_string: int, cut: list[str]) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return _bounded_text(value, max_string, path, cut)
    if isinstance(value, BaseModel):
        return _safe(value.model_dump(mode="json"), path, max_items, max_string, cut)
    if isinstance(value, dict):
        return {str(k): _safe(v, f"{path}.{k}", max_items, max_string, cut) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else list(value)
        if len(items) > max_items:
            cut.append(f"{path}: {len(items)} items, kept {max_items}")
            items = items[:max_items]
        return [_safe(v, f"{path}[{i}]", max_items, max_string, cut) for i, v in enumerate(items)]
    return _bounded_text(str(value), max_string, path, cut)


def travel_safe(payload: Any, *, max_bytes: int = MAX_BYTES) -> tuple[Any, list[str]]:
    """``payload`` as JSON-safe data within ``max_bytes``, and what had to be cut (path: how much)."""
    max_items, max_string = MAX_ITEMS, MAX_STRING
    while True:
        cut: list[str] = []
        safe = _safe(payload, "$", max_items, max_string, cut)
        size = len(json.dumps(safe, allow_nan=False).encode())
        if size <= max_bytes or (max_items <= 1 and max_string <= 64):
            return safe, cut
        max_items, max_string = max(1, max_items // 2), max(64, max_string // 2)


def travel_safe_result(payload: Any, *, max_bytes: int = MAX_BYTES) -> Any:
    """``travel_safe`` with the list of cuts recorded in the result (its ``details`` when it has them)."""
    safe, cut = travel_safe(payload, max_bytes=max_bytes)
    if cut and isinstance(safe, dict):
        holder = safe["details"] if isinstance(safe.get("details"), dict) else safe
        cut.sort(key=lambda line: "items, kept" not in line)  # lists cut first: they lose whole entries
        holder[TRUNCATED_KEY] = cut[:20] + ([f"… {len(cut) - 20} more"] if len(cut) > 20 else [])
    return safe


def validated(payload: Any, schema: type[BaseModel]) -> dict[str, Any]:
    """``payload`` checked against ``schema``; returns it as plain data (pydantic's ValidationError if not)."""
    model = payload if isinstance(payload, schema) else schema.model_validate(payload)
    # a dict is kept as given (what travel_safe then cuts is listed); anything else becomes its schema's data
    return payload if isinstance(payload, dict) else model.model_dump(mode="json")


def prepare(payload: Any, schema: type[BaseModel] | None) -> Any:
    """What a pod writes as its XCom return value: validated (when a schema is given) and travel-safe."""
    data = validated(payload, schema) if schema is not None else payload
    return travel_safe_result(data)


__all__ = ["DeploymentResult", "GateOutcome", "MonitoringSummary", "PlanResult",
           "prepare", "travel_safe", "travel_safe_result", "validated"]
