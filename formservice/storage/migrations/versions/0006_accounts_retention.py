"""tokens expire and are revoked with a time; login failures looked up per user and address;
a case remembers when it was closed (retention counts from then)

Revision ID: 0006
Revises: 0005_batch_resume

The service role's rights on PostgreSQL are not granted here but by storage.db.migrate
after every upgrade (so a table of a later migration is granted too).
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005_batch_resume'
branch_labels = None
depends_on = None

# tokens made before tokens expired get the default lifetime from the upgrade on
TOKEN_DAYS = 90


def upgrade():
    now = dt.datetime.now(dt.timezone.utc)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
    op.get_bind().execute(sa.text("UPDATE api_tokens SET expires_at = :at WHERE expires_at IS NULL"),
                          {"at": now + dt.timedelta(days=TOKEN_DAYS)})
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_username_address',
                              ['username', 'address', 'at'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_closed_at'), ['closed_at'], unique=False)
    # when a case already closed was closed is not known: its period starts now
    op.get_bind().execute(sa.text("UPDATE cases SET closed_at = :at WHERE status = 'closed'"),
                          {"at": now})


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_closed_at'))
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_username_address')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('expires_at')
