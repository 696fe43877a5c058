"""Infrastructure phase (plan 000, phase 2): the environment's secret values.

``ensure_values`` keeps every valid value that already exists in the secrets backend and generates
the missing ones with ``secrets.token_urlsafe``; ``EnvironmentSecrets`` is the schema they must meet.
Values never leave these functions except towards the backend: callers record only the key names.
"""

from __future__ import annotations

import math
import secrets
from collections import Counter
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator

from golive.errors import GoliveError
from golive.models import Environment

MIN_LENGTH = 32
MIN_ENTROPY_BITS_PER_CHAR = 3.5

#: Keys each environment needs (the sample-app chart reads them from the ``<app>-secrets`` Secret).
KEYS_BY_ENVIRONMENT: dict[Environment, tuple[str, ...]] = {
    Environment.DEV: ("APP_SECRET_KEY",),
    Environment.STAGING: ("APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"),
    Environment.PROD: ("APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"),
}


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


class EnvironmentSecrets(BaseModel):
    """Schema of the secret values: every present key is long and random enough."""

    model_config = ConfigDict(extra="allow")

    APP_SECRET_KEY: SecretStr
    REDIS_PASSWORD: SecretStr | None = None
    POSTGRES_PASSWORD: SecretStr | None = None

    @field_validator("*")
    @classmethod
    def _strong(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return value
        problem = weakness(value.get_secret_value())
        if problem:
            raise ValueError(problem)
        return value


def generate_value() -> str:
    """A new random secret (48 URL-safe characters, 288 bits)."""
    return secrets.token_urlsafe(36)


def validate_values(values: Mapping[str, str]) -> None:
    """Raise ``SecretValuesError`` naming each key that breaks the schema (no value is ever shown)."""
    try:
        EnvironmentSecrets.model_validate({k: SecretStr(v) for k, v in values.items()})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))} {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors(include_input=False))
        raise SecretValuesError(f"secret values rejected: {problems}") from None


def ensure_values(environment: Environment, existing: Mapping[str, str]) -> tuple[dict[str, str], dict[str, bool]]:
    """Values for every key ``environment`` needs: existing valid ones kept, the rest generated.

    Returns ``(values, created)`` where ``created[key]`` tells whether this call generated it. An
    existing value that breaks the schema is replaced (and reported as created), so a weak
    hand-set secret never reaches production.
    """
    values: dict[str, str] = {}
    created: dict[str, bool] = {}
    for key in KEYS_BY_ENVIRONMENT[environment]:
        current = existing.get(key)
        if current and weakness(current) is None:
            values[key], created[key] = current, False
        else:
            values[key], created[key] = generate_value(), True
    extra = {k: v for k, v in existing.items() if k not in values}
    values.update(extra)
    created.update(dict.fromkeys(extra, False))
    validate_values(values)
    return values, created
