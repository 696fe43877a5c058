"""deployment revisions rollbacks and secret keys

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('revisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('task_id', sa.String(length=250), nullable=False),
    sa.Column('try_number', sa.Integer(), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('namespace', sa.String(length=63), nullable=False),
    sa.Column('deployment', sa.String(length=253), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=True),
    sa.Column('version', sa.String(length=128), nullable=False),
    sa.Column('strategy', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revisions')),
    sa.UniqueConstraint('run_id', 'task_id', 'try_number', name=op.f('uq_revisions_run_id_task_id_try_number'))
    )
    op.create_table('rollbacks',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('task_id', sa.String(length=250), nullable=False),
    sa.Column('try_number', sa.Integer(), nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('from_version', sa.String(length=128), nullable=True),
    sa.Column('to_version', sa.String(length=128), nullable=True),
    sa.Column('from_revision', sa.Integer(), nullable=True),
    sa.Column('to_revision', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rollbacks')),
    sa.UniqueConstraint('run_id', 'task_id', 'try_number', name=op.f('uq_rollbacks_run_id_task_id_try_number'))
    )
    op.create_table('secret_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('environment', sa.String(length=16), nullable=False),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('location', sa.Text(), nullable=False),
    sa.Column('key', sa.String(length=253), nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('created', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_secret_keys')),
    sa.UniqueConstraint('application', 'environment', 'backend', 'key', name=op.f('uq_secret_keys_application_environment_backend_key'))
    )


def downgrade() -> None:
    op.drop_table('secret_keys')
    op.drop_table('rollbacks')
    op.drop_table('revisions')
