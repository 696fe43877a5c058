"""The API reference: an application's OpenAPI document validated with openapi-spec-validator and
rendered to static Markdown and HTML (jinja2 templates in ``golive/docs/templates``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.docs.templates import render

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Where a tree usually keeps its OpenAPI document (the profile's ``endpoints.openapi`` is tried first).
SOURCE_CANDIDATES = ("openapi.json", "openapi.yaml", "openapi.yml", "docs/openapi.json", "docs/openapi.yaml",
                     "docs/openapi.yml", "api/openapi.json", "api/openapi.yaml", "swagger.json")


def validation_errors(doc: Mapping[str, Any]) -> list[str]:
    """Every problem openapi-spec-validator finds, as ``<json path>: <validator's message>`` (empty: valid)."""
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import ValidatorDetectError

    try:
        validator = get_validator_cls(doc)
    except ValidatorDetectError as exc:
        return [f"(document): {exc}"]
    errors = []
    for error in validator(doc).iter_errors():
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        errors.append(f"{where}: {error.message.splitlines()[0]}")
    return errors


def read_document(path: Path) -> dict[str, Any]:
    """An OpenAPI document file (JSON or YAML) as a mapping.

    :raises ValueError: the file is not JSON/YAML or not a mapping.
    """
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValueError(f"{path.name}: not {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"{path.name}: an OpenAPI document must be a mapping, got {type(doc).__name__}")
    return doc


def find_in_source(tree: Path, declared: str | None) -> Path | None:
    """The tree's OpenAPI file: the profile's ``endpoints.openapi`` as a path of the tree, else the usual names."""
    candidates = ([declared.lstrip("/")] if declared else []) + list(SOURCE_CANDIDATES)
    for name in candidates:
        path = (tree / name).resolve()
        if path.is_file() and path.is_relative_to(tree.resolve()):
            return path
    return None


@dataclass(frozen=True)
class Operation:
    """One operation of the reference."""

    method: str
    path: str
    summary: str
    description: str
    operation_id: str
    parameters: list[dict[str, str]] = field(default_factory=list)
    request_body: list[str] = field(default_factory=list)
    responses: list[dict[str, str]] = field(default_factory=list)
    deprecated: bool = False

    @property
    def anchor(self) -> str:
        """An HTML id for this operation."""
        return "op-" + "".join(ch if ch.isalnum() else "-" for ch in f"{self.method}-{self.path}").strip("-").lower()

    @property
    def described(self) -> bool:
        """Whether it has a summary or a description."""
        return bool(self.summary or self.description)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _schema_text(schema: Any) -> str:
    if not isinstance(schema, Mapping):
        return ""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema or "oneOf" in schema:
        return " | ".join(_schema_text(s) for s in schema.get("anyOf") or schema.get("oneOf") or [])
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_schema_text(schema.get('items')) or 'any'}"
    return kind + (f" ({schema['format']})" if schema.get("format") else "")


def operations(doc: Mapping[str, Any]) -> list[Operation]:
    """The document's operations, in its path order."""
    ops = []
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, Mapping):
            continue
        shared = [p for p in item.get("parameters") or [] if isinstance(p, Mapping)]
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, Mapping):
                continue
            params = [{"name": str(p.get("name", p.get("$ref", ""))), "in": str(p.get("in", "")),
                       "required": "yes" if p.get("required") else "no", "type": _schema_text(p.get("schema")),
                       "description": str(p.get("description") or "")}
                      for p in [*shared, *(op.get("parameters") or [])] if isinstance(p, Mapping)]
            content = _mapping(_mapping(op.get("requestBody")).get("content"))
            request = [f"{ctype}: {_schema_text(media.get('schema'))}" for ctype, media in content.items()
                       if isinstance(media, Mapping)]
            responses = [{"status": str(code), "description": str((r or {}).get("description") or "")}
                         for code, r in (op.get("responses") or {}).items() if isinstance(r, Mapping | type(None))]
            ops.append(Operation(method=method.upper(), path=str(path), summary=str(op.get("summary") or ""),
                                 description=str(op.get("description") or ""),
                                 operation_id=str(op.get("operationId") or ""), parameters=params,
                                 request_body=request, responses=responses, deprecated=bool(op.get("deprecated"))))
    return ops


def schemas(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's component schemas (OpenAPI 3) or definitions (Swagger 2), with their properties."""
    found = (doc.get("components") or {}).get("schemas") or doc.get("definitions") or {}
    out = []
    for name, schema in found.items():
        if not isinstance(schema, Mapping):
            continue
        required = set(schema.get("required") or [])
        props = [{"name": str(p), "type": _schema_text(s), "required": "yes" if p in required else "no",
                  "description": str((s or {}).get("description") or "")}
                 for p, s in (schema.get("properties") or {}).items() if isinstance(s, Mapping)]
        out.append({"name": str(name), "description": str(schema.get("description") or ""), "properties": props})
    return out


@dataclass(frozen=True)
class ApiReference:
    """The rendered reference and what it was made from."""

    markdown: str
    html: str
    operations: list[Operation]
    errors: list[str]

    @property
    def described_share(self) -> float | None:
        """Share (%) of operations with a summary or description; None without operations."""
        if not self.operations:
            return None
        return round(100.0 * sum(op.described for op in self.operations) / len(self.operations), 2)


def render_reference(doc: Mapping[str, Any], *, application: str, origin: str) -> ApiReference:
    """Validate ``doc`` and render it (an invalid document is rendered too, with its problems listed first).

    :param origin: where the document came from (a URL or a path of the tree), shown in the pages.
    """
    errors = validation_errors(doc)
    info = _mapping(doc.get("info"))
    ops = operations(doc)
    tags: dict[str, list[Operation]] = {}
    for op, raw in zip(ops, _raw_tags(doc), strict=True):
        tags.setdefault(raw, []).append(op)
    view = {"application": application, "origin": origin, "title": str(info.get("title") or application),
            "version": str(info.get("version") or ""), "description": str(info.get("description") or ""),
            "openapi": str(doc.get("openapi") or doc.get("swagger") or ""), "errors": errors,
            "groups": [{"tag": tag, "operations": items} for tag, items in tags.items()],
            "schemas": schemas(doc), "servers": [str(s.get("url")) for s in doc.get("servers") or []
                                                 if isinstance(s, Mapping)]}
    return ApiReference(markdown=render("api_reference.md.j2", view), html=render("api_reference.html.j2", view),
                        operations=ops, errors=errors)


def _raw_tags(doc: Mapping[str, Any]) -> list[str]:
    """The first tag of every operation, in :func:`operations` order ("default" when untagged)."""
    out = []
    for item in (doc.get("paths") or {}).values():
        if not isinstance(item, Mapping):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                tags = op.get("tags") or ["default"]
                out.append(str(tags[0]))
    return out
