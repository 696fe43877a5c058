"""What the live checks read from the application's OpenAPI document: an API path, the sign-up endpoint."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from golive import http as app_http
from golive.analyzers.live.client import send

#: Paths that are never an API path to hammer (probes, metrics, documentation).
NOT_API = re.compile(r"^/(health|healthz|livez|readyz|ready|metrics|version|openapi|docs|redoc|swagger)",
                      re.IGNORECASE)


def fetch_openapi(client: httpx.Client) -> dict[str, Any] | None:
    """The application's OpenAPI document (:func:`golive.http.find_openapi`), or None."""
    found = app_http.find_openapi(lambda path: send(client, "GET", path))
    return found[1] if found else None


def api_path(doc: Mapping[str, Any] | None, override: str | None = None) -> str | None:
    """A GET path of the API without path parameters (``/api/...`` preferred), or ``override``."""
    if override:
        return override if override.startswith("/") else f"/{override}"
    if not doc:
        return None
    candidates = [p for p, ops in doc.get("paths", {}).items()
                  if isinstance(ops, dict) and "get" in ops and "{" not in p and not NOT_API.match(p)]
    candidates.sort(key=lambda p: (not p.startswith("/api"), len(p), p))
    return candidates[0] if candidates else None


def resolve_schema(doc: Mapping[str, Any], schema: Any, depth: int = 0) -> dict[str, Any]:
    """Follow local ``$ref``s (``#/components/schemas/X``) and merge ``allOf`` parts."""
    if not isinstance(schema, dict) or depth > 10:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = doc
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return resolve_schema(doc, node, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            sub = resolve_schema(doc, part, depth + 1)
            merged["properties"].update(sub.get("properties", {}))
            merged["required"] += sub.get("required", [])
        return merged
    return schema


@dataclass(frozen=True)
class RegisterEndpoint:
    """A registration operation found in the OpenAPI document."""

    path: str
    password_field: str
    properties: dict[str, dict[str, Any]]
    required: tuple[str, ...]
    encoding: Literal["json", "form"] = "json"


_PASSWORD_NAME = re.compile(r"pass(word)?|passwd|pwd", re.IGNORECASE)


_CONFIRM_NAME = re.compile(r"confirm|repeat|again|verify|check|2$", re.IGNORECASE)


def find_register_endpoint(doc: Mapping[str, Any]) -> RegisterEndpoint | None:
    """The first POST path containing ``register`` or ``signup`` whose JSON body has a password field."""
    for path, ops in doc.get("paths", {}).items():
        if not re.search(r"register|sign-?up", path, re.IGNORECASE) or not isinstance(ops, dict) or "post" not in ops:
            continue
        content = (ops["post"].get("requestBody") or {})
        content = resolve_schema(doc, content).get("content", {})
        media = next((v for k, v in content.items() if "json" in k), None)
        if not media:
            continue
        schema = resolve_schema(doc, media.get("schema"))
        props = {k: resolve_schema(doc, v) for k, v in (schema.get("properties") or {}).items()}
        password = next((k for k, v in props.items() if v.get("format") == "password"
                         or (_PASSWORD_NAME.search(k) and not _CONFIRM_NAME.search(k))), None)
        if password is None:
            continue
        return RegisterEndpoint(path=path, password_field=password, properties=props,
                                required=tuple(schema.get("required") or ()))
    return None


def _fill(name: str, schema: Mapping[str, Any], username: str) -> Any:
    """A plausible value for a non-password field of a registration body."""
    if "default" in schema:
        return schema["default"]
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return max(schema.get("minimum", 0), 0)
    if schema.get("format") == "email" or "email" in name.lower() or "mail" in name.lower():
        return f"{username}@example.com"
    return username


def registration_body(endpoint: RegisterEndpoint, username: str, password: str) -> dict[str, Any]:
    """A registration body: the password (and its confirmation field), the username, required fields."""
    body: dict[str, Any] = {}
    for name, schema in endpoint.properties.items():
        if name == endpoint.password_field or (_PASSWORD_NAME.search(name) and _CONFIRM_NAME.search(name)):
            body[name] = password
        elif name in endpoint.required or re.search(r"user|login|email|name", name, re.IGNORECASE):
            body[name] = _fill(name, schema, username)
    return body
