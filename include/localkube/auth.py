"""Who may talk to localkube: a bearer token per state directory, and JSON-only writes.

localkube runs pods as the user who started it, so its API is a remote-execution API. Listening on
loopback keeps out other machines, not other local users nor a web page that makes the browser
send a cross-origin request. So every request but the health probes must carry
``Authorization: Bearer <token>``, where the token is a random secret kept in ``<state dir>/token``
(mode 0600, the state directory 0700) and written into the kubeconfigs localkube produces; and a
write (POST/PUT/PATCH) must be JSON, the one body type a browser cannot send cross-origin without a
CORS preflight (which localkube never answers).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from localkube.errors import ApiError

TOKEN_FILE = "token"
UNAUTHENTICATED_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
JSON_MEDIA_TYPES = frozenset({
    "application/json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/json-patch+json",
})


def load_or_create_token(state_dir: Path) -> str:
    """The state directory's token, created (``secrets.token_urlsafe``, mode 0600) on first use."""
    path = state_dir / TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        token = path.read_text(encoding="ascii").strip()
        if not token:
            raise ApiError(500, "InternalError", f"the localkube token file {path} is empty") from None
        os.chmod(path, 0o600)
        return token
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def authenticate(path: str, authorization: str | None, token: str) -> None:
    """Raise 401 Unauthorized unless ``authorization`` is ``Bearer <token>`` (probe paths are open)."""
    if path in UNAUTHENTICATED_PATHS:
        return
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), token.encode()):
        raise ApiError(401, "Unauthorized", "Unauthorized: localkube needs the bearer token of its kubeconfig")


def check_content_type(method: str, content_type: str) -> None:
    """Raise 415 Unsupported Media Type for a write whose body is not JSON."""
    if method not in WRITE_METHODS:
        return
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media not in JSON_MEDIA_TYPES:
        allowed = ", ".join(sorted(JSON_MEDIA_TYPES))
        raise ApiError(415, "UnsupportedMediaType",
                       f"the body of a {method} must be JSON (Content-Type one of {allowed}), got {content_type!r}")
