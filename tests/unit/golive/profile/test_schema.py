"""The published JSON schema of golive.yaml is the one the model generates."""

from __future__ import annotations

import json

import jsonschema
import yaml
from repo_paths import REPO

from golive.profile.schema import main, profile_schema, schema_text

from .test_model import FULL


def test_committed_schema_is_current():
    committed = (REPO / "docs" / "golive.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: python -m golive.profile.schema docs/golive.schema.json"


def test_schema_accepts_the_full_example_and_rejects_extras():
    validator = jsonschema.Draft202012Validator(profile_schema())
    example = yaml.safe_load(FULL)
    example["waivers"][0]["expires"] = "2030-01-31"
    assert list(validator.iter_errors(example)) == []
    assert list(validator.iter_errors({"colour": "blue"}))
    assert list(validator.iter_errors({"kind": "daemon"}))


def test_main_writes_the_file(tmp_path, capsys):
    assert main([str(tmp_path / "s.json")]) == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["title"].startswith("golive")
    assert main([]) == 0 and capsys.readouterr().out == schema_text()
