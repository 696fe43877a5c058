"""golive_release_train's graph, built from plan 002's ten-agent example: phases in dependency order,
each application one golive run between its phase's checkpoint and monitor, the rollback after all."""

from __future__ import annotations

import copy

import pytest
from repo_paths import REPO

from golive.settings import get_settings
from golive.train.manifest import load_manifest

MANIFEST = load_manifest(get_settings().train_manifest)


@pytest.fixture(scope="module")
def dag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags" / "golive_release_train.py"))
    assert bag.import_errors == {}
    return bag.dags["golive_release_train"]


def _phase_of(task_id: str) -> int:
    return int(task_id.split(".", maxsplit=1)[0].removeprefix("phase_"))


def test_the_phases_are_the_manifests_layers_chained_in_order(dag):
    layers = MANIFEST.layers()
    assert len(layers) == 7
    for number, layer in enumerate(layers, start=1):
        group = f"phase_{number}"
        assert dag.get_task(f"{group}.checkpoint").downstream_task_ids == {f"{group}.{name}" for name in layer} | {
            "rollback.rollback"}
        assert dag.get_task(f"{group}.monitor").upstream_task_ids == {f"{group}.{name}" for name in layer}
        previous = "start.validate_request" if number == 1 else f"phase_{number - 1}.monitor"
        assert previous in dag.get_task(f"{group}.checkpoint").upstream_task_ids
    assert {t for t in dag.task_ids if t.startswith("phase_4.")} == {
        "phase_4.checkpoint", "phase_4.agent-framework-repair", "phase_4.model-system-repair",
        "phase_4.data-pipeline-repair", "phase_4.monitor"}  # the three repair services in parallel


def test_every_application_goes_live_after_everything_it_depends_on(dag):
    for app in MANIFEST.applications:
        [task_id] = [t for t in dag.task_ids if t.endswith(f".{app.name}")]
        ancestors = dag.get_task(task_id).get_flat_relative_ids(upstream=True)
        for dep in app.depends_on:
            [dep_id] = [t for t in dag.task_ids if t.endswith(f".{dep}")]
            assert dep_id in ancestors and _phase_of(dep_id) < _phase_of(task_id)


def test_each_application_is_a_golive_run_that_is_waited_for(dag):
    from golive_airflow.operators.train import TrainGoLiveOperator

    go_live = dag.get_task("phase_2.sandbox-manager")
    assert isinstance(go_live, TrainGoLiveOperator)
    assert go_live.trigger_dag_id == "golive" and go_live.wait_for_completion
    assert go_live.failed_states == ["failed"] and go_live.allowed_states == ["success"]
    assert "['applications']['sandbox-manager']['conf'] | tojson" in go_live.conf
    assert go_live.trigger_run_id == "train__sandbox-manager__{{ run_id }}"


def test_the_rollback_waits_for_every_phase_task_and_the_report_for_the_rollback(dag):
    rollback = dag.get_task("rollback.rollback")
    assert rollback.trigger_rule == "all_done"
    phase_tasks = {t for t in dag.task_ids if t.startswith("phase_")}
    assert rollback.upstream_task_ids == phase_tasks
    report = dag.get_task("finish.final_report")
    assert report.trigger_rule == "all_done" and report.upstream_task_ids == {"rollback.rollback"}


def test_the_params_are_the_train_requests(dag):
    from airflow.sdk.exceptions import ParamValidationError

    assert set(dag.params.keys()) == {"versions", "environment"}
    dag.params.validate()  # the defaults take the manifest live as it is
    for key, bad in (("versions", {"sandbox-manager": "1.0+x"}), ("versions", {"Bad_Name": "1.0.0"}),
                     ("environment", "moon")):
        params = copy.deepcopy(dag.params)
        with pytest.raises(ParamValidationError, match=key):
            params[key] = bad
            params.validate()


def test_the_doc_names_the_phases(dag):
    assert "[agent-framework-repair, model-system-repair, data-pipeline-repair]" in dag.doc_md
