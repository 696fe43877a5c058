"""one decision per approval task and evaluation: the promotion's approval is its own question

Revision ID: 0006
Revises: 0005a
"""
from alembic import op

revision = '0006'
down_revision = '0005a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_constraint('uq_approvals_evaluation_id', type_='unique')
        batch_op.create_unique_constraint(op.f('uq_approvals_evaluation_id_task_id'), ['evaluation_id', 'task_id'])


def downgrade() -> None:
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_approvals_evaluation_id_task_id'), type_='unique')
        batch_op.create_unique_constraint(op.f('uq_approvals_evaluation_id'), ['evaluation_id'])
