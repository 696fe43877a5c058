"""Loaded by the load analyzer next to the locustfile (``locust -f LOCUSTFILE,THIS``): at exit, write the
statistics CSVs once more from the final statistics.

Locust writes ``PREFIX_stats.csv`` and ``PREFIX_failures.csv`` once a second while it runs and not
again at exit, so the requests of the last second — on a slow or starved machine, every request of a
short run — are missing from them although the printed summary counts them. This file defines no
User; it only listens to Locust's ``quit`` event.
"""

from __future__ import annotations

import csv
from typing import Any

from locust import events
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

_environment: list[Any] = []


@events.init.add_listener
def _remember(environment: Any, **_: Any) -> None:
    _environment[:] = [environment]


@events.quit.add_listener
def _write_final_statistics(**_: Any) -> None:
    if not _environment or not getattr(_environment[0].parsed_options, "csv_prefix", None):
        return
    environment = _environment[0]
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    prefix = environment.parsed_options.csv_prefix
    for suffix, write in (("stats", writer.requests_csv), ("failures", writer.failures_csv)):
        with open(f"{prefix}_{suffix}.csv", "w", newline="", encoding="utf-8") as fh:
            write(csv.writer(fh))
