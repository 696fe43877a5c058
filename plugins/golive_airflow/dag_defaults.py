"""Defaults every golive DAG shares: owner, retries ≥ 2, tags and the bundled sample app's conf."""

from __future__ import annotations

from datetime import datetime, timedelta

from golive.settings import get_settings

SAMPLE_APP_SOURCE = str(get_settings().sample_app_source)

DEFAULT_ARGS = {
    "owner": "golive-platform",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
}
START_DATE = datetime(2026, 1, 1)
SAMPLE_REQUEST = {"application": "sample-app", "version": "1.0.0", "source": SAMPLE_APP_SOURCE}
