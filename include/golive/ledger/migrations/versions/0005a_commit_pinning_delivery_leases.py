"""the commit each verdict is about, and the per-application delivery lease

Revision ID: 0005a
Revises: 0005b
"""
import sqlalchemy as sa
from alembic import op

revision = '0005a'
down_revision = '0005b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commit', sa.String(length=80), nullable=True))
    op.create_table('leases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application', sa.String(length=63), nullable=False),
    sa.Column('environment', sa.String(length=16), nullable=False),
    sa.Column('run_id', sa.String(length=250), nullable=False),
    sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leases')),
    sa.UniqueConstraint('application', 'environment', name=op.f('uq_leases_application_environment'))
    )


def downgrade() -> None:
    op.drop_table('leases')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_column('commit')
