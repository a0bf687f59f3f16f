"""an agenda's and minutes' sending marked without editing the form; a personal calendar feed

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agenda_sent_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('minutes_sent_on', sa.Date(), nullable=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_key_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_users_calendar_key_hash', ['calendar_key_hash'], unique=True)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_calendar_key_hash')
        batch_op.drop_column('calendar_key_hash')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('minutes_sent_on')
        batch_op.drop_column('agenda_sent_on')
