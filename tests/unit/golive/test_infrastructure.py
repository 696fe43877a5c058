"""Infrastructure phase: strong secret values are kept, weak or missing ones generated; no value leaks."""

import pytest

from golive.infrastructure import (
    SecretValuesError,
    ensure_values,
    generate_value,
    validate_values,
    weakness,
)
from golive.profile.model import ApplicationProfile

STRONG = "Zq8v3K1pX0aL9mN2bC7dE4fG6hJ5kR_-tYuWsQ"


def test_generated_values_are_strong_and_distinct():
    values = {generate_value() for _ in range(50)}
    assert len(values) == 50
    assert all(weakness(v) is None for v in values)


PROFILE = ApplicationProfile.model_validate({"secret_keys": {
    "dev": ["APP_SECRET_KEY"], "staging": ["APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"],
    "prod": ["APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"]}})
STAGING = PROFILE.secret_keys_for("staging")
PROD = PROFILE.secret_keys_for("prod")


def test_the_profile_names_the_keys_of_each_environment():
    dev = ensure_values(PROFILE.secret_keys_for("dev"), {})
    assert set(dev.values) == {"APP_SECRET_KEY"} and dev.created == {"APP_SECRET_KEY": True}
    prod = ensure_values(PROD, {}).values
    assert set(prod) == {"APP_SECRET_KEY", "REDIS_PASSWORD", "POSTGRES_PASSWORD"}
    flat = ApplicationProfile.model_validate({"secret_keys": ["DATABASE_URL"]})
    assert flat.secret_keys_for("dev") == flat.secret_keys_for("prod") == ["DATABASE_URL"]
    assert ApplicationProfile().secret_keys_for("prod") == []


def test_existing_values_are_kept_weak_ones_too_and_reported_by_key():
    ensured = ensure_values(STAGING, {"APP_SECRET_KEY": STRONG, "REDIS_PASSWORD": "redis123",
                                      "EXTRA_TOKEN": "keep-me"})
    values, created = ensured.values, ensured.created
    assert values["APP_SECRET_KEY"] == STRONG and created["APP_SECRET_KEY"] is False
    # a database initialised with the weak password would break if golive regenerated it
    assert values["REDIS_PASSWORD"] == "redis123" and created["REDIS_PASSWORD"] is False
    assert ensured.weak == {"REDIS_PASSWORD": "must be at least 32 characters"}
    assert "REDIS_PASSWORD must be at least 32" in ensured.weak_message()
    assert "redis123" not in ensured.weak_message()
    assert created["POSTGRES_PASSWORD"] is True
    assert values["EXTRA_TOKEN"] == "keep-me" and created["EXTRA_TOKEN"] is False


def test_ensure_is_idempotent():
    first = ensure_values(PROD, {}).values
    second = ensure_values(PROD, first)
    assert first == second.values and not any(second.created.values()) and not second.weak


@pytest.mark.parametrize(("value", "why"), [("short", "at least 32"), ("a" * 40, "not random enough")])
def test_schema_names_the_key_never_the_value(value, why):
    with pytest.raises(SecretValuesError) as info:
        validate_values({"APP_SECRET_KEY": value}, ["APP_SECRET_KEY"])
    assert "APP_SECRET_KEY" in str(info.value) and why in str(info.value)
    assert value not in str(info.value)


def test_a_missing_key_is_named():
    with pytest.raises(SecretValuesError, match="DATABASE_URL is missing"):
        validate_values({}, ["DATABASE_URL"])
