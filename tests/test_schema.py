"""The schema: migrations from empty, and the rules the database itself enforces."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, update
from sqlalchemy.exc import IntegrityError

from booking.dates import utcnow
from booking.extensions import db


def test_migrations_leave_nothing_to_do(app) -> None:
    """After ``upgrade`` the models and the migrated schema agree, and a second upgrade changes nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import upgrade

    upgrade()  # second time: a no-op
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []
        assert context.get_current_revision() is not None
    tables = set(inspect(db.engine).get_table_names())
    for name in ("provinces", "districts", "offices", "opening_hours", "closures", "service_types", "time_slots",
                 "appointments", "appointment_changes", "queue_tickets", "queue_events", "counter_shifts",
                 "users", "feedback", "sms_outbox"):
        assert name in tables


def test_slot_capacity_is_enforced_by_the_database(app, make_office) -> None:
    from booking.models import TimeSlot

    office = make_office()
    slot = TimeSlot(office_id=office.id, starts_at=utcnow(), minutes=15, capacity=2, booked=2)
    db.session.add(slot)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(TimeSlot).where(TimeSlot.id == slot.id).values(booked=TimeSlot.booked + 1))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(TimeSlot, slot.id).booked == 2


def test_queue_events_are_append_only(app, make_office) -> None:
    from offices.models import AppendOnlyError, QueueEvent

    office = make_office()
    event = QueueEvent(office_id=office.id, kind="walk_in", at=utcnow(), data={"service": "A"})
    db.session.add(event)
    db.session.commit()
    event.kind = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(QueueEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(QueueEvent, event.id).kind == "walk_in"


def test_operator_must_belong_to_an_office(app) -> None:
    from offices.models import User

    db.session.add(User(username="op", password_hash="x", full_name="Op", role="operator"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_opening_hours_must_open_before_closing(app, make_office) -> None:
    from offices.models import OpeningHours

    office = make_office()
    db.session.add(OpeningHours(office_id=office.id, weekday=6, opens=dt.time(14), closes=dt.time(8)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_password_is_hashed(app, make_office) -> None:
    from offices.models import User

    user = User(username="op1", full_name="Operator", role="operator", office_id=make_office().id)
    user.set_password("correct horse")
    assert "correct horse" not in user.password_hash
    assert user.check_password("correct horse") and not user.check_password("wrong")
