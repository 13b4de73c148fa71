"""staff logins: one row per login (the session and remember-me cookies name it); the account lock's columns go

Revision ID: 5a8e2c4f7b91
Revises: 0e45f97dd0d7
Create Date: 2026-12-04 13:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a8e2c4f7b91'
down_revision = '0e45f97dd0d7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_logins',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('password_stamp', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staff_logins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_staff_logins'))
    )
    with op.batch_alter_table('staff_logins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_logins_user_id'), ['user_id'], unique=False)

    # Wrong passwords are now throttled per account and address (in Redis), not counted on the account.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('staff_logins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_logins_user_id'))

    op.drop_table('staff_logins')
