"""DAG Params generated from the pydantic request models: one schema, validated twice.

The trigger form, ``airflow dags trigger -c`` and ``POST /api/v2/dags/{dag_id}/dagRuns`` validate
conf against these Params; the first task validates again with the pydantic model itself.

The models' JSON schemas are generated once and committed (``request_schemas.json``, written by
``python -m golive_airflow.params``; a unit test fails when it differs from the models): generating
``GoLiveRequest``'s schema costs more than a third of the golive DAG file's own parse time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from airflow.sdk import Param
from airflow.sdk.definitions.param import ParamsDict
from pydantic import BaseModel

from golive.patterns import SOURCE, source_pattern
from golive.settings import get_settings

#: The committed JSON schema of each request model, by class name.
SCHEMAS_FILE = Path(__file__).with_name("request_schemas.json")
#: The models whose schemas are committed.
MODELS = ("GoLiveRequest", "QualitySubmission", "RepairRequest", "MaintenanceRequest", "FeedbackRequest",
          "TrainRequest")

_SCHEMA_KEYS = ("type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                "exclusiveMinimum", "exclusiveMaximum", "format")


def params_from_model(model: type[BaseModel], defaults: dict[str, Any] | None = None,
                      source_roots: Sequence[Path] | None = None) -> dict[str, Param]:
    """One ``Param`` per model field, with the field's title, description and JSON-schema rules.

    A source field's pattern (``golive.patterns.SOURCE``) is narrowed to the allowed source roots
    (``source_pattern``), so the trigger form, the CLI and the REST API refuse ``/root`` at the door.

    :param model: the pydantic model (``GoLiveRequest``, ``QualitySubmission``).
    :param defaults: defaults for fields the model requires (so scheduled runs have a value).
    :param source_roots: the allowed source roots (default: the settings' ``allowed_source_roots``).
    """
    roots = get_settings().allowed_source_roots if source_roots is None else source_roots
    schema = model_schema(model)
    defs = schema.get("$defs", {})
    defaults = defaults or {}
    params: dict[str, Param] = {}
    for name, field_schema in schema["properties"].items():
        prop = dict(field_schema)
        if "$ref" in prop:
            prop = {**defs[prop.pop("$ref").rsplit("/", 1)[-1]], **prop}
        default = defaults.get(name, prop.get("default"))
        if _is_object(prop):
            params[name] = Param(default, title=prop.get("title", name), description=prop.get("description", ""),
                                 **_object_rules(prop, defs))
            continue
        rules = {k: prop[k] for k in _SCHEMA_KEYS if k in prop}
        if rules.get("pattern") == SOURCE:
            rules["pattern"] = source_pattern([str(r) for r in roots])
        params[name] = Param(default, title=prop.get("title", name), description=prop.get("description", ""),
                             **rules)
    return params


@cache
def _committed_schemas() -> dict[str, Any]:
    return json.loads(SCHEMAS_FILE.read_text(encoding="utf-8")) if SCHEMAS_FILE.is_file() else {}


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema: the committed one for the request models, else generated."""
    committed = _committed_schemas().get(model.__name__) if model.__name__ in MODELS else None
    return json.loads(json.dumps(committed)) if committed is not None else model.model_json_schema()


def schemas_text() -> str:
    """What ``request_schemas.json`` holds: every request model's generated JSON schema."""
    import golive.models

    schemas = {name: getattr(golive.models, name).model_json_schema() for name in MODELS}
    return json.dumps(schemas, indent=1, sort_keys=True) + "\n"


def _is_object(prop: dict[str, Any]) -> bool:
    """True for a nested model field (``ApplicationProfile | None``): an object, or an object or null."""
    options = prop.get("anyOf", [prop])
    return any(o.get("type") == "object" or "$ref" in o for o in options)


def _object_rules(prop: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The whole JSON schema of a nested model field, with the definitions its ``$ref``s name."""
    rules = {k: v for k, v in prop.items() if k not in ("title", "description", "default")}
    if "anyOf" in rules:
        types = ["null" if o.get("type") == "null" else "object" for o in rules["anyOf"]]
        rules["type"] = sorted(set(types), key=types.index)
    return {**rules, "$defs": defs}


def attach_params(dag: Any, model: type[BaseModel], defaults: dict[str, Any] | None = None) -> None:
    """Give a built DAG the Params of ``model``.

    Called after the tasks exist, on purpose: a DAG constructed with ``params=`` deep-copies them
    into every task (about 1 ms a task, ten times the rest of a task's parse cost), while at run
    time Airflow merges the DAG's Params into each task's context anyway (``process_params``), and
    the trigger form, the CLI and the REST API validate against the DAG's Params.
    """
    dag.params = ParamsDict(params_from_model(model, defaults))


if __name__ == "__main__":
    SCHEMAS_FILE.write_text(schemas_text(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMAS_FILE}\n")
