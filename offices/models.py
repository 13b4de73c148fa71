"""The office domain: geography, offices and their hours, services, queue tickets, the queue event log, staff."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Optional

from flask_login import UserMixin
from sqlalchemy import (JSON, CheckConstraint, Column, Date, Float, ForeignKey, Index, Integer, String, Table,
                        Time, UniqueConstraint, event, true)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from booking.dates import UTCDateTime, utcnow
from booking.extensions import db


class Province(db.Model):
    __tablename__ = "provinces"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name_fa: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    capital_fa: Mapped[str] = mapped_column(String(80))
    capital_en: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)

    districts: Mapped[list["District"]] = relationship(back_populates="province", order_by="District.name_fa")


class District(db.Model):
    """A judicial district (حوزه قضایی), the unit a district supervisor oversees."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    city_fa: Mapped[str] = mapped_column(String(80))
    city_en: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)

    province: Mapped[Province] = relationship(back_populates="districts")
    offices: Mapped[list["Office"]] = relationship(back_populates="district", order_by="Office.code")


class ServiceType(db.Model):
    """A service an office offers, e.g. SANA registration, with its typical duration in minutes."""

    __tablename__ = "service_types"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    letter: Mapped[str] = mapped_column(String(2), unique=True)  # ticket series, e.g. "A" → A-042
    name_fa: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    typical_minutes: Mapped[float] = mapped_column(Float)

    __table_args__ = (CheckConstraint("typical_minutes > 0", name="positive_duration"),)


office_services = Table(
    "office_services",
    db.metadata,
    Column("office_id", ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True),
    Column("service_type_id", ForeignKey("service_types.id", ondelete="CASCADE"), primary_key=True),
)


class Office(db.Model):
    """An e-judicial services office (دفتر خدمات الکترونیک قضایی)."""

    __tablename__ = "offices"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # stable public code
    name_fa: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    address_fa: Mapped[str] = mapped_column(String(300))
    address_en: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(20), default="", server_default="")  # e.g. 021-88001234
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    counters: Mapped[int] = mapped_column(Integer)  # counters installed
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    walkin_reserve: Mapped[float] = mapped_column(Float, default=0.3)  # share of capacity kept for walk-ins
    is_active: Mapped[bool] = mapped_column(default=True)
    # Text a booked citizen "go to counter N" when they are called (the office's choice).
    sms_on_call: Mapped[bool] = mapped_column(default=True, server_default=true())

    district: Mapped[District] = relationship(back_populates="offices")
    services: Mapped[list[ServiceType]] = relationship(secondary=office_services, order_by="ServiceType.letter")
    hours: Mapped[list["OpeningHours"]] = relationship(back_populates="office", order_by="OpeningHours.weekday",
                                                       cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("counters >= 1 AND counters <= 200", name="counters_range"),
        CheckConstraint("walkin_reserve >= 0 AND walkin_reserve <= 1", name="reserve_share"),
        CheckConstraint("slot_minutes >= 5 AND slot_minutes <= 120", name="slot_length"),
    )

    def name(self, locale: str) -> str:
        return self.name_fa if locale == "fa" else self.name_en

    def address(self, locale: str) -> str:
        return self.address_fa if locale == "fa" else self.address_en


class OpeningHours(db.Model):
    """Opening hours for one day of the Iranian week (0 = Saturday … 6 = Friday), Tehran local time."""

    __tablename__ = "opening_hours"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)
    opens: Mapped[dt.time] = mapped_column(Time)
    closes: Mapped[dt.time] = mapped_column(Time)

    office: Mapped[Office] = relationship(back_populates="hours")

    __table_args__ = (
        UniqueConstraint("office_id", "weekday"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("opens < closes", name="opens_before_closes"),
    )


class Closure(db.Model):
    """A day an office is shut: a public holiday (no office: every office) or one office's closure."""

    __tablename__ = "closures"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    reason_fa: Mapped[str] = mapped_column(String(200))
    reason_en: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("office_id", "day"),)


class CounterPlan(db.Model):
    """The counters an office will staff on a day, announced ahead (leave, training): the forecast expects no
    more than these that day."""

    __tablename__ = "counter_plans"
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    counters: Mapped[int] = mapped_column(Integer)
    set_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (CheckConstraint("counters >= 1", name="at_least_one"),)


class TicketKind(str, enum.Enum):
    WALK_IN = "walk_in"
    BOOKED = "booked"
    REMOTE = "remote"  # joined today's line from home (booking.remote_queue): arrived_at is its place in line


class TicketOutcome(str, enum.Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    SERVED = "served"
    NO_SHOW = "no_show"  # called but did not come to the counter
    LEFT = "left"  # left the office before being called


class QueueTicket(db.Model):
    """One visit to an office: from arrival (walk-in or booked) to the end of service or leaving."""

    __tablename__ = "queue_tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    appointment_id: Mapped[Optional[int]] = mapped_column(ForeignKey("appointments.id"), index=True)
    number: Mapped[str] = mapped_column(String(12))  # e.g. A-042, per service and day
    kind: Mapped[str] = mapped_column(String(10))
    arrived_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    counter_no: Mapped[Optional[int]] = mapped_column(Integer)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(10), default=TicketOutcome.WAITING.value)

    office: Mapped[Office] = relationship()
    service_type: Mapped[ServiceType] = relationship()

    __table_args__ = (
        Index("ix_queue_tickets_office_arrived", "office_id", "arrived_at"),
        CheckConstraint("kind IN ('walk_in', 'booked', 'remote')", name="kind_known"),
        CheckConstraint("outcome IN ('waiting', 'called', 'serving', 'served', 'no_show', 'left')",
                        name="outcome_known"),
    )


class CounterShift(db.Model):
    """A period during which one counter of an office was open; ``closed_at`` is empty while it is open."""

    __tablename__ = "counter_shifts"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    counter_no: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_counter_shifts_office_opened", "office_id", "opened_at"),)


class QueueEvent(db.Model):
    """An append-only record of one queue action: who did what, to which ticket, when."""

    __tablename__ = "queue_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    ticket_id: Mapped[Optional[int]] = mapped_column(ForeignKey("queue_tickets.id"), index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (Index("ix_queue_events_office_at", "office_id", "at"),)


class AppendOnlyError(RuntimeError):
    """Raised on an attempt to change or delete a stored queue event."""


@event.listens_for(QueueEvent, "before_update")
def _refuse_event_update(mapper, connection, target) -> None:
    raise AppendOnlyError("queue events are append-only and cannot be changed")


@event.listens_for(QueueEvent, "before_delete")
def _refuse_event_delete(mapper, connection, target) -> None:
    raise AppendOnlyError("queue events are append-only and cannot be deleted")


class Role(str, enum.Enum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Scope(str, enum.Enum):
    DISTRICT = "district"
    PROVINCE = "province"
    NATION = "nation"


class User(UserMixin, db.Model):
    """A member of staff: an operator of one office, a supervisor of a district, province or the nation, or an admin."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(12))
    office_id: Mapped[Optional[int]] = mapped_column(ForeignKey("offices.id"), index=True)
    scope: Mapped[Optional[str]] = mapped_column(String(10))
    province_id: Mapped[Optional[int]] = mapped_column(ForeignKey("provinces.id"))
    district_id: Mapped[Optional[int]] = mapped_column(ForeignKey("districts.id"))
    active: Mapped[bool] = mapped_column(default=True)

    office: Mapped[Optional[Office]] = relationship()
    province: Mapped[Optional[Province]] = relationship()
    district: Mapped[Optional[District]] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('operator', 'supervisor', 'admin')", name="role_known"),
        CheckConstraint("role <> 'operator' OR office_id IS NOT NULL", name="operator_has_office"),
        CheckConstraint("role <> 'supervisor' OR scope IN ('district', 'province', 'nation')",
                        name="supervisor_has_scope"),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)  # scrypt, Werkzeug's default

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    #: The secret of the login this user object was loaded for (set by :mod:`offices.auth`, not stored).
    login_token = None  # type: str | None

    def get_id(self) -> str:  # Flask-Login: what the session and remember-me cookies name
        return self.login_token or ""


class StaffLogin(db.Model):
    """One login of a member of staff on one browser. The session and remember-me cookies carry its secret
    (only a digest is stored), so it ends on logout, when it expires, and when the password changes (the
    password stamp no longer matches)."""

    __tablename__ = "staff_logins"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the secret, hex
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    password_stamp: Mapped[str] = mapped_column(String(64))  # SHA-256 of the password hash at login
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class OfficeEstimate(db.Model):
    """The queueing engine's parameters for one office, refitted from its event log (nightly)."""

    __tablename__ = "office_estimates"
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True)
    fitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    visits: Mapped[int] = mapped_column(Integer, default=0)  # visits the fit used
    # Walk-in arrivals per hour: 7 rows (Saturday first) of 24 hours, Tehran local time.
    arrivals_per_hour: Mapped[list[list[float]]] = mapped_column(JSON)
    service_mean: Mapped[float] = mapped_column(Float)  # minutes
    service_cv: Mapped[float] = mapped_column(Float)
    patience_mean: Mapped[Optional[float]] = mapped_column(Float)  # minutes; empty: nobody seen leaving
    # The lognormal patience's log-scale standard deviation; empty: an exponential patience.
    patience_sigma: Mapped[Optional[float]] = mapped_column(Float)
    # Counters open at each 5 minutes of the first hour after opening: 7 rows (Saturday first) of 12 means over
    # the days worked, or null for a weekday without shifts. Empty: not fitted yet.
    opening_counters: Mapped[Optional[list]] = mapped_column(JSON)
    no_show: Mapped[float] = mapped_column(Float, default=0.1)  # share of booked citizens who do not come
    service_means: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # per service code, minutes


class OfficeHourlyStats(db.Model):
    """One office's figures for one hour (Tehran local), aggregated from tickets and feedback by a job."""

    __tablename__ = "office_hourly_stats"
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True)
    hour_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, primary_key=True)
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    booked_arrivals: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    left_unserved: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)  # minutes, over those served
    wait_max: Mapped[float] = mapped_column(Float, default=0.0)
    waits_over_15: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[float] = mapped_column(Float, default=0.0)  # minutes
    counter_minutes: Mapped[float] = mapped_column(Float, default=0.0)  # minutes of open counters
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_office_hourly_stats_hour", "hour_start"),)


class ComplaintStatus(str, enum.Enum):
    NEW = "new"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"


class Complaint(db.Model):
    """A citizen's complaint or report about an office; its supervisors answer it, the citizen reads the answer."""

    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_code: Mapped[str] = mapped_column(String(16), unique=True)  # the citizen's tracking code for this complaint
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    appointment_code: Mapped[Optional[str]] = mapped_column(String(16))  # optional booking tracking code
    text: Mapped[str] = mapped_column(String(4000))
    contact: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(10), default=ComplaintStatus.NEW.value)
    answer: Mapped[str] = mapped_column(String(4000), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    office: Mapped[Office] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('new', 'in_review', 'resolved')", name="complaint_status_known"),
        Index("ix_complaints_office_status", "office_id", "status"),
    )


class TicketSeries(db.Model):
    """The last ticket number given for one service at one office on one (Tehran) day: A-001, A-002, …

    Taken with a conditional UPDATE so that two desks adding walk-ins at once never print the same number.
    """

    __tablename__ = "ticket_series"
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True)
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class PlanRun(db.Model):
    """One run of the office-planning simulation for a city (``offices.planning``): what was asked, how far
    the background job has got, and its result (JSON), so that the page can show progress and then the plan."""

    __tablename__ = "plan_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    province_id: Mapped[int] = mapped_column(ForeignKey("provinces.id", ondelete="CASCADE"))
    city_en: Mapped[str] = mapped_column(String(80))
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0..1, an estimate while running
    estimated_seconds: Mapped[Optional[float]] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    result: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)
    error: Mapped[str] = mapped_column(String(500), default="")

    province: Mapped[Province] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="plan_status_known"),
        Index("ix_plan_runs_city", "province_id", "city_en", "created_at"),
    )


class OfficeDailyStats(db.Model):
    """One office's figures for one whole Tehran day: the sum of its :class:`OfficeHourlyStats` rows
    (``wait_max`` their maximum), rolled up for the dashboard's multi-day periods."""

    __tablename__ = "office_daily_stats"
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # Tehran
    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    booked_arrivals: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    left_unserved: Mapped[int] = mapped_column(Integer, default=0)
    no_shows: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    wait_max: Mapped[float] = mapped_column(Float, default=0.0)
    waits_over_15: Mapped[int] = mapped_column(Integer, default=0)
    service_sum: Mapped[float] = mapped_column(Float, default=0.0)
    counter_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_office_daily_stats_day", "day"),)


class DailyRollup(db.Model):
    """A Tehran day whose :class:`OfficeDailyStats` rows have been rolled up from the hourly table, and when."""

    __tablename__ = "daily_rollups"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
