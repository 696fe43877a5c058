"""The verification agent's Kubernetes analyzers: rollout, pods and logs of a Deployment.

* ``rollout``: what ``kubectl rollout status`` answers (observedGeneration, updated / total / available
  replicas against the desired count, progress deadline) plus the ``Available`` condition, waiting up to
  ``--timeout`` seconds (default 60) for the rollout to finish → ``rollout_complete``;
* ``pods``: the pods of the Deployment's current ReplicaSet (the one carrying the Deployment's
  revision), their Ready condition and restart counts → ``pods_ready_ratio`` (%) and ``pod_restarts``;
* ``logs``: those pods' logs (the last ``--log-lines`` lines of each container), lines matching
  ``\\bERROR\\b|Traceback|CRITICAL`` → ``error_log_lines``, the first lines (secrets redacted) as findings.

Kubernetes is reached through ``golive.kube`` (``load_client``: ``$KUBECONFIG`` / ``~/.kube/config``,
else the in-cluster service account; objects as JSON dicts, logs read raw). Its ``KubeError`` (API
server unreachable, 403, deployment not found) becomes a ``ToolError``: no-data, never a pass.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from golive.analyzers.base import Context
from golive.kube.client import KubeError, load_client
from golive.kube.objects import get
from golive.kube.pods import pod_logs, pod_ready, pods_for
from golive.kube.workloads import REVISION_ANNOTATION, Revision, RolloutStatus, revisions, rollout_status
from golive.models import AnalyzerResult, Finding, Measurement, Severity
from golive.sources import redact
from golive.tools import ToolError

DEFAULT_ROLLOUT_WAIT = 60.0
DEFAULT_LOG_LINES = 2000
MAX_LOG_FINDINGS = 10
ERROR_LINE = re.compile(r"\bERROR\b|Traceback|CRITICAL")


# -- secrets in log lines -----------------------------------------------------------------------------

#: ``key=value`` pairs whose key names a credential. A key starts where a word starts and is bounded, so
#: that a long log line is scanned in linear time (an unbounded ``[\w.-]*`` prefix retried at every
#: position costs seconds on one 100 kB line).
_SECRET_PAIR = re.compile(
    r"(?i)(?<![\w.-])(?P<key>[\w.-]{0,64}(?:passw(?:or)?d|passwd|pwd|secret|token|api[_-]?key|apikey|"
    r"access[_-]?key|private[_-]?key|credentials?|session[_-]?id|cookie|authorization)[\w.-]{0,64})"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<value>[^\s\"'&,;]+)")
_AUTH_SCHEME = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_JWT = re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")
_KNOWN_KEYS = re.compile(r"\b(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|"
                         r"sk-[A-Za-z0-9]{20,})\b")


def redact_line(line: str) -> str:
    """``line`` with passwords, tokens, keys, bearer credentials and URL user-info replaced by ``***``."""
    line = redact(line)
    line = _JWT.sub("***", line)
    line = _AUTH_SCHEME.sub(lambda m: f"{m.group(1)} ***", line)
    line = _KNOWN_KEYS.sub("***", line)
    return _SECRET_PAIR.sub(lambda m: f"{m.group('key')}{m.group('sep')}***", line)


@dataclass(frozen=True)
class ErrorLines:
    """The error lines of one log: how many, and the first ones (redacted) with their line numbers."""

    count: int
    first: list[tuple[int, str]]
    lines: int


def count_error_lines(text: str, keep: int = MAX_LOG_FINDINGS, pattern: re.Pattern[str] = ERROR_LINE) -> ErrorLines:
    """Count lines of ``text`` matching ``pattern``; keep the first ``keep`` (redacted, ≤ 300 chars)."""
    count = 0
    first: list[tuple[int, str]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if pattern.search(line):
            count += 1
            if len(first) < keep:
                clean = redact_line(line.strip())
                first.append((number, clean if len(clean) <= 300 else clean[:300] + "…"))
    return ErrorLines(count=count, first=first, lines=len(lines))


# -- Kubernetes access (golive.kube) -----------------------------------------------------------------

@contextmanager
def _kube_errors() -> Iterator[None]:
    """``golive.kube.client.KubeError`` → ``ToolError`` (the analyzer's criteria become no-data with the reason)."""
    try:
        yield
    except KubeError as exc:
        hint = " (the service account needs get/list on deployments, replicasets, pods and pods/log)" \
            if exc.status == 403 else ""
        raise ToolError(f"{exc}{hint}") from exc


@dataclass
class Kube:
    """The reads the verification needs, through ``golive.kube`` (objects as JSON dicts)."""

    api_client: Any

    def deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """The Deployment ``namespace/name``; a missing one is a ``ToolError``."""
        with _kube_errors():
            found = get("Deployment", name, namespace, self.api_client, api_version="apps/v1")
        if found is None:
            raise ToolError(f"deployment {namespace}/{name} not found: check --namespace and --deployment")
        return found

    def rollout(self, namespace: str, name: str) -> RolloutStatus:
        """One look at the rollout, as ``kubectl rollout status`` judges it."""
        with _kube_errors():
            return rollout_status(name, namespace, self.api_client, timeout=0)

    def revisions(self, namespace: str, name: str) -> list[Revision]:
        """The Deployment's ReplicaSets, oldest revision first."""
        with _kube_errors():
            return revisions(name, namespace, self.api_client)

    def pods(self, namespace: str, name: str, revision: int | None) -> list[dict[str, Any]]:
        """The Deployment's pods (of one revision when given)."""
        with _kube_errors():
            return pods_for(name, namespace, self.api_client, revision=revision)

    def log(self, namespace: str, pod: str, container: str, tail_lines: int, *, previous: bool = False) -> str:
        """The last ``tail_lines`` lines of ``container``'s log (of its previous instance with ``previous``)."""
        if not previous:
            with _kube_errors():
                return pod_logs(pod, namespace, self.api_client, container, tail_lines=tail_lines)
        # golive.kube.pods.pod_logs has no `previous`: the same raw read (_preload_content=False), with it
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            response = client.CoreV1Api(self.api_client).read_namespaced_pod_log(
                pod, namespace, container=container, previous=True, tail_lines=tail_lines, _preload_content=False)
        except ApiException as exc:
            raise ToolError(f"Kubernetes API: read the previous log of {namespace}/{pod}/{container}: "
                            f"{exc.status} {exc.reason}") from exc
        except HTTPError as exc:
            raise ToolError(f"Kubernetes API unreachable while reading a log: {exc}") from exc
        data = response.data
        return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)


def connect() -> Kube:
    """The Kubernetes access the analyzers use: ``golive.kube.client.load_client()`` ($KUBECONFIG, else in-cluster)."""
    with _kube_errors():
        return Kube(load_client())


# -- Deployment logic ---------------------------------------------------------------------------------

def rollout_verdict(status: RolloutStatus) -> tuple[bool, bool, str]:
    """(complete, hopeless, reason): ``kubectl rollout status`` done *and* the ``Available`` condition True.

    ``hopeless`` is True when waiting longer cannot help (the progress deadline was exceeded).
    """
    counts = (f"{status.available_replicas} of {status.desired_replicas} replicas available, "
              f"{status.updated_replicas} updated, revision {status.revision}")
    if status.failed:
        return False, True, f"{status.message} ({counts})"
    if not status.done:
        return False, False, f"{status.message} ({counts})"
    available = next((c for c in status.conditions if c.get("type") == "Available"), None)
    if available is None:
        return False, False, f"the rollout finished but no Available condition is reported ({counts})"
    if str(available.get("status")) != "True":
        return False, False, (f"the rollout finished but the Available condition is {available.get('status')} "
                              f"({available.get('reason', '')}: {available.get('message', '')}; {counts})")
    return True, False, f"{status.message}: {counts}"


def desired_replicas(deployment: dict[str, Any]) -> int:
    """``spec.replicas`` (Kubernetes defaults it to 1)."""
    value = (deployment.get("spec") or {}).get("replicas")
    return 1 if value is None else int(value)


def current_revision(deployment: dict[str, Any], history: Sequence[Revision]) -> Revision | None:
    """The Revision (ReplicaSet) carrying the Deployment's own revision annotation, else the newest one."""
    wanted = ((deployment.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    same = [r for r in history if wanted is not None and str(r.revision) == str(wanted)]
    if same:
        return same[0]
    return max(history, key=lambda r: r.revision) if history else None


def current_pods(access: Kube, namespace: str, name: str) -> tuple[dict[str, Any], Revision | None,
                                                                     list[dict[str, Any]]]:
    """(deployment, current revision or None, its live pods — not terminating)."""
    deployment = access.deployment(namespace, name)
    revision = current_revision(deployment, access.revisions(namespace, name))
    pods = access.pods(namespace, name, revision.revision if revision else None)
    return deployment, revision, [p for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]


def _conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c.get("type", ""): c for c in (obj.get("status") or {}).get("conditions") or []}


def _statuses(pod: dict[str, Any]) -> list[dict[str, Any]]:
    status = pod.get("status") or {}
    return list(status.get("initContainerStatuses") or []) + list(status.get("containerStatuses") or [])


def why_not_ready(pod: dict[str, Any]) -> str:
    """Words for a pod that is not Ready: phase, waiting/terminated reasons, the Ready condition."""
    status = pod.get("status") or {}
    parts = [f"phase {status.get('phase', '?')}"]
    for cs in _statuses(pod):
        state = cs.get("state") or {}
        for kind in ("waiting", "terminated"):
            if state.get(kind):
                info = state[kind]
                parts.append(f"{cs.get('name')} {kind} {info.get('reason', '')}"
                             + (f" exit {info['exitCode']}" if "exitCode" in info else ""))
    ready = _conditions(pod).get("Ready")
    if ready and ready.get("message"):
        parts.append(str(ready["message"]))
    return ", ".join(parts)


# -- analyzers ----------------------------------------------------------------------------------------

def _target(ctx: Context) -> tuple[str, str] | None:
    namespace = (ctx.options or {}).get("namespace")
    deployment = (ctx.options or {}).get("deployment")
    if not namespace or not deployment:
        return None
    return namespace, deployment


def _missing(ctx: Context, tool: str, names: Iterable[tuple[str, str]]) -> AnalyzerResult:
    options = (ctx.options or {})
    lacking = [f"--{o}" for o in ("namespace", "deployment") if not options.get(o)]
    why = f"no {' and no '.join(lacking)} given: the {tool} check needs the Deployment to inspect"
    return AnalyzerResult(agent=ctx.agent, tool=tool, details={"skipped": why},
                          measurements=[Measurement(name=n, value=None, unit=u, detail=why) for n, u in names])


def _finding(tool: str, rule_id: str, message: str, severity: Severity, *, path: str | None = None,
             line: int | None = None) -> Finding:
    return Finding(tool=tool, rule_id=rule_id, severity=severity, message=message, path=path, line=line)


def run_rollout(ctx: Context) -> AnalyzerResult:
    """``rollout_complete``: 1 when the Deployment's rollout finished (waits up to ``--timeout``, default 60 s)."""
    target = _target(ctx)
    if target is None:
        return _missing(ctx, "rollout", [("rollout_complete", "")])
    namespace, name = target
    access = connect()
    wait = float(ctx.timeout or DEFAULT_ROLLOUT_WAIT)
    deadline = time.monotonic() + wait
    started = time.monotonic()
    while True:
        status = access.rollout(namespace, name)
        complete, hopeless, reason = rollout_verdict(status)
        if complete or hopeless or time.monotonic() >= deadline:
            break
        time.sleep(1.0)
    waited = time.monotonic() - started
    detail = reason if complete else f"{reason} (after waiting {waited:.0f} s)"
    findings = [] if complete else [_finding("rollout", "rollout-incomplete",
                                             f"deployment {namespace}/{name} not rolled out: {detail}",
                                             Severity.CRITICAL, path=f"{namespace}/deployment/{name}")]
    return AnalyzerResult(
        agent=ctx.agent, tool="rollout", findings=findings,
        measurements=[Measurement(name="rollout_complete", value=1.0 if complete else 0.0, unit="", detail=detail)],
        details={"namespace": namespace, "deployment": name, "waited_seconds": round(waited, 2),
                 "message": status.message, "revision": status.revision, "desired": status.desired_replicas,
                 "generation": status.generation, "observed_generation": status.observed_generation,
                 "replicas": status.replicas, "updated": status.updated_replicas, "ready": status.ready_replicas,
                 "available": status.available_replicas, "conditions": status.conditions})


def run_pods(ctx: Context) -> AnalyzerResult:
    """``pods_ready_ratio`` (% of the desired replicas Ready in the current ReplicaSet) and ``pod_restarts``."""
    target = _target(ctx)
    if target is None:
        return _missing(ctx, "pods", [("pods_ready_ratio", "%"), ("pod_restarts", "restarts")])
    namespace, name = target
    deployment, revision, pods = current_pods(connect(), namespace, name)
    desired = desired_replicas(deployment)
    rs_name = revision.replicaset if revision else None
    scope = f"replicaset {rs_name} (revision {revision.revision})" if revision else "the deployment's selector"
    ready = [p for p in pods if pod_ready(p)]
    restarts = {p["metadata"]["name"]: sum(int(cs.get("restartCount") or 0) for cs in _statuses(p)) for p in pods}
    total_restarts = sum(restarts.values())
    findings: list[Finding] = []
    for pod in pods:
        pod_name = pod["metadata"]["name"]
        if not pod_ready(pod):
            findings.append(_finding("pods", "pod-not-ready", f"pod {pod_name} is not Ready: {why_not_ready(pod)}",
                                     Severity.HIGH, path=f"{namespace}/pod/{pod_name}"))
        for cs in _statuses(pod):
            if cs.get("restartCount"):
                last = ((cs.get("lastState") or {}).get("terminated") or {})
                findings.append(_finding(
                    "pods", "container-restarted",
                    f"container {cs.get('name')} of pod {pod_name} restarted {cs['restartCount']} times"
                    + (f" (last exit {last.get('exitCode')} {last.get('reason', '')})".rstrip() if last else ""),
                    Severity.MEDIUM, path=f"{namespace}/pod/{pod_name}"))
    if desired == 0:
        why = f"deployment {namespace}/{name} is scaled to 0 replicas: there is nothing to be ready"
        ratio = Measurement(name="pods_ready_ratio", value=None, unit="%", detail=why)
    else:
        denominator = max(desired, len(pods))
        ratio = Measurement(name="pods_ready_ratio", value=round(100.0 * len(ready) / denominator, 2), unit="%",
                            detail=f"{len(ready)} of {denominator} pods Ready ({len(pods)} pods in {scope}, "
                                   f"{desired} desired)")
    restart_detail = (", ".join(f"{p}: {n}" for p, n in restarts.items() if n) or "no restarts") \
        + f" across {len(pods)} pods"
    return AnalyzerResult(
        agent=ctx.agent, tool="pods", findings=findings,
        measurements=[ratio, Measurement(name="pod_restarts", value=float(total_restarts), unit="restarts",
                                         detail=restart_detail)],
        details={"namespace": namespace, "deployment": name, "replicaset": rs_name, "desired": desired,
                 "pods": [{"name": p["metadata"]["name"], "ready": pod_ready(p),
                           "phase": (p.get("status") or {}).get("phase"), "restarts": restarts[p["metadata"]["name"]],
                           "ip": (p.get("status") or {}).get("podIP")} for p in pods]})


def _log_plan(pod: dict[str, Any]) -> list[tuple[str, tuple[bool, ...]]]:
    """Which logs to read per container: ``(False,)`` the current one; a restarted container's previous
    instance too (``(True, False)`` when running; ``(False, True)`` when waiting — the API then serves the
    last instance as the current log, so the previous one is read only when that comes back empty)."""
    statuses = {cs.get("name"): cs for cs in _statuses(pod)}
    spec = pod.get("spec") or {}
    plan: list[tuple[str, tuple[bool, ...]]] = []
    names = [c["name"] for c in spec.get("initContainers") or []] + [c["name"] for c in spec.get("containers") or []]
    for container in names:
        cs = statuses.get(container) or {}
        if not cs.get("restartCount"):
            plan.append((container, (False,)))
        elif (cs.get("state") or {}).get("waiting"):
            plan.append((container, (False, True)))
        else:
            plan.append((container, (True, False)))
    return plan


def run_logs(ctx: Context) -> AnalyzerResult:
    """``error_log_lines``: lines matching ``\\bERROR\\b|Traceback|CRITICAL`` in the current pods' logs."""
    target = _target(ctx)
    if target is None:
        return _missing(ctx, "logs", [("error_log_lines", "lines")])
    namespace, name = target
    tail_lines = max(1, int((ctx.options or {}).get("log_lines") or DEFAULT_LOG_LINES))
    access = connect()
    _deployment, _revision, pods = current_pods(access, namespace, name)
    if not pods:
        raise ToolError(f"deployment {namespace}/{name} has no current pods: there are no logs to read")
    total, read, scanned = 0, 0, 0
    skipped: list[str] = []
    findings: list[Finding] = []
    per_container: dict[str, int] = {}
    for pod in pods:
        pod_name = pod["metadata"]["name"]
        for container, instances in _log_plan(pod):
            texts: list[str] = []
            for previous in instances:
                if previous and texts and texts[-1].strip():
                    break  # a waiting container's current log already was its last instance's
                try:
                    texts.append(access.log(namespace, pod_name, container, tail_lines, previous=previous))
                except ToolError as exc:
                    skipped.append(f"{pod_name}/{container}{' (previous)' if previous else ''}: {exc}")
            if not texts:
                continue
            read += 1
            found = count_error_lines("\n".join(texts), keep=MAX_LOG_FINDINGS - len(findings))
            scanned += found.lines
            total += found.count
            per_container[f"{pod_name}/{container}"] = found.count
            findings += [_finding("logs", "error-log-line", text_line, Severity.MEDIUM,
                                  path=f"{namespace}/pod/{pod_name}/{container}", line=number)
                         for number, text_line in found.first]
    if read == 0:
        raise ToolError(f"no log of deployment {namespace}/{name} could be read: {'; '.join(skipped[:3])}")
    detail = (f"{total} error lines in {scanned} log lines of {read} containers "
              f"(last {tail_lines} lines each)" + (f"; unreadable: {'; '.join(skipped[:3])}" if skipped else ""))
    return AnalyzerResult(
        agent=ctx.agent, tool="logs", findings=findings,
        measurements=[Measurement(name="error_log_lines", value=float(total), unit="lines", detail=detail)],
        details={"namespace": namespace, "deployment": name, "per_container": per_container, "skipped": skipped,
                 "pattern": ERROR_LINE.pattern})
