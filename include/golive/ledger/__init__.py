"""golive's ledger: SQL tables, Alembic migrations and the Ledger API (SQLite or PostgreSQL)."""

from golive.ledger.store import Ledger, LedgerError, RecordKey, default_url, make_engine

__all__ = ["Ledger", "LedgerError", "RecordKey", "default_url", "make_engine"]
