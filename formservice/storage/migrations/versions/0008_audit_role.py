"""the audit log keeps the role the user had when acting

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN (not batch mode): on SQLite batch mode would copy the table and
    # drop the append-only triggers with the old one
    op.add_column('audit_events', sa.Column('role', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('role')
