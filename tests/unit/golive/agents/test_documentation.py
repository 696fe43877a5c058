"""The documentation agent against the running sample app: its gate, its artifacts, a bad OpenAPI
document (a finding with the validator's message, a failed key criterion), a library, the CLI."""

from __future__ import annotations

import json
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml
from local_http import serving
from repo_paths import REPO

from golive.agents import documentation
from golive.analyzers.base import Context, guarded
from golive.analyzers.docs.runbooks import run_runbooks
from golive.docs.store import ArtifactStore, runbook_base_url
from golive.gates.documentation import DOCUMENTATION
from golive.models import AnalyzerResult, CriterionStatus, VerdictStatus
from golive.monitoring import ServiceSLOs, render_all

SAMPLE_APP = REPO / "include" / "sample_app"
PUBLIC = "http://127.0.0.1:8080/golive/docs"


@pytest.fixture(scope="module")
def sample_app(sample_app_factory):
    return sample_app_factory("docs-agent")


@pytest.fixture
def tree(tmp_path) -> Path:
    """The sample app's tree with the PrometheusRule the monitoring phase renders for it."""
    tree = tmp_path / "src"
    shutil.copytree(SAMPLE_APP, tree, ignore=shutil.ignore_patterns("__pycache__", ".venv"))
    slos = ServiceSLOs(application="shop", namespace="apps", runbook_base_url=runbook_base_url(PUBLIC, "shop"))
    (tree / "rule.yaml").write_text(yaml.safe_dump(render_all(slos).rule), encoding="utf-8")
    return tree


def run_cli(capsys, *argv: str) -> tuple[int, dict]:
    code = documentation.main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def common(url: str, tree: Path, store: Path) -> list[str]:
    return ["--url", url, "--source", str(tree), "--app-name", "shop", "--namespace", "apps",
            "--docs-store", store.as_uri(), "--docs-public-url", PUBLIC, "--docs-run", "manual__1",
            "--no-links-online"]


def test_the_gate_passes_the_sample_app_and_writes_every_artifact(sample_app, tree, tmp_path, capsys):
    store = tmp_path / "docs"
    code, out = run_cli(capsys, "document", *common(sample_app.url, tree, store), "--rules-file", "rule.yaml")
    verdict = out["verdict"]
    assert code == 0 and verdict["status"] == "PASS", verdict["reasons"]
    by_name = {c["name"]: c for c in verdict["criteria"]}
    assert by_name["openapi_valid"]["value"] == 1 and by_name["runbooks_resolved"]["value"] == 100
    assert by_name["jsdoc_coverage"]["status"] == "not-applicable"  # a Python-only tree
    assert by_name["external_links_broken"]["status"] == "not-applicable"  # its README links nowhere on the web
    artifacts = {k: v for r in out["results"] for k, v in r["details"]["artifacts"].items()}
    assert {"api_reference_html", "api_reference_md", "openapi", "documentation_quality_html",
            "runbook_high-error-rate", "runbook_target-down"} <= set(artifacts)
    docs = ArtifactStore(store.as_uri())
    for url in artifacts.values():
        assert docs.exists(docs.rel_of(url))
    assert "GET `/api/v1/items`" in (store / "shop/runs/manual__1/api-reference.md").read_text()
    assert (store / "shop/runbooks/high-latency-p95.html").is_file()


class _BadSpec(BaseHTTPRequestHandler):
    def do_GET(self):
        doc = {"openapi": "3.1.0", "info": {"title": "broken"},
               "paths": {"/a": {"get": {"responses": {"200": {}}}}}}
        body = json.dumps(doc).encode() if self.path == "/openapi.json" else b"{}"
        self.send_response(200 if self.path == "/openapi.json" else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_an_invalid_openapi_document_fails_the_key_criterion_with_the_validators_message(tmp_path, capsys):
    with serving(_BadSpec) as url:
        code, out = run_cli(capsys, "analyze", "--tool", "api_reference", "--url", url, "--app-name", "shop",
                            "--docs-store", (tmp_path / "d").as_uri(), "--docs-run", "r1")
    assert code == 0
    valid = next(m for m in out["measurements"] if m["name"] == "openapi_valid")
    assert valid["value"] == 0 and "2 problem(s)" in valid["detail"]
    messages = [f["message"] for f in out["findings"]]
    assert any("version" in m and "required property" in m for m in messages)
    assert any(m.startswith("paths//a/get/responses/200: ") and "description" in m for m in messages)
    verdict = DOCUMENTATION.score([AnalyzerResult.model_validate(out)])
    criterion = next(c for c in verdict.criteria if c.name == "openapi_valid")
    assert criterion.status is CriterionStatus.FAIL and verdict.status is VerdictStatus.FAIL
    assert "Validation problems" in (tmp_path / "d/shop/runs/r1/api-reference.md").read_text()


def test_a_library_without_an_api_is_not_applicable(tmp_path, monkeypatch):
    from golive.analyzers.docs.apiref import run_api_reference
    from golive.settings import get_settings

    monkeypatch.setenv("GOLIVE_PROFILE", json.dumps({"kind": "library", "languages": ["python"]}))
    get_settings.cache_clear()
    try:
        ctx = Context(agent="documentation", source=tmp_path, options={"docs_store": (tmp_path / "d").as_uri()})
        result = guarded("api_reference", run_api_reference, ctx)
    finally:
        get_settings.cache_clear()
    assert [m.applicable for m in result.measurements] == [False, False]
    assert "library serves no HTTP API" in result.measurements[0].detail


def test_a_service_that_declares_no_openapi_document_is_not_applicable(tmp_path, monkeypatch):
    from golive.analyzers.docs.apiref import run_api_reference
    from golive.settings import get_settings

    monkeypatch.setenv("GOLIVE_PROFILE", json.dumps({"kind": "service", "endpoints": {"openapi": False}}))
    get_settings.cache_clear()
    try:
        ctx = Context(agent="documentation", source=tmp_path, url="http://127.0.0.1:9",
                      options={"docs_store": (tmp_path / "d").as_uri()})
        result = guarded("api_reference", run_api_reference, ctx)
    finally:
        get_settings.cache_clear()
    assert result.error is None and [m.applicable for m in result.measurements] == [False, False]
    assert "endpoints.openapi: false" in result.measurements[0].detail


def test_runbooks_read_the_applied_configmap_and_no_rules_is_no_data(tree, tmp_path, monkeypatch):
    rule = (tree / "rule.yaml").read_text()
    applied: dict[tuple[str, str, str | None], dict] = {
        ("ConfigMap", "shop-prometheus-rules", "apps"): {"data": {"prometheus-rule.yaml": rule}}}
    monkeypatch.setattr("golive.kube.objects.get",
                        lambda kind, name, ns, client=None, **kw: applied.get((kind, name, ns)))
    ctx = Context(agent="documentation", source=tree, options={
        "app_name": "shop", "namespace": "apps", "docs_store": (tmp_path / "d").as_uri(), "docs_public_url": PUBLIC})
    found = run_runbooks(ctx, client=object())
    applied.clear()
    none = run_runbooks(ctx, client=object())
    assert found.measurements[0].value == 100 and len(found.details["alerts"]) >= 4
    assert none.measurements[0].value is None and "applied no rules" in none.measurements[0].detail


def test_bad_input_is_refused_before_anything_runs(capsys):
    with pytest.raises(SystemExit) as exc:
        documentation.main(["analyze", "--tool", "doc_quality", "--url", "http://x", "--docs-store", "ftp://x/y"])
    assert exc.value.code == 2 and "--docs-store" in capsys.readouterr().err
