"""counter plans: the counters an office will staff on a day, announced ahead

Revision ID: a9c4e7b1d062
Revises: f3b8d2a6c417
Create Date: 2026-12-05 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9c4e7b1d062'
down_revision = 'f3b8d2a6c417'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'counter_plans',
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('counters', sa.Integer(), nullable=False),
        sa.Column('set_by_id', sa.Integer(), nullable=True),
        sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('counters >= 1', name=op.f('ck_counter_plans_at_least_one')),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('office_id', 'day'),
    )


def downgrade():
    op.drop_table('counter_plans')
