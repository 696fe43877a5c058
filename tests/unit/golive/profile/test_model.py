"""The application profile model: what golive.yaml may say, and errors that name the field."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from golive.profile import ApplicationProfile, ProfileError, parse_profile
from golive.profile.load import format_validation_error

FULL = """
version: 1
name: shop
kind: service
languages: [python]
chart:
  ref: charts/shop
  values: {dev: [values-dev.yaml], prod: [values-prod.yaml, values-prod-eu.yaml]}
image: ghcr.io/acme/shop
endpoints: {health: /healthz, openapi: /openapi.json, traffic_paths: [/items, '/items/{id}'], signup: /signup}
secret_keys: [DATABASE_URL, api.key]
slos: {latency_p95_seconds: 0.5, error_rate_max: 0.01, availability_target: 99.9}
tests: {command: [python, -m, pytest, -q], dependencies: [requirements-dev.txt]}
thresholds: {quality: 90, security: 95}
waivers:
  - rule: bandit:B105
    path: "tests/*.py"
    reason: test fixtures hold fake passwords
    owner: team-shop
    expires: 2030-01-31
"""


def _error(text: str) -> str:
    with pytest.raises(ProfileError) as info:
        parse_profile(text)
    return str(info.value)


def test_a_full_profile_is_valid():
    profile = parse_profile(FULL)
    assert profile.kind == "service" and profile.has_http_surface
    assert profile.chart is not None and profile.chart.values.prod == ["values-prod.yaml", "values-prod-eu.yaml"]
    assert profile.endpoints.health == "/healthz" and profile.endpoints.version == "/version"
    assert profile.tests is not None and profile.tests.command == ["python", "-m", "pytest", "-q"]
    assert profile.thresholds == {"quality": 90, "security": 95}
    waiver = profile.waivers[0]
    assert waiver.active(date(2030, 1, 31)) and not waiver.active(date(2030, 2, 1))


def test_defaults():
    profile = ApplicationProfile()
    assert profile.endpoints.health == "/health" and profile.endpoints.version == "/version"
    assert profile.secret_keys == [] and profile.waivers == [] and profile.chart is None


@pytest.mark.parametrize(("text", "expected"), [
    ("endpoints: {health: health}", "endpoints.health: "),
    ("endpoints: {health: 'http://x/health'}", "endpoints.health: "),
    ("kind: daemon", "kind: Input should be 'service', 'worker', 'library' or 'ml-service'"),
    ("languages: [cobol]", "languages.0: "),
    ("tests: {command: 'pytest -q && rm -rf /'}", "tests.command: must be an argv list"),
    ("tests: {command: []}", "tests.command: the argv list needs a program"),
    ("tests: {dependencies: [../secrets.txt]}", "tests.dependencies.0: '../secrets.txt' may not contain '..'"),
    ("chart: {ref: /abs/chart}", "chart: "),
    ("chart: {ref: charts/../../etc}", "may not contain '..'"),
    ("chart: {ref: 'https://charts.example.com'}", "needs the chart's name"),
    ("chart: {ref: charts/shop, values: {production: [v.yaml]}}", "chart.values.production: Extra inputs"),
    ("name: Shop_App", "name: String should match pattern"),
    ("image: ghcr.io/acme/shop:1.0", "image: "),
    ("secret_keys: [ok, 'not ok']", "secret_keys.1: "),
    ("secret_keys: [a, a]", "secret_keys: duplicate entries: a"),
    ("thresholds: {quality: 101}", "thresholds.quality: "),
    ("thresholds: {qualty: 90}", "thresholds.qualty"),
    ("slos: {error_rate_max: 2}", "slos.error_rate_max: "),
    ("waivers: [{reason: because it is fine, owner: me, expires: 2030-01-01}]", "waivers.0: a waiver names exactly"),
    ("waivers: [{rule: B1, reason: short, owner: me, expires: 2030-01-01}]", "waivers.0.reason: "),
    ("waivers: [{rule: B1, reason: long enough reason, owner: me, expires: soon}]", "waivers.0.expires: "),
    ("colour: blue", "colour: Extra inputs are not permitted"),
])
def test_errors_name_the_field(text, expected):
    message = _error(text)
    assert message.startswith("golive.yaml: ") and expected in message, message


def test_not_yaml_and_not_a_mapping():
    assert "not valid YAML" in _error("kind: [service")
    assert "must be a mapping" in _error("- service")
    assert parse_profile("").kind == "service"


def test_remote_charts():
    profile = parse_profile("chart: {ref: 'oci://ghcr.io/acme/charts/shop', version: 1.2.0}")
    assert profile.chart is not None and profile.chart.is_remote
    profile = parse_profile("chart: {ref: 'https://charts.example.com/stable', name: shop}")
    assert profile.chart is not None and profile.chart.name == "shop"
    assert "only" in _error("chart: {ref: charts/shop, version: 1.0.0}")


def test_format_validation_error_joins_every_problem():
    with pytest.raises(ValidationError) as info:
        ApplicationProfile.model_validate({"kind": "x", "endpoints": {"health": "x"}})
    text = format_validation_error(info.value)
    assert "kind: " in text and "endpoints.health: " in text and "; " in text
