"""Citizens on their way to an office: "I'm going" presses and bookings whose slot starts within the hour.

The recommender (:func:`queueing.recommender.recommend`) predicts the wait *on arrival*, so it must count the
citizens Safnama has already sent to an office and who are not yet in its line. They are held in Redis, one
sorted set per office (``enroute:<office id>``): the member is a record id (``going:<random>`` for a press,
``appt:<appointment id>`` for a booking), the score its expected arrival (ETA, Unix seconds).

Each record is also kept for an hour in ``sent:<office id>``, scored by the moment it was made: the number
made in the last hour is the rate at which Safnama is sending citizens to the office (``sent_rate`` of
:class:`queueing.recommender.OfficeState`), some of whom, sent after a citizen but living closer, get there first.

A record counts until its ETA plus :data:`ALLOWANCE`, the largest age of an office's live reading
(:data:`offices.live.STALE_AFTER`): a citizen who arrived after the office's load was read is not yet in its
``waiting`` count, which is why :class:`queueing.recommender.EnRoute` accepts negative ETAs. The key itself
expires with its last record.

Redis errors never fail a booking: the record is then missing, and the recommendation counts one citizen less.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from redis.client import Pipeline

from booking.dates import utcnow
from booking.redis_conn import get_redis
from offices.live import REDIS_ERRORS, STALE_AFTER
from queueing.recommender import travel_minutes

log = logging.getLogger(__name__)

KEY = "enroute:{}"
SENT_KEY = "sent:{}"
#: How far back the records made count towards the rate of citizens sent to an office (seconds).
SENT_WINDOW = 3600.0
#: Seconds a record is kept after its ETA: the largest age of a live reading.
ALLOWANCE = float(STALE_AFTER)
#: A booking counts as "on the way" when its slot starts within this time.
BOOKING_HORIZON = dt.timedelta(hours=1)
#: Travel time assumed when a citizen presses "I'm going" without giving a position (minutes).
DEFAULT_TRAVEL_MINUTES = 20.0
#: Presses accepted per client address (generous: many phones share an address behind a carrier's NAT; it
#: bounds how far one machine can bend the recommendations).
GOING_PER_ADDRESS = "60/minute;600/hour"


@dataclass(frozen=True)
class Going:
    """A citizen recorded on the way to an office.

    Attributes:
        record: the record id (to replace it if the same citizen presses again).
        office_id: the office.
        travel_minutes: expected travel time from where the citizen is (minutes).
        eta: expected arrival (UTC).
        expires_at: when the record stops counting (UTC): ETA plus :data:`ALLOWANCE`.
        en_route: citizens now on their way to the office, this one included.
    """

    record: str
    office_id: int
    travel_minutes: float
    eta: dt.datetime
    expires_at: dt.datetime
    en_route: int


def _add(office_id: int, record: str, eta: dt.datetime, now: dt.datetime) -> int:
    """Store a record, drop those that no longer count, keep the key until its last record expires; note
    when the record was first made (a record written again keeps its first moment).

    Returns:
        Records whose ETA is still ahead of ``now``.
    """
    redis = get_redis()
    key, sent = KEY.format(office_id), SENT_KEY.format(office_id)
    pipe = redis.pipeline(transaction=True)
    pipe.zremrangebyscore(key, "-inf", f"({now.timestamp() - ALLOWANCE}")
    pipe.zadd(key, {record: eta.timestamp()})
    pipe.zrange(key, -1, -1, withscores=True)
    pipe.zcount(key, f"({now.timestamp()}", "+inf")
    pipe.zremrangebyscore(sent, "-inf", f"({now.timestamp() - SENT_WINDOW}")
    pipe.zadd(sent, {record: now.timestamp()}, nx=True)
    pipe.expire(sent, int(SENT_WINDOW) + 1)
    _, _, last, ahead, *_ = pipe.execute()
    redis.expire(key, max(1, int(last[0][1] - now.timestamp() + ALLOWANCE) + 1))
    return int(ahead)


def forget(office_id: int, record: str) -> None:
    """Remove a record (the citizen changed their mind, cancelled, or pressed again elsewhere)."""
    pipe = get_redis().pipeline(transaction=True)
    pipe.zrem(KEY.format(office_id), record)
    pipe.zrem(SENT_KEY.format(office_id), record)
    pipe.execute()


def record_going(office_id: int, office_lat: float, office_lon: float, origin: tuple[float, float] | None,
                 now: dt.datetime | None = None, replaces: tuple[int, str] | None = None) -> Going:
    """Record a citizen who pressed "I'm going": ETA = now + travel from ``origin`` to the office.

    Args:
        office_id, office_lat, office_lon: the office and its position (degrees).
        origin: where the citizen is (degrees), or None: :data:`DEFAULT_TRAVEL_MINUTES` is assumed.
        now: the moment of the press (UTC; default now).
        replaces: ``(office_id, record)`` of the same citizen's previous press, removed first.

    Raises:
        redis.RedisError, OSError: Redis is unreachable (the caller answers "try again").
    """
    now = now or utcnow()
    minutes = DEFAULT_TRAVEL_MINUTES if origin is None else float(
        travel_minutes(origin[0], origin[1], office_lat, office_lon))
    eta = now + dt.timedelta(minutes=minutes)
    if replaces is not None:
        forget(*replaces)
    record = f"going:{secrets.token_hex(8)}"
    ahead = _add(office_id, record, eta, now)
    return Going(record=record, office_id=office_id, travel_minutes=minutes, eta=eta,
                 expires_at=eta + dt.timedelta(seconds=ALLOWANCE), en_route=ahead)


def sync_appointment(appointment, now: dt.datetime | None = None) -> None:
    """Count a booked appointment whose slot starts within :data:`BOOKING_HORIZON` as on its way (ETA: the
    slot's start); remove it otherwise (cancelled, moved later, checked in). A Redis error is logged only.

    Args:
        appointment: a :class:`booking.models.Appointment` with its slot.
        now: the moment (UTC; default now).
    """
    now = now or utcnow()
    starts = appointment.slot.starts_at
    record = f"appt:{appointment.id}"
    counts = appointment.status == "booked" and \
        now - dt.timedelta(seconds=ALLOWANCE) < starts <= now + BOOKING_HORIZON
    try:
        if counts:
            _add(appointment.office_id, record, starts, now)
        else:
            forget(appointment.office_id, record)
    except REDIS_ERRORS as exc:
        log.warning("en-route record of appointment %s not written (%s)", appointment.id, exc)


@dataclass(frozen=True)
class EnRouteReading:
    """What the recommender needs from the records of a set of offices.

    Attributes:
        etas: the ETAs of the records that still count, per office, as Unix seconds (offices with none
            left out).
        sent_last_hour: records made in the last :data:`SENT_WINDOW` seconds, per office (offices with
            none left out).
    """

    etas: dict[int, list[float]]
    sent_last_hour: dict[int, int]

    def sent_rate(self, office_id: int) -> float:
        """Citizens per minute Safnama has sent to the office over the last hour."""
        return self.sent_last_hour.get(office_id, 0) / (SENT_WINDOW / 60.0)


def queue_reads(pipe: Pipeline, office_ids: Sequence[int], now: dt.datetime) -> None:
    """Add the reads of :func:`read_en_route` to a Redis pipeline (two commands per office, in order)."""
    low, since = read_bounds(now)
    for office_id in office_ids:
        pipe.zrangebyscore(KEY.format(office_id), low, "+inf", withscores=True)
        pipe.zcount(SENT_KEY.format(office_id), since, "+inf")


def read_bounds(now: dt.datetime) -> tuple[float, str]:
    """The score bounds :func:`queue_reads` reads from: records still counting, records sent in the window."""
    return now.timestamp() - ALLOWANCE, f"({now.timestamp() - SENT_WINDOW}"


def record_keys(office_ids: Sequence[int]) -> list[str]:
    """The offices' record keys, then their sent keys (the keys a script reading both is given)."""
    return [KEY.format(i) for i in office_ids] + [SENT_KEY.format(i) for i in office_ids]


def reading_from_rows(office_ids: Sequence[int], rows: Sequence[Sequence], counts: Sequence) -> EnRouteReading:
    """The answer of :func:`read_en_route` from a script's replies: each office's ``ZRANGEBYSCORE … WITHSCORES``
    (member, score, member, score…) and its ``ZCOUNT``."""
    etas = {office_id: [float(score) for score in flat[1::2]]
            for office_id, flat in zip(office_ids, rows) if flat}
    sent = {office_id: int(count) for office_id, count in zip(office_ids, counts) if count}
    return EnRouteReading(etas=etas, sent_last_hour=sent)


def reading_from(office_ids: Sequence[int], replies: Sequence) -> EnRouteReading:
    """The answer of :func:`read_en_route` from the replies to :func:`queue_reads`."""
    etas = {office_id: [score for _, score in rows]
            for office_id, rows in zip(office_ids, replies[0::2]) if rows}
    sent = {office_id: int(count) for office_id, count in zip(office_ids, replies[1::2]) if count}
    return EnRouteReading(etas=etas, sent_last_hour=sent)


def read_en_route(office_ids: Sequence[int], now: dt.datetime | None = None) -> EnRouteReading:
    """The records of the offices (one pipelined round trip); empty when Redis is unreachable (logged)."""
    now = now or utcnow()
    try:
        pipe = get_redis().pipeline(transaction=False)
        queue_reads(pipe, office_ids, now)
        replies = pipe.execute()
    except REDIS_ERRORS as exc:
        log.warning("en-route records not read (%s)", exc)
        return EnRouteReading({}, {})
    return reading_from(office_ids, replies)


def en_route_etas(office_ids: Sequence[int], now: dt.datetime | None = None) -> dict[int, list[float]]:
    """The ETAs of the records that still count, per office, as Unix seconds (one pipelined round trip).

    Offices with none are left out; when Redis is unreachable the answer is empty (logged).
    """
    return read_en_route(office_ids, now).etas


def en_route_count(office_id: int, now: dt.datetime | None = None) -> int:
    """Citizens on their way to an office whose ETA is still ahead."""
    now = now or utcnow()
    return sum(eta > now.timestamp() for eta in en_route_etas([office_id], now).get(office_id, []))
