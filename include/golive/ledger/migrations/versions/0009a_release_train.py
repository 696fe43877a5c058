"""release train: checkpoints before each phase, each application's go-live, rollbacks to a checkpoint

Revision ID: 0009a
Revises: 0008d
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0009a'
down_revision = '0008d'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('train_checkpoints',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('train', sa.String(length=63), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('applications', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_train_checkpoints')),
    sa.UniqueConstraint('run_id', 'phase', name=op.f('uq_train_checkpoints_run_id_phase'))
    )
    op.create_table('train_applications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('train', sa.String(length=63), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=128), nullable=False),
    sa.Column('golive_run_id', sa.String(length=250), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_train_applications')),
    sa.UniqueConstraint('run_id', 'application', name=op.f('uq_train_applications_run_id_application'))
    )
    op.create_table('train_rollbacks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('train', sa.String(length=63), nullable=False),
    sa.Column('phase', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('steps', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_train_rollbacks')),
    sa.UniqueConstraint('run_id', 'phase', name=op.f('uq_train_rollbacks_run_id_phase'))
    )


def downgrade() -> None:
    op.drop_table('train_rollbacks')
    op.drop_table('train_applications')
    op.drop_table('train_checkpoints')
