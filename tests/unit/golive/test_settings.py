"""Settings derived from the environment: the report directory of a run and the allowed source roots."""

import os
from pathlib import Path

import pytest

from golive.settings import GoliveSettings, safe_name


@pytest.mark.parametrize("run_id", ["..", ".", "...", "../..", "../etc", "a/../../b", "/abs", ".hidden", "", "ü"])
def test_a_run_id_never_maps_the_report_dir_onto_or_above_the_reports(tmp_path, run_id):
    settings = GoliveSettings(home=tmp_path / "home")
    path = settings.run_report_dir(run_id)
    assert path.parent == settings.reports and path.resolve().parent == settings.reports.resolve()
    assert not path.name.startswith(".") and "/" not in path.name and path.name


def test_distinct_run_ids_get_distinct_directories_and_plain_ones_stay_readable(tmp_path):
    settings = GoliveSettings(home=tmp_path)
    ids = ["manual__2026-12-03T06:16:15+00:00", "manual__2026-12-03T06_16_15_00_00", "a:b", "a_b", "..", "._"]
    assert len({settings.run_report_dir(i) for i in ids}) == len(ids)
    assert safe_name("scheduled__2026-12-03") == "scheduled__2026-12-03"
    assert safe_name("a:b").startswith("a_b-")


def test_source_roots_are_a_path_list_and_always_allow_the_sample_app(tmp_path, monkeypatch):
    monkeypatch.setenv("GOLIVE_SOURCE_ROOTS", os.pathsep.join([str(tmp_path / "a"), str(tmp_path / "b")]))
    roots = GoliveSettings().allowed_source_roots
    assert roots[:2] == [(tmp_path / "a").resolve(), (tmp_path / "b").resolve()]
    assert GoliveSettings().sample_app_source.resolve() in roots
    monkeypatch.delenv("GOLIVE_SOURCE_ROOTS")
    monkeypatch.setenv("GOLIVE_SOURCE_ROOT", str(tmp_path))
    assert GoliveSettings().allowed_source_roots[0] == Path(tmp_path).resolve()
