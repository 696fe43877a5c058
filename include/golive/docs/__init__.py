"""The documentation phase's domain (plan 000, phase 7): the API reference from the OpenAPI document,
a runbook per alert, the deployment record, the documentation quality checks, and the store the
artifacts are written to. No Airflow import: it runs in the documentation agent's pods.
"""
