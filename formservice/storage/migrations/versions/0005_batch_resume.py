"""batches that always finish: an item's claim (who, when) and attempts; a batch's resumptions

Revision ID: 0005_batch_resume
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005_batch_resume'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batch_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resumed_count', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('finished_at')
        batch_op.drop_column('resumed_at')
        batch_op.drop_column('resumed_count')
    with op.batch_alter_table('batch_items', schema=None) as batch_op:
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('attempts')
