"""The release-train manifest: bad manifests refused with the field named, the layers (phases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from golive.settings import get_settings
from golive.train.manifest import ManifestError, layers, load_manifest, parse_manifest

EXAMPLE = get_settings().train_manifest


def _manifest(*apps: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"name": "t", **top, "applications": [{"version": "1.0.0", **a} for a in apps]}


def _problems(data: Any) -> list[str]:
    with pytest.raises(ManifestError) as err:
        parse_manifest(data, "m.yaml")
    assert str(err.value).startswith("release-train manifest m.yaml refused: ")
    return err.value.problems


def test_the_example_is_plan_002s_ten_agents_in_seven_phases():
    manifest = load_manifest(EXAMPLE)
    assert len(manifest.applications) == 10
    assert manifest.layers() == [
        ["master-orchestrator"], ["sandbox-manager"], ["system-diagnostics"],
        ["agent-framework-repair", "model-system-repair", "data-pipeline-repair"],
        ["performance-tuning", "async-optimization"], ["code-quality"], ["documentation-update"]]
    assert all(a.source is None for a in manifest.applications)  # the bundled sample app under ten names


def test_layers_put_each_node_after_all_it_depends_on_in_manifest_order():
    graph = {"d": ["b", "c"], "b": ["a"], "c": ["a"], "a": [], "e": []}
    assert layers(graph) == [["a", "e"], ["b", "c"], ["d"]]


def test_phase_of_and_golive_conf():
    manifest = parse_manifest(_manifest({"name": "a"}, {"name": "b", "depends_on": ["a"], "quality_threshold": 90},
                                        namespace="apps", environment="staging"))
    assert manifest.phase_of() == {"a": 1, "b": 2}
    conf = manifest.application("b").golive_conf(source="/src", namespace="apps", environment="staging",
                                                 version="2.0.0")
    assert conf == {"application": "b", "version": "2.0.0", "source": "/src", "ref": "HEAD",
                    "environment": "staging", "strategy": "rolling", "quality_threshold": 90.0, "namespace": "apps"}


@pytest.mark.parametrize(("data", "expected"), [
    (_manifest({"name": "a"}, {"name": "a"}), "applications[1].name: 'a' is already the name of applications[0]"),
    (_manifest({"name": "a", "depends_on": ["ghost"]}),
     "applications[0].depends_on[0]: 'ghost' is not an application of this manifest"),
    (_manifest({"name": "a", "depends_on": ["a"]}), "applications[0].depends_on[0]: 'a' depends on itself"),
    (_manifest({"name": "a"}, {"name": "b", "depends_on": ["a", "a"]}),
     "applications[1].depends_on: 'b' names a dependency twice"),
    (_manifest({"name": "a", "depends_on": ["c"]}, {"name": "b", "depends_on": ["a"]},
               {"name": "c", "depends_on": ["b"]}), "applications.depends_on: dependency cycle"),
    (_manifest({"name": "Bad_Name"}), "applications[0].name: String should match pattern"),
    (_manifest({"name": "a", "version": "1.0+build"}), "applications[0].version: String should match pattern"),
    (_manifest({"name": "a", "source": "https://user:tok@example.com/r.git"}),
     "applications[0].source: source must not carry credentials"),
    (_manifest({"name": "a", "source": "../../etc"}), "applications[0].source: source path may not contain a '..'"),
    (_manifest({"name": "a", "ref": "a..b"}), "applications[0].ref: ref 'a..b' is not a branch"),
    (_manifest({"name": "a", "replicas": 3}), "applications[0].replicas: Extra inputs are not permitted"),
    (_manifest({"name": "a", "quality_threshold": 101}), "applications[0].quality_threshold: Input should be less"),
    (_manifest({"name": "a"}, namespace="No"), "namespace: String should match pattern"),
    (_manifest(), "applications: List should have at least 1 item"),
    ({"applications": [{"name": "a", "version": "1"}]}, "name: Field required"),
    ([{"name": "a"}], "manifest: must be a mapping"),
])
def test_a_bad_manifest_is_refused_naming_the_field(data, expected):
    problems = _problems(data)
    assert any(p.startswith(expected) for p in problems), problems


def test_a_cycle_names_its_members():
    problems = _problems(_manifest({"name": "x"}, {"name": "a", "depends_on": ["b"]},
                                   {"name": "b", "depends_on": ["a"]}))
    assert problems in (["applications.depends_on: dependency cycle a → b → a"],
                        ["applications.depends_on: dependency cycle b → a → b"])


def test_every_problem_is_reported_at_once():
    problems = _problems(_manifest({"name": "a", "depends_on": ["zz"]}, {"name": "a"}))
    assert len(problems) == 2


def test_a_credential_in_a_source_is_never_quoted():
    problems = _problems(_manifest({"name": "a", "source": "https://user:s3cr3t-token@example.com/r.git"}))
    assert "s3cr3t" not in " ".join(problems)


def test_load_manifest_reports_unreadable_and_non_yaml_files(tmp_path: Path):
    with pytest.raises(ManifestError, match="cannot be read"):
        load_manifest(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(ManifestError, match="not YAML"):
        load_manifest(bad)
