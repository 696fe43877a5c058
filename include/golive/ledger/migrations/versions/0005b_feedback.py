"""feedback rows, quarantined feedback batches and insights reports

Revision ID: 0005b
Revises: 0004
"""
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = '0005b'
down_revision = '0004'
branch_labels = None
depends_on = None


def _recorded_at() -> sa.Column[datetime]:
    return sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(),
                     nullable=False)


def upgrade() -> None:
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=128), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('nps', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=True),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
    sa.UniqueConstraint('application', 'source', 'external_id',
                        name=op.f('uq_feedback_application_source_external_id'))
    )
    op.create_table('feedback_quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('failed', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_quarantine')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_feedback_quarantine_batch_id'))
    )
    op.create_table('feedback_reports',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('html_url', sa.Text(), nullable=False),
    sa.Column('json_url', sa.Text(), nullable=False),
    sa.Column('public_url', sa.Text(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    _recorded_at(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_reports')),
    sa.UniqueConstraint('run_id', 'application', name=op.f('uq_feedback_reports_run_id_application'))
    )


def downgrade() -> None:
    op.drop_table('feedback_reports')
    op.drop_table('feedback_quarantine')
    op.drop_table('feedback')
