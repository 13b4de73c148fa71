"""office estimates: the counters usually open at each 5 minutes of the first hour after opening, by weekday

Revision ID: f3b8d2a6c417
Revises: e1a7c3f9b254
Create Date: 2026-12-05 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3b8d2a6c417'
down_revision = 'e1a7c3f9b254'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office_estimates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opening_counters', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('office_estimates', schema=None) as batch_op:
        batch_op.drop_column('opening_counters')
