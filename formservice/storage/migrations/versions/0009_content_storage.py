"""documents are stored as they are: Word and PDF files are compressed already, so
PostgreSQL does not try to compress them again (STORAGE EXTERNAL)

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COLUMNS = (("batch_items", "content"), ("documents", "content"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTERNAL')


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE EXTENDED')
