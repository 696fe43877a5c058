"""The live password check signs up at the profile's endpoints.signup (no OpenAPI document needed)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import ClassVar

import pytest
from local_http import serving

from golive.analyzers.base import Context
from golive.analyzers.live.password import run_password
from golive.settings import get_settings


class _SignUp(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        type(self).seen.append(self.path)
        strong = len(body.get("password", "")) >= 16 and not body["password"].islower() and body.get("username")
        self.send_response(201 if self.path == "/accounts/new" and strong else 422)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_the_profiles_signup_path_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLIVE_PROFILE", "endpoints: {signup: /accounts/new}")
    get_settings.cache_clear()
    _SignUp.seen.clear()
    with serving(_SignUp) as url:
        result = run_password(Context(agent="verification", url=url))
    m = result.measurements[0]
    assert m.value == 1.0, m.detail
    assert set(_SignUp.seen) == {"/accounts/new"} and len(_SignUp.seen) == 4  # three weak, one strong
