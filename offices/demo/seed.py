"""Write the demo network, staff and queue history to the database, fast.

``seed_demo()`` refuses to write over a database that already has data unless ``force=True`` (then it empties
every application table first). Small tables go through SQLAlchemy Core; the big ones (queue tickets, counter
shifts, feedback) through the driver directly: ``executemany`` on SQLite, ``COPY`` on PostgreSQL, with values
formatted by NumPy. Primary keys are given explicitly (and PostgreSQL's sequences moved past them).

Demo staff: an operator per office (``op-<office code>``), a supervisor per province (``sup-<province code>``),
one per Tehran judicial district (``sup-<district code>``, e.g. ``sup-23-06``), a national supervisor
(``sup-iran``) and ``admin``. Every user of a role has the role's demo password (:data:`DEMO_PASSWORDS`),
hashed once per role.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Integer, func, insert, select, text
from werkzeug.security import generate_password_hash

from booking.dates import tehran_to_utc, to_tehran, utcnow
from booking.extensions import db
from offices.demo.geography import TEHRAN_PROVINCE_CODE
from offices.estimates import REFIT_DAYS, OfficeLog, store_fit
from offices.demo.history import (
    FEEDBACK_COMMENTS,
    OUTCOMES,
    History,
    day_midnight_utc,
    generate_history,
)
from offices.demo.network import (
    DEFAULT_OFFICES,
    OfficeNetwork,
    build_network,
    fa_digits,
)
from offices.service_catalogue import SERVICE_CATALOGUE
from offices.stats import FIGURES, LONG_WAIT

DEFAULT_SEED = 1405
DEMO_PASSWORDS = {"operator": "operator-1405", "supervisor": "supervisor-1405", "admin": "admin-1405"}
CHUNK_ROWS = 250_000
TICKET_COLUMNS = ("id", "office_id", "service_type_id", "number", "kind", "arrived_at", "called_at", "counter_no",
                  "started_at", "ended_at", "outcome", "appointment_id")  # see booked_visits


class DatabaseNotEmpty(RuntimeError):
    """The database already holds data and ``force`` was not given."""


@dataclass
class SeedSummary:
    """What ``seed_demo`` wrote, and how long each part took (seconds)."""

    provinces: int = 0
    districts: int = 0
    offices: int = 0
    users: int = 0
    tickets: int = 0
    counter_shifts: int = 0
    feedback: int = 0
    closures: int = 0
    fitted: int = 0
    appointments: int = 0  # booked visits of the last days linked to appointments (booked_visits)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())

    def report(self) -> str:
        """A few lines for the console: what was written, and how to log in."""
        lines = [
            (f"Seeded {self.provinces} provinces, {self.districts} judicial districts, {self.offices} offices, "
            f"{self.users} staff users in {self.seconds:.1f} s."),
        ]
        if self.first_day:
            lines.append(f"History {self.first_day} .. {self.last_day}: {self.tickets:,} queue tickets, "
                         f"{self.counter_shifts:,} counter shifts, {self.feedback:,} ratings, "
                         f"{self.closures} closures.")
            lines.append(f"Engine parameters fitted for {self.fitted} offices.")
        lines += [
            "Demo logins (username / password):",
            f"  admin / {DEMO_PASSWORDS['admin']}",
            f"  sup-iran (national supervisor) / {DEMO_PASSWORDS['supervisor']}",
            f"  sup-<province code>, e.g. sup-23 (Tehran province) / {DEMO_PASSWORDS['supervisor']}",
            f"  sup-<Tehran district code>, e.g. sup-23-06 (Tehran district 6) / {DEMO_PASSWORDS['supervisor']}",
            f"  op-<office code>, e.g. op-230001 / {DEMO_PASSWORDS['operator']}",
        ]
        return "\n".join(lines)


def _count(table_name: str) -> int:
    table = db.metadata.tables[table_name]
    return int(db.session.execute(select(func.count()).select_from(table)).scalar_one())


def database_is_empty() -> bool:
    """True when there are no provinces, offices, service types or users (the run command seeds then)."""
    return all(_count(name) == 0 for name in ("provinces", "offices", "service_types", "users"))


def wipe_data() -> None:
    """Delete every row of every application table (the demo data and anything added since)."""
    db.session.rollback()
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


# --- value formatting, vectorised ---

def _iso_seconds(epoch: np.ndarray) -> np.ndarray:
    """Unix seconds as a (n, 19) uint32 array of the characters ``YYYY-MM-DD HH:MM:SS``."""
    text_ = np.datetime_as_string(epoch.astype("datetime64[s]"), unit="s")
    chars = np.ascontiguousarray(text_.astype("U19")).view(np.uint32).reshape(-1, 19).copy()
    chars[:, 10] = ord(" ")
    return chars


def _with_suffix(chars: np.ndarray, suffix: str) -> np.ndarray:
    out = np.empty((chars.shape[0], chars.shape[1] + len(suffix)), dtype=np.uint32)
    out[:, : chars.shape[1]] = chars
    out[:, chars.shape[1]:] = np.array([ord(c) for c in suffix], dtype=np.uint32)
    return out.view(f"U{out.shape[1]}").reshape(-1)


class DatetimeText:
    """Formats Unix seconds as database text through a lookup table of every second the data can hold.

    Building the table once (a few million strings, one per second of each day's active hours) and indexing it
    is much faster than formatting tens of millions of values one by one.
    """

    def __init__(self, arrays: Iterable[np.ndarray], suffix: str, null: str | None = None) -> None:
        valid = np.concatenate([a[a >= 0] for a in arrays])
        if len(valid) == 0:
            valid = np.zeros(1, dtype=np.int64)
        day, second = np.divmod(valid, 86400)
        self.first_day, self.first_second = int(day.min()), int(second.min())
        self.width = int(second.max()) - self.first_second + 1
        days = int(day.max()) - self.first_day + 1
        epochs = ((self.first_day + np.arange(days, dtype=np.int64))[:, None] * 86400 + self.first_second
                  + np.arange(self.width, dtype=np.int64)[None, :]).ravel()
        self.table = np.empty(len(epochs) + 1, dtype=object)
        self.table[:-1] = _with_suffix(_iso_seconds(epochs), suffix).astype(object)
        self.table[-1] = null

    def objects(self, epoch: np.ndarray) -> np.ndarray:
        """An object array of strings (``null`` where ``epoch`` is -1)."""
        day, second = np.divmod(epoch, 86400)
        index = (day - self.first_day) * self.width + (second - self.first_second)
        return self.table[np.where(epoch < 0, len(self.table) - 1, index)]

    def strings(self, epoch: np.ndarray) -> list[str | None]:
        return self.objects(epoch).tolist()


# --- bulk writing ---

ROWS_PER_STATEMENT = 100  # SQLite: multi-row INSERT … VALUES (…), (…) cuts the per-row cost by about a quarter


def _bulk_write(raw: Any, dialect: str, table: str, columns: Sequence[str], values: list[np.ndarray],
                bar: Any = None) -> None:
    """Write columns of values (NumPy arrays, one per column, ``None`` / ``\\N`` for empty).

    SQLite: ``executemany`` of a multi-row ``INSERT``; PostgreSQL: ``COPY`` text (the values already text).
    """
    n = len(values[0]) if values else 0
    width = len(columns)
    cursor = raw.cursor()
    if dialect == "sqlite":
        row = "(" + ", ".join("?" * width) + ")"
        head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
        many = head + ", ".join([row] * ROWS_PER_STATEMENT)
        for lo in range(0, n, CHUNK_ROWS):
            hi = min(n, lo + CHUNK_ROWS)
            block = np.empty((hi - lo, width), dtype=object)
            for j, column in enumerate(values):
                block[:, j] = column[lo:hi]
            full = (hi - lo) // ROWS_PER_STATEMENT * ROWS_PER_STATEMENT
            if full:
                cursor.executemany(many, block[:full].reshape(-1, ROWS_PER_STATEMENT * width).tolist())
            if full < hi - lo:
                cursor.executemany(head + row, block[full:].tolist())
            if bar is not None:
                bar.update(hi - lo)
    else:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for lo in range(0, n, CHUNK_ROWS):
                hi = min(n, lo + CHUNK_ROWS)
                lines = map("\t".join, zip(*(column[lo:hi].tolist() for column in values)))
                copy.write("\n".join(lines) + "\n")
                if bar is not None:
                    bar.update(hi - lo)
    cursor.close()


def _lookup(codes: np.ndarray, labels: Sequence[str | None]) -> np.ndarray:
    """Integer codes as their labels: an object array sharing one Python string per label."""
    table = np.empty(len(labels), dtype=object)
    table[:] = list(labels)
    return table[codes.astype(np.int64)]


def _ticket_numbers(history: History) -> np.ndarray:
    """Ticket numbers such as ``A-042`` (letter of the service, number of the day), through a lookup table."""
    top = int(history.t_seq.max()) if history.tickets else 0
    labels = [f"{s.letter}-{k:03d}" for s in SERVICE_CATALOGUE for k in range(top + 1)]
    return _lookup(history.t_service.astype(np.int64) * (top + 1) + history.t_seq, labels)


def fit_seeded_offices(history: History, now: dt.datetime | None = None, days: int = REFIT_DAYS) -> int:
    """Fit every seeded office's engine parameters on the generated log's last ``days`` days, as the nightly
    refit (:func:`offices.estimates.refit_office`) would on the written tickets, but from the arrays in
    memory: the site's forecasts have fitted parameters from its first minute. Returns the offices fitted."""
    now = now or utcnow()
    today = to_tehran(now).date()
    first_day = today - dt.timedelta(days=days)
    origin, end = day_midnight_utc(first_day), day_midnight_utc(today)
    codes = [service.code for service in SERVICE_CATALOGUE]
    recent = (history.t_arrived >= origin) & (history.t_arrived < end)
    t_office = history.t_office[recent]
    arrived = (history.t_arrived[recent] - origin) / 60.0
    started, ended = ((np.where(history.t_started[recent] >= 0, history.t_started[recent] - origin, np.nan) / 60.0,
                       np.where(history.t_ended[recent] >= 0, history.t_ended[recent] - origin, np.nan) / 60.0))
    outcome, booked, service = history.t_outcome[recent], history.t_booked[recent], history.t_service[recent]
    shift_recent = (history.s_opened >= origin) & (history.s_opened < end)
    s_office = history.s_office[shift_recent]
    opened = (history.s_opened[shift_recent] - origin) / 60.0
    closed = np.where(history.s_closed[shift_recent] < 0, opened * 60.0 + 3600.0,
                      history.s_closed[shift_recent] - origin) / 60.0
    t_order, s_order = np.argsort(t_office, kind="stable"), np.argsort(s_office, kind="stable")
    fitted = 0
    for office in np.unique(np.concatenate([t_office, s_office])):
        log = OfficeLog()
        picked = t_order[np.searchsorted(t_office[t_order], office):np.searchsorted(t_office[t_order], office,
                                                                                       side="right")]
        for a, st, en, out, bk, sv in zip(arrived[picked].tolist(), started[picked].tolist(), ended[picked].tolist(),
                                           outcome[picked].tolist(), booked[picked].tolist(), service[picked].tolist()):
            log.add(a, None if st != st else st, None if en != en else en, OUTCOMES[out], bk, codes[sv])  # NaN: none
        spans = s_order[np.searchsorted(s_office[s_order], office):np.searchsorted(s_office[s_order], office,
                                                                                     side="right")]
        log.shifts = sorted((float(opened[k]), float(closed[k])) for k in spans)
        fitted += store_fit(int(office) + 1, first_day, log, now) is not None
    return fitted


def write_history(history: History, raw: Any, dialect: str, bar: Any = None,
                  appointment_of: np.ndarray | None = None) -> None:
    """Write the queue tickets, counter shifts and feedback of ``history`` (``appointment_of``: each ticket's
    appointment id, 0 for none)."""
    sqlite = dialect == "sqlite"
    null = None if sqlite else "\\N"

    def ints(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.int64)
        return values if sqlite else values.astype(str)

    def optional_ints(values: np.ndarray) -> np.ndarray:  # 0 means empty
        top = int(values.max()) if len(values) else 0
        return _lookup(values, [null] + [v if sqlite else str(v) for v in range(1, top + 1)])

    times = (history.t_arrived, history.t_called, history.t_started, history.t_ended)
    text_of = DatetimeText([*times, history.s_opened, history.s_closed, history.f_created],
                           ".000000" if sqlite else "+00", null)
    n = history.tickets
    _bulk_write(raw, dialect, "queue_tickets", TICKET_COLUMNS, [
        ints(np.arange(1, n + 1)), ints(history.t_office + 1), ints(history.t_service + 1),
        _ticket_numbers(history), _lookup(history.t_booked, ["walk_in", "booked"]),
        text_of.objects(history.t_arrived), text_of.objects(history.t_called), optional_ints(history.t_counter),
        text_of.objects(history.t_started), text_of.objects(history.t_ended),
        _lookup(history.t_outcome, list(OUTCOMES)),
        optional_ints(appointment_of if appointment_of is not None else np.zeros(n, dtype=np.int64))], bar=bar)

    m = len(history.s_office)
    _bulk_write(raw, dialect, "counter_shifts", ("id", "office_id", "counter_no", "opened_at", "closed_at"), [
        ints(np.arange(1, m + 1)), ints(history.s_office + 1), ints(history.s_counter),
        text_of.objects(history.s_opened), text_of.objects(history.s_closed)], bar=bar)

    f = len(history.f_ticket)
    _bulk_write(raw, dialect, "feedback", ("id", "office_id", "ticket_id", "rating", "comment", "created_at"), [
        ints(np.arange(1, f + 1)), ints(history.t_office[history.f_ticket] + 1), ints(history.f_ticket + 1),
        ints(history.f_rating), _lookup(history.f_comment + 1, [""] + [c for _, c in FEEDBACK_COMMENTS]),
        text_of.objects(history.f_created)], bar=bar)


#: The booked visits of this many last days of the history are linked to appointments (and their time slots), so
#: that the records' "booked served on time" has something to count; older booked visits stay unlinked.
APPOINTMENT_DAYS = 7
_APPOINTMENT_STATUS = {"served": "served", "no_show": "no_show", "left": "checked_in"}


def _national_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct valid national IDs (the official check digit) as 10-character strings."""
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        body = rng.integers(0, 10, (2 * (n - len(out)) + 8, 9))
        body = body[body[:, 0] != body[:, 1]]  # never ten equal digits
        remainder = (body * np.arange(10, 1, -1)).sum(axis=1) % 11
        check = np.where(remainder < 2, remainder, 11 - remainder)
        for row, c in zip(body.astype(str), check):
            text_ = "".join(row) + str(c)
            if text_ not in seen:
                seen.add(text_)
                out.append(text_)
                if len(out) == n:
                    break
    return np.array(out, dtype=object)


def _tracking_codes(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` distinct tracking codes from the booking's alphabet (``booking.appointments.CODE_ALPHABET``)."""
    from booking.appointments import CODE_ALPHABET, CODE_LENGTH

    alphabet = np.array(list(CODE_ALPHABET))
    codes = np.unique(["".join(row) for row in alphabet[rng.integers(0, len(alphabet), (n + 16, CODE_LENGTH))]])
    while len(codes) < n:
        extra = ["".join(row) for row in alphabet[rng.integers(0, len(alphabet), (n, CODE_LENGTH))]]
        codes = np.unique(np.concatenate([codes, extra]))
    return rng.permutation(codes)[:n].astype(object)


def booked_visits(history: History, network: OfficeNetwork, seed: int) -> dict[str, np.ndarray]:
    """The appointments behind the booked visits of the history's last :data:`APPOINTMENT_DAYS` days and their
    time slots (one per office and slot start; the capacity is the office's counters, at least what was booked).

    Returns column arrays: ``ticket`` (index into the history's tickets), ``slot`` (index into the slot rows),
    ``slot_office``, ``slot_start``, ``slot_booked``, ``slot_capacity``, ``national_id``, ``mobile``, ``code``.
    """
    rng = np.random.default_rng([seed, 7])
    since = tehran_to_utc(dt.datetime.combine(history.days[-1] - dt.timedelta(days=APPOINTMENT_DAYS - 1),
                                              dt.time())).timestamp()
    ticket = np.flatnonzero((history.t_slot >= 0) & (history.t_arrived >= since))
    key = history.t_office[ticket].astype(np.int64) * 10**10 + history.t_slot[ticket]
    slot_key, slot = np.unique(key, return_inverse=True)
    slot_booked = np.bincount(slot, minlength=len(slot_key))
    slot_office = (slot_key // 10**10).astype(np.int64)
    counters = np.array([o.counters for o in network.offices], dtype=np.int64)
    ids = _national_ids(rng, len(ticket))
    return {"ticket": ticket, "slot": slot, "slot_office": slot_office, "slot_start": slot_key % 10**10,
            "slot_booked": slot_booked, "slot_capacity": np.maximum(slot_booked, counters[slot_office]),
            "national_id": ids, "mobile": np.array(["09" + i[:9] for i in ids], dtype=object),
            "code": _tracking_codes(rng, len(ticket))}


def write_appointments(history: History, visits: dict[str, np.ndarray], network: OfficeNetwork, raw: Any,
                       dialect: str) -> None:
    """Write the time slots and appointments of :func:`booked_visits` (the tickets name them: ``appointment_id``)."""
    sqlite = dialect == "sqlite"

    def ints(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.int64)
        return values if sqlite else values.astype(str)

    n_slots, n = len(visits["slot_office"]), len(visits["ticket"])
    if n == 0:
        return
    slot_minutes = np.array([o.slot_minutes for o in network.offices], dtype=np.int64)
    text_of = DatetimeText([visits["slot_start"], history.t_arrived[visits["ticket"]]],
                           ".000000" if sqlite else "+00")
    _bulk_write(raw, dialect, "time_slots", ("id", "office_id", "starts_at", "minutes", "capacity", "booked"), [
        ints(np.arange(1, n_slots + 1)), ints(visits["slot_office"] + 1), text_of.objects(visits["slot_start"]),
        ints(slot_minutes[visits["slot_office"]]), ints(visits["slot_capacity"]), ints(visits["slot_booked"])])
    ticket = visits["ticket"]
    # Booked a day or more before the visit (the history does not say when: the evening three days before).
    created = visits["slot_start"][visits["slot"]] - 3 * 86400
    created_text = DatetimeText([created], ".000000" if sqlite else "+00")
    status = _lookup(history.t_outcome[ticket], [_APPOINTMENT_STATUS[o] for o in OUTCOMES])
    _bulk_write(raw, dialect, "appointments", ("id", "tracking_code", "national_id", "mobile", "office_id",
                                               "service_type_id", "slot_id", "status", "created_at"), [
        ints(np.arange(1, n + 1)), visits["code"], visits["national_id"], visits["mobile"],
        ints(history.t_office[ticket] + 1), ints(history.t_service[ticket] + 1), ints(visits["slot"] + 1), status,
        created_text.objects(created)])


HOURLY_COLUMNS = ("office_id", "hour_start", *FIGURES)


def _local_hour_start(epoch: np.ndarray, midnights: np.ndarray) -> np.ndarray:
    """Unix seconds of the start of the Tehran local hour holding each moment (``midnights``: the local
    midnights, in UTC Unix seconds, of consecutive days covering every moment)."""
    midnight = midnights[np.searchsorted(midnights, epoch, side="right") - 1]
    return midnight + (epoch - midnight) // 3600 * 3600


def hourly_stats(history: History) -> dict[str, np.ndarray]:
    """The hourly table (:class:`offices.models.OfficeHourlyStats`) of ``history``, computed from its arrays by the
    rules of :func:`offices.stats.aggregate_hours`, which the jobs use on live data (a test checks that the two
    agree row for row): one array per column of :data:`HOURLY_COLUMNS`, ``office_id`` as an office index and
    ``hour_start`` in Unix seconds."""
    no_rows = {name: np.zeros(0, dtype=np.int64) for name in HOURLY_COLUMNS}
    if not history.days:
        return no_rows
    first, last = history.days[0] - dt.timedelta(days=1), history.days[-1] + dt.timedelta(days=2)
    midnights = np.array([day_midnight_utc(first + dt.timedelta(days=i)) for i in range((last - first).days + 1)],
                         dtype=np.int64)
    t_hour = _local_hour_start(history.t_arrived, midnights)
    # Counter shifts, cut at the local hours they span.
    opened, closed = history.s_opened, np.where(history.s_closed < 0, int(utcnow().timestamp()), history.s_closed)
    s_hour0 = _local_hour_start(opened, midnights)
    spans = int(((closed - s_hour0 + 3599) // 3600).max(initial=0))
    s_office, s_hour, s_minutes = [], [], []
    for k in range(spans):
        hour = s_hour0 + 3600 * k
        overlap = np.minimum(closed, hour + 3600) - np.maximum(opened, hour)
        keep = overlap > 0
        s_office.append(history.s_office[keep])
        s_hour.append(hour[keep])
        s_minutes.append(overlap[keep] / 60.0)
    f_office = history.t_office[history.f_ticket]
    f_hour = _local_hour_start(history.f_created, midnights)

    offices = np.concatenate([history.t_office, *s_office, f_office]).astype(np.int64)
    hours = np.concatenate([t_hour, *s_hour, f_hour]).astype(np.int64)
    if hours.size == 0:
        return no_rows
    base = int(hours.min())
    width = int(hours.max() - base) // 3600 + 1
    keys, row = np.unique(offices * width + (hours - base) // 3600, return_inverse=True)
    n_rows = len(keys)
    n_t, n_s = history.tickets, sum(len(a) for a in s_office)
    t_row, s_row, f_row = row[:n_t], row[n_t:n_t + n_s], row[n_t + n_s:]

    def count(rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(rows, weights=weights, minlength=n_rows)

    outcome = np.asarray(OUTCOMES, dtype=object)[history.t_outcome]
    served = (outcome == "served") & (history.t_started >= 0) & (history.t_ended >= 0)
    wait = np.maximum(0.0, (history.t_started - history.t_arrived) / 60.0)[served]
    service = np.maximum(0.0, (history.t_ended - history.t_started) / 60.0)[served]
    wait_max = np.zeros(n_rows)
    np.maximum.at(wait_max, t_row[served], wait)
    return {
        "office_id": keys // width, "hour_start": base + keys % width * 3600,
        "arrivals": count(t_row), "booked_arrivals": count(t_row[history.t_booked == 1]),
        "served": count(t_row[served]), "left_unserved": count(t_row[outcome == "left"]),
        "no_shows": count(t_row[outcome == "no_show"]),
        "wait_sum": np.round(count(t_row[served], wait), 3), "wait_max": np.round(wait_max, 3),
        "waits_over_15": count(t_row[served][wait > LONG_WAIT]),
        "service_sum": np.round(count(t_row[served], service), 3),
        "counter_minutes": np.round(count(s_row, np.concatenate([np.zeros(0), *s_minutes])), 3),
        "rating_sum": count(f_row, history.f_rating.astype(float)).astype(np.int64), "ratings": count(f_row),
    }


def write_hourly_stats(stats: dict[str, np.ndarray], raw: Any, dialect: str, bar: Any = None) -> None:
    """Write :func:`hourly_stats` into ``office_hourly_stats``."""
    sqlite = dialect == "sqlite"
    hours, index = np.unique(stats["hour_start"].astype(np.int64), return_inverse=True)
    hour_text = _with_suffix(_iso_seconds(hours), ".000000" if sqlite else "+00").astype(object)[index]
    columns = [stats["office_id"].astype(np.int64) + 1, hour_text]
    columns += [stats[name] for name in HOURLY_COLUMNS[2:]]  # counts are integer arrays, minutes float ones
    if not sqlite:  # COPY takes text
        columns = [c if c.dtype == object else c.astype(str) for c in columns]
    _bulk_write(raw, dialect, "office_hourly_stats", HOURLY_COLUMNS, columns, bar=bar)


def _minutes_to_time(minutes: int) -> dt.time:
    return dt.time(minutes // 60, minutes % 60)


def write_network(network: OfficeNetwork, history: History | None) -> int:
    """Write provinces, districts, services, offices, hours, closures and staff with Core; returns users."""
    from offices.models import (
        Closure,
        District,
        Office,
        OpeningHours,
        Province,
        ServiceType,
        User,
        office_services,
    )

    session = db.session
    province_id = {p.code: i + 1 for i, p in enumerate(network.provinces)}
    session.execute(insert(Province), [{
        "id": province_id[p.code], "code": p.code, "name_fa": p.name_fa, "name_en": p.name_en, "capital_fa": p.capital.name_fa,
        "capital_en": p.capital.name_en, "lat": p.capital.lat, "lon": p.capital.lon, "population": p.population}
        for p in network.provinces])
    district_id = {d.code: i + 1 for i, d in enumerate(network.districts)}
    session.execute(insert(District), [{
        "id": district_id[d.code], "province_id": province_id[d.province_code], "code": d.code, "name_fa": d.name_fa,
        "name_en": d.name_en, "city_fa": d.city_fa, "city_en": d.city_en, "lat": d.lat, "lon": d.lon}
        for d in network.districts])
    service_id = {s.code: i + 1 for i, s in enumerate(SERVICE_CATALOGUE)}
    session.execute(insert(ServiceType), [{
        "id": service_id[s.code], "code": s.code, "letter": s.letter, "name_fa": s.name_fa, "name_en": s.name_en,
        "typical_minutes": s.typical_minutes} for s in SERVICE_CATALOGUE])
    session.execute(insert(Office), [{
        "id": i + 1, "code": o.code, "name_fa": o.name_fa, "name_en": o.name_en, "address_fa": o.address_fa,
        "address_en": o.address_en, "phone": o.phone, "lat": o.lat, "lon": o.lon, "district_id": district_id[o.district_code],
        "counters": o.counters, "slot_minutes": o.slot_minutes, "walkin_reserve": o.walkin_reserve, "is_active": True}
        for i, o in enumerate(network.offices)])
    session.execute(insert(office_services), [{"office_id": i + 1, "service_type_id": service_id[code]}
                                              for i, o in enumerate(network.offices) for code in o.services])
    hours = [{"office_id": i + 1, "weekday": wd, "opens": _minutes_to_time(o.opens[wd]),
                  "closes": _minutes_to_time(o.closes[wd])}
             for i, o in enumerate(network.offices) for wd in range(7) if o.opens[wd] >= 0]
    session.execute(insert(OpeningHours), [dict(id=k + 1, **row) for k, row in enumerate(hours)])
    if history is not None:
        closures = [{"office_id": None, "day": h.day, "reason_fa": h.reason_fa, "reason_en": h.reason_en}
                    for h in history.holidays]
        closures += [{"office_id": office + 1, "day": day, "reason_fa": fa, "reason_en": en}
                     for office, day, fa, en in history.office_closures]
        if closures:
            session.execute(insert(Closure), [dict(id=k + 1, **row) for k, row in enumerate(closures)])

    hashes = {role: generate_password_hash(password) for role, password in DEMO_PASSWORDS.items()}
    users: list[dict[str, Any]] = [
        {"username": "admin", "password_hash": hashes["admin"], "full_name": "مدیر سامانه", "role": "admin"},
        {"username": "sup-iran", "password_hash": hashes["supervisor"], "full_name": "ناظر کشوری",
             "role": "supervisor", "scope": "nation"},
    ]
    users += [{"username": f"sup-{p.code}", "password_hash": hashes["supervisor"],
                   "full_name": f"ناظر استان {p.name_fa}", "role": "supervisor", "scope": "province",
                   "province_id": province_id[p.code]} for p in network.provinces]
    users += [{"username": f"sup-{d.code}", "password_hash": hashes["supervisor"], "full_name": f"ناظر {d.name_fa}",
                   "role": "supervisor", "scope": "district", "province_id": province_id[d.province_code],
                   "district_id": district_id[d.code]}
              for d in network.districts
              if d.province_code == TEHRAN_PROVINCE_CODE and d.city_en == "Tehran"]
    users += [{"username": f"op-{o.code}", "password_hash": hashes["operator"],
                   "full_name": f"اپراتور دفتر {fa_digits(o.code)}", "role": "operator", "office_id": i + 1}
              for i, o in enumerate(network.offices)]
    defaults = {"office_id": None, "scope": None, "province_id": None, "district_id": None, "active": True}
    session.execute(insert(User), [dict(defaults, id=k + 1, **row) for k, row in enumerate(users)])
    return len(users)


BULK_TABLES = ("feedback", "counter_shifts", "queue_tickets", "office_hourly_stats", "appointments")


def _bulk_indexes() -> list[Any]:
    """The secondary indexes that the load would update out of order, as the models declare them.

    The bulk rows go in by office and time, so the indexes by office and time grow at their end and cost little;
    the hourly table's index by hour alone would be updated all over (five times the load's own time).
    """
    return sorted(db.metadata.tables["office_hourly_stats"].indexes, key=lambda index: index.name)


def _drop_foreign_keys() -> list[str]:
    """Drop the foreign keys of the bulk tables for the load (PostgreSQL checks them row by row otherwise).

    Returns the statements that re-create them exactly as the database had them (read from the catalogue).
    """
    db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    restore: list[str] = []
    for table in BULK_TABLES:
        rows = db.session.execute(text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f' ORDER BY conname"), {"table": table}).all()
        for name, definition in rows:
            db.session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
            restore.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    return restore


def _fix_postgres_sequences() -> None:
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and isinstance(table.c.id.type, Integer):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))


def seed_demo(offices: int = DEFAULT_OFFICES, days: int = 60, seed: int = DEFAULT_SEED, force: bool = False,
              progress: bool = True, end_day: dt.date | None = None) -> SeedSummary:
    """Seed the demo network, staff and ``days`` days of history ending ``end_day`` (default: yesterday).

    Raises:
        DatabaseNotEmpty: the database has data and ``force`` is false.
    """
    from tqdm import tqdm

    if not database_is_empty() and not force:
        raise DatabaseNotEmpty("the database already has data; use --force to wipe it and seed the demo data again")
    summary = SeedSummary()
    clock = time.perf_counter()
    if force:
        wipe_data()
    network = build_network(offices, seed)
    summary.timings["network"] = time.perf_counter() - clock

    clock = time.perf_counter()
    history: History | None = None
    if days > 0:
        with tqdm(total=1, desc="Simulating history", unit="step", disable=not progress, leave=False) as bar:
            def step(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            history = generate_history(network, days=days, seed=seed, end_day=end_day, on_step=step)
    summary.timings["simulate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        # Outside a transaction: no fsync while loading; restored afterwards. (The journal mode stays as it is:
        # leaving write-ahead logging needs the only connection to the file, which a running site may not be.)
        db.session.commit()
        db.session.execute(text("PRAGMA synchronous = OFF"))
        db.session.execute(text("PRAGMA foreign_keys = OFF"))  # the generated keys are consistent by construction
        db.session.execute(text("PRAGMA cache_size = -262144"))
    try:
        summary.users = write_network(network, history)
        if history is not None:
            stats = hourly_stats(history)
            rows = history.tickets + len(history.s_office) + len(history.f_ticket) + len(stats["office_id"])
            connection = db.session.connection()
            raw = connection.connection.driver_connection
            dropped = _drop_foreign_keys() if dialect == "postgresql" else []
            for index in _bulk_indexes():  # built once after the load
                index.drop(connection)
            visits = booked_visits(history, network, seed)
            appointment_of = np.zeros(history.tickets, dtype=np.int64)
            appointment_of[visits["ticket"]] = np.arange(1, len(visits["ticket"]) + 1)
            write_appointments(history, visits, network, raw, dialect)
            summary.appointments = len(visits["ticket"])
            with tqdm(total=rows, desc="Writing history", unit="row", unit_scale=True, disable=not progress,
                      leave=False) as bar:
                write_history(history, raw, dialect, bar, appointment_of)
                write_hourly_stats(stats, raw, dialect, bar)
            for index in _bulk_indexes():
                index.create(connection)
            for statement in dropped:  # re-created, and so checked, in one pass each
                db.session.execute(text(statement))
        if dialect == "postgresql":
            _fix_postgres_sequences()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if dialect == "sqlite":  # (DDL is not rolled back here: a failed load must still leave every index)
            connection = db.session.connection()
            for index in _bulk_indexes():
                index.create(connection, checkfirst=True)
            db.session.execute(text("PRAGMA synchronous = NORMAL"))
            db.session.execute(text("PRAGMA foreign_keys = ON"))
            db.session.execute(text("PRAGMA cache_size = -2000"))
            db.session.commit()
    summary.timings["write"] = time.perf_counter() - clock

    if history is not None:
        clock = time.perf_counter()
        # As the nightly refit would the night after the history's last day (today for a history ending yesterday).
        after = tehran_to_utc(dt.datetime.combine(history.days[-1] + dt.timedelta(days=1), dt.time(0, 30)))
        now = utcnow()
        summary.fitted = fit_seeded_offices(history, now=now if now < after + dt.timedelta(days=1) else after)
        db.session.commit()
        summary.timings["fit"] = time.perf_counter() - clock

    summary.provinces = len(network.provinces)
    summary.districts = len(network.districts)
    summary.offices = len(network.offices)
    if history is not None:
        summary.tickets = history.tickets
        summary.counter_shifts = len(history.s_office)
        summary.feedback = len(history.f_ticket)
        summary.closures = len(history.holidays) + len(history.office_closures)
        summary.first_day, summary.last_day = history.days[0], history.days[-1]
    return summary
