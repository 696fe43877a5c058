"""DAG Params generated from the pydantic request models: one schema, validated twice.

The trigger form, ``airflow dags trigger -c`` and ``POST /api/v2/dags/{dag_id}/dagRuns`` validate
conf against these Params; the first task validates again with the pydantic model itself.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Param
from pydantic import BaseModel

_SCHEMA_KEYS = ("type", "enum", "pattern", "minLength", "maxLength", "minimum", "maximum",
                "exclusiveMinimum", "exclusiveMaximum", "format")


def params_from_model(model: type[BaseModel], defaults: dict[str, Any] | None = None) -> dict[str, Param]:
    """One ``Param`` per model field, with the field's title, description and JSON-schema rules.

    :param model: the pydantic model (``GoLiveRequest``, ``QualitySubmission``).
    :param defaults: defaults for fields the model requires (so scheduled runs have a value).
    """
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    defaults = defaults or {}
    params: dict[str, Param] = {}
    for name, field_schema in schema["properties"].items():
        prop = dict(field_schema)
        if "$ref" in prop:
            prop = {**defs[prop.pop("$ref").rsplit("/", 1)[-1]], **prop}
        rules = {k: prop[k] for k in _SCHEMA_KEYS if k in prop}
        default = defaults.get(name, prop.get("default"))
        params[name] = Param(default, title=prop.get("title", name), description=prop.get("description", ""),
                             **rules)
    return params
