"""What the code gives away: ``no_secret_logging`` (no logging call passes a secret) and ``no_debug_mode``
(no framework debug mode switched on)."""

from __future__ import annotations

import ast
import re

from golive.analyzers.security.appsec.index import (
    Check,
    SourceIndex,
    call_name,
    dotted_name,
    keyword_arg,
    literal_value,
    location,
)

SECRET_NAME = re.compile(r"password|passwd|pwd|secret|token|api_?key|credential|private_?key|authorization",
                         re.IGNORECASE)
NOT_A_SECRET_SUFFIX = re.compile(r"_(id|type|name|names|length|len|policy|expires|expiry|ttl|count|url|"
                                 r"path|min|max|minutes|seconds|scheme|header|field)$", re.IGNORECASE)
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg"})


def _secret_like(name: str | None) -> bool:
    return bool(name and SECRET_NAME.search(name) and not NOT_A_SECRET_SUFFIX.search(name))


def _is_logging_call(node: ast.Call) -> bool:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    return isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS \
        and bool(re.search(r"log", dotted_name(func.value), re.IGNORECASE))


def _logged_secrets(value: ast.AST) -> list[str]:
    """Names (variables, attributes, dict keys) in a logged value that look like secrets."""
    for sub in ast.walk(value):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if _secret_like(name):
            return [str(name)]
    if isinstance(value, ast.Dict):
        return [f"field {k.value}" for k in value.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and _secret_like(k.value)]
    return []


def no_secret_logging(index: SourceIndex) -> Check:
    """No logging (or print) call passes a value named like a password, token, key or secret."""
    hits = []
    calls = 0
    for module, node in index.walk():
        if not isinstance(node, ast.Call) or not _is_logging_call(node):
            continue
        calls += 1
        for value in [*node.args, *(k.value for k in node.keywords)]:
            hits += [f"{location(module, node)} logs {name}" for name in _logged_secrets(value)]
    hits = list(dict.fromkeys(hits))
    return Check("no_secret_logging", not hits, 0.0 if hits else 1.0,
                 [f"{calls} logging calls checked"] if not hits else [], "; ".join(hits))


def no_debug_mode(index: SourceIndex) -> Check:
    """No framework debug mode switched on in code (``debug=True``, ``DEBUG = True``)."""
    hits = []
    for module, node in index.walk():
        if isinstance(node, ast.Call) and call_name(node) in ("FastAPI", "Starlette", "Flask", "run", "Quart"):
            if index.resolve(keyword_arg(node, "debug")) is True:
                hits.append(f"{location(module, node)} {call_name(node)}(debug=True)")
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "DEBUG" for t in node.targets):
            if literal_value(node.value) is True:
                hits.append(f"{location(module, node)} DEBUG = True")
    return Check("no_debug_mode", not hits, 0.0 if hits else 1.0, [], "; ".join(hits))
