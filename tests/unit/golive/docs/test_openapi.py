"""The API reference: the sample app's OpenAPI document validated and rendered; broken documents."""

from __future__ import annotations

import json

import yaml

from golive.docs.openapi import find_in_source, read_document, render_reference, validation_errors


def test_the_sample_apps_document_is_valid_and_rendered_with_every_operation(openapi):
    ref = render_reference(openapi, application="shop", origin="http://shop/openapi.json")
    assert ref.errors == []
    paths = {(op.method, op.path) for op in ref.operations}
    expected = {(m.upper(), p) for p, item in openapi["paths"].items() for m in item}
    assert paths == expected and len(paths) >= 8
    assert ref.described_share == 100.0
    for method, path in paths:
        assert f"### {method} `{path}`" in ref.markdown
        assert f"<code>{path}</code>" in ref.html
    assert "| 409 | Username already registered |" in ref.markdown  # a response of the register operation
    assert "RegisterIn" in ref.markdown and 'id="schema-RegisterIn"' in ref.html
    assert "Validation problems" not in ref.markdown


def test_an_invalid_document_lists_the_validators_messages(openapi):
    del openapi["info"]["version"]
    first = next(iter(openapi["paths"].values()))
    first["get"]["responses"]["200"].pop("description")
    errors = validation_errors(openapi)
    assert any(e.startswith("info: ") and "'version' is a required property" in e.replace('"', "'") for e in errors)
    assert any(e.startswith("paths/") and "description" in e for e in errors)
    ref = render_reference(openapi, application="shop", origin="x")
    assert ref.errors == errors
    assert "## Validation problems" in ref.markdown and errors[0] in ref.markdown
    assert "class=\"bad\"" in ref.html


def test_a_document_that_is_no_openapi_at_all_is_one_error():
    assert validation_errors({"paths": {}})[0].startswith("(document): ")


def test_html_escapes_what_the_document_says(openapi):
    openapi["info"]["description"] = "<script>alert(1)</script>"
    ref = render_reference(openapi, application="shop", origin="x")
    assert "<script>alert(1)</script>" not in ref.html and "&lt;script&gt;" in ref.html


def test_the_tree_file_is_found_by_the_profiles_path_then_the_usual_names(tmp_path, openapi):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "openapi.yaml").write_text(yaml.safe_dump(openapi), encoding="utf-8")
    assert find_in_source(tmp_path, None) == (tmp_path / "docs" / "openapi.yaml").resolve()
    (tmp_path / "spec.json").write_text(json.dumps(openapi), encoding="utf-8")
    found = find_in_source(tmp_path, "/spec.json")
    assert found == (tmp_path / "spec.json").resolve()
    assert read_document(found)["info"]["title"] == openapi["info"]["title"]
    assert find_in_source(tmp_path, "/../../etc/passwd") == (tmp_path / "docs" / "openapi.yaml").resolve()
