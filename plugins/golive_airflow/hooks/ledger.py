"""LedgerHook: owns the ``golive_ledger`` connection and hands out a migrated ``Ledger``."""

from __future__ import annotations

import threading
from typing import Any

from airflow.sdk.bases.hook import BaseHook
from airflow.sdk.exceptions import AirflowNotFoundException

from golive.ledger import Ledger, default_url, make_engine

_ENGINES: dict[str, Any] = {}
_LOCK = threading.Lock()


class LedgerHook(BaseHook):
    """Connects to golive's ledger.

    The ``golive_ledger`` connection decides where the ledger lives:

    * conn type ``postgres`` — PostgreSQL through the Postgres provider (production);
    * conn type ``sqlite`` (host = path of the file) — an SQLite file;
    * no such connection — the embedded default, ``$GOLIVE_LEDGER_URL`` or
      ``$GOLIVE_HOME/ledger.sqlite``.

    The schema is migrated to the newest Alembic revision once per process.

    :param golive_ledger_conn_id: the connection id (default ``golive_ledger``).
    """

    conn_name_attr = "golive_ledger_conn_id"
    default_conn_name = "golive_ledger"
    conn_type = "golive_ledger"
    hook_name = "golive ledger"

    def __init__(self, golive_ledger_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.golive_ledger_conn_id = golive_ledger_conn_id

    def get_url(self) -> str:
        """The SQLAlchemy URL of the ledger (contains the password for PostgreSQL: never log it)."""
        try:
            conn = self.get_connection(self.golive_ledger_conn_id)
        except AirflowNotFoundException:
            return default_url()
        if conn.conn_type in ("postgres", "postgresql"):
            from airflow.providers.postgres.hooks.postgres import PostgresHook

            url = PostgresHook(postgres_conn_id=self.golive_ledger_conn_id).sqlalchemy_url
            return url.render_as_string(hide_password=False)
        if conn.conn_type == "sqlite":
            return f"sqlite:///{conn.host}"
        return conn.get_uri()

    def get_conn(self) -> Ledger:
        """A ``Ledger`` on a shared, already-migrated engine."""
        url = self.get_url()
        with _LOCK:
            engine = _ENGINES.get(url)
            if engine is None:
                engine = make_engine(url)
                Ledger(engine).migrate()
                _ENGINES[url] = engine
        return Ledger(engine)
