"""Password hashing, the password policy and signed bearer tokens.

Only the standard library is used: ``hashlib.scrypt`` for passwords and
HMAC-SHA256 (``hmac``) for tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
SCRYPT_COST = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_ALLOWED_COSTS = frozenset(2**k for k in range(4, 15))  # 2**15 passes OpenSSL's memory cap
_SALT_BYTES = 16
_KEY_BYTES = 32


def _char_kind(char: str) -> str:
    """Classify ``char`` as upper, lower, digit, symbol (visible, not alphanumeric) or other."""
    if char.isupper():
        return "upper"
    if char.islower():
        return "lower"
    if char.isdigit():
        return "digit"
    if char.isprintable() and not char.isspace() and not char.isalnum():
        return "symbol"
    return "other"


def password_problems(password: str, username: str) -> list[str]:
    """Return what ``password`` lacks under the policy; an empty list means it is strong enough.

    The policy: at least 12 characters, an uppercase letter, a lowercase letter,
    a digit, a symbol, and the username must not appear in it (case-insensitive).
    """
    kinds = {_char_kind(c) for c in password}
    checks = [
        (len(password) >= MIN_PASSWORD_LENGTH, f"at least {MIN_PASSWORD_LENGTH} characters"),
        ("upper" in kinds, "an uppercase letter"),
        ("lower" in kinds, "a lowercase letter"),
        ("digit" in kinds, "a digit"),
        ("symbol" in kinds, "a symbol such as !@#$%"),
    ]
    problems = [f"needs {what}" for ok, what in checks if not ok]
    if username and username.lower() in password.lower():
        problems.append("must not contain the username")
    return problems


def _scrypt(password: str, salt: bytes, cost: int) -> bytes:
    """Derive the scrypt key of ``password`` with ``salt`` and CPU/memory ``cost`` (scrypt's n)."""
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=cost, r=SCRYPT_R, p=SCRYPT_P, dklen=_KEY_BYTES
    )


def hash_password(password: str, cost: int | None = None) -> str:
    """Hash ``password`` with scrypt and a fresh random salt.

    :param cost: scrypt's n, a power of two (default :data:`SCRYPT_COST`); it is
        stored in the hash so that it can be raised later without breaking logins.
    :return: ``scrypt$<n>$<salt hex>$<key hex>``
    """
    cost = cost or SCRYPT_COST
    salt = secrets.token_bytes(_SALT_BYTES)
    return f"scrypt${cost}${salt.hex()}${_scrypt(password, salt, cost).hex()}"


def verify_password(password: str, encoded: str) -> bool:
    """Check ``password`` against a hash made by :func:`hash_password` in constant time."""
    try:
        scheme, cost_text, salt_hex, key_hex = encoded.split("$")
        cost, salt, key = int(cost_text), bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
    except ValueError:
        return False
    if scheme != "scrypt" or cost not in _ALLOWED_COSTS:
        return False
    return hmac.compare_digest(_scrypt(password, salt, cost), key)


def _b64encode(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Inverse of :func:`_b64encode`; raises ``ValueError`` on bad input."""
    padded = text + "=" * (-len(text) % 4)
    return base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True)


class TokenSigner:
    """Issues and verifies HMAC-SHA256 signed bearer tokens.

    A token is ``<base64url(json payload)>.<base64url(hmac)>``; the payload
    carries the subject (``sub``), issue time (``iat``), expiry (``exp``) and a
    random id (``jti``).
    """

    def __init__(self, key: str, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        """Sign with ``key``; tokens live ``ttl_seconds``; ``clock`` returns epoch seconds."""
        self._key = key.encode("utf-8")
        self.ttl_seconds = ttl_seconds
        self._clock = clock

    def _signature(self, body: str) -> bytes:
        """HMAC-SHA256 of the encoded payload."""
        return hmac.new(self._key, body.encode("utf-8"), hashlib.sha256).digest()

    def issue(self, subject: str) -> str:
        """Return a new token for ``subject``."""
        now = int(self._clock())
        payload = {"sub": subject, "iat": now, "exp": now + self.ttl_seconds, "jti": secrets.token_hex(8)}
        body = _b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        return f"{body}.{_b64encode(self._signature(body))}"

    def verify(self, token: str) -> str | None:
        """Return the subject of a valid, unexpired token, else ``None``."""
        body, _, signature = token.partition(".")
        try:
            if not hmac.compare_digest(_b64decode(signature), self._signature(body)):
                return None
            payload = json.loads(_b64decode(body))
        except ValueError:
            return None
        return self._subject(payload)

    def _subject(self, payload: object) -> str | None:
        """Extract the subject from a verified payload when it has not expired."""
        if not isinstance(payload, dict):
            return None
        subject, expires = payload.get("sub"), payload.get("exp")
        if not isinstance(subject, str) or not isinstance(expires, int):
            return None
        return subject if expires > self._clock() else None
