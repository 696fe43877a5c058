"""approval answers refused by the approver policy (the triggering user of a prod promotion)

Revision ID: 0007b
Revises: 0006
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0007b'
down_revision = '0006'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('approval_refusals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('task_id', sa.String(length=250), nullable=False),
    sa.Column('responder', sa.String(length=200), nullable=False),
    sa.Column('chosen', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    _recorded_at(),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'],
                            name=op.f('fk_approval_refusals_evaluation_id_evaluations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_refusals'))
    )


def downgrade() -> None:
    op.drop_table('approval_refusals')
