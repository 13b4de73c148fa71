"""Each office's live load: people waiting, in service, counters open and the wait of someone joining now.

The load is computed from the database (tickets and counter shifts of today) and the office's engine
parameters (:mod:`offices.estimates`), and kept in Redis under ``live:<office id>`` as JSON, so that the
citizens' pages and the API read many offices with one ``MGET``.

* :func:`refresh_live_load` recomputes offices after a queue action and writes Redis;
* :func:`read_live_loads` reads many offices; an office missing from Redis is computed and written back;
  when Redis is away the loads come from the database, marked ``stale``;
* :func:`rebuild_live_state` recomputes every active office (after Redis returns, and every minute).

Redis errors never fail a queue action: the database is the truth, Redis a cache of it.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields

import redis
from sqlalchemy import func, select

from booking.dates import tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from booking.models import Appointment, TimeSlot
from booking.redis_conn import get_redis
from offices import forecast
from offices.call_policy import grace_windows, in_grace_window
from offices.models import CounterShift, Office, QueueTicket, ServiceType, TicketKind, TicketOutcome

log = logging.getLogger(__name__)

KEY = "live:{}"
# The public JSON of a load (``as_dict`` but ``stale``), prefixed by its time: served as is by the API.
PUBLIC_KEY = "live-public:{}"
# Channel announcing the offices (comma-separated ids) whose public load was just written.
PUBLIC_CHANNEL = "live-public"
# A load older than this (seconds) is shown as stale: the jobs that refresh it are not running.
STALE_AFTER = 300
# How long Redis keeps a load (seconds); the minute job rewrites every office well before.
TTL = 3600
REDIS_ERRORS = (redis.RedisError, OSError)

# A booked citizen coming now is called after those of earlier slots and of their own (a slot starting within
# half a slot's length of now) who are waiting in their window; those of later slots come after them.
OWN_SLOT_AHEAD = dt.timedelta(minutes=7.5)

# Level thresholds on the median wait (minutes) of someone joining now.
LEVELS = ((5.0, "quiet"), (15.0, "moderate"), (30.0, "busy"))


@dataclass
class LiveLoad:
    """An office's load now. Waits are minutes for someone joining the line now; ``updated_at`` is UTC."""

    office_id: int
    waiting: int = 0
    waiting_by_service: dict[str, int] = field(default_factory=dict)
    in_service: int = 0
    counters_open: int = 0
    wait_mean: float = 0.0
    wait_p50: float = 0.0
    wait_p90: float = 0.0
    updated_at: dt.datetime = field(default_factory=utcnow)
    opens_at: dt.datetime | None = None  # closed now: the next opening (UTC); the waits are those at opening
    no_counter_open: bool = False  # open, but no counter is open yet (the waits count the counters expected)
    # Of ``waiting``: the booked citizens in their window who go before one booked now, by when each window
    # closes (Unix time), in the order they are called; one not called by then goes back to the common line.
    booked_windows_close: list[float] = field(default_factory=list)
    stale: bool = False

    @property
    def level(self) -> str:
        """``closed`` (closed now), ``no_counter`` (open, no counter open yet), else ``quiet`` / ``moderate`` /
        ``busy`` / ``very_busy`` from the median wait: a closed or unstaffed office is never "quiet"."""
        if self.opens_at is not None:
            return "closed"
        if self.no_counter_open:
            return "no_counter"
        for limit, name in LEVELS:
            if self.wait_p50 < limit:
                return name
        return "very_busy"

    @property
    def age_seconds(self) -> float:
        return max(0.0, (utcnow() - self.updated_at).total_seconds())

    def to_json(self) -> str:
        data = asdict(self)
        data["updated_at"] = self.updated_at.isoformat()
        data["opens_at"] = self.opens_at.isoformat() if self.opens_at is not None else None
        del data["stale"]
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: bytes | str, now: dt.datetime | None = None) -> LiveLoad:
        """Read a stored load; ``now`` (UTC) decides staleness, given once when reading many."""
        data = json.loads(raw)
        data["updated_at"] = dt.datetime.fromisoformat(data["updated_at"])
        if data.get("opens_at"):
            data["opens_at"] = dt.datetime.fromisoformat(data["opens_at"])
        known = {f.name for f in fields(cls)}
        load = cls(**{key: value for key, value in data.items() if key in known})  # another version's fields
        load.stale = ((now or utcnow()) - load.updated_at).total_seconds() > STALE_AFTER
        return load

    def as_dict(self) -> dict:
        """For JSON responses: ISO time, the level, rounded minutes."""
        return {"office_id": self.office_id, "waiting": self.waiting, "waiting_by_service": self.waiting_by_service,
                "in_service": self.in_service, "counters_open": self.counters_open,
                "wait_mean": round(self.wait_mean, 1), "wait_p50": round(self.wait_p50, 1),
                "wait_p90": round(self.wait_p90, 1), "level": self.level,
                "opens_at": self.opens_at.isoformat() if self.opens_at is not None else None,
                "updated_at": self.updated_at.isoformat(), "stale": self.stale}

    def public_document(self) -> bytes:
        """``<Unix time of the reading>|<as_dict() as compact JSON, sorted keys, "stale":false>``."""
        body = json.dumps(dict(self.as_dict(), stale=False), sort_keys=True, separators=(",", ":"))
        return f"{self.updated_at.timestamp()}|{body}".encode()


def today_start_utc(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight in Tehran of the current day, as UTC: the start of "today's" queue."""
    local = to_tehran(now or utcnow())
    return tehran_to_utc(dt.datetime.combine(local.date(), dt.time(0, 0)))


def compute_live_loads(office_ids: Sequence[int], now: dt.datetime | None = None) -> dict[int, LiveLoad]:
    """The loads of many offices from the database: four queries and one vectorised engine call."""
    ids = list(dict.fromkeys(office_ids))
    if not ids:
        return {}
    now = now or utcnow()
    since = today_start_utc(now)
    loads = {office_id: LiveLoad(office_id=office_id, updated_at=now) for office_id in ids}
    rows = db.session.execute(
        select(QueueTicket.office_id, QueueTicket.outcome, ServiceType.code, func.count())
        .join(ServiceType, ServiceType.id == QueueTicket.service_type_id)
        .where(QueueTicket.office_id.in_(ids), QueueTicket.arrived_at >= since,
               QueueTicket.outcome.in_((TicketOutcome.WAITING.value, TicketOutcome.CALLED.value,
                                        TicketOutcome.SERVING.value)))
        .group_by(QueueTicket.office_id, QueueTicket.outcome, ServiceType.code))
    for office_id, outcome, code, count in rows:
        load = loads[office_id]
        if outcome == TicketOutcome.WAITING.value:
            load.waiting += count
            load.waiting_by_service[code] = load.waiting_by_service.get(code, 0) + count
        else:
            load.in_service += count
    late = grace_windows()[1]
    for office_id, slot_start in db.session.execute(
            select(QueueTicket.office_id, TimeSlot.starts_at)
            .join(Appointment, Appointment.id == QueueTicket.appointment_id)
            .join(TimeSlot, TimeSlot.id == Appointment.slot_id)
            .where(QueueTicket.office_id.in_(ids), QueueTicket.arrived_at >= since,
                   QueueTicket.outcome == TicketOutcome.WAITING.value, QueueTicket.kind == TicketKind.BOOKED.value)
            .order_by(TimeSlot.starts_at, QueueTicket.arrived_at, QueueTicket.id)):  # the call policy's order
        if slot_start <= now + OWN_SLOT_AHEAD and in_grace_window(slot_start, now):
            loads[office_id].booked_windows_close.append((slot_start + late).timestamp())
    for office_id, count in db.session.execute(
            select(CounterShift.office_id, func.count(func.distinct(CounterShift.counter_no)))
            .where(CounterShift.office_id.in_(ids), CounterShift.closed_at.is_(None))
            .group_by(CounterShift.office_id)):
        loads[office_id].counters_open = count
    _apply_waits(loads, ids, now)
    return loads


def _apply_waits(loads: dict[int, LiveLoad], ids: list[int], now: dt.datetime) -> None:
    """Fill the waits of someone joining now from the one forecast (:mod:`offices.forecast`): the counters
    expected now when none is open yet, the wait at the next opening when the office is closed."""
    for office_id, answer in zip(ids, forecast.forecast_waits([(i, now) for i in ids], now=now, loads=loads)):
        if answer is not None:
            load = loads[office_id]
            load.wait_mean, load.wait_p50, load.wait_p90 = answer.mean, answer.p50, answer.p90
            load.opens_at = None if answer.is_open else (answer.opens_at or answer.at)
            load.no_counter_open = answer.no_counter_open


def _write(loads: Iterable[LiveLoad]) -> None:
    pipe = get_redis().pipeline(transaction=False)
    ids = []
    for load in loads:
        pipe.set(KEY.format(load.office_id), load.to_json(), ex=TTL)
        pipe.set(PUBLIC_KEY.format(load.office_id), load.public_document(), ex=TTL)
        ids.append(str(load.office_id))
    if ids:
        pipe.publish(PUBLIC_CHANNEL, ",".join(ids))
    pipe.execute()


def refresh_live_load(office_id: int | Sequence[int]) -> dict[int, LiveLoad]:
    """Recompute offices' loads from the database and write them to Redis (a Redis error is logged only)."""
    ids = [office_id] if isinstance(office_id, int) else list(office_id)
    loads = compute_live_loads(ids)
    try:
        _write(loads.values())
    except REDIS_ERRORS as exc:
        log.warning("live load not written to Redis (%s); it is rebuilt when Redis returns", exc)
        for load in loads.values():
            load.stale = True
    return loads


def read_live_loads(office_ids: Sequence[int]) -> dict[int, LiveLoad]:
    """The live loads of many offices: one ``MGET``; missing ones, and any written on an earlier day, are
    computed and written back.

    When Redis is away the loads are computed from the database and marked ``stale``.
    """
    ids = list(dict.fromkeys(office_ids))
    if not ids:
        return {}
    try:
        raws = get_redis().mget([KEY.format(i) for i in ids])
    except REDIS_ERRORS:
        loads = compute_live_loads(ids)
        for load in loads.values():
            load.stale = True
        return loads
    found: dict[int, LiveLoad] = {}
    missing: list[int] = []
    now = utcnow()
    today = today_start_utc(now)
    for office_id, raw in zip(ids, raws):
        load = LiveLoad.from_json(raw, now) if raw is not None else None
        if load is None or load.updated_at < today:  # another day's line (no job ran since): made again
            missing.append(office_id)
        else:
            found[office_id] = load
    if missing:
        found.update(refresh_live_load(missing))
    return found



forecast.use_live_loads(read_live_loads)


def rebuild_live_state(office_ids: Sequence[int] | None = None, chunk: int = 500) -> int:
    """Recompute and write the live load of every active office (or those given); returns how many."""
    ids = list(office_ids) if office_ids is not None else list(
        db.session.scalars(select(Office.id).where(Office.is_active.is_(True)).order_by(Office.id)))
    for start in range(0, len(ids), chunk):
        refresh_live_load(ids[start:start + chunk])
    return len(ids)


def waiting_counts(office_ids: Sequence[int]) -> dict[int, int]:
    """People waiting now per office, from the database (used by tests and the bench)."""
    counts: dict[int, int] = defaultdict(int)
    for office_id, n in db.session.execute(
            select(QueueTicket.office_id, func.count())
            .where(QueueTicket.office_id.in_(office_ids), QueueTicket.outcome == TicketOutcome.WAITING.value,
                   QueueTicket.arrived_at >= today_start_utc())
            .group_by(QueueTicket.office_id)):
        counts[office_id] = n
    return dict(counts)
