"""Where the tests find the repository and their data, whatever folder a test module sits in."""

from __future__ import annotations

from pathlib import Path

#: The repository root.
REPO = Path(__file__).resolve().parents[2]
#: The vendored projects, SARIF samples, charts and monitoring files the tests read (``tests/data``).
TEST_DATA = REPO / "tests" / "data"
