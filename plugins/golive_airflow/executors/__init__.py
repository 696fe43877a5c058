"""Executors tuned for golive's DAGs."""
