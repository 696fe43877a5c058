"""Infrastructure phase (plan 000, phase 2): the environment's secret values.

The keys are the application's (``ApplicationProfile.secret_keys_for(environment)``, from its
``golive.yaml``). ``ensure_values`` keeps every value that already exists in the secrets backend —
a weak one too: regenerating it would break whatever was initialised with it (a database's password),
so it is reported by key for a person to rotate — and generates the missing ones with
``secrets.token_urlsafe``; ``validate_values`` is the schema they must meet (long and random enough).
Values never leave these functions except towards the backend: callers record only the key names.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class EnsuredValues:
    """What :func:`ensure_values` decided: every value to store, which keys it generated, and the
    existing values it kept although they break the schema (key → why; never the value)."""

    values: dict[str, str]
    created: dict[str, bool]
    weak: dict[str, str] = field(default_factory=dict)

    def weak_message(self) -> str:
        """The weak keys and why, for a finding or an error (no value)."""
        return "; ".join(f"{key} {why}" for key, why in sorted(self.weak.items()))


def ensure_values(keys: Sequence[str], existing: Mapping[str, str]) -> EnsuredValues:
    """Values for every one of ``keys``: existing ones kept (weak ones too, listed in ``weak``), the
    missing ones generated; other existing keys (not the application's to manage) are kept as they are.
    """
    values: dict[str, str] = {}
    created: dict[str, bool] = {}
    weak: dict[str, str] = {}
    for key in keys:
        current = existing.get(key)
        if current:
            values[key], created[key] = current, False
            why = weakness(current)
            if why is not None:
                weak[key] = why
        else:
            values[key], created[key] = generate_value(), True
    extra = {k: v for k, v in existing.items() if k not in values}
    values.update(extra)
    created.update(dict.fromkeys(extra, False))
    validate_values({k: v for k, v in values.items() if k not in weak}, [k for k in keys if k not in weak])
    return EnsuredValues(values, created, weak)
