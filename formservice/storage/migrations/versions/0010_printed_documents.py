"""forms printed for a case, under the token their QR codes carry; signatures cut out of a
scanned consent, kept beside the scan

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'printed_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('form_id', sa.String(length=40), nullable=False),
        sa.Column('form_version', sa.Integer(), nullable=False),
        sa.Column('fmt', sa.String(length=10), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
        sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_printed_documents_case_id', 'printed_documents', ['case_id'])
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_documents_source_id_documents', 'documents',
                                    ['source_id'], ['id'])


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint('fk_documents_source_id_documents', type_='foreignkey')
        batch_op.drop_column('source_id')
    op.drop_index('ix_printed_documents_case_id', table_name='printed_documents')
    op.drop_table('printed_documents')
