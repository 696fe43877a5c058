"""Fault injection: go-lives on the local platform survive the faults a production install meets.

One platform (``golive_local.platform``: localkube, api-server, scheduler, dag-processor, triggerer),
LocalExecutor, Airflow's metadata DB on the machine's PostgreSQL and the ledger on a PostgreSQL server
of this module's own (so it can be restarted without disturbing anything else), gates and approvals
deferrable. Three go-lives run at once; each is hit by its faults when it reaches the step a fault is
about, one fault at a time (:class:`Injector`), two faults of one run in different phases:

* ``fault-pod``: an agent pod (the quality gate's coverage analyzer) is killed while it runs; later,
  during its testing phase, localkube crashes (SIGKILL) and is started again on its state directory;
* ``fault-wait``: while its quality approval waits (WARNING band) in the triggerer, the triggerer is
  killed and started again, then the ledger's PostgreSQL is stopped, a human approves, and the ledger
  comes back once the approval's worker is recording the decision (it waits the outage out); later
  the scheduler, with its LocalExecutor workers and their task processes, is killed while
  ``deployment.deploy`` runs, and started again: the next try reattaches to the deploy pod;
* ``fault-rollback``: a ``-broken`` build fails its verification gate; the worker running
  ``rollback.rollback`` is killed while the rollback pod runs.

The faults that hit the whole platform (localkube, the scheduler with its workers, the ledger) hit the
other go-lives too, wherever they are at that moment. After every run ended: each ends as it should,
its ledger record is complete (run status, every gate's verdict, the revisions, the rollback) with no
duplicate, and what was live is still live. docs/OPERATIONS.md ("Guarantees under faults") states
what this proves.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from airflow.providers.cncf.kubernetes.pod_generator import make_safe_label_value
from airflow_rest import FINISHED, AirflowREST
from e2e_apps import lint_heavy_copy, seed_previous_version
from golive_local.platform import Platform, free_port
from kubernetes.client import CoreV1Api
from private_postgres import PrivatePostgres, running_private_postgres

from golive.kube.client import load_client
from golive.kube.services import service_url
from golive.ledger import Ledger

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube, pytest.mark.postgres]

NAMESPACE = "golive-apps"
PODS_NAMESPACE = "golive"
FAST = {"GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5"}
#: a task whose worker died is failed (and retried) this many seconds after its last heartbeat
HEARTBEAT_TIMEOUT = 30
KILLED_ANALYZER = "preparation.quality.coverage"
APPROVAL = "preparation.quality.approval"
#: A person answers some seconds after being asked; an answer within a second or two of the question can
#: be lost by Airflow 3.3 (apache/airflow#71580: the resumed task is told it "shouldn't be running anymore").
APPROVAL_SETTLE_S = 10
ALL_GATES = {"security", "quality", "verification", "testing", "documentation"}


@pytest.fixture(scope="module")
def ledger_server() -> Iterator[PrivatePostgres]:
    with running_private_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def platform(postgres_database, ledger_server, tmp_path_factory) -> Iterator[Platform]:
    state = tmp_path_factory.mktemp("platform-faults")
    ledger_url = ledger_server.create_database("ledger")
    Ledger.from_url(ledger_url).engine.dispose()  # migrated once, before four runs start at once
    plat = Platform(state_dir=state, api_port=free_port(), db_url=postgres_database("airflow"), ledger_url=ledger_url,
                    extra_env={**FAST, "GOLIVE_DEFERRABLE": "true", "GOLIVE_POD_DEFERRABLE": "false",
                               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
                               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5"})
    try:
        plat.up(timeout=420, log=lambda *_: None)
        yield plat
    finally:
        plat.down(log=lambda *_: None)


def ledger(platform: Platform) -> Ledger:
    return Ledger.from_url(platform.ledger_sqlalchemy_url, migrate=False)


def core(platform: Platform) -> CoreV1Api:
    return CoreV1Api(load_client(str(platform.kubeconfig)))


def task_instance(api: AirflowREST, run_id: str, task_id: str) -> dict[str, Any] | None:
    resp = api.request("GET", f"/dags/golive/dagRuns/{run_id}/taskInstances/{task_id}")
    return resp.json() if resp.status_code == 200 else None


def running_pod(platform: Platform, run_id: str, task_id: str) -> Any | None:
    """The task's agent pod once its base container runs (KPO labels it with the run and the task)."""
    selector = (f"dag_id=golive,run_id={make_safe_label_value(run_id)},"
                f"task_id={make_safe_label_value(task_id)}")
    try:
        pods = core(platform).list_namespaced_pod(PODS_NAMESPACE, label_selector=selector).items
    except Exception:  # localkube restarting: not ready
        return None
    for pod in pods:
        base = [c for c in pod.status.container_statuses or [] if c.name == "base"]
        if pod.status.phase == "Running" and base and base[0].state.running:
            return pod
    return None


@dataclass
class Fault:
    """One fault: injected once, when ``ready()`` says its run reached the step it is about."""

    name: str
    run: str
    ready: Callable[[], Any]
    inject: Callable[[Any], dict[str, Any]]
    done: dict[str, Any] | None = None


@dataclass
class Injector:
    """Polls the faults' conditions and injects each once, one at a time; answers ``fault-wait``'s
    approvals once its fault is in (a retried approval asks again: it is answered again)."""

    platform: Platform
    runs: dict[str, str]
    faults: list[Fault] = field(default_factory=list)
    approved: int = 0

    def api(self) -> AirflowREST:
        return AirflowREST(self.platform.url)

    def finished(self, key: str) -> bool:
        try:
            return self.api().run("golive", self.runs[key])["state"] in FINISHED
        except (AssertionError, httpx.HTTPError):
            return False

    def approve_pending(self) -> None:
        api = self.api()
        run_id = self.runs["fault-wait"]
        for detail in api.hitl_details("golive", run_id):
            if detail.get("responded_at") is None:
                api.answer("golive", run_id, detail["task_instance"]["task_id"], "Approve")
                self.approved += 1

    def run_all(self, timeout: float = 1500) -> None:
        deadline = time.monotonic() + timeout
        waiting = next(f for f in self.faults if f.name == "triggerer and ledger restarted")
        while time.monotonic() < deadline:
            for fault in [f for f in self.faults if f.done is None]:
                try:
                    found = fault.ready()
                except (AssertionError, httpx.HTTPError):
                    found = None  # the API server is busy or restarting
                if found:
                    fault.done = {"at": time.monotonic(), **fault.inject(found)}
                elif self.finished(fault.run):
                    fault.done = {"missed": f"{fault.run} ended before {fault.name} could be injected"}
            approving = waiting.done is not None and "missed" not in waiting.done and not self.finished("fault-wait")
            if approving:
                try:
                    self.approve_pending()
                except (AssertionError, httpx.HTTPError):
                    pass
            elif all(f.done is not None for f in self.faults):
                return
            time.sleep(2)
        raise AssertionError(f"faults not all injected within {timeout:.0f} s: {self.faults}")


@pytest.fixture(scope="module")
def runs(platform, tmp_path_factory) -> dict[str, str]:
    seed_previous_version(platform, "fault-rollback", "1.0.0", NAMESPACE)
    api = AirflowREST(platform.url)
    lint_heavy = lint_heavy_copy(tmp_path_factory.mktemp("sources"))
    return {
        "fault-pod": api.trigger("golive", {"application": "fault-pod", "version": "1.1.0"}),
        "fault-wait": api.trigger("golive", {"application": "fault-wait", "version": "1.1.0",
                                             "source": str(lint_heavy), "quality_threshold": 90}),
        "fault-rollback": api.trigger("golive", {"application": "fault-rollback", "version": "1.1.0-broken"}),
    }


def approve_in_ledger_outage(injector: Injector, ledger_server: PrivatePostgres, run_id: str) -> dict[str, Any]:
    """The human answers a settled question (again, should Airflow lose the answer) until the approval task
    takes it; then the ledger goes down before that task's worker records the decision, and comes back once
    the worker has been running a while (its ``execute_complete`` meets the outage). Should Airflow still
    lose the taken answer and ask again in a new try (apache/airflow#71580), the ledger comes back and the
    round is played again on that try."""
    api, deadline, lost = injector.api(), time.monotonic() + 600, 0
    while time.monotonic() < deadline:
        asked = wait_for_question(api, run_id, deadline)
        if asked is None:
            break
        time.sleep(APPROVAL_SETTLE_S)
        ti = asked
        while ti and ti["state"] in ("awaiting_input", "deferred") and time.monotonic() < deadline:
            injector.approve_pending()
            time.sleep(0.5)
            ti = task_instance(api, run_id, APPROVAL)
        ledger_server.stop()
        try:
            while ti and time.monotonic() < deadline:
                if ti["try_number"] != asked["try_number"] or ti["state"] in ("up_for_retry", "awaiting_input"):
                    lost += 1
                    break
                if ti["state"] == "running":
                    time.sleep(8)
                    return {"approval_state_in_outage": "running", "try_number": ti["try_number"],
                            "answers_lost_by_airflow": lost}
                if ti["state"] in FINISHED:
                    return {"approval_state_in_outage": ti["state"], "answers_lost_by_airflow": lost}
                time.sleep(0.5)
                ti = task_instance(api, run_id, APPROVAL)
        finally:
            ledger_server.start()
    return {"missed": "no answer was taken before the ledger outage", "answers_lost_by_airflow": lost}


def wait_for_question(api: AirflowREST, run_id: str, deadline: float) -> dict[str, Any] | None:
    """The approval task instance once it awaits an answer, or None by ``deadline``."""
    while time.monotonic() < deadline:
        ti = task_instance(api, run_id, APPROVAL)
        if ti and ti["state"] == "awaiting_input":
            return ti
        if ti and ti["state"] in FINISHED:
            return None
        time.sleep(0.5)
    return None


@pytest.fixture(scope="module")
def injected(platform, runs, ledger_server) -> dict[str, dict[str, Any]]:
    """Inject every fault; returns what each did, by fault name."""
    api = AirflowREST(platform.url)
    injector = Injector(platform, runs)

    def kill_pod(pod: Any) -> dict[str, Any]:
        pids = platform.pod_processes(pod.metadata.uid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return {"pod": pod.metadata.name, "pids": sorted(pids)}

    def in_testing(run_id: str) -> tuple[str, Any] | None:
        """A testing task of ``run_id`` whose pod runs: (task id, pod)."""
        for task_id, state in api.task_states("golive", run_id).items():
            running = task_id.startswith("testing.") and state == "running"
            if running and (pod := running_pod(platform, run_id, task_id)) is not None:
                return task_id, pod
        return None

    def crash_localkube(found: tuple[str, Any]) -> dict[str, Any]:
        task_id, pod = found
        ti = task_instance(api, runs["fault-pod"], task_id)
        platform.restart("localkube", sig=signal.SIGKILL)
        return {"task_id": task_id, "pod": pod.metadata.name, "try_number": ti and ti["try_number"]}

    def kill_scheduler(pod: Any) -> dict[str, Any]:
        ti = task_instance(api, runs["fault-wait"], "deployment.deploy")
        pids = platform.kill("scheduler")
        time.sleep(2)
        platform.start("scheduler")
        return {"pod": pod.metadata.name, "pids": pids, "try_number": ti and ti["try_number"]}

    def approval_waiting() -> bool:
        return any(d["task_instance"]["task_id"] == APPROVAL and d.get("responded_at") is None
                   for d in api.hitl_details("golive", runs["fault-wait"]))

    def restart_triggerer_and_ledger(_: Any) -> dict[str, Any]:
        platform.restart("triggerer", sig=signal.SIGKILL)
        return approve_in_ledger_outage(injector, ledger_server, runs["fault-wait"])

    def kill_rollback_worker(pod: Any) -> dict[str, Any]:
        ti = task_instance(api, runs["fault-rollback"], "rollback.rollback")
        pids = platform.task_processes(ti["id"]) if ti else []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return {"pod": pod.metadata.name, "pids": pids, "try_number": ti and ti["try_number"]}

    injector.faults = [
        Fault("agent pod killed", "fault-pod", lambda: running_pod(platform, runs["fault-pod"], KILLED_ANALYZER),
              kill_pod),
        Fault("scheduler killed", "fault-wait",
              lambda: running_pod(platform, runs["fault-wait"], "deployment.deploy"), kill_scheduler),
        Fault("triggerer and ledger restarted", "fault-wait", approval_waiting, restart_triggerer_and_ledger),
        Fault("rollback worker killed", "fault-rollback",
              lambda: running_pod(platform, runs["fault-rollback"], "rollback.rollback"), kill_rollback_worker),
        Fault("localkube crashed", "fault-pod", lambda: in_testing(runs["fault-pod"]), crash_localkube),
    ]
    injector.run_all()
    for run_id in runs.values():
        api.wait_finished("golive", run_id, timeout=900)
    return {f.name: f.done or {} for f in injector.faults}


def report(platform: Platform, run_id: str) -> dict:
    return ledger(platform).run_report(run_id)


def gate_statuses(rep: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for evaluation in rep["evaluations"]:
        out.setdefault(evaluation["gate"], []).append(evaluation["status"])
    return out


def attempt_log(platform: Platform, run_id: str, task_id: str, attempt: int) -> str:
    logs = Path(platform.env()["AIRFLOW_HOME"]) / "logs" / "dag_id=golive" / f"run_id={run_id}" / f"task_id={task_id}"
    found = sorted(logs.glob(f"attempt={attempt}*"))
    return "\n".join(p.read_text(errors="replace") for p in found)


def serving(platform: Platform, application: str) -> str:
    url = service_url(application, NAMESPACE, load_client(str(platform.kubeconfig)))
    return httpx.get(f"{url}/version", timeout=10).json()["version"]


def assert_delivered(platform: Platform, run_id: str, application: str) -> dict:
    """The run succeeded in Airflow and in the ledger, with one verdict per gate and one deploy."""
    api = AirflowREST(platform.url)
    assert api.run("golive", run_id)["state"] == "success", api.states_text("golive", run_id)
    rep = report(platform, run_id)
    assert rep["run"]["status"] == "succeeded"
    statuses = gate_statuses(rep)
    assert set(statuses) >= ALL_GATES, statuses
    assert all(s[-1] in ("PASS", "WARNING") for s in statuses.values()), statuses
    assert [r["action"] for r in rep["revisions"]].count("deploy") == 1, rep["revisions"]
    assert not rep.get("rollbacks")
    assert serving(platform, application) == "1.1.0"
    return rep


def test_every_fault_was_injected_where_it_was_meant_to(injected):
    missed = {name: done["missed"] for name, done in injected.items() if "missed" in done}
    assert not missed, missed
    assert injected["agent pod killed"]["pids"] and injected["rollback worker killed"]["pids"]


def test_a_killed_agent_pod_is_retried_and_a_localkube_crash_is_survived(platform, runs, injected):
    run_id = runs["fault-pod"]
    rep = assert_delivered(platform, run_id, "fault-pod")
    ti = task_instance(AirflowREST(platform.url), run_id, KILLED_ANALYZER)
    assert ti["state"] == "success" and ti["try_number"] >= 2  # the killed try failed, the next one ran
    assert "exit_code=137" in attempt_log(platform, run_id, KILLED_ANALYZER, 1)
    quality = [e for e in rep["evaluations"] if e["gate"] == "quality"][-1]
    coverage = next(c for c in quality["criteria"] if "coverage" in c["name"])
    assert coverage["value"] is not None  # measured by the retried pod, not no-data
    crashed = injected["localkube crashed"]
    hit = task_instance(AirflowREST(platform.url), run_id, crashed["task_id"])
    assert hit["state"] == "success" and hit["try_number"] > crashed["try_number"]  # its pod was lost, retried
    assert "LocalkubeRestarted" in attempt_log(platform, run_id, crashed["task_id"], crashed["try_number"])


def test_the_scheduler_killed_mid_deploy_reattaches_and_deploys_once(platform, runs, injected):
    run_id = runs["fault-wait"]
    assert_delivered(platform, run_id, "fault-wait")
    ti = task_instance(AirflowREST(platform.url), run_id, "deployment.deploy")
    assert ti["try_number"] > injected["scheduler killed"]["try_number"]
    pod = injected["scheduler killed"]["pod"]
    later = attempt_log(platform, run_id, "deployment.deploy", ti["try_number"])
    reattached = (f"Reusing existing pod '{pod}'", f"Reconnecting to pod {PODS_NAMESPACE}/{pod}")
    assert any(line in later for line in reattached), later[-3000:]


def test_the_triggerer_and_the_ledger_restarted_while_an_approval_waits(platform, runs, injected):
    run_id = runs["fault-wait"]
    rep = assert_delivered(platform, run_id, "fault-wait")
    quality = [e for e in rep["evaluations"] if e["gate"] == "quality"][-1]
    assert quality["status"] == "WARNING" and quality["approval"]["decision"] == "approved"
    outage = injected["triggerer and ledger restarted"]
    assert outage["approval_state_in_outage"] == "running", outage
    ti = task_instance(AirflowREST(platform.url), run_id, APPROVAL)
    assert ti["state"] == "success" and ti["try_number"] == outage["try_number"], "the human was not asked again"
    assert "the ledger cannot be reached to record the approved decision" in attempt_log(
        platform, run_id, APPROVAL, ti["try_number"])


def test_the_worker_killed_during_rollback_rolls_back_once_and_the_old_version_serves(platform, runs, injected):
    run_id = runs["fault-rollback"]
    api = AirflowREST(platform.url)
    assert api.run("golive", run_id)["state"] == "failed"
    ti = task_instance(api, run_id, "rollback.rollback")
    assert ti["state"] == "success" and ti["try_number"] > injected["rollback worker killed"]["try_number"]
    rep = report(platform, run_id)
    assert rep["run"]["status"] == "failed"
    assert "FAIL" in gate_statuses(rep)["verification"]
    assert len(rep["rollbacks"]) == 1, rep["rollbacks"]
    rollback = rep["rollbacks"][0]
    assert rollback["verified"] and (rollback["from_version"], rollback["to_version"]) == ("1.1.0-broken", "1.0.0")
    assert serving(platform, "fault-rollback") == "1.0.0"
