"""The door of a go-live (``tasks.validate_request`` behind the DAG's Params): a corpus of hostile confs,
each refused by the Params' JSON schema and by the request model with a message naming the field,
nothing recorded beyond the rejection and no credential echoed."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from airflow.sdk.definitions.param import ParamsDict
from airflow.sdk.exceptions import ParamValidationError
from sqlalchemy import select

from golive.ledger import schema as t
from golive.models import FeedbackRequest, GoLiveRequest, MaintenanceRequest, QualitySubmission, RepairRequest
from golive.patterns import MAX_APP_LENGTH
from golive_airflow.dag_defaults import SAMPLE_APP_SOURCE, SAMPLE_REQUEST
from golive_airflow.exceptions import GoLiveConfError
from golive_airflow.hooks.ledger import LedgerHook
from golive_airflow.params import params_from_model
from golive_airflow.tasks import format_validation_error, validate_request, validated_conf

REPO = Path(__file__).resolve().parents[3]
TOKEN = "ghp_s3cr3tT0kenValue"  # the credential the corpus must never see echoed

#: (field, hostile value): REST bodies and ``airflow dags trigger -c`` JSON carry the same shapes.
HOSTILE: list[tuple[str, Any]] = [
    ("source", f"https://deploy:{TOKEN}@github.com/acme/shop.git"),
    ("source", f"https://{TOKEN}@github.com/acme/shop.git"),
    ("source", f"ssh://git:{TOKEN}@github.com/acme/shop.git"),
    ("source", "../../../../etc"),
    ("source", "/root"),
    ("source", "/etc/passwd"),
    ("source", "file:///etc"),
    ("source", f"file://{REPO}/../../etc"),
    ("source", "--upload-pack=touch /tmp/pwned"),
    ("source", "ftp://host/repo.git"),
    ("source", "https://host/repo with spaces"),
    ("source", "include/\x00sample_app"),
    ("source", "x" * 5000),
    ("source", 42),
    ("source", "   "),
    ("source", "\t/root"),
    ("application", "a" * (MAX_APP_LENGTH + 1)),
    ("application", "Shop_API"),
    ("application", "-shop"),
    ("application", "x" * 100_000),
    ("application", ""),
    ("version", "1.0.0+build.7"),
    ("version", "1" * 64),
    ("version", "1.0-"),
    ("version", ".1"),
    ("version", "1.0 0"),
    ("ref", "a..b"),
    ("ref", "../x"),
    ("ref", "x@{1}"),
    ("ref", "topic.lock"),
    ("ref", "feat/.hidden"),
    ("ref", "-rf"),
    ("ref", "feat//x"),
    ("ref", "x/"),
    ("ref", "main; rm -rf /"),
    ("ref", "r" * 201),
    ("namespace", "kube system"),
    ("environment", "production"),
    ("strategy", "big-bang"),
    ("quality_threshold", 101),
    ("quality_threshold", -1),
    ("quality_threshold", "90; DROP TABLE runs"),
    ("profile", {"chart": {"ref": "../outside"}}),
    ("profile", {"tests": {"command": "pytest -q"}}),
]


def _conf(field: str, value: Any) -> dict[str, Any]:
    return {**SAMPLE_REQUEST, field: value}


class FakeTI:
    run_id, dag_id, task_id, try_number = "manual__hostile", "golive", "start.validate_request", 1


def _door(model: type, conf: dict[str, Any]) -> dict[str, Any]:
    return validate_request(model, {"ti": FakeTI(), "params": conf, "logical_date": None})


def _params_refuse(model: type, conf: dict[str, Any]) -> str:
    """The Params' message for ``conf`` (Airflow's path: each conf key resolved against its Param)."""
    params = copy.deepcopy(ParamsDict(params_from_model(model, SAMPLE_REQUEST)))
    with pytest.raises(ParamValidationError) as info:
        for key, value in conf.items():
            params[key] = value
        params.validate()
    return str(info.value)


def _rows(table: t.Table) -> list[dict[str, Any]]:
    with LedgerHook().get_conn().engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


@pytest.mark.parametrize(("field", "value"), HOSTILE, ids=lambda v: repr(v)[:40])
def test_hostile_confs_are_refused_by_params_and_model_naming_the_field(golive_home, field, value):
    conf = _conf(field, value)
    assert f"Invalid input for param {field}:" in _params_refuse(GoLiveRequest, conf)
    with pytest.raises(GoLiveConfError) as info:
        _door(GoLiveRequest, conf)
    message = str(info.value)
    assert re.search(rf"(^|: |; ){field}\b", message.removeprefix("conf rejected: ")), message
    assert TOKEN not in message
    runs = _rows(t.runs)
    assert [(r["run_id"], r["status"]) for r in runs] == [("manual__hostile", "rejected")]
    assert TOKEN not in json.dumps(runs, default=str)
    assert _rows(t.applications) == [] and _rows(t.submissions) == [] and _rows(t.evaluations) == []


def test_a_submission_with_credentials_is_refused_and_nothing_names_the_token(golive_home):
    conf = {"application": "shop", "source": f"https://ci:{TOKEN}@git.example.com/shop.git", "ref": "main"}
    assert "Invalid input for param source:" in _params_refuse(QualitySubmission, conf)
    with pytest.raises(GoLiveConfError, match=r"source: .*must not carry credentials") as info:
        _door(QualitySubmission, conf)
    assert TOKEN not in str(info.value)
    assert _rows(t.submissions) == [] and _rows(t.applications) == []
    assert TOKEN not in json.dumps(_rows(t.runs), default=str)


def test_the_model_error_never_quotes_the_source():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        GoLiveRequest.model_validate(_conf("source", f"https://u:{TOKEN}@h/x.git"))
    assert TOKEN not in str(info.value) and TOKEN not in format_validation_error(info.value)


@pytest.mark.parametrize("source", [
    SAMPLE_APP_SOURCE, "include/sample_app", "tests/data/projects/humanize", str(REPO / "tests/data/projects/vary"),
    "https://github.com/acme/shop.git", "ssh://git@github.com/acme/shop.git", "git@github.com:acme/shop.git",
    (REPO / "tests/data/projects/humanize").as_uri(),
])
def test_good_sources_pass_both_and_local_ones_are_made_absolute(golive_home, source):
    conf = _conf("source", source)
    params = copy.deepcopy(ParamsDict(params_from_model(GoLiveRequest, SAMPLE_REQUEST)))
    for key, value in conf.items():
        params[key] = value
    params.validate()
    accepted = _door(GoLiveRequest, conf)
    if "://" in source or source.startswith("git@"):
        assert accepted["source"] == source
    else:
        assert Path(accepted["source"]).is_absolute() and Path(accepted["source"]).is_dir()
    assert [r["status"] for r in _rows(t.runs)] == ["accepted"]


def test_a_symlink_out_of_the_root_is_refused_at_the_door(golive_home, tmp_path, monkeypatch):
    root = tmp_path / "root"
    (root / "apps").mkdir(parents=True)
    (root / "apps" / "escape").symlink_to("/etc")
    monkeypatch.setenv("GOLIVE_SOURCE_ROOTS", str(root))
    monkeypatch.setenv("GOLIVE_SOURCE_ROOT", str(root))
    with pytest.raises(GoLiveConfError, match="source: /etc is outside the allowed source roots"):
        _door(GoLiveRequest, _conf("source", "apps/escape"))
    assert [r["status"] for r in _rows(t.runs)] == ["rejected"]


#: (model, field, hostile value) for the other DAGs' confs: each DAG's Params come from its model, and its
#: first task validates again with that model (``validated_conf``, or ``validate_request`` with a record).
OTHER_DAGS: list[tuple[type, str, Any]] = [
    (QualitySubmission, "source", "../../../../etc"),
    (QualitySubmission, "ref", "a..b"),
    (QualitySubmission, "submitted_by", ""),
    (QualitySubmission, "submitted_by", "x" * 201),
    (QualitySubmission, "quality_threshold", 100.5),
    (QualitySubmission, "application", "Shop_API"),
    (RepairRequest, "source", f"https://{TOKEN}@github.com/acme/shop.git"),
    (RepairRequest, "source", "/root"),
    (RepairRequest, "ref", "-rf"),
    (RepairRequest, "application", "a" * (MAX_APP_LENGTH + 1)),
    (MaintenanceRequest, "application", "Bad_App"),
    (MaintenanceRequest, "application", "-shop"),
    (MaintenanceRequest, "retention_days", 0),
    (MaintenanceRequest, "retention_days", 3651),
    (MaintenanceRequest, "retention_days", "30"),
    (MaintenanceRequest, "retention_days", 7.5),
    (FeedbackRequest, "application", "shop api"),
    (FeedbackRequest, "url", f"https://user:{TOKEN}@shop.example.com"),
    (FeedbackRequest, "url", "ftp://shop.example.com"),
    (FeedbackRequest, "url", "http://shop.example.com/#frag"),
    (FeedbackRequest, "url", "http://shop.example.com:99999"),
    (FeedbackRequest, "url", "http://" + "h" * 2100),
]
DEFAULTS = {QualitySubmission: {"application": "shop", "source": SAMPLE_APP_SOURCE},
            RepairRequest: {"application": "shop", "source": SAMPLE_APP_SOURCE},
            MaintenanceRequest: {}, FeedbackRequest: {}}


@pytest.mark.parametrize(("model", "field", "value"), OTHER_DAGS, ids=lambda v: getattr(v, "__name__", repr(v)[:30]))
def test_every_dags_conf_is_refused_by_its_params_and_its_model_naming_the_field(golive_home, model, field, value):
    conf = {**DEFAULTS[model], field: value}
    assert f"Invalid input for param {field}:" in _params_refuse(model, conf)
    door = _door if "source" in model.model_fields else validated_conf  # a source is resolved against the roots
    with pytest.raises(GoLiveConfError) as info:
        door(model, conf)
    message = str(info.value)
    assert re.search(rf"(^|: |; ){field}\b", message.removeprefix("conf rejected: ")), message
    assert TOKEN not in message
    recorded = [(r["run_id"], r["status"]) for r in _rows(t.runs)]
    assert recorded == ([("manual__hostile", "rejected")] if door is _door else [])
    assert TOKEN not in json.dumps(_rows(t.runs), default=str)
    assert _rows(t.applications) == [] and _rows(t.submissions) == []


@pytest.mark.parametrize("model", [MaintenanceRequest, FeedbackRequest])
def test_a_scheduled_run_has_no_conf_and_both_layers_accept_it(model):
    params = copy.deepcopy(ParamsDict(params_from_model(model)))
    params.validate()
    assert validated_conf(model, {}) == {name: field.default for name, field in model.model_fields.items()}


@pytest.mark.parametrize("url", ["", "http://shop.ns.svc:8080", "https://shop.example.com/path?q=1", "http://[::1]:65535/",
                                 "http://127.0.0.1"])
def test_a_good_feedback_url_passes_both_layers(url):
    params = copy.deepcopy(ParamsDict(params_from_model(FeedbackRequest)))
    params["url"] = url
    params.validate()
    assert validated_conf(FeedbackRequest, {"url": url})["url"] == url.rstrip("/")
