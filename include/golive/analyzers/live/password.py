"""The ``password`` analyzer: weak passwords refused at sign-up, a strong one accepted."""

from __future__ import annotations

import secrets
import string
from typing import Any, Literal

import httpx

from golive import http as app_http
from golive.analyzers.base import Context
from golive.analyzers.live.client import (
    http_client,
    live_finding,
    live_result,
    send,
    shorten,
)
from golive.analyzers.live.openapi import (
    RegisterEndpoint,
    fetch_openapi,
    find_register_endpoint,
    registration_body,
)
from golive.models import AnalyzerResult, Measurement
from golive.settings import get_settings


def weak_passwords() -> dict[str, str]:
    """The weak passwords tried, by description (a fresh all-lowercase one per run)."""
    lowercase = "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    return {"'password'": "password", "'12345678'": "12345678", "12 lowercase letters": lowercase}


def strong_password() -> str:
    """A 24-character password with every character class."""
    alphabet = string.ascii_letters + string.digits + "!#%+-.:=?@^_~"
    body = "".join(secrets.choice(alphabet) for _ in range(20))
    return body + secrets.choice(string.ascii_uppercase) + secrets.choice(string.ascii_lowercase) \
        + secrets.choice(string.digits) + secrets.choice("!#%+-.:=?@^_~")


def signup_endpoint(path: str, encoding: Literal["json", "form"] = "json") -> RegisterEndpoint:
    """The profile's sign-up path with golive's request contract (``{username, password}`` as JSON or a form)."""
    return RegisterEndpoint(path=path, password_field="password",
                            properties={"username": {"type": "string"}, "password": {"type": "string"}},
                            required=("username", "password"), encoding=encoding)


def _username() -> str:
    return f"golive-verify-{secrets.token_hex(4)}"


def _register(client: httpx.Client, endpoint: RegisterEndpoint, password: str) -> httpx.Response:
    body = registration_body(endpoint, _username(), password)
    if endpoint.encoding == "form":
        return send(client, "POST", endpoint.path, data=body)
    return send(client, "POST", endpoint.path, json=body)


def _accepted(endpoint: RegisterEndpoint, response: httpx.Response) -> bool:
    """A sign-up that worked: 2xx, or for an HTML form its Post/Redirect/Get 3xx."""
    code = response.status_code
    return 200 <= code < 300 or (endpoint.encoding == "form" and 300 <= code < 400)


def run_password(ctx: Context) -> AnalyzerResult:
    """``weak_password_refused``: weak passwords get 4xx from the register endpoint, a strong one 2xx.

    Registers one account ``golive-verify-<hex>`` on the application (the strong password's), so it
    needs the profile's consent in prod (``live_checks.prod.signup``); without it the criterion is
    not-applicable. The sign-up is the profile's ``endpoints.signup`` (its request contract:
    ``{username, password}`` as JSON or, with ``endpoints.signup_format: form``, as an HTML form), else
    discovered in the OpenAPI document.
    """
    allowed, why = ctx.profile.profile.live_checks.allows("signup", get_settings().environment)
    if not allowed:
        return live_result(ctx, "password", [Measurement(name="weak_password_refused", value=None, unit="",
                                                         applicable=False, detail=why)])
    signup = ctx.profile.profile.endpoints.signup
    with http_client(ctx) as client:
        if signup is not None:
            endpoint = signup_endpoint(signup, ctx.profile.profile.endpoints.signup_format)
        else:
            doc = fetch_openapi(client)
            if doc is None:
                return _no_password_data(ctx, f"no OpenAPI document at {ctx.url} "
                                              f"({', '.join(app_http.OPENAPI_PATHS)}) and no endpoints.signup in "
                                              "the profile: the register endpoint cannot be discovered")
            found = find_register_endpoint(doc)
            if found is None:
                return _no_password_data(ctx, "the OpenAPI document has no POST path containing 'register' or "
                                              "'signup' with a JSON body that has a password field")
            endpoint = found
        weak = {what: _register(client, endpoint, pw) for what, pw in weak_passwords().items()}
        strong = _register(client, endpoint, strong_password())
    outcomes = {what: r.status_code for what, r in weak.items()}
    weak_text = ", ".join(f"{what} → {code}" for what, code in outcomes.items())
    if 429 in (*outcomes.values(), strong.status_code):
        return _no_password_data(ctx, f"POST {endpoint.path} was rate limited (429) even after waiting: weak "
                                      f"{weak_text}, strong → {strong.status_code}; run this check before the "
                                      "ratelimit burst", path=endpoint.path, weak=outcomes, strong=strong.status_code)
    if not _accepted(endpoint, strong):
        return _no_password_data(ctx, f"a strong password was refused too (POST {endpoint.path} → "
                                      f"{strong.status_code} {shorten(strong.text, 120)}; weak: {weak_text}): "
                                      "the policy cannot be told apart from a rejected request body",
                                 path=endpoint.path, weak=outcomes, strong=strong.status_code)
    accepted = [what for what, code in outcomes.items() if not 400 <= code < 500]
    refused = not accepted
    detail = f"POST {endpoint.path}: weak {weak_text}; strong → {strong.status_code}"
    findings = [live_finding("password", "weak-password-accepted",
                         f"weak passwords not refused ({', '.join(accepted)}): {detail}")] if accepted else []
    return live_result(ctx, "password", [Measurement(name="weak_password_refused", value=1.0 if refused else 0.0,
                                                 unit="", detail=detail)], findings,
                   path=endpoint.path, weak=outcomes, strong=strong.status_code)


def _no_password_data(ctx: Context, why: str, **details: Any) -> AnalyzerResult:
    return live_result(ctx, "password", [Measurement(name="weak_password_refused", value=None, unit="", detail=why)],
                   **details)
