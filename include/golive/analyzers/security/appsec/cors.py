"""``cors``: no CORS configuration (CORSMiddleware, flask-cors, django-cors-headers) allows any origin.

An application without one is restricted: browsers apply the same-origin policy and refuse a foreign
origin's reads (what the live ``cors`` check then measures on the wire); a configuration that opens
every origin (a ``*`` origin, a match-all regex, flask-cors without origins) is the failure.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from golive.analyzers.security.appsec.index import (
    MISSING,
    Check,
    Module,
    SourceIndex,
    call_name,
    dotted_name,
    keyword_arg,
    literal_value,
    location,
)

NO_CORS_CONFIGURATION = ("no CORS configuration (CORSMiddleware, flask-cors, django-cors-headers): browsers "
                         "apply the same-origin policy")
_MATCH_ALL = re.compile(r"^\^?(https?://)?\.\*\$?$|^\^?https?\?://\.\*\$?$")


def _wildcard(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() == "*"
    if isinstance(value, list | tuple | set | frozenset):
        return any(isinstance(v, str) and v.strip() == "*" for v in value)
    return False


def _starlette_cors(index: SourceIndex, module: Module, node: ast.Call) -> tuple[bool, str] | None:
    """``add_middleware(CORSMiddleware, …)`` / ``Middleware(CORSMiddleware, …)`` / ``CORSMiddleware(app, …)``."""
    name = call_name(node)
    first = dotted_name(node.args[0]) if node.args else ""
    wrapped = name in ("add_middleware", "Middleware") and first.endswith("CORSMiddleware")
    if not (name == "CORSMiddleware" or wrapped):
        return None
    where = location(module, node)
    origins_node = keyword_arg(node, "allow_origins")
    origins = index.resolve(origins_node)
    regex = index.resolve(keyword_arg(node, "allow_origin_regex"))
    if _wildcard(origins) or (isinstance(regex, str) and _MATCH_ALL.match(regex)):
        credentials = index.resolve(keyword_arg(node, "allow_credentials")) is True
        return False, f"{where}: CORSMiddleware allows any origin" + (" with credentials" if credentials else "")
    if origins is MISSING and origins_node is not None:
        text = ast.get_source_segment(module.text, origins_node)
        return True, f"{where}: CORSMiddleware origins from {text} (not a literal wildcard)"
    return True, f"{where}: CORSMiddleware origins {origins if origins is not MISSING else []}"


def _flask_cors(index: SourceIndex, module: Module, node: ast.Call) -> tuple[bool, str] | None:
    """flask-cors ``CORS(app, origins=…)``: without origins or resources it allows every origin."""
    if call_name(node) != "CORS" or not node.args:
        return None
    unrestricted = keyword_arg(node, "origins") is None and keyword_arg(node, "resources") is None
    if unrestricted or _wildcard(index.resolve(keyword_arg(node, "origins"))):
        return False, f"{location(module, node)}: flask-cors allows any origin"
    return True, f"{location(module, node)}: flask-cors with explicit origins"


def _django_cors(module: Module, node: ast.Assign) -> tuple[bool, str] | None:
    """django-cors-headers settings."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return None
    name, value = node.targets[0].id, literal_value(node.value)
    if name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL") and value is True:
        return False, f"{location(module, node)}: {name} = True"
    if name in ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST"):
        return not _wildcard(value), f"{location(module, node)}: {name}"
    return None


def cors(index: SourceIndex) -> Check:
    """No CORS configuration that allows any origin (no configuration at all: the same-origin policy)."""
    configs: list[str] = []
    problems: list[str] = []
    for module, node in index.walk():
        found = None
        if isinstance(node, ast.Call):
            found = _starlette_cors(index, module, node) or _flask_cors(index, module, node)
        elif isinstance(node, ast.Assign):
            found = _django_cors(module, node)
        if found is not None:
            (configs if found[0] else problems).append(found[1])
    passed = not problems
    evidence = configs or [NO_CORS_CONFIGURATION]
    return Check("cors_restricted", passed, 1.0 if passed else 0.0, evidence, "; ".join(problems))
