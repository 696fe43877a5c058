"""The DAG's Params and the pydantic request model agree on the application profile of the conf."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from golive.models import GoLiveRequest
from golive_airflow.params import params_from_model

BASE = {"application": "shop", "version": "1.0.0", "source": "include/sample_app"}
GOOD: list[Any] = [
    None,
    {},
    {"kind": "library", "languages": ["python"]},
    {"chart": {"ref": "charts/shop", "values": {"prod": ["charts/shop/values-prod.yaml"]}}},
    {"chart": {"ref": "oci://ghcr.io/acme/charts/shop", "version": "1.2.0"}, "image": "ghcr.io/acme/shop"},
    {"endpoints": {"health": "/healthz", "traffic_paths": ["/api/items", "/api/items/{id}"]}},
    {"waivers": [{"rule": "B324", "path": "src/*.py", "reason": "HMAC-SHA1 is the protocol's",
                  "owner": "team-a", "expires": "2027-06-30"}]},
]
BAD: list[Any] = [
    "library",
    {"kind": "website"},
    {"surprise": 1},
    {"chart": {"ref": "../outside"}},
    {"chart": {"ref": "/etc/charts"}},
    {"chart": {"ref": "ftp://host/chart"}},
    {"endpoints": {"health": "healthz"}},
    {"endpoints": {"health": "/a/../b"}},
    {"endpoints": {"traffic_paths": ["//evil"]}},
    {"image": "GHCR.io/Acme/Shop"},
    {"thresholds": {"quality": 101}},
    {"waivers": [{"rule": "B324", "path": "/etc/*", "reason": "because we must", "owner": "a",
                  "expires": "2027-01-01"}]},
    {"tests": {"command": "pytest -q"}},
]


@pytest.fixture(scope="module")
def profile_param() -> Any:
    return params_from_model(GoLiveRequest)["profile"]


def _param_accepts(param: Any, value: Any) -> bool:
    try:
        param.resolve(value)
    except Exception:
        return False
    return True


def _model_accepts(value: Any) -> bool:
    try:
        GoLiveRequest.model_validate({**BASE, "profile": value})
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("value", GOOD, ids=repr)
def test_params_and_model_accept_the_same_profiles(profile_param: Any, value: Any) -> None:
    assert _param_accepts(profile_param, value) and _model_accepts(value)


@pytest.mark.parametrize("value", BAD, ids=repr)
def test_params_and_model_refuse_the_same_profiles(profile_param: Any, value: Any) -> None:
    assert not _param_accepts(profile_param, value), "the Params accept what the model refuses"
    assert not _model_accepts(value)


def test_the_param_carries_the_whole_schema_with_its_definitions(profile_param: Any) -> None:
    schema = profile_param.schema
    assert schema["type"] == ["object", "null"] and "ApplicationProfile" in schema["$defs"]
    assert profile_param.description.startswith("The application's golive.yaml")


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("ref", "main", True), ("ref", "release/2.1", True), ("ref", "v1.2.0", True), ("ref", "3f2a9c1", True),
    ("ref", "a..b", False), ("ref", "../x", False), ("ref", "-x", False), ("ref", "feat//x", False),
    ("ref", "x/.hidden", False), ("ref", "x.lock", False), ("ref", "x@{1}", False), ("ref", "x/", False),
    ("version", "1.4.2", True), ("version", "2026.12.02-rc_1", True), ("version", "1.0.0+build.7", False),
    ("version", ".1", False), ("version", "-1", False), ("version", "x" * 129, False),
])
def test_params_and_model_agree_on_refs_and_versions(field: str, value: str, ok: bool) -> None:
    param = params_from_model(GoLiveRequest)[field]
    assert _param_accepts(param, value) is ok
    try:
        GoLiveRequest.model_validate({**BASE, field: value})
    except ValidationError:
        accepted = False
    else:
        accepted = True
    assert accepted is ok


_SOURCE_TEXT = st.builds(lambda prefix, rest: prefix + rest,
                         st.sampled_from(["", "/", "https://", "ssh://", "ssh://u:p@", "git@", "file://", "file:///",
                                          "http://", "-", "..", "./", " ", "/srv/apps", "file:///srv/apps"]),
                         st.text(alphabet="ab/.-@:_ \t\n\x00\x7f~%", max_size=30))


@settings(max_examples=600, deadline=None)
@given(source=_SOURCE_TEXT, roots=st.sampled_from([[Path("/")], [Path("/srv/apps"), Path("/tmp")]]))
def test_the_params_never_accept_a_source_the_model_refuses(source: str, roots: list[Path]) -> None:
    param = params_from_model(GoLiveRequest, source_roots=roots)["source"]
    if _param_accepts(param, source):
        GoLiveRequest.model_validate({**BASE, "source": source})


def test_committed_request_schemas_are_the_models_own():
    from golive_airflow.params import SCHEMAS_FILE, schemas_text

    assert SCHEMAS_FILE.read_text(encoding="utf-8") == schemas_text(), "run: python -m golive_airflow.params"


def test_the_params_of_the_committed_schema_are_those_of_the_generated_one(monkeypatch):
    from golive_airflow import params as module

    committed = {name: p.schema for name, p in params_from_model(GoLiveRequest).items()}
    monkeypatch.setattr(module, "MODELS", ())
    generated = {name: p.schema for name, p in params_from_model(GoLiveRequest).items()}
    assert committed == generated
