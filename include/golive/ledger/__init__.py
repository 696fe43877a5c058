"""golive's ledger: SQL tables, Alembic migrations and the Ledger API (SQLite or PostgreSQL)."""

from golive.ledger.store import ApprovalConflict, Ledger, LedgerError, RecordKey, default_url, make_engine

__all__ = ["ApprovalConflict", "Ledger", "LedgerError", "RecordKey", "default_url", "make_engine"]
