"""The release train's validation task: conf and manifest checked again, the run and its go-lives
recorded, each application's golive conf planned; a bad conf refused naming the field, recording only
the rejection."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from golive.settings import get_settings
from golive.train.manifest import load_manifest
from golive_airflow import train
from golive_airflow.exceptions import GoLiveConfError
from golive_airflow.hooks.ledger import LedgerHook

MANIFEST = get_settings().train_manifest
LAYERS = load_manifest(MANIFEST).layers()


def _context(run_id: str, **params):
    return {"ti": SimpleNamespace(run_id=run_id, dag_id="golive_release_train", task_id="start.validate_request",
                                  try_number=1), "params": {"versions": {}, "environment": None, **params}}


def test_validate_plans_each_go_live_and_records_the_run(golive_home):
    plan = train.validate(_context("t1", versions={"code-quality": "1.2.0"}, environment="staging"),
                          str(MANIFEST), LAYERS)
    assert plan["phases"] == LAYERS and plan["train"] == "agents"
    quality = plan["applications"]["code-quality"]
    assert quality["phase"] == 6 and quality["golive_run_id"] == "train__code-quality__t1"
    assert quality["conf"]["version"] == "1.2.0" and quality["conf"]["environment"] == "staging"
    assert Path(quality["conf"]["source"]) == get_settings().sample_app_source.resolve()
    ledger = LedgerHook().get_conn()
    assert ledger.run_record("t1")["status"] == "accepted"
    apps = ledger.train_report("t1")["applications"]
    assert len(apps) == 10 and {a["status"] for a in apps} == {"planned"}


@pytest.mark.parametrize(("params", "message"), [
    ({"versions": {"ghost": "1.0.0"}}, "versions.ghost: not an application of the manifest agents"),
    ({"versions": {"code-quality": "1.0+x"}}, "versions.code-quality"),
    ({"environment": "moon"}, "environment"),
])
def test_a_bad_conf_is_refused_naming_the_field_and_only_the_rejection_recorded(golive_home, params, message):
    with pytest.raises(GoLiveConfError, match=message.replace("+", r"\+")):
        train.validate(_context("t2", **params), str(MANIFEST), LAYERS)
    ledger = LedgerHook().get_conn()
    assert ledger.run_record("t2")["status"] == "rejected"
    assert ledger.train_report("t2") is None


def test_a_manifest_changed_since_the_parse_is_refused(golive_home, tmp_path):
    changed = tmp_path / "train.yaml"
    changed.write_text("name: other\napplications:\n  - {name: a, version: 1.0.0}\n")
    with pytest.raises(GoLiveConfError, match="changed since the DAG was parsed"):
        train.validate(_context("t3"), str(changed), LAYERS)
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\napplications:\n  - {name: a, version: 1.0.0, depends_on: [b]}\n")
    with pytest.raises(GoLiveConfError, match=r"applications\[0\].depends_on\[0\]: 'b' is not an application"):
        train.validate(_context("t4"), str(bad), LAYERS)
