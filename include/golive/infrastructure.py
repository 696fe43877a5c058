"""Infrastructure phase (plan 000, phase 2): the environment's secret values.

The keys are the application's (``ApplicationProfile.secret_keys_for(environment)``, from its
``golive.yaml``). ``ensure_values`` keeps every valid value that already exists in the secrets backend
and generates the missing ones with ``secrets.token_urlsafe``; ``validate_values`` is the schema they
must meet (long and random enough). Values never leave these functions except towards the backend:
callers record only the key names.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence

from golive.errors import GoliveError

MIN_LENGTH = 32
MIN_ENTROPY_BITS_PER_CHAR = 3.5


class SecretValuesError(GoliveError):
    """Secret values that do not meet the schema; the message names the keys, never the values."""


def shannon_bits_per_char(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0


def weakness(value: str) -> str | None:
    """Why ``value`` is not a strong secret, or None when it is."""
    if len(value) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if shannon_bits_per_char(value) < MIN_ENTROPY_BITS_PER_CHAR:
        return f"is not random enough (< {MIN_ENTROPY_BITS_PER_CHAR} bits per character)"
    return None


def generate_value() -> str:
    """A new random secret (48 URL-safe characters, 288 bits)."""
    return secrets.token_urlsafe(36)


def validate_values(values: Mapping[str, str], keys: Sequence[str]) -> None:
    """Raise ``SecretValuesError`` naming each of ``keys`` that is missing from ``values`` or weak (no
    value is ever shown)."""
    problems = [f"{key} is missing" if key not in values else f"{key} {weakness(values[key])}"
                for key in keys if key not in values or weakness(values[key]) is not None]
    if problems:
        raise SecretValuesError(f"secret values rejected: {'; '.join(problems)}")


def ensure_values(keys: Sequence[str], existing: Mapping[str, str]) -> tuple[dict[str, str], dict[str, bool]]:
    """Values for every one of ``keys``: existing valid ones kept, the rest generated; other existing
    keys (not the application's to manage) are kept as they are.

    Returns ``(values, created)`` where ``created[key]`` tells whether this call generated it. An
    existing value that breaks the schema is replaced (and reported as created), so a weak
    hand-set secret never reaches production.
    """
    values: dict[str, str] = {}
    created: dict[str, bool] = {}
    for key in keys:
        current = existing.get(key)
        if current and weakness(current) is None:
            values[key], created[key] = current, False
        else:
            values[key], created[key] = generate_value(), True
    extra = {k: v for k, v in existing.items() if k not in values}
    values.update(extra)
    created.update(dict.fromkeys(extra, False))
    validate_values(values, keys)
    return values, created
