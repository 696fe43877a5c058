"""``security_headers``: which of the five security response headers the code sets."""

from __future__ import annotations

import ast

from golive.analyzers.security.appsec.index import MISSING, Check, SourceIndex, call_name, literal_value, location

SECURITY_HEADERS = ("Strict-Transport-Security", "Content-Security-Policy", "X-Content-Type-Options",
                    "X-Frame-Options", "Referrer-Policy")

_DJANGO_HEADER_SETTINGS = {"SECURE_HSTS_SECONDS": "Strict-Transport-Security",
                           "SECURE_CONTENT_TYPE_NOSNIFF": "X-Content-Type-Options",
                           "X_FRAME_OPTIONS": "X-Frame-Options", "SECURE_REFERRER_POLICY": "Referrer-Policy",
                           "CSP_DEFAULT_SRC": "Content-Security-Policy",
                           "CONTENT_SECURITY_POLICY": "Content-Security-Policy"}


def security_headers(index: SourceIndex) -> Check:
    """How many of HSTS, CSP, X-Content-Type-Options, X-Frame-Options, Referrer-Policy the code sets."""
    found: dict[str, str] = {}
    lower = {h.lower(): h for h in SECURITY_HEADERS}
    for module, node in index.walk():
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip().lower() in lower:
            found.setdefault(lower[node.value.strip().lower()], location(module, node))
        elif isinstance(node, ast.Call) and call_name(node) == "Talisman":
            for header in SECURITY_HEADERS:
                found.setdefault(header, f"{location(module, node)} (Talisman)")
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            setting = _DJANGO_HEADER_SETTINGS.get(node.targets[0].id)
            value = literal_value(node.value)
            if setting and value not in (MISSING, None, False, 0, ""):
                found.setdefault(setting, f"{location(module, node)} ({node.targets[0].id})")
    evidence = [f"{h} at {found[h]}" for h in SECURITY_HEADERS if h in found]
    absent = [h for h in SECURITY_HEADERS if h not in found]
    return Check("security_headers", len(found) == len(SECURITY_HEADERS), float(len(found)), evidence,
                 f"not set: {', '.join(absent)}" if absent else "")
