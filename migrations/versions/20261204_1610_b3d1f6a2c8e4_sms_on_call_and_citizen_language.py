"""sms on call: each office chooses whether a called citizen is texted the counter; the citizen's language

Revision ID: b3d1f6a2c8e4
Revises: b3d41f7a9c20
Create Date: 2026-12-04 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d1f6a2c8e4'
down_revision = 'b3d41f7a9c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sms_on_call', sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('sms_on_call')
