"""Infrastructure phase: strong secret values are kept, weak or missing ones generated; no value leaks."""

import pytest

from golive.infrastructure import (
    KEYS_BY_ENVIRONMENT,
    SecretValuesError,
    ensure_values,
    generate_value,
    validate_values,
    weakness,
)
from golive.models import Environment

STRONG = "Zq8v3K1pX0aL9mN2bC7dE4fG6hJ5kR_-tYuWsQ"


def test_generated_values_are_strong_and_distinct():
    values = {generate_value() for _ in range(50)}
    assert len(values) == 50
    assert all(weakness(v) is None for v in values)


def test_dev_needs_only_the_app_key_prod_needs_database_passwords():
    dev, created = ensure_values(Environment.DEV, {})
    assert set(dev) == {"APP_SECRET_KEY"} and created == {"APP_SECRET_KEY": True}
    prod, _ = ensure_values(Environment.PROD, {})
    assert set(prod) == set(KEYS_BY_ENVIRONMENT[Environment.PROD])


def test_existing_strong_values_are_kept_weak_ones_replaced():
    values, created = ensure_values(Environment.STAGING, {"APP_SECRET_KEY": STRONG, "REDIS_PASSWORD": "redis123",
                                                          "EXTRA_TOKEN": "keep-me"})
    assert values["APP_SECRET_KEY"] == STRONG and created["APP_SECRET_KEY"] is False
    assert values["REDIS_PASSWORD"] != "redis123" and created["REDIS_PASSWORD"] is True
    assert created["POSTGRES_PASSWORD"] is True
    assert values["EXTRA_TOKEN"] == "keep-me" and created["EXTRA_TOKEN"] is False


def test_ensure_is_idempotent():
    first, _ = ensure_values(Environment.PROD, {})
    second, created = ensure_values(Environment.PROD, first)
    assert first == second and not any(created.values())


@pytest.mark.parametrize(("value", "why"), [("short", "at least 32"), ("a" * 40, "not random enough")])
def test_schema_names_the_key_never_the_value(value, why):
    with pytest.raises(SecretValuesError) as info:
        validate_values({"APP_SECRET_KEY": value})
    assert "APP_SECRET_KEY" in str(info.value) and why in str(info.value)
    assert value not in str(info.value)
