"""Alembic environment: runs on the connection golive.ledger.store hands over (no alembic.ini)."""

from alembic import context

from golive.ledger.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  version_table="golive_alembic_version")
with context.begin_transaction():
    context.run_migrations()
