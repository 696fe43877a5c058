"""usage: what each agent pod of a run requested and (where measured) used

Revision ID: 0008b
Revises: 0007a
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0008b'
down_revision = '0007a'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('usage',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('task_id', sa.String(length=250), nullable=False),
    sa.Column('try_number', sa.Integer(), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=True),
    sa.Column('phase', sa.String(length=64), nullable=False),
    sa.Column('pod_name', sa.String(length=253), nullable=False),
    sa.Column('profile', sa.String(length=32), nullable=False),
    sa.Column('cpu_request', sa.Float(), nullable=False),
    sa.Column('memory_request', sa.BigInteger(), nullable=False),
    sa.Column('gpu_request', sa.Integer(), nullable=False),
    sa.Column('cpu_seconds', sa.Float(), nullable=True),
    sa.Column('peak_memory_bytes', sa.BigInteger(), nullable=True),
    sa.Column('wall_seconds', sa.Float(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_usage')),
    sa.UniqueConstraint('run_id', 'task_id', 'try_number', 'pod_name',
                        name=op.f('uq_usage_run_id_task_id_try_number_pod_name'))
    )


def downgrade() -> None:
    op.drop_table('usage')
