"""Checkpoints of a release train and the plan that rolls a failed phase back to one.

Before each phase the train records what every application of the manifest runs: its stable
Deployment's revision and version, or nothing when it is not deployed (:func:`capture`). When a phase
fails, that phase and every later one go back to the phase's checkpoint (:func:`rollback_plan`): an
application whose revision moved is restored to the recorded revision through the rolling
strategy's own rollback (``kubectl rollout undo --to-revision``, then verified), one that was not
deployed at the checkpoint is removed, one that did not move is left alone (:func:`execute`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from golive.deploy import Request
from golive.deploy.cluster import Cluster
from golive.deploy.ops import delete_release, workload_name
from golive.deploy.strategies import rolling

__all__ = ["Live", "RollbackStep", "capture", "execute", "rollback_plan"]

VARIANT = rolling.VARIANT


@dataclass(frozen=True)
class Live:
    """What one application runs: its stable Deployment, revision and version."""

    deployment: str
    revision: int | None
    version: str | None


def capture(cluster: Cluster, applications: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """Each application's live revision (None: not deployed), as the ledger's checkpoint records it."""
    state: dict[str, dict[str, Any] | None] = {}
    for app in applications:
        name = workload_name(cluster, app, VARIANT)
        info = cluster.deployment(name)
        state[app] = None if info is None else asdict(Live(name, info.revision, info.version))
    return state


@dataclass(frozen=True)
class RollbackStep:
    """What the rollback does to one application: ``restore`` to ``to_revision``, ``remove`` it, or ``keep`` it."""

    application: str
    action: Literal["restore", "remove", "keep"]
    reason: str
    to_revision: int | None = None
    to_version: str | None = None
    from_revision: int | None = None
    from_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The step as the ledger and the report show it."""
        return asdict(self)


def rollback_plan(checkpoint: Mapping[str, Mapping[str, Any] | None], current: Mapping[str, Mapping[str, Any] | None],
                  applications: Iterable[str]) -> list[RollbackStep]:
    """The steps that bring ``applications`` (the failed phase's and every later phase's) back to
    ``checkpoint``; ``current`` is what they run now (:func:`capture` both)."""
    steps = []
    for app in applications:
        then, now = checkpoint.get(app), current.get(app)
        now_rev = now.get("revision") if now else None
        now_ver = now.get("version") if now else None
        if then is None and now is None:
            steps.append(RollbackStep(app, "keep", "not deployed at the checkpoint and not deployed now"))
        elif then is None:
            steps.append(RollbackStep(app, "remove", f"not deployed at the checkpoint; now runs {now_ver} "
                                                     f"(revision {now_rev}): removed", from_revision=now_rev,
                                      from_version=now_ver))
        elif now is None:
            steps.append(RollbackStep(app, "keep", f"ran {then.get('version')} (revision {then.get('revision')}) at "
                                                   "the checkpoint but is not deployed now: nothing to restore from",
                                      to_revision=then.get("revision"), to_version=then.get("version")))
        elif now_rev == then.get("revision") or now_ver == then.get("version"):
            # an undo puts the old template back under a new revision number: the version tells
            steps.append(RollbackStep(app, "keep", f"runs the checkpoint's version {now_ver} (revision {now_rev})",
                                      to_revision=now_rev, to_version=now_ver, from_revision=now_rev,
                                      from_version=now_ver))
        else:
            steps.append(RollbackStep(app, "restore", f"revision {now_rev} ({now_ver}) → the checkpoint's revision "
                                                      f"{then.get('revision')} ({then.get('version')})",
                                      to_revision=then.get("revision"), to_version=then.get("version"),
                                      from_revision=now_rev, from_version=now_ver))
    return steps


def execute(cluster: Cluster, step: RollbackStep, *, namespace: str, reason: str, timeout: float = 300.0,
            settle: float = 20.0) -> dict[str, Any]:
    """Carry ``step`` out; the outcome (``ok``, what was done, the checks) for the ledger."""
    outcome: dict[str, Any] = {**step.as_dict(), "ok": True}
    if step.action == "restore":
        req = Request(app=step.application, namespace=namespace, strategy=rolling.STRATEGY,
                      version=step.from_version, to_revision=step.to_revision, reason=reason, timeout=timeout,
                      settle=settle)
        result = rolling.rollback(cluster, req)
        outcome.update(ok=result.ok and result.payload.get("to_revision") is not None,
                       detail=result.payload, error=result.payload.get("error"))
        restored = result.payload.get("restored_revision")
        if result.ok and restored is not None and restored != step.to_revision:
            outcome.update(ok=False, error=f"restored revision {restored}, not the checkpoint's {step.to_revision}")
    elif step.action == "remove":
        deleted = delete_release(cluster, step.application, VARIANT)
        gone = cluster.deployment(workload_name(cluster, step.application, VARIANT)) is None
        outcome.update(ok=gone, detail={"deleted": deleted},
                       error=None if gone else f"{step.application} could not be removed")
    return outcome
