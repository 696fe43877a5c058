"""maintenance: what each golive_maintenance run found (advisories), proposed, rotated and deleted

Revision ID: 0007a
Revises: 0007b
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0007a'
down_revision = '0007b'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('maintenance',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('item', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_maintenance')),
    sa.UniqueConstraint('run_id', 'application', 'kind', 'item',
                        name=op.f('uq_maintenance_run_id_application_kind_item'))
    )


def downgrade() -> None:
    op.drop_table('maintenance')
