"""offices: a public telephone number, shown on the office's page

Revision ID: b3d41f7a9c20
Revises: ea9f89be8fab
Create Date: 2026-12-04 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d41f7a9c20'
down_revision = 'ea9f89be8fab'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=20), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('offices', schema=None) as batch_op:
        batch_op.drop_column('phone')
