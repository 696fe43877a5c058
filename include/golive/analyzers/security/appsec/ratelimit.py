"""``rate_limiting``: a limiter library in use, or code that answers HTTP 429."""

from __future__ import annotations

import ast

from golive.analyzers.security.appsec.index import Check, SourceIndex, call_name, imports_of, location

LIMITER_MODULES = ("slowapi", "limits", "flask_limiter", "fastapi_limiter", "django_ratelimit", "ratelimit",
                   "aiolimiter", "starlette_limiter", "ratelimiter")


def _status_candidates(expr: ast.expr) -> list[ast.expr]:
    """The expression and, for a tuple (Flask's ``(body, status)``), its items."""
    return [expr, *expr.elts] if isinstance(expr, ast.Tuple) else [expr]


def _is_429(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value == 429 and not isinstance(value.value, bool)


def rate_limiting(index: SourceIndex) -> Check:
    """A rate limiter in use, or code that answers HTTP 429 Too Many Requests."""
    evidence = []
    libs = imports_of(index, LIMITER_MODULES)
    for module, node in index.walk():
        if isinstance(node, ast.Call):
            name = call_name(node)
            if libs and ("limit" in name.lower()):
                evidence.append(f"{location(module, node)} calls {name}")
            if any(_is_429(value) for arg in [*node.args, *(k.value for k in node.keywords)]
                   for value in _status_candidates(arg)):
                evidence.append(f"{location(module, node)} answers 429")
        elif isinstance(node, ast.Return) and node.value is not None \
                and any(_is_429(value) for value in _status_candidates(node.value)):
            evidence.append(f"{location(module, node)} answers 429")
        elif isinstance(node, ast.Attribute | ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name in ("HTTP_429_TOO_MANY_REQUESTS", "TOO_MANY_REQUESTS", "TooManyRequests",
                        "RateLimitExceeded"):
                evidence.append(f"{location(module, node)} uses {name}")
    evidence = libs + list(dict.fromkeys(evidence))
    passed = bool(evidence) and (not libs or len(evidence) > len(libs) or any("429" in e for e in evidence))
    return Check("rate_limiting", passed, 1.0 if passed else 0.0, evidence,
                 "" if passed else "no rate limiter (slowapi, limits, flask-limiter…) and no 429 response")
