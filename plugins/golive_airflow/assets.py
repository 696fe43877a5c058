"""The Airflow Assets golive's DAGs produce and consume."""

from __future__ import annotations

from airflow.sdk import Asset

#: Updated by every successful go-live (``golive``'s ``finish.final_report``, with the application
#: and version in the event's ``extra``); ``golive_feedback`` runs on it (and daily). An ``x-`` scheme:
#: Airflow looks up a URI normaliser for any other scheme, which loads every provider's asset handlers
#: (the Google provider's GCS hook among them, about half a second) in each process that parses a DAG.
GO_LIVES = Asset("x-golive://go-lives")
