"""Recognise a test suite that failed for want of a service (a database, a cache, a broker).

The test run's output is matched against what the usual clients print when nothing answers
(``Connection refused`` on a well-known port, psycopg's ``could not connect to server``,
``redis.exceptions.ConnectionError``, ``ECONNREFUSED`` …). The analyzer names each service it
recognised in its detail, with the lines that said so, so that a failed suite is not mistaken for a
bug in the code when the environment lacked, say, PostgreSQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERNS = (
    ("PostgreSQL", r"psycopg|postgres|could not connect to server|port 5432|:5432\b|asyncpg"),
    ("MySQL", r"mysql|mariadb|port 3306|:3306\b"),
    ("Redis", r"redis|port 6379|:6379\b"),
    ("MongoDB", r"mongo|ServerSelectionTimeoutError|:27017\b"),
    ("RabbitMQ (AMQP)", r"amqp|rabbitmq|kombu|:5672\b"),
    ("Kafka", r"kafka|:9092\b"),
    ("Elasticsearch", r"elasticsearch|opensearch|:9200\b"),
    ("Memcached", r"memcache|:11211\b"),
)
_SERVICES = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in _PATTERNS)
_UNREACHABLE = re.compile(
    r"connection refused|ECONNREFUSED|could not connect|can't connect|cannot connect|failed to connect|"
    r"Connection reset by peer|ServerSelectionTimeoutError|OperationalError|ConnectionError|"
    r"Name or service not known|getaddrinfo ENOTFOUND|timed out connecting", re.IGNORECASE)


@dataclass(frozen=True)
class MissingService:
    """A service the suite could not reach and the output lines that show it."""

    name: str
    evidence: list[str]


def missing_services(output: str, limit: int = 3) -> list[MissingService]:
    """The services the output shows the tests could not reach (``a network service`` when unnamed)."""
    lines = [line.strip() for line in output.splitlines() if _UNREACHABLE.search(line)]
    if not lines:
        return []
    found: dict[str, list[str]] = {}
    for line in dict.fromkeys(lines):
        names = [name for name, pattern in _SERVICES if pattern.search(line)]
        if not names and re.search(r"connection refused|ECONNREFUSED", line, re.IGNORECASE):
            names = ["a network service"]
        for name in names:
            found.setdefault(name, []).append(line[:300])
    if len(found) > 1:
        found.pop("a network service", None)
    return [MissingService(name, evidence[:limit]) for name, evidence in found.items()]


def describe(services: list[MissingService]) -> str:
    """One sentence naming the services and their errors."""
    parts = [f"{s.name} ({'; '.join(s.evidence)})" for s in services]
    return "the suite needs services it could not reach: " + ", ".join(parts)
