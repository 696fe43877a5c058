"""Password hashing, policy and bearer tokens."""

from __future__ import annotations

import base64
import json

import pytest
from svc_helpers import PRODUCTION_SCRYPT_COST, make_password

from app.security import TokenSigner, hash_password, password_problems, verify_password


def test_hash_round_trip_and_salting() -> None:
    password = make_password()
    first, second = hash_password(password), hash_password(password)
    assert first != second, "each hash must use a fresh salt"
    assert first.startswith("scrypt$1024$") and password not in first
    assert verify_password(password, first)
    assert not verify_password(password + "x", first)


def test_production_cost_is_stored_and_verified() -> None:
    assert PRODUCTION_SCRYPT_COST == 2**14
    password = make_password()
    encoded = hash_password(password, cost=PRODUCTION_SCRYPT_COST)
    assert encoded.split("$")[1] == "16384"
    assert verify_password(password, encoded), "the cost comes from the hash, not the current default"


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "scrypt$1024$zz$00",
        "bcrypt$1024$00$00",
        "a$b",
        "scrypt$x$00$00",
        "scrypt$1000$00$00",
        "scrypt$65536$00$00",
    ],
)
def test_malformed_hashes_never_verify(encoded: str) -> None:
    assert verify_password("anything", encoded) is False


@pytest.mark.parametrize(
    ("password", "username", "expected"),
    [
        ("Sh0rt!", "bob", ["needs at least 12 characters"]),
        ("alllowercase1!", "bob", ["needs an uppercase letter"]),
        ("ALLUPPERCASE1!", "bob", ["needs a lowercase letter"]),
        ("NoDigitsHere!!", "bob", ["needs a digit"]),
        ("NoSymbols12345", "bob", ["needs a symbol such as !@#$%"]),
        ("xxBOBxx-Secure1", "bob", ["must not contain the username"]),
        ("With Spaces 123", "bob", ["needs a symbol such as !@#$%"]),
        ("Tr1cky·Passwörd", "bob", []),
    ],
)
def test_password_policy_names_each_broken_rule(password: str, username: str, expected: list[str]) -> None:
    assert password_problems(password, username) == expected


def test_password_policy_lists_all_problems_at_once() -> None:
    assert len(password_problems("abc", "abc")) == 5


def test_token_round_trip() -> None:
    signer = TokenSigner("k" * 40, ttl_seconds=60)
    assert signer.verify(signer.issue("alice")) == "alice"


def test_token_expires() -> None:
    now = [1_000_000.0]
    signer = TokenSigner("k" * 40, ttl_seconds=60, clock=lambda: now[0])
    token = signer.issue("alice")
    now[0] += 59
    assert signer.verify(token) == "alice"
    now[0] += 2
    assert signer.verify(token) is None


def test_token_from_another_key_is_rejected() -> None:
    token = TokenSigner("a" * 40, 60).issue("alice")
    assert TokenSigner("b" * 40, 60).verify(token) is None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_tampered_payload_is_rejected() -> None:
    signer = TokenSigner("k" * 40, 60)
    body, signature = signer.issue("alice").split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["sub"] = "mallory"
    forged = _b64(json.dumps(payload).encode()) + "." + signature
    assert signer.verify(forged) is None


@pytest.mark.parametrize(
    "token", ["", ".", "abc", "a.b.c", "!!!.???", "é.é", "eyJ.eyJ", "a" * 5000 + "." + "b" * 10]
)
def test_garbage_tokens_are_rejected(token: str) -> None:
    assert TokenSigner("k" * 40, 60).verify(token) is None


@pytest.mark.parametrize(
    "payload",
    [[1, 2], "alice", {"sub": 1, "exp": 9e18}, {"sub": "alice"}, {"sub": "alice", "exp": "never"}],
)
def test_signed_but_malformed_payloads_are_rejected(payload: object) -> None:
    signer = TokenSigner("k" * 40, 60)
    body = _b64(json.dumps(payload).encode())
    token = body + "." + _b64(signer._signature(body))
    assert signer.verify(token) is None


def test_signed_non_json_payload_is_rejected() -> None:
    signer = TokenSigner("k" * 40, 60)
    body = _b64(b"not json")
    assert signer.verify(body + "." + _b64(signer._signature(body))) is None
