"""GOLIVE_NOTIFY parsing and what a notification says (and never says)."""

from __future__ import annotations

import pytest

from golive.notify import NotifyConfigError, NotifyEvent, Sink, parse_sinks, scrub


def test_sinks_are_parsed_from_kind_and_target():
    assert parse_sinks("file:///var/golive/events.jsonl, webhook:hooks ,slack:slack_ops,"
                       "slackapi:slack_api#releases,smtp:smtp_default") == [
        Sink("file", "/var/golive/events.jsonl"), Sink("webhook", "hooks"), Sink("slack", "slack_ops"),
        Sink("slackapi", "slack_api", "#releases"), Sink("smtp", "smtp_default")]
    assert parse_sinks("") == []


@pytest.mark.parametrize(("text", "words"), [
    ("file:relative.jsonl", "file:///absolute/path"),
    ("slackapi:conn", "slackapi:<connection id>#<channel>"),
    ("slack:https://hooks.slack.com/x", "not an Airflow connection id"),
    ("pager:ops", "unknown sink 'pager'"),
    ("webhook", "not kind:target"),
])
def test_a_bad_sink_is_refused_naming_it(text, words):
    with pytest.raises(NotifyConfigError, match="GOLIVE_NOTIFY") as err:
        parse_sinks(text)
    assert words in str(err.value)


def test_scrub_removes_credentials_from_urls_assignments_and_bearer_tokens():
    text = scrub("clone https://deploy:ghp_s3cr3t@git.example/x failed; api_key=abc123 token = t0k PASSWORD = 'p4ss' "
                 "Authorization: Bearer eyJhbGciOi.x.y; secrets found: 2")
    for secret in ("ghp_s3cr3t", "abc123", "t0k", "eyJhbGciOi", "p4ss"):
        assert secret not in text
    assert "https://***@git.example/x" in text and "secrets found: 2" in text


def test_a_gate_failure_message_carries_the_facts_and_no_secret():
    event = NotifyEvent(kind="gate_failed", dag_id="golive", run_id="r1", application="shop", version="1.1.0",
                        environment="prod", gate="security", status="FAIL", score=41.25, threshold=85,
                        reasons=("no_secrets = 1 (key): password=hunter2 in app/settings.py:3",),
                        link="http://airflow:8080/dags/golive/runs/r1")
    text = event.text()
    assert event.title == "golive: security gate FAILED for shop 1.1.0"
    assert "environment prod" in text and "score 41.2 (threshold 85)" in text and "no_secrets = 1" in text
    assert "hunter2" not in text and "hunter2" not in str(event.payload())
    assert event.payload()["score"] == 41.25 and event.payload()["kind"] == "gate_failed"
