"""The Airflow Assets golive's DAGs produce and consume."""

from __future__ import annotations

from airflow.sdk import Asset

#: Updated by every successful go-live (``golive``'s ``finish.final_report``, with the application
#: and version in the event's ``extra``); ``golive_feedback`` runs on it (and daily).
GO_LIVES = Asset("golive://go-lives")
