"""The booking domain: time slots and their capacity, appointments and their history, SMS outbox, feedback."""
from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking.dates import UTCDateTime, utcnow
from booking.extensions import db
from offices.models import Office, QueueTicket, ServiceType


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
        # The appointments still to come, by slot: what every forecast adds to an office's day. A small part
        # of the table (the rest is history), so the forecast's count reads this index, not the whole table.
        Index("ix_appointments_booked_slot_id", "slot_id",
              postgresql_where=text("status = 'booked'"), sqlite_where=text("status = 'booked'")),
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


class ProvinceRules(db.Model):
    """A province's fair-access rules for online booking; a province without a row has the national defaults
    (:data:`booking.fair_access.DEFAULTS`)."""

    __tablename__ = "province_access_rules"
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"), primary_key=True)
    per_office_day: Mapped[int] = mapped_column(Integer)  # online bookings per person per office per day
    per_person_active: Mapped[int] = mapped_column(Integer)  # active appointments per national ID
    per_mobile_active: Mapped[int] = mapped_column(Integer)  # active appointments per mobile number
    no_show_count: Mapped[int] = mapped_column(Integer)  # no-shows within the window that bring a ban
    no_show_window_days: Mapped[int] = mapped_column(Integer)
    ban_days: Mapped[int] = mapped_column(Integer)
    offer_hold_minutes: Mapped[int] = mapped_column(Integer)  # how long a waitlist offer is held
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("per_office_day >= 1 AND per_person_active >= 1 AND per_mobile_active >= 1 "
                        "AND no_show_count >= 1 AND no_show_window_days >= 1 AND ban_days >= 0 "
                        "AND offer_hold_minutes >= 1", name="rules_positive"),
    )


class BookingBan(db.Model):
    """A national ID barred from online booking until ``until`` after missed appointments (no-shows).

    Lifting keeps the row: who lifted it, when and why."""

    __tablename__ = "booking_bans"
    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str] = mapped_column(String(10), index=True)
    mobile: Mapped[str] = mapped_column(String(13))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))  # where the last no-show was
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    appointment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("appointments.id"))  # the no-show that set it
    no_shows: Mapped[int] = mapped_column(Integer)  # no-shows counted in the window
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(200))
    lifted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    lifted_by: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lift_reason: Mapped[Optional[str]] = mapped_column(String(300))

    office: Mapped[Office] = relationship()


class WaitlistEntry(db.Model):
    """A citizen waiting for a place in a full slot (or any slot of a full day) at an office.

    ``waiting`` → ``offered`` (a freed place is held for them until ``offer_expires_at``; its place is counted
    in the slot's ``booked``) → ``accepted`` (an appointment made in the held place) or ``expired`` (the place
    goes to the next in line). Every change of status is a conditional UPDATE on the expected status, so that
    an offer is accepted or expired once, never both, and a place never given twice."""

    __tablename__ = "waitlist_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # the Tehran day waited for
    slot_id: Mapped[Optional[int]] = mapped_column(ForeignKey("time_slots.id"))  # None: any slot of the day
    national_id: Mapped[str] = mapped_column(String(10), index=True)
    mobile: Mapped[str] = mapped_column(String(13))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="waiting")
    offered_slot_id: Mapped[Optional[int]] = mapped_column(ForeignKey("time_slots.id"))
    offered_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    offer_token: Mapped[Optional[str]] = mapped_column(String(32), unique=True)
    appointment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("appointments.id"))

    office: Mapped[Office] = relationship()
    service_type: Mapped[ServiceType] = relationship()
    offered_slot: Mapped[Optional[TimeSlot]] = relationship(foreign_keys=[offered_slot_id])

    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'offered', 'accepted', 'expired', 'cancelled')", name="status_known"),
        CheckConstraint("status <> 'offered' OR (offered_slot_id IS NOT NULL AND offer_expires_at IS NOT NULL)",
                        name="offer_complete"),
        Index("ix_waitlist_office_day_status", "office_id", "day", "status"),
    )


class RemoteTicket(db.Model):
    """A place in today's line of an office taken from home (:mod:`booking.remote_queue`).

    Its queue ticket (kind ``remote``) is in the line from the moment it was taken, ordered by
    ``queue_tickets.arrived_at`` (the join time, later when the holder asked for more time); it is called only
    once its holder is at the office (``here_at``, checked in by the operator)."""

    __tablename__ = "remote_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("queue_tickets.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    token: Mapped[str] = mapped_column(String(32), unique=True)  # the ticket page's address
    national_id: Mapped[str] = mapped_column(String(10), index=True)
    mobile: Mapped[str] = mapped_column(String(13), index=True)
    language: Mapped[Optional[str]] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(8), default="web")  # web, api, sms, qr
    joined_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    travel_minutes: Mapped[float] = mapped_column(Float)
    leave_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)  # the latest forecast's leave-at
    leaving_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)  # the holder said they set out
    here_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)  # checked in at the office
    passed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)  # first passed over, not yet here
    more_time_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)  # asked for more time (once)
    texted_leave: Mapped[bool] = mapped_column(Boolean, default=False)
    texted_ahead: Mapped[bool] = mapped_column(Boolean, default=False)

    ticket: Mapped[QueueTicket] = relationship()
    office: Mapped[Office] = relationship()

    __table_args__ = (
        CheckConstraint("channel IN ('web', 'api', 'sms', 'qr')", name="channel_known"),
        Index("ix_remote_tickets_office_joined", "office_id", "joined_at"),
    )
