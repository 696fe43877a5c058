"""Password policy: at least 12 characters with upper case, lower case, a digit and a symbol."""

from __future__ import annotations

import re

MIN_PASSWORD_LENGTH = 12
_RULES = (
    (re.compile(r"[A-Z]"), "an upper-case letter"),
    (re.compile(r"[a-z]"), "a lower-case letter"),
    (re.compile(r"[0-9]"), "a digit"),
    (re.compile(r"[^A-Za-z0-9]"), "a symbol"),
)


def password_problems(password: str) -> list[str]:
    """Return what ``password`` lacks to satisfy the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    problems += [need for pattern, need in _RULES if not pattern.search(password)]
    return problems
