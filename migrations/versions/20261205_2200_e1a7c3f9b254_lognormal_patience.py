"""office estimates: the patience law's shape (a lognormal's log-scale standard deviation; empty: exponential)

Revision ID: e1a7c3f9b254
Revises: d4f8b2c6a913
Create Date: 2026-12-05 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e1a7c3f9b254'
down_revision = 'd4f8b2c6a913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('office_estimates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('patience_sigma', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('office_estimates', schema=None) as batch_op:
        batch_op.drop_column('patience_sigma')
