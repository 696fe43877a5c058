"""waivers applied to findings, and the raw value of a recounted criterion

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('waivers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=512), nullable=False),
    sa.Column('waiver', sa.String(length=1200), nullable=False),
    sa.Column('tool', sa.String(length=64), nullable=False),
    sa.Column('rule_id', sa.String(length=128), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('measurement', sa.String(length=128), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluations.id'], name=op.f('fk_waivers_evaluation_id_evaluations'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waivers')),
    sa.UniqueConstraint('evaluation_id', 'fingerprint', name=op.f('uq_waivers_evaluation_id_fingerprint'))
    )
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.add_column(sa.Column('raw_value', sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('criteria', schema=None) as batch_op:
        batch_op.drop_column('raw_value')
    op.drop_table('waivers')
