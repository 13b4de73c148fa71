"""appointments: a partial index of those still booked, by slot (the forecast counts them on every page)

Revision ID: d4f8b2c6a913
Revises: c7e2a9d41f35
Create Date: 2026-12-04 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f8b2c6a913'
down_revision = 'c7e2a9d41f35'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_booked_slot_id', ['slot_id'], unique=False,
                              postgresql_where=sa.text("status = 'booked'"),
                              sqlite_where=sa.text("status = 'booked'"))


def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_booked_slot_id')
