"""The doc_quality analyzer on vendored projects: a JavaScript package (JSDoc count) and a Python one."""

from __future__ import annotations

import json
import shutil

from node_tools import needs_eslint
from repo_paths import REPO

from golive.analyzers.base import Context, guarded
from golive.analyzers.docs.quality import run_doc_quality
from golive.docs.store import ArtifactStore
from golive.settings import get_settings

PROJECTS = REPO / "tests" / "data" / "projects"


def run(tree, tmp_path, profile: dict, monkeypatch):
    monkeypatch.setenv("GOLIVE_PROFILE", json.dumps(profile))
    get_settings.cache_clear()
    try:
        ctx = Context(agent="documentation", source=tree, options={
            "app_name": "lib", "docs_store": (tmp_path / "d").as_uri(), "docs_run": "r", "links_online": False})
        result = guarded("doc_quality", run_doc_quality, ctx)
    finally:
        get_settings.cache_clear()
    assert result.error is None, result.error
    return result, {m.name: m for m in result.measurements}


@needs_eslint
def test_jsdoc_coverage_of_content_type(tmp_path, monkeypatch):
    _, m = run(PROJECTS / "content-type", tmp_path, {"kind": "library", "languages": ["node"]}, monkeypatch)
    jsdoc = m["jsdoc_coverage"]
    assert jsdoc.applicable and jsdoc.value is not None and 0 < jsdoc.value <= 100
    assert "JavaScript/TypeScript units documented" in jsdoc.detail
    assert not m["python_docstring_coverage"].applicable
    assert m["external_links_broken"].value is None and "not checked: offline" in m["external_links_broken"].detail
    assert m["readme_sections"].value == 50.0  # Installation and API; no configuration, no tests section
    report = ArtifactStore((tmp_path / "d").as_uri()).read_text("lib/runs/r/documentation-quality.md")
    assert "jsdoc_coverage" in report and "configuration: missing" in report


def test_python_docstrings_and_a_broken_anchor_of_humanize(tmp_path, monkeypatch):
    tree = tmp_path / "humanize"
    shutil.copytree(PROJECTS / "humanize", tree)
    with (tree / "README.md").open("a", encoding="utf-8") as fh:
        fh.write("\nSee [nowhere](#no-such-section).\n")
    result, m = run(tree, tmp_path, {"kind": "library", "languages": ["python"]}, monkeypatch)
    assert m["python_docstring_coverage"].value is not None and m["python_docstring_coverage"].value > 50
    assert not m["jsdoc_coverage"].applicable
    assert m["local_links_broken"].value == 1 and "#no-such-section" in m["local_links_broken"].detail
    assert any(f.rule_id == "broken-link" and f.path == "README.md" for f in result.findings)
