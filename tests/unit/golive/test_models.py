"""GoLiveRequest and QualitySubmission reject bad input with the field and the rule."""

import pytest
from pydantic import ValidationError

from golive.models import Finding, GoLiveRequest, QualitySubmission, Strategy

GOOD = {"application": "shop-api", "version": "1.4.2", "source": "/srv/shop"}


def test_defaults():
    r = GoLiveRequest(**GOOD)
    assert (r.environment.value, r.strategy, r.quality_threshold, r.ref) == ("dev", Strategy.ROLLING, 85.0, "HEAD")


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("application", "Shop_API", "pattern"),
    ("application", "-shop", "pattern"),
    ("application", "a" * 41, "at most 40"),
    ("namespace", "Prod NS", "pattern"),
    ("environment", "production", "'dev', 'staging' or 'prod'"),
    ("strategy", "big-bang", "'rolling', 'blue-green' or 'canary'"),
    ("quality_threshold", 101, "less than or equal to 100"),
    ("quality_threshold", -1, "greater than or equal to 0"),
    ("version", "", "at least 1"),
    ("source", "--upload-pack=evil", "may not start with '-'"),
    ("source", "ftp://x/y", None),
    ("ref", "main; rm -rf /", "not a branch, tag or commit name"),
])
def test_bad_values_name_the_field_and_rule(field, value, rule):
    with pytest.raises(ValidationError) as info:
        GoLiveRequest(**{**GOOD, field: value})
    errors = info.value.errors()
    assert errors[0]["loc"][0] == field
    if rule:
        assert rule in str(info.value)


def test_unknown_keys_are_rejected():
    with pytest.raises(ValidationError, match="extra"):
        GoLiveRequest(**GOOD, replicas=3)


def test_git_urls_accepted():
    for url in ("https://github.com/org/repo.git", "git@github.com:org/repo.git", "file:///tmp/repo"):
        assert GoLiveRequest(**{**GOOD, "source": url}).source == url


def test_submission_requires_application():
    with pytest.raises(ValidationError, match="application"):
        QualitySubmission(source="/x")


def test_finding_fingerprint_default():
    f = Finding(tool="ruff", rule_id="F401", message="unused", path="a.py", line=3)
    assert f.fingerprint == "ruff:F401:a.py:3"
