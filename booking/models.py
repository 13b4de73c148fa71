"""The booking domain: time slots and their capacity, appointments and their history, SMS outbox, feedback."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.dates import UTCDateTime, utcnow
from booking.extensions import db
from offices.models import Office, ServiceType


class TimeSlot(db.Model):
    """A bookable period at an office. The database refuses more bookings than the capacity."""

    __tablename__ = "time_slots"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    office: Mapped[Office] = relationship()

    __table_args__ = (
        UniqueConstraint("office_id", "starts_at"),
        CheckConstraint("booked >= 0", name="booked_not_negative"),
        CheckConstraint("booked <= capacity", name="booked_within_capacity"),
    )


class Appointment(db.Model):
    __tablename__ = "appointments"
    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(16), unique=True)
    national_id: Mapped[str] = mapped_column(String(10), index=True)
    mobile: Mapped[str] = mapped_column(String(13))  # normalised: 09xxxxxxxxx
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("time_slots.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language the citizen booked in (``en``; empty: Persian): the messages sent later use it.
    language: Mapped[Optional[str]] = mapped_column(String(2))

    office: Mapped[Office] = relationship()
    service_type: Mapped[ServiceType] = relationship()
    slot: Mapped[TimeSlot] = relationship()
    changes: Mapped[list["AppointmentChange"]] = relationship(back_populates="appointment",
                                                              order_by="AppointmentChange.at")

    __table_args__ = (
        CheckConstraint("status IN ('booked', 'checked_in', 'served', 'cancelled', 'no_show')",
                        name="status_known"),
    )


class AppointmentChange(db.Model):
    """One step in an appointment's status history."""

    __tablename__ = "appointment_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_status: Mapped[Optional[str]] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(String(200), default="")

    appointment: Mapped[Appointment] = relationship(back_populates="changes")


class SmsMessage(db.Model):
    """The SMS outbox. ``dedupe_key`` makes a retried job send a given message only once."""

    __tablename__ = "sms_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(13), index=True)
    body: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="queued")

    __table_args__ = (CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status_known"),)


class Feedback(db.Model):
    """A citizen's rating (1–5) and comment after a visit."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("queue_tickets.id"), unique=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index("ix_feedback_office_created", "office_id", "created_at"),
    )
