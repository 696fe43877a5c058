"""The notes API: CORS for one origin, security headers, rate limiting and a bearer token on writes."""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from notes.policy import password_problems
from notes.ratelimit import RateLimitMiddleware, TokenBucket

ALLOWED_ORIGINS = ["https://notes.example.com"]
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class NoteIn(BaseModel):
    """A note to store."""

    title: str = Field(min_length=1, max_length=100)
    body: str = Field(max_length=10_000)


class PasswordCheck(BaseModel):
    """A password to check against the policy."""

    password: str = Field(max_length=200)


def require_token(authorization: str = Header(default="")) -> str:
    """Accept only ``Authorization: Bearer <NOTES_API_TOKEN>``; return the caller's name."""
    expected = os.environ.get("NOTES_API_TOKEN", "")
    supplied = authorization.removeprefix("Bearer ")
    if not expected or not hmac.compare_digest(supplied, expected):
        raise HTTPException(status_code=401, detail="missing or invalid token")
    return "api-client"


def create_app(bucket: TokenBucket | None = None) -> FastAPI:
    """Build the application with its middleware and routes."""
    app = FastAPI(title="notes")
    app.add_middleware(CORSMiddleware, allow_origins=ALLOWED_ORIGINS, allow_methods=["GET", "POST"])
    app.add_middleware(RateLimitMiddleware, bucket=bucket or TokenBucket(capacity=20, rate=5.0))
    notes: list[dict[str, str]] = []

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Add the security headers to every response."""
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/notes")
    def list_notes() -> list[dict[str, str]]:
        """All stored notes."""
        return notes

    @app.post("/notes", status_code=201)
    def add_note(note: NoteIn, caller: str = Depends(require_token)) -> dict[str, str]:
        """Store a note (authenticated)."""
        stored = {"title": note.title, "body": note.body, "by": caller}
        notes.append(stored)
        return stored

    @app.post("/password-check")
    def check_password(candidate: PasswordCheck, caller: str = Depends(require_token)) -> dict[str, list[str]]:
        """What a password lacks to satisfy the policy."""
        return {"problems": password_problems(candidate.password)}

    return app
