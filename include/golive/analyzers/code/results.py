"""The two measurements every test-suite runner (Python, Node) reports."""

from __future__ import annotations

from golive.models import Measurement


def measurements(coverage: float | None, failed: int | None, detail_cov: str,
                 detail_failed: str) -> list[Measurement]:
    """``test_coverage`` (%) and ``tests_failed`` (tests); None is no-data, with the detail saying why."""
    return [Measurement(name="test_coverage", value=coverage, unit="%", detail=detail_cov),
            Measurement(name="tests_failed", value=None if failed is None else float(failed), unit="tests",
                        detail=detail_failed)]
