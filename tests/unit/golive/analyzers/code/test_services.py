"""A suite that failed for want of a database or cache is named as such."""

from __future__ import annotations

from golive.analyzers.code.services import describe, missing_services


def test_clients_errors_name_their_service():
    output = "\n".join([
        "E   redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.",
        'E   psycopg2.OperationalError: could not connect to server: Connection refused (port 5432)',
        "Error: connect ECONNREFUSED 127.0.0.1:27017",
        "tests/test_x.py::test_y PASSED",
    ])
    found = {s.name: s.evidence for s in missing_services(output)}
    assert set(found) == {"Redis", "PostgreSQL", "MongoDB"}
    assert "Error 111 connecting to localhost:6379" in found["Redis"][0]
    assert describe(missing_services(output)).startswith("the suite needs services it could not reach: Redis (")


def test_an_unnamed_refusal_is_a_network_service_and_ordinary_failures_are_none():
    assert [s.name for s in missing_services("ConnectionRefusedError: [Errno 111] Connection refused")] == \
        ["a network service"]
    assert missing_services("AssertionError: assert 1 == 2\nFAILED tests/test_a.py::test_b") == []
