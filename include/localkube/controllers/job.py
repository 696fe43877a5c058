"""The Job controller: runs pods to completion.

``completions`` successful pods complete the Job (conditions ``SuccessCriteriaMet`` and
``Complete``, ``completionTime``); more failures than ``backoffLimit`` (failed pods, plus container
restarts under ``restartPolicy: OnFailure``) fail it (``FailureTarget`` and ``Failed``, reason
``BackoffLimitExceeded``), as does ``activeDeadlineSeconds`` (``DeadlineExceeded``). At most
``parallelism`` pods run at once; a failed pod is replaced after an exponential back-off (the
kubelet's restart back-off, doubled per failure). ``suspend`` deletes the active pods;
``ttlSecondsAfterFinished`` deletes a finished Job (and, through the garbage collector, its pods).
"""

from __future__ import annotations

import time

from localkube.controllers.base import (
    Context,
    Controller,
    Key,
    Obj,
    condition,
    is_active,
    is_ready,
    is_terminating,
    pod_from_template,
    pod_owned,
    pod_phase,
    set_condition,
)
from localkube.errors import ApiError
from localkube.events import NORMAL, WARNING
from localkube.resources import JOBS
from localkube.store import PODS
from localkube.timeutil import parse_rfc3339, rfc3339

_COMPONENT = "job-controller"


def _finished(job: Obj) -> Obj | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return cond
    return None


def _restarts(spec: Obj, active: list[Obj]) -> int:
    """Container restarts of the active pods, which count as failures under ``restartPolicy: OnFailure``."""
    if (spec.get("template") or {}).get("spec", {}).get("restartPolicy") != "OnFailure":
        return 0
    return sum(int(c.get("restartCount", 0)) for p in active
               for c in (p.get("status") or {}).get("containerStatuses") or [])


def _outcome(spec: Obj, succeeded: int, failures: int, start: str, now: float) -> tuple[str, str, str] | None:
    """``(condition, reason, message)`` when the Job is done now, else None."""
    deadline = spec.get("activeDeadlineSeconds")
    if succeeded >= int(spec.get("completions") or 1):
        return ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
    if failures > int(spec.get("backoffLimit", 6)):
        return ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    if deadline is not None and not spec.get("suspend") and now - parse_rfc3339(start) > int(deadline):
        return ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
    return None


def _job_status(start: str, active: list[Obj], succeeded: int, failed: int, conditions: list[Obj], *,
                completion_time: str | None) -> Obj:
    status: Obj = {"startTime": start, "active": len(active), "succeeded": succeeded, "failed": failed,
                   "ready": sum(1 for p in active if is_ready(p)), "terminating": 0,
                   "uncountedTerminatedPods": {}}
    if conditions:
        status["conditions"] = conditions
    if completion_time is not None:
        status["completionTime"] = completion_time
    for field in ("active", "succeeded", "failed"):
        if not status[field]:
            del status[field]
    return status


class JobController(Controller):
    """Reconciles Jobs."""

    name = _COMPONENT
    primary = JOBS

    def __init__(self, ctx: Context, delete_object: object = None) -> None:
        super().__init__(ctx)
        self._delete_object = delete_object
        self._failures_seen: dict[str, int] = {}
        self._not_before: dict[str, float] = {}
        ctx.store.subscribe(JOBS, lambda change: self.enqueue_obj(change.obj))
        ctx.store.subscribe(PODS, lambda change: self.enqueue_owner(change.obj, "Job"))

    async def sync(self, key: Key) -> None:
        namespace, name = key
        job = self.store.find(JOBS, namespace, name)
        if job is None or is_terminating(job):
            return
        uid = job["metadata"]["uid"]
        spec, old = job.get("spec") or {}, job.get("status") or {}
        now = time.time()
        done = _finished(job)
        if done is not None:
            await self._expire(key, spec, old.get("completionTime") or done.get("lastTransitionTime"), now)
            return
        pods = pod_owned(self.store, job)
        active = [p for p in pods if is_active(p)]
        succeeded = sum(1 for p in pods if pod_phase(p) == "Succeeded")
        failed = sum(1 for p in pods if pod_phase(p) == "Failed")
        failures = failed + _restarts(spec, active)
        if failures > self._failures_seen.get(uid, 0):
            delay = min(self.ctx.restart_backoff_seconds * 2 ** (failures - 1), 360.0)
            self._not_before[uid] = now + delay
        self._failures_seen[uid] = failures
        start = old.get("startTime") or rfc3339(now)
        conditions = list(old.get("conditions") or [])
        stamp = rfc3339(now)
        outcome = _outcome(spec, succeeded, failures, start, now)
        if outcome is not None or spec.get("suspend"):
            for pod in active:
                await self.ctx.delete_pod(namespace, pod["metadata"]["name"])
            active = []
        if outcome is not None:
            conditions = self._finish(job, conditions, outcome, stamp)
        elif spec.get("suspend"):
            conditions = set_condition(conditions, {"type": "Suspended", "status": "True", "reason": "JobSuspended",
                                                    "message": "Job suspended", "lastProbeTime": stamp}, stamp)
        else:
            if condition(conditions, "Suspended") is not None:
                conditions = set_condition(conditions, {"type": "Suspended", "status": "False",
                                                        "reason": "JobResumed", "message": "Job resumed",
                                                        "lastProbeTime": stamp}, stamp)
            completions, parallelism = int(spec.get("completions") or 1), int(spec.get("parallelism", 1))
            want = min(parallelism, completions - succeeded) - len(active)
            if want > 0 and now >= self._not_before.get(uid, 0.0) and self.may_create(key):
                active += self._create_pods(key, job, spec, want)
        completed = outcome is not None and outcome[0] == "Complete"
        status = _job_status(start, active, succeeded, failed, conditions,
                             completion_time=(old.get("completionTime") or stamp) if completed else None)

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.update(JOBS, namespace, name, write)

    async def _expire(self, key: Key, spec: Obj, finished_at: str | None, now: float) -> None:
        """Delete a finished Job once its ``ttlSecondsAfterFinished`` has passed."""
        ttl = spec.get("ttlSecondsAfterFinished")
        if ttl is not None and finished_at and now - parse_rfc3339(finished_at) >= int(ttl) and self._delete_object:
            await self._delete_object(JOBS, *key)  # type: ignore[operator]

    def _finish(self, job: Obj, conditions: list[Obj], outcome: tuple[str, str, str], stamp: str) -> list[Obj]:
        """Set the outcome's two conditions and record its event."""
        kind, reason, message = outcome
        first = "SuccessCriteriaMet" if kind == "Complete" else "FailureTarget"
        for type_ in (first, kind):
            conditions = set_condition(conditions, {"type": type_, "status": "True", "reason": reason,
                                                    "message": message, "lastProbeTime": stamp}, stamp)
        self.ctx.events.record(job, NORMAL if kind == "Complete" else WARNING,
                               "Completed" if kind == "Complete" else reason,
                               "Job completed" if kind == "Complete" else message, component=_COMPONENT)
        return conditions

    def _create_pods(self, key: Key, job: Obj, spec: Obj, want: int) -> list[Obj]:
        """Create up to ``want`` pods from the template (stops at the first refusal, recording it and backing off)."""
        created: list[Obj] = []
        for _ in range(want):
            try:
                pod = self.ctx.create_pod(pod_from_template(job, spec.get("template") or {}))
            except ApiError as exc:
                self.create_refused(key)
                self.ctx.events.record(job, WARNING, "FailedCreate", f"Error creating: {exc.message}",
                                       component=_COMPONENT)
                break
            self.create_succeeded(key)
            created.append(pod)
            self.ctx.events.record(job, NORMAL, "SuccessfulCreate",
                                   f"Created pod: {pod['metadata']['name']}", component=_COMPONENT)
        return created
