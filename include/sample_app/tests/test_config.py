"""Settings parsing from the environment."""

from __future__ import annotations

import pytest

from app.config import MIN_SECRET_KEY_LENGTH, ConfigError, FaultMode, Settings


def test_defaults_when_environment_is_empty() -> None:
    settings = Settings.from_env({})
    assert settings.version == "1.0.0"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.log_level == "INFO"
    assert settings.rate_limit_per_minute == 120
    assert settings.cors_allow_origins == ("http://localhost:3000",)
    assert settings.fault_mode is FaultMode.NONE
    assert settings.fault_error_rate == 0.5
    assert settings.fault_delay_seconds == 2.5
    assert settings.enable_docs is False
    assert settings.secret_key_generated is True
    assert len(settings.secret_key) >= MIN_SECRET_KEY_LENGTH


def test_generated_keys_differ_between_instances() -> None:
    assert Settings.from_env({}).secret_key != Settings.from_env({}).secret_key


def test_values_are_read_from_the_environment() -> None:
    key = "k" * 40
    settings = Settings.from_env(
        {
            "APP_VERSION": "2.3.4",
            "HOST": "0.0.0.0",
            "PORT": "9001",
            "LOG_LEVEL": "debug",
            "APP_SECRET_KEY": key,
            "RATE_LIMIT_PER_MINUTE": "0",
            "CORS_ALLOW_ORIGINS": "https://a.example, https://b.example/",
            "FAULT_MODE": "SLOW",
            "FAULT_ERROR_RATE": "0.25",
            "FAULT_DELAY_SECONDS": "1",
            "ENABLE_DOCS": "yes",
            "ACCESS_LOG": "off",
        }
    )
    assert settings.version == "2.3.4"
    assert (settings.host, settings.port) == ("0.0.0.0", 9001)
    assert settings.log_level == "DEBUG"
    assert settings.secret_key == key and settings.secret_key_generated is False
    assert settings.rate_limit_per_minute == 0
    assert settings.cors_allow_origins == ("https://a.example", "https://b.example")
    assert settings.fault_mode is FaultMode.SLOW
    assert settings.fault_error_rate == 0.25
    assert settings.fault_delay_seconds == 1.0
    assert settings.enable_docs is True
    assert settings.access_log is False


def test_secret_key_is_not_in_repr() -> None:
    key = "s" * 40
    assert key not in repr(Settings.from_env({"APP_SECRET_KEY": key}))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "eighty"}, "PORT must be an integer"),
        ({"PORT": "70000"}, "PORT must be between 1 and 65535"),
        ({"FAULT_ERROR_RATE": "lots"}, "FAULT_ERROR_RATE must be a number"),
        ({"FAULT_ERROR_RATE": "1.5"}, "FAULT_ERROR_RATE must be between"),
        ({"FAULT_MODE": "chaos"}, "FAULT_MODE must be one of none, errors, slow"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"ENABLE_DOCS": "maybe"}, "ENABLE_DOCS must be true or false"),
        ({"CORS_ALLOW_ORIGINS": "*"}, "explicit http(s) origins"),
        ({"APP_SECRET_KEY": "short"}, f"at least {MIN_SECRET_KEY_LENGTH} characters"),
    ],
)
def test_unusable_values_raise_config_error(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)


def test_process_environment_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_VERSION", "9.9.9")
    assert Settings.from_env().version == "9.9.9"
