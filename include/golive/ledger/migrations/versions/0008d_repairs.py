"""repairs: what each golive_repair run diagnosed, fixed and delivered (the resolution rate per run)

Revision ID: 0008d
Revises: 0008b
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0008d'
down_revision = '0008b'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('repairs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('fixed', sa.Integer(), nullable=False),
    sa.Column('fixable', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('resolution_rate', sa.Float(), nullable=True),
    sa.Column('patch', sa.String(length=1024), nullable=True),
    sa.Column('branch', sa.String(length=255), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_repairs')),
    sa.UniqueConstraint('run_id', 'application', name=op.f('uq_repairs_run_id_application'))
    )


def downgrade() -> None:
    op.drop_table('repairs')
