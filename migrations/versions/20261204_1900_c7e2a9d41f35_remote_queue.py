"""remote queue: tickets taken from home, and the 'remote' kind of queue ticket

Revision ID: c7e2a9d41f35
Revises: b3d1f6a2c8e4
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2a9d41f35'
down_revision = 'b3d1f6a2c8e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_queue_tickets_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_queue_tickets_kind_known'), "kind IN ('walk_in', 'booked', 'remote')")
    op.create_table(
        'remote_tickets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('office_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('national_id', sa.String(length=10), nullable=False),
        sa.Column('mobile', sa.String(length=13), nullable=False),
        sa.Column('language', sa.String(length=2), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('travel_minutes', sa.Float(), nullable=False),
        sa.Column('leave_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('leaving_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('here_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('passed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('more_time_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('texted_leave', sa.Boolean(), nullable=False),
        sa.Column('texted_ahead', sa.Boolean(), nullable=False),
        sa.CheckConstraint("channel IN ('web', 'api', 'sms', 'qr')", name=op.f('ck_remote_tickets_channel_known')),
        sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_remote_tickets_office_id_offices')),
        sa.ForeignKeyConstraint(['ticket_id'], ['queue_tickets.id'],
                                name=op.f('fk_remote_tickets_ticket_id_queue_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_tickets')),
        sa.UniqueConstraint('ticket_id', name=op.f('uq_remote_tickets_ticket_id')),
        sa.UniqueConstraint('token', name=op.f('uq_remote_tickets_token')),
    )
    with op.batch_alter_table('remote_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_remote_tickets_national_id'), ['national_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_remote_tickets_mobile'), ['mobile'], unique=False)
        batch_op.create_index('ix_remote_tickets_office_joined', ['office_id', 'joined_at'], unique=False)


def downgrade():
    op.drop_table('remote_tickets')
    op.execute("DELETE FROM queue_tickets WHERE kind = 'remote'")
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_queue_tickets_kind_known'), type_='check')
        batch_op.create_check_constraint(op.f('ck_queue_tickets_kind_known'), "kind IN ('walk_in', 'booked')")
