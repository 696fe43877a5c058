"""Service settings, read once from environment variables.

Every value has a safe default; an unusable value raises :class:`ConfigError`
with the name of the variable and what it accepts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

MIN_SECRET_KEY_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use."""


class FaultMode(StrEnum):
    """Fault injected into ``/api/*`` requests (for rollback drills)."""

    NONE = "none"
    ERRORS = "errors"
    SLOW = "slow"


def _raw(env: Mapping[str, str], name: str, default: str) -> str:
    """Return the stripped value of ``name``, or ``default`` when unset or blank."""
    return env.get(name, "").strip() or default


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """Read an integer in ``[low, high]``."""
    raw = _raw(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    """Read a number in ``[low, high]``."""
    raw = _raw(env, name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """Read a boolean written as true/false, yes/no, on/off or 1/0."""
    raw = _raw(env, name, str(default)).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    """Read one of ``choices`` (case-insensitive)."""
    raw = _raw(env, name, default)
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")


def _origins(env: Mapping[str, str]) -> tuple[str, ...]:
    """Read the comma-separated CORS allow-list; wildcards are refused."""
    raw = _raw(env, "CORS_ALLOW_ORIGINS", "http://localhost:3000")
    origins = tuple(part.strip().rstrip("/") for part in raw.split(",") if part.strip())
    for origin in origins:
        if not origin.startswith(("http://", "https://")):
            raise ConfigError(f"CORS_ALLOW_ORIGINS entries must be explicit http(s) origins, got {origin!r}")
    return origins


def _secret_key(env: Mapping[str, str]) -> tuple[str, bool]:
    """Return the token signing key and whether it was generated here."""
    key = env.get("APP_SECRET_KEY", "").strip()
    if not key:
        return secrets.token_urlsafe(48), True
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"APP_SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters; create one with "
            "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
        )
    return key, False


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the inventory service."""

    version: str = "1.0.0"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    access_log: bool = True
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    secret_key_generated: bool = True
    token_ttl_seconds: int = 3600
    rate_limit_per_minute: int = 120
    cors_allow_origins: tuple[str, ...] = ("http://localhost:3000",)
    fault_mode: FaultMode = FaultMode.NONE
    fault_error_rate: float = 0.5
    fault_delay_seconds: float = 2.5
    enable_docs: bool = False
    forwarded_allow_ips: str = ""
    app_name: str = "inventory-service"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from ``environ`` (default: the process environment).

        :raises ConfigError: when a variable holds an unusable value.
        """
        env = os.environ if environ is None else environ
        key, generated = _secret_key(env)
        return cls(
            version=_raw(env, "APP_VERSION", "1.0.0"),
            host=_raw(env, "HOST", "127.0.0.1"),
            port=_int(env, "PORT", 8000, 1, 65535),
            log_level=_choice(env, "LOG_LEVEL", "INFO", LOG_LEVELS),
            access_log=_bool(env, "ACCESS_LOG", True),
            secret_key=key,
            secret_key_generated=generated,
            token_ttl_seconds=_int(env, "TOKEN_TTL_SECONDS", 3600, 60, 86400),
            rate_limit_per_minute=_int(env, "RATE_LIMIT_PER_MINUTE", 120, 0, 1_000_000),
            cors_allow_origins=_origins(env),
            fault_mode=FaultMode(_choice(env, "FAULT_MODE", "none", tuple(m.value for m in FaultMode))),
            fault_error_rate=_float(env, "FAULT_ERROR_RATE", 0.5, 0.0, 1.0),
            fault_delay_seconds=_float(env, "FAULT_DELAY_SECONDS", 2.5, 0.0, 60.0),
            enable_docs=_bool(env, "ENABLE_DOCS", False),
            forwarded_allow_ips=_raw(env, "FORWARDED_ALLOW_IPS", ""),
        )
