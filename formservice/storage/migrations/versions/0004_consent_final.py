"""a consent covers nothing until it has a final record

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_final', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    op.execute("UPDATE consents SET is_final = EXISTS (SELECT 1 FROM records WHERE "
               "records.subject = 'consent' AND records.subject_id = consents.id "
               "AND records.status = 'final')")


def downgrade():
    with op.batch_alter_table('consents', schema=None) as batch_op:
        batch_op.drop_column('is_final')
