"""End to end on the local platform (scheduler, LocalExecutor, localkube, PostgreSQL): a release train takes
its first phase live and, with one bad service in its second phase, rolls that phase back to its
checkpoint.

The train's go-lives are ``golive`` runs triggered by the train (``TriggerDagRunOperator``), so they need
a scheduler: ``airflow dags test`` runs only the train's own tasks. The manifest (``GOLIVE_TRAIN_MANIFEST``)
is three copies of the bundled sample app in two phases — ``svc-a``, then ``svc-b`` and ``svc-c`` side by
side — and ``svc-c`` is the ``-broken`` build (every ``/api`` request answers 500). One train run:

* phase 1: ``svc-a`` goes live (its own gates), the progress monitor measures it (HTTP requests through
  its Service, PodMetrics from localkube's metrics API) and passes;
* phase 2: the checkpoint records ``svc-a``'s revision and that ``svc-b`` / ``svc-c`` are not deployed;
  ``svc-b`` goes live, ``svc-c``'s go-live fails its gates (its own rollback removes it); the train
  rolls phase 2 back to the checkpoint: ``svc-b`` — not deployed then — is removed, ``svc-a`` (phase 1)
  keeps serving.

Airflow's metadata DB and the ledger are PostgreSQL (as in test_scheduler_e2e.py): three go-lives and the
train at once lock a SQLite metadata DB on a loaded runner ("database is locked" stops the scheduler). The
waits are deferrable (the triggerer follows the go-lives and the gates). Cost: three whole go-lives (two at
once) on one platform; the FAST settings of the other e2e modules.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from airflow_rest import AirflowREST
from golive_local.platform import Platform, free_port
from kubernetes.client import CoreV1Api

from golive.kube.client import load_client
from golive.kube.namespaces import ensure_namespace
from golive.kube.objects import get
from golive.kube.services import service_url
from golive.ledger import Ledger

pytestmark = [pytest.mark.e2e, pytest.mark.airflow, pytest.mark.localkube, pytest.mark.postgres]

NAMESPACE = "golive-apps"
MANIFEST = f"""
name: e2e-train
namespace: {NAMESPACE}
applications:
  - {{name: svc-a, version: 1.0.0}}
  - {{name: svc-b, version: 1.0.0, depends_on: [svc-a]}}
  - {{name: svc-c, version: 1.0.0-broken, depends_on: [svc-a]}}
"""
FAST = {"GOLIVE_LOAD_TEST_SECONDS": "5", "GOLIVE_FUZZ_MAX_EXAMPLES": "10", "GOLIVE_CANARY_ANALYSIS_SECONDS": "5",
        "GOLIVE_TRAIN_MONITOR_REQUESTS": "20", "GOLIVE_TRAIN_POLL_INTERVAL": "3"}


@pytest.fixture(scope="module")
def platform(postgres_database, tmp_path_factory) -> Iterator[Platform]:
    state = tmp_path_factory.mktemp("platform-train")
    manifest = state / "train.yaml"
    manifest.write_text(MANIFEST)
    plat = Platform(state_dir=state, api_port=free_port(), db_url=postgres_database("airflow"),
                    ledger_url=postgres_database("ledger"),
                    extra_env={**FAST, "GOLIVE_TRAIN_MANIFEST": str(manifest), "GOLIVE_DEFERRABLE": "true",
                               "GOLIVE_POD_DEFERRABLE": "false"})
    try:
        plat.up(timeout=420, log=lambda *_: None)
        ensure_namespace(CoreV1Api(load_client(str(plat.kubeconfig))), NAMESPACE)
        yield plat
    finally:
        plat.down(log=lambda *_: None)


@pytest.fixture(scope="module")
def train_run(platform) -> dict:
    api = AirflowREST(platform.url)
    for dag_id in ("golive", "golive_release_train"):  # a starved runner may parse them after `up` returned
        api.wait(f"DAG {dag_id} parsed", lambda d=dag_id: api.request("GET", f"/dags/{d}").status_code == 200,
                 timeout=600, describe=lambda: "not in the API yet")
    run_id = api.trigger("golive_release_train", {})
    state = api.wait_finished("golive_release_train", run_id, timeout=2400)
    return {"run_id": run_id, "state": state, "states": api.task_states("golive_release_train", run_id),
            "report": Ledger.from_url(platform.ledger_sqlalchemy_url).run_report(run_id), "api": api}


def test_phase_one_goes_live_and_passes_the_progress_monitor(platform, train_run):
    states = train_run["states"]
    assert states["phase_1.svc-a"] == "success" and states["phase_1.monitor"] == "success", states
    monitor = next(e for e in train_run["report"]["evaluations"] if e["gate"] == "train-phase-1")
    assert monitor["status"] == "PASS"
    criteria = {c["name"]: c for c in monitor["criteria"]}
    assert set(criteria) == {"svc-a.response_time_p95", "svc-a.error_rate", "svc-a.memory_usage", "svc-a.cpu_usage"}
    assert all(c["value"] is not None and c["status"] == "pass" and c["reason"] for c in criteria.values())
    assert criteria["svc-a.error_rate"]["value"] == 0 and criteria["svc-a.memory_usage"]["value"] > 0
    golive = train_run["api"].run("golive", "train__svc-a__" + train_run["run_id"])
    assert golive["state"] == "success"  # a whole go-live: its own gates
    golive_report = Ledger.from_url(platform.ledger_sqlalchemy_url).run_report(golive["dag_run_id"])
    assert {e["gate"] for e in golive_report["evaluations"]} >= {"security", "quality", "verification", "testing"}


def test_a_bad_service_fails_its_phase_which_is_rolled_back_to_the_checkpoint(platform, train_run):
    client = load_client(str(platform.kubeconfig))
    states = train_run["states"]
    assert train_run["state"] == "failed"
    assert states["phase_2.svc-b"] == "success" and states["phase_2.svc-c"] == "failed", states
    assert states["phase_2.monitor"] == "upstream_failed" and states["rollback.rollback"] == "success"
    train = train_run["report"]["train"]
    checkpoint = next(c for c in train["checkpoints"] if c["phase"] == 2)["applications"]
    assert checkpoint["svc-a"]["version"] == "1.0.0" and checkpoint["svc-b"] is None and checkpoint["svc-c"] is None
    [rollback] = train["rollbacks"]
    assert rollback["phase"] == 2 and rollback["ok"]
    steps = {s["application"]: s for s in rollback["steps"]}
    assert set(steps) == {"svc-b", "svc-c"}  # phase 2 and later: phase 1 stays live
    assert steps["svc-b"]["action"] == "remove" and steps["svc-b"]["ok"]
    assert steps["svc-c"]["action"] == "keep"  # its own go-live's rollback removed its first deploy already
    assert get("Deployment", "svc-b-stable-api", NAMESPACE, client) is None
    assert get("Deployment", "svc-c-stable-api", NAMESPACE, client) is None
    live = service_url("svc-a", NAMESPACE, client)
    assert httpx.get(f"{live}/version", timeout=5).json()["version"] == "1.0.0"
    by_app = {a["application"]: a for a in train["applications"]}
    assert by_app["svc-a"]["status"] == "success"
    assert by_app["svc-b"]["status"] == by_app["svc-c"]["status"] == "rolled-back"
    assert by_app["svc-c"]["golive_status"] == "failed"


def test_the_report_shows_the_train(platform, train_run):
    from golive.settings import GoliveSettings

    out = GoliveSettings(home=platform.state_dir / "golive").run_report_dir(train_run["run_id"])
    html = (Path(out) / "report.html").read_text()
    assert "Train: go-lives" in html and "Train: checkpoints" in html and "Train: rollbacks" in html
    assert "train-phase-1" in html
